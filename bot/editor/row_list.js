/* An editable list of rows (variants, buttons, links, channel answers): inputs plus add/remove. */
import { button, el } from "/editor/dom.js";
import { t } from "/editor/i18n.js";

export class RowList {
  /** columns: [{key, label, cls?, wide?}]; rows: initial values [{key: value}]. */
  constructor(id, columns, addKey, rows) {
    this.columns = columns;
    this.list = el("ul", { id, class: "rows" });
    this.root = el("div", "row-list", this.list, button(addKey, "small add-row", () => this.add({}, true)));
    this.root.lastChild.id = `${id}-add`;
    rows.forEach((row) => this.add(row, false));
  }

  add(row, focus) {
    const inputs = this.columns.map((c) => {
      const input = el(c.wide ? "textarea" : "input", { class: `row-input ${c.cls || ""}`, rows: c.wide ? 2 : null,
        "aria-label": t(c.label), placeholder: t(c.label), dataset: { key: c.key } });
      input.value = row[c.key] || "";
      return input;
    });
    const item = el("li", "row", ...inputs, button("remove", "small link remove-row", () => item.remove()));
    this.list.append(item);
    if (focus) inputs[0].focus();
  }

  values() {
    return [...this.list.children].map((item) => {
      const out = {};
      for (const input of item.querySelectorAll(".row-input")) out[input.dataset.key] = input.value;
      return out;
    });
  }
}
