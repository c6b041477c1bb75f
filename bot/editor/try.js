/* "Try it": what the live bot decides for a question, its ranked candidates with confidences,
 * which phrasing matched, and the semantic (dense) and lexical parts of the score. */
import { api } from "/editor/api.js";
import { clear, el, toast } from "/editor/dom.js";
import { label, onLanguage, t } from "/editor/i18n.js";

export class TryPage {
  constructor(root) {
    this.root = root;
    this.input = el("input", { id: "try-input", type: "search", "data-i18n-placeholder": "try_placeholder", placeholder: t("try_placeholder"),
      "aria-label": t("try_placeholder") });
    this.result = el("div", { id: "try-result", "aria-live": "polite" });
    this.last = null;
    root.append(el("h2", { i18n: "view_try" }), el("p", { class: "hint", i18n: "try_hint" }),
      el("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); this.run(); } },
        this.input, el("button", { type: "submit", id: "try-button", class: "primary", i18n: "try_button" })),
      this.result);
    onLanguage(() => { if (this.last) this.render(this.last); });
  }

  show() { this.input.focus(); }

  async run() {
    if (!this.input.value.trim()) return;
    try {
      this.last = await api.tryIt(this.input.value);
      this.render(this.last);
    } catch (e) {
      toast(e.describe(), "error");
    }
  }

  render(body) {
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    const rows = body.candidates.map((c, i) => el("tr", { class: "candidate", dataset: { entry: c.entry_id } },
      el("td", { text: String(i + 1) }),
      el("td", null, el("a", { href: `#/entries/${encodeURIComponent(c.entry_id)}`, text: c.question || c.entry_id }),
        el("div", { class: "muted", text: c.entry_id })),
      el("td", { class: "num confidence", text: pct(c.confidence) }),
      el("td", null, el("span", { class: "matched", text: c.matched }), " ",
        el("span", { class: "badge", text: t(c.matched_variant ? "matched_variant" : "matched_question") })),
      el("td", { class: "num", text: c.dense.toFixed(3) }), el("td", { class: "num", text: c.lexical.toFixed(3) })));
    clear(this.result).append(
      el("p", null, el("span", { i18n: "decision" }), ": ",
        el("strong", { id: "try-decision", class: `decision decision-${body.decision}`, dataset: { decision: body.decision },
          text: label("decision", body.decision) })),
      el("p", { class: "muted", text: t("thresholds", { a: body.thresholds.answer, c: body.thresholds.clarify }) }),
      el("table", { id: "try-candidates", class: "table" },
        el("thead", null, el("tr", null, el("th", { text: "#" }), el("th", { i18n: "entry" }), el("th", { i18n: "confidence" }),
          el("th", { i18n: "matched" }), el("th", { i18n: "dense" }), el("th", { i18n: "lexical" }))),
        el("tbody", null, ...rows)));
  }
}
