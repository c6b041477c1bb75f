/* An entry's version history: who changed it when, a diff against the previous version or the
 * current one, and rollback (the old content comes back as a draft, live on the next publish; like
 * a save it names the revision the form was read at, and a conflict is shown by the form).
 */
import { api } from "/editor/api.js";
import { button, clear, el, formatTime, toast } from "/editor/dom.js";
import { label, t } from "/editor/i18n.js";

export class History {
  /** base(): the revision the form was read at; conflict(): show that the entry changed meanwhile. */
  constructor(entryId, { restored, base, conflict }) {
    this.entryId = entryId;
    this.restored = restored;
    this.base = base;
    this.conflict = conflict;
    this.list = el("ol", { id: "history-list", class: "history-list", reversed: true });
    this.diffView = el("div", { id: "diff-view", class: "diff-view", "aria-live": "polite" });
    this.root = el("section", { id: "history", class: "history", hidden: true },
      el("h3", { i18n: "history" }), this.list, this.diffView);
  }

  async toggle() {
    this.root.hidden = !this.root.hidden;
    if (!this.root.hidden) await this.load();
  }

  async load() {
    clear(this.diffView);
    try {
      const { revisions } = await api.history(this.entryId);
      clear(this.list).append(...revisions.map((r) => this.row(r)));
    } catch (e) {
      if (e.status !== 401) toast(e.describe(), "error");
    }
  }

  row(r) {
    const deleted = r.entry === null;
    return el("li", { class: "revision", dataset: { revision: String(r.revision) } },
      el("div", "revision-head",
        el("strong", { text: t("revision", { n: r.revision }) }),
        el("span", { class: "muted", text: `${label("change", r.change)} · ${r.changed_by} · ${formatTime(r.changed_at)}` })),
      deleted ? el("p", { class: "muted", i18n: "deleted_revision" }) : el("p", { class: "revision-answer", text: r.entry.answer }),
      el("div", "revision-actions",
        button("diff_previous", "small diff-previous", () => this.diff(r.revision, "previous")),
        button("diff_current", "small diff-current", () => this.diff(r.revision, "current")),
        deleted ? null : button("rollback", "small rollback", () => this.rollback(r.revision))));
  }

  async diff(revision, against) {
    try {
      const body = await api.diff(this.entryId, revision, against);
      const head = el("p", { class: "muted", text: `${body.from ?? "—"} → ${body.to}` });
      if (!body.changes.length) { clear(this.diffView).append(head, el("p", { i18n: "no_changes" })); return; }
      clear(this.diffView).append(head, el("dl", "diff", ...body.changes.flatMap((c) => [
        el("dt", { text: c.field }), el("dd", null, describe(c))])));
    } catch (e) {
      toast(e.describe(), "error");
    }
  }

  async rollback(revision) {
    try {
      const { entry } = await api.rollback(this.entryId, revision, this.base());
      toast(t("rolled_back", { n: revision }));
      this.restored(entry);
    } catch (e) {
      if (e.code === "edit_conflict") this.conflict(); else toast(e.describe(), "error");
    }
  }
}

/** A text change as inline <del>/<ins> runs, a list change as added/removed items. */
function describe(change) {
  if (change.segments) {
    return el("p", "pre segments", ...change.segments.map(([op, text]) =>
      op === "equal" ? el("span", { text }) : el(op === "insert" ? "ins" : "del", { text })));
  }
  if (change.added || change.removed) {
    const item = (v) => (typeof v === "string" ? v : JSON.stringify(v));
    return el("ul", "list-diff",
      ...(change.added || []).map((v) => el("li", "added", el("ins", { text: `+ ${item(v)}` }))),
      ...(change.removed || []).map((v) => el("li", "removed", el("del", { text: `− ${item(v)}` }))));
  }
  return el("p", null, el("del", { text: JSON.stringify(change.before) }), " → ", el("ins", { text: JSON.stringify(change.after) }));
}
