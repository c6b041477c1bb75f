/* One entry: the form (question, variants, answer, per-channel answers, buttons, links, action,
 * handoff, category, tags, language), saved as a draft; the live version beside it; its history.
 * Every change names the revision the form was read at; if someone else changed the entry since,
 * the server refuses (409) and the form keeps what was typed, says who changed it and when, and
 * offers the latest version with the typed text beside it (MyVersion).
 */
import { api } from "/editor/api.js";
import { button, clear, el, field, formatTime, option, problemList, toast } from "/editor/dom.js";
import { History } from "/editor/history.js";
import { label, t } from "/editor/i18n.js";
import { MyVersion } from "/editor/my_version.js";
import { RowList } from "/editor/row_list.js";

export class EntryForm {
  constructor(root, { saved, deleted }) {
    this.root = root;
    this.saved = saved;
    this.deleted = deleted;
    this.current = null; // {id, draft, live, revision} or null for a new entry
    this.isNew = false;
    this.mine = null; // after a conflict: the editor's unsaved version, shown beside the latest
    this.conflict = null; // the conflict message while it applies to the form as shown
  }

  empty() { this.current = null; this.isNew = false; this.mine = null; this.conflict = null; clear(this.root).append(el("p", { class: "placeholder", i18n: "pick_entry" })); }

  openNew() { this.current = null; this.isNew = true; this.mine = null; this.conflict = null; this.render({}); }

  /** mine: the editor's unsaved version to show beside the one loaded (after a conflict). */
  async open(id, mine = null) {
    this.isNew = false;
    this.mine = mine ? new MyVersion(mine, (key) => this.useMine(key)) : null;
    this.conflict = null;
    try {
      this.current = await api.entry(id);
      this.render(this.current.draft || this.current.live);
      if (this.mine) this.root.querySelector("#my-version").scrollIntoView({ block: "start" });
    } catch (e) {
      if (e.status === 401) return;
      clear(this.root).append(el("p", { class: "form-error", role: "alert", text: e.describe() }));
    }
  }

  rerender() { if (this.isNew || this.current) this.render(this.read()); }

  render(entry) {
    const c = this.current;
    const state = this.isNew ? "state_new" : c.draft ? (c.live ? "state_draft" : "state_new") : "state_live";
    this.inputs = {
      id: el("input", { id: "f-id", value: entry.id || "", readonly: this.isNew ? null : true, required: true }),
      question: el("input", { id: "f-question", value: entry.question || "", required: true }),
      answer: el("textarea", { id: "f-answer", rows: 5, value: entry.answer || "" }),
      category: el("input", { id: "f-category", value: entry.category || "" }),
      tags: el("input", { id: "f-tags", value: (entry.tags || []).join(", ") }),
      language: el("select", { id: "f-language" }, ...["", "zh", "en"].map((v) => option(v, v ? label("lang", v) : t("lang_none"), v === (entry.language || "")))),
      action: el("input", { id: "f-action", value: entry.action || "" }),
      handoff: el("input", { id: "f-handoff", type: "checkbox", checked: entry.handoff }),
    };
    this.variants = new RowList("variant-list", [{ key: "text", cls: "variant", label: "f_variants" }], "add_variant",
      (entry.variants || []).map((text) => ({ text })));
    this.channels = new RowList("channel-list", [{ key: "channel", label: "channel" }, { key: "answer", label: "f_answer", wide: true }],
      "add_channel_answer", Object.entries(entry.channel_answers || {}).map(([channel, answer]) => ({ channel, answer })));
    this.buttons = new RowList("button-list", [{ key: "title", label: "button_title" }, { key: "payload", label: "payload" }], "add_button", entry.buttons || []);
    this.links = new RowList("link-list", [{ key: "title", label: "link_title" }, { key: "url", label: "url" }], "add_link", entry.links || []);
    this.error = el("div", { id: "form-error", class: "form-error", role: "alert", hidden: true });
    const form = el("form", { id: "entry-form", class: "entry-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); this.save(); } },
      el("div", "form-head", el("span", { id: "form-state", class: `state state-${state}`, i18n: state }),
        this.isNew ? null : button("history", "small", () => this.history.toggle())),
      field("f_id", this.inputs.id), field("f_question", this.inputs.question),
      el("fieldset", "group", el("legend", { i18n: "f_variants" }), this.variants.root),
      field("f_answer", this.inputs.answer),
      c && c.draft && c.live && c.live.answer !== entry.answer
        ? el("details", "live-answer", el("summary", { i18n: "live_answer" }), el("p", { class: "pre", text: c.live.answer })) : null,
      el("fieldset", "group", el("legend", { i18n: "f_channel_answers" }), this.channels.root),
      el("fieldset", "group", el("legend", { i18n: "f_buttons" }), this.buttons.root),
      el("fieldset", "group", el("legend", { i18n: "f_links" }), this.links.root),
      el("div", "row3", field("f_category", this.inputs.category), field("f_tags", this.inputs.tags), field("f_language", this.inputs.language)),
      el("div", "row3", field("f_action", this.inputs.action), field("f_handoff", this.inputs.handoff, "field check")),
      this.error,
      el("div", "form-actions",
        el("button", { type: "submit", id: "save-entry", class: "primary", i18n: "save" }),
        c && c.draft ? el("button", { type: "button", id: "discard-draft", class: "danger", i18n: "discard_draft", onclick: (e) => this.discard(e.currentTarget) }) : null,
        this.isNew ? null : el("button", { type: "button", id: "delete-entry", class: "danger", i18n: "delete", onclick: (e) => this.remove(e.currentTarget) })));
    this.history = new History(this.isNew ? "" : entry.id, {
      restored: (saved) => { this.saved(saved); this.open(saved.id); },
      base: () => this.current && this.current.revision,
      conflict: () => this.showConflict(),
    });
    clear(this.root).append(...(this.mine ? [this.mine.render(this.read())] : []), form, this.history.root);
    if (this.conflict) this.renderConflict();
  }

  read() {
    const i = this.inputs;
    const channel_answers = {};
    for (const row of this.channels.values()) if (row.channel.trim()) channel_answers[row.channel.trim()] = row.answer;
    return {
      id: i.id.value.trim(), question: i.question.value.trim(), answer: i.answer.value,
      variants: this.variants.values().map((r) => r.text.trim()).filter(Boolean),
      channel_answers, buttons: this.buttons.values().filter((r) => r.title.trim() || r.payload.trim()),
      links: this.links.values().filter((r) => r.title.trim() || r.url.trim()),
      category: i.category.value.trim(), tags: i.tags.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean),
      language: i.language.value, action: i.action.value.trim() || null, handoff: i.handoff.checked,
    };
  }

