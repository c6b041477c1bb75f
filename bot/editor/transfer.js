/* Import (file -> preview of new / changed / removed entries and per-row errors -> apply) and export. */
import { api } from "/editor/api.js";
import { button, clear, el, field, option, problemList, toast } from "/editor/dom.js";
import { label, onLanguage, t } from "/editor/i18n.js";

export class TransferPage {
  constructor(root, { changed }) {
    this.root = root;
    this.changed = changed;
    this.file = el("input", { id: "import-file", type: "file", accept: ".csv,.xlsx,.json,.yml,.yaml" });
    this.mode = el("select", { id: "import-mode" });
    this.result = el("div", { id: "import-result", "aria-live": "polite" });
    this.apply = el("button", { type: "button", id: "import-apply", class: "primary", i18n: "apply", disabled: true, onclick: () => this.run(true) });
    this.format = el("select", { id: "export-format" }, ...["csv", "xlsx", "json", "yaml"].map((f) => option(f, f.toUpperCase())));
    this.scope = el("select", { id: "export-scope" });
    this.download = el("a", { id: "export-button", class: "button-link", i18n: "export", download: "" });
    this.last = null;
    root.append(
      el("section", "card", el("h2", { i18n: "import_title" }), el("p", { class: "hint", i18n: "import_hint" }),
        el("div", "inline-form", field("file", this.file), field("mode", this.mode),
          button("preview", "preview-button", () => this.run(false)), this.apply),
        this.result),
      el("section", "card", el("h2", { i18n: "export_title" }),
        el("div", "inline-form", field("format", this.format), field("scope", this.scope), this.download)));
    root.querySelector(".preview-button").id = "import-preview";
    this.file.addEventListener("change", () => { this.apply.disabled = true; clear(this.result); });
    this.mode.addEventListener("change", () => { this.apply.disabled = true; clear(this.result); });
    for (const node of [this.format, this.scope]) node.addEventListener("change", () => this.syncLink());
    this.fillSelects();
    onLanguage(() => { this.fillSelects(); if (this.last) this.render(this.last); });
  }

  fillSelects() {
    const mode = this.mode.value || "merge", scope = this.scope.value || "published";
    clear(this.mode).append(option("merge", t("mode_merge"), mode === "merge"), option("replace", t("mode_replace"), mode === "replace"));
    clear(this.scope).append(option("published", t("scope_published"), scope === "published"), option("all", t("scope_all"), scope === "all"));
    this.syncLink();
  }

  syncLink() { this.download.href = api.exportUrl(this.format.value, this.scope.value); }

  show() {}

  async run(apply) {
    const file = this.file.files[0];
    if (!file) { toast(t("choose_file"), "error"); return; }
    this.apply.disabled = true;
    try {
      const body = apply ? await api.importApply(file, this.mode.value) : await api.importPreview(file, this.mode.value);
      this.last = { body, apply };
      this.render(this.last);
      if (apply) { toast(t("applied", { v: body.version })); this.changed(); }
      else this.apply.disabled = false; // only a clean preview can be applied
    } catch (e) {
      if (e.status === 401) return;
      this.last = { error: { message: e.describe(), problems: e.problems } };
      this.render(this.last);
    }
  }

  render({ body, apply, error }) {
    if (error) {
      const count = Math.max(error.problems.length, 1);
      clear(this.result).append(el("div", { id: "import-errors", class: "form-error", role: "alert" },
        el("p", { text: error.problems.length ? t("import_errors", { n: count }) : error.message }), problemList(error.problems)));
      return;
    }
    const rows = [
      ...body.new.map((e) => ["new", e]), ...body.changed.map((e) => ["changed", e]), ...body.removed.map((e) => ["removed", e]),
    ].map(([kind, e]) => el("tr", { class: `change change-${kind}`, dataset: { id: e.id } },
      el("td", { text: label("change", kind) }), el("td", { text: e.id }), el("td", { text: e.status }),
      el("td", { text: (e.fields || []).join(", ") })));
    clear(this.result).append(
      el("p", { id: "import-summary", class: apply ? "ok" : "", text: (apply ? `${t("applied", { v: body.version })} · ` : "")
        + t("summary", { new: body.new.length, changed: body.changed.length, removed: body.removed.length, unchanged: body.unchanged }) }),
      rows.length ? el("table", { id: "import-table", class: "table" },
        el("thead", null, el("tr", null, el("th", { i18n: "operation" }), el("th", { i18n: "entry" }), el("th", { i18n: "status" }),
          el("th", { i18n: "field" }))), el("tbody", null, ...rows)) : null);
  }
}
