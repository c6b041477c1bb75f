/* Learn from misses: groups of questions the bot missed, most customers first, each with a
 * suggestion. Accept is one click (variants of the chosen entry, or a new entry: a draft that goes
 * live on publish); dismiss removes the group for good.
 */
import { api } from "/editor/api.js";
import { button, clear, el, field, formatTime, option, problemList, toast } from "/editor/dom.js";
import { label, onLanguage, t } from "/editor/i18n.js";

const NEW = "__new__";

export class MissesPage {
  constructor(root, { changed, openEntry }) {
    this.root = root;
    this.changed = changed;
    this.openEntry = openEntry;
    this.days = el("select", { id: "misses-days", "aria-label": t("days") });
    this.list = el("ul", { id: "misses-list", class: "misses" });
    this.groups = [];
    root.append(el("h2", { i18n: "view_misses" }), el("p", { class: "hint", i18n: "misses_hint" }),
      el("div", "inline-form", this.days, button("refresh", "small", () => this.load())), this.list);
    this.days.addEventListener("change", () => this.load());
    this.fillDays("30");
    onLanguage(() => { this.fillDays(this.days.value); this.render(); });
  }

  fillDays(keep) {
    clear(this.days).append(...["7", "30", "90", "365"].map((d) => option(d, t("days_n", { n: d }), d === keep)));
  }

  show() { this.load(); }

  async load() {
    try {
      this.groups = (await api.misses(this.days.value)).groups;
      this.render();
    } catch (e) {
      if (e.status !== 401) toast(e.describe(), "error");
    }
  }

  render() {
    clear(this.list);
    if (!this.groups.length) { this.list.append(el("li", { class: "empty", i18n: "no_misses" })); return; }
    this.groups.forEach((g) => this.list.append(this.groupView(g)));
  }

  groupView(g) {
    const target = el("select", { class: "miss-target", "aria-label": t("target") },
      ...g.candidates.map((c) => option(c.entry_id, `${t("as_variant_of", { q: c.question, id: c.entry_id })} · ${(c.confidence * 100).toFixed(0)}%`,
        g.suggestion.kind === "variant" && g.suggestion.entry_id === c.entry_id)),
      option(NEW, t("as_new"), g.suggestion.kind === "new"));
    const newId = el("input", { class: "miss-new-id", "aria-label": t("new_id"), placeholder: t("new_id") });
    const newAnswer = el("textarea", { class: "miss-new-answer", rows: 2, "aria-label": t("new_answer"), placeholder: t("new_answer") });
    const newFields = el("div", "miss-new", field("new_id", newId), field("new_answer", newAnswer));
    const error = el("div", { class: "form-error", role: "alert", hidden: true });
    const sync = () => { newFields.hidden = target.value !== NEW; };
    target.addEventListener("change", sync);
    sync();
    const suggestion = g.suggestion.kind === "variant"
      ? t("suggest_variant", { q: (g.candidates.find((c) => c.entry_id === g.suggestion.entry_id) || {}).question || g.suggestion.entry_id })
      : t("suggest_new");
    const reasons = Object.entries(g.reasons).map(([r, n]) => `${label("reason", r)} ${n}`).join(" · ");
    const item = el("li", { class: "miss-group", dataset: { key: g.key } },
      el("div", "miss-head", el("strong", { class: "miss-representative", text: g.representative }),
        el("span", { class: "miss-customers", text: t("customers_n", { n: g.customers }) }),
        el("span", { class: "muted", text: `${t("asked_n", { n: g.asked })} · ${t("last_asked", { t: formatTime(g.last_asked) })}` })),
      el("ul", "miss-questions", ...g.questions.map((q) => el("li", { class: "miss-question", text: q }))),
      el("p", { class: "muted", text: reasons }),
      el("p", { class: "miss-suggestion", text: suggestion }),
      el("div", "miss-actions", target, button("accept", "primary small accept", () => this.accept(g, target.value, newId, newAnswer, error)),
        button("dismiss", "small dismiss", () => this.dismiss(g))),
      newFields, error);
    return item;
  }

  async accept(group, target, newId, newAnswer, error) {
    const body = target === NEW
      ? { questions: group.questions, new_entry: { id: newId.value.trim(), answer: newAnswer.value } }
      : { questions: group.questions, entry_id: target };
    error.hidden = true;
    try {
      const { entry } = await api.accept(body);
      toast(t("accepted"));
      this.changed();
      this.groups = this.groups.filter((g) => g !== group);
      this.render();
      this.lastAccepted = entry.id;
    } catch (e) {
      if (e.status === 401) return;
      clear(error).append(el("p", { text: e.describe() }), problemList(e.problems));
      error.hidden = false;
    }
  }

  async dismiss(group) {
    try {
      await api.dismiss(group.questions);
      toast(t("dismissed"));
      this.groups = this.groups.filter((g) => g !== group);
      this.render();
    } catch (e) {
      toast(e.describe(), "error");
    }
  }
}
