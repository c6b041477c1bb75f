/* The whole-KB check: variants closer to another entry, near-duplicate entries, entries without variants. */
import { api } from "/editor/api.js";
import { button, clear, el, toast } from "/editor/dom.js";
import { onLanguage, t } from "/editor/i18n.js";

const entryLink = (id, question) => el("a", { href: `#/entries/${encodeURIComponent(id)}`, text: question ? `${question} (${id})` : id });

export class KbCheckPage {
  constructor(root) {
    this.root = root;
    this.out = el("div", { id: "check-result", "aria-live": "polite" });
    this.last = null;
    root.append(el("h2", { i18n: "view_check" }), el("p", { class: "hint", i18n: "check_hint" }),
      button("check_button", "primary", () => this.run()), this.out);
    this.root.querySelector("button").id = "check-button";
    onLanguage(() => { if (this.last) this.render(this.last); });
  }

  show() {}

  async run() {
    clear(this.out).append(el("p", { class: "muted", i18n: "checking" }));
    try {
      this.last = await api.check();
      this.render(this.last);
    } catch (e) {
      clear(this.out);
      toast(e.describe(), "error");
    }
  }

  render(r) {
    const section = (id, key, items) => el("section", { id, class: "check-section" },
      el("h3", null, el("span", { i18n: key }), el("span", { class: "count", text: String(items.length) })),
      items.length ? el("ul", "check-list", ...items) : el("p", { class: "muted", i18n: "none_found" }));
    clear(this.out).append(
      section("check-confused", "confused", r.confused_variants.map((c) => el("li", "check-item",
        el("strong", { text: `“${c.variant}”` }), " — ", entryLink(c.entry_id), " · ",
        el("span", { text: t("closer_to", { id: "" }) }), entryLink(c.closer_entry, c.closer_question),
        el("span", { class: "muted", text: ` (${c.own_similarity} / ${c.other_similarity}; ${t("search_answers", { id: c.search_top })})` })))),
      section("check-duplicates", "near_duplicates", r.near_duplicates.map((d) => el("li", "check-item",
        entryLink(d.first, d.first_question), " ≈ ", entryLink(d.second, d.second_question),
        el("span", { class: "muted", text: ` ${t("similarity")} ${d.similarity}${d.same_answer ? ` · ${t("same_answer")}` : ""}` })))),
      section("check-novariants", "no_variants", r.no_variants.map((n) => el("li", "check-item", entryLink(n.id, n.question)))));
  }
}
