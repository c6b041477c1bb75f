/* After an edit conflict: the editor's own unsaved version beside the latest one, field by field,
 * with "use mine" to put a field back into the form. Nothing the editor typed is lost by reloading.
 */
import { button, el } from "/editor/dom.js";

const FIELDS = { question: "f_question", variants: "f_variants", answer: "f_answer", channel_answers: "f_channel_answers",
  buttons: "f_buttons", links: "f_links", category: "f_category", tags: "f_tags", language: "f_language",
  action: "f_action", handoff: "f_handoff" };

/** JSON with sorted keys and empty values alike, so equal content compares equal. */
function canonical(value) {
  if (value == null || value === "" || value === false) return "";
  if (Array.isArray(value)) return value.length ? `[${value.map(canonical).join(",")}]` : "";
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return keys.length ? `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}` : "";
  }
  return JSON.stringify(value);
}

function shown(value) {
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : Object.values(v).join(" → "))).join("\n");
  if (value && typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join("\n");
  return value == null ? "" : String(value);
}

function useButton(field, onclick) {
  const node = button("use_mine", "small use-mine", onclick);
  node.dataset.field = field;
  return node;
}

export class MyVersion {
  /** mine: the form's content when the conflict happened; onUse(field): put mine[field] into the form. */
  constructor(mine, onUse) {
    this.mine = mine;
    this.onUse = onUse;
  }

  /** The panel for the form now showing `current`: only the fields where mine still differs. */
  render(current) {
    const differing = Object.keys(FIELDS).filter((f) => canonical(this.mine[f]) !== canonical(current[f]));
    return el("section", { id: "my-version", class: "my-version", "aria-live": "polite" },
      el("h3", { i18n: "mine_title" }),
      el("p", { class: "hint", i18n: differing.length ? "mine_hint" : "mine_done" }),
      differing.length ? el("dl", "mine-fields", ...differing.flatMap((f) => [
        el("dt", null, el("span", { i18n: FIELDS[f] }), " ", useButton(f, () => this.onUse(f))),
        el("dd", { class: "pre mine-value", dataset: { field: f }, text: shown(this.mine[f]) })])) : null);
  }
}