  async save() {
    const entry = this.read();
    this.error.hidden = true;
    try {
      const body = this.isNew ? await api.create(entry)
        : await api.update(entry.id, (({ id, ...rest }) => rest)(entry), this.current.revision);
      toast(t("saved"));
      this.isNew = false;
      this.saved(body.entry);
      await this.open(body.entry.id);
    } catch (e) {
      if (e.status === 401) return;
      if (e.code === "edit_conflict") { await this.showConflict(); return; }
      clear(this.error).append(el("p", { text: e.describe() }), problemList(e.problems));
      this.error.hidden = false;
    }
  }

  /** The server refused a change because the entry changed since it was read. The form is left as
   * it is (the typed text stays); the message says who changed it, when and how, from the history. */
  async showConflict() {
    let change = null;
    try {
      change = (await api.history(this.current.id)).revisions.find((r) => r.change !== "publish") || null;
    } catch (e) { /* the message without names still says what to do */ }
    this.conflict = change ? { by: change.changed_by, at: change.changed_at, change: change.change } : {};
    this.renderConflict();
  }

  renderConflict() {
    const c = this.conflict;
    const deleted = c.change === "delete";
    const text = c.by ? t(deleted ? "conflict_deleted" : "conflict", { by: c.by, at: formatTime(c.at), change: label("change", c.change) })
      : t("conflict_unknown");
    clear(this.error).append(
      el("p", { id: "conflict-message", text }),
      el("p", { i18n: deleted ? "conflict_deleted_hint" : "conflict_hint" }),
      deleted ? null : el("button", { type: "button", id: "conflict-reload", class: "small", i18n: "conflict_reload",
        onclick: () => this.open(this.current.id, this.read()) }));
    this.error.dataset.conflict = "yes";
    this.error.hidden = false;
    this.error.scrollIntoView({ block: "nearest" });
  }

  /** After a conflict: put one field of the editor's own version back into the form. */
  useMine(key) {
    this.render({ ...this.read(), [key]: this.mine.mine[key] });
  }

  /** Two clicks: the first arms the button, the second acts. */
  armed(btn, confirmKey) {
    if (btn.classList.contains("confirming")) return true;
    btn.classList.add("confirming");
    btn.textContent = t(confirmKey);
    return false;
  }

  async remove(btn) {
    if (!this.armed(btn, "confirm_delete")) return;
    try {
      await api.remove(this.current.id, this.current.revision);
      toast(t("deleted"));
      this.deleted();
    } catch (e) {
      if (e.code === "edit_conflict") await this.showConflict(); else toast(e.describe(), "error");
    }
  }

  /** Throw the draft away: back to the live version, or the entry goes if it was never published. */
  async discard(btn) {
    if (!this.armed(btn, this.current.live ? "confirm_discard" : "confirm_discard_new")) return;
    try {
      const body = await api.discard(this.current.id, this.current.revision);
      if (body.removed) { toast(t("discarded_removed")); this.deleted(); return; }
      toast(t("discarded"));
      this.saved(body.entry);
      await this.open(body.id);
    } catch (e) {
      if (e.code === "edit_conflict") await this.showConflict(); else toast(e.describe(), "error");
    }
  }
}
