/* One entry: the form (question, variants, answer, per-channel answers, buttons, links, action,
 * handoff, category, tags, language), saved as a draft; the live version beside it; its history.
 */
import { api } from "/editor/api.js";
import { button, clear, el, field, option, problemList, toast } from "/editor/dom.js";
import { History } from "/editor/history.js";
import { label, t } from "/editor/i18n.js";
import { RowList } from "/editor/row_list.js";

export class EntryForm {
  constructor(root, { saved, deleted }) {
    this.root = root;
    this.saved = saved;
    this.deleted = deleted;
    this.current = null; // {id, draft, live} or null for a new entry
    this.isNew = false;
  }

  empty() { this.current = null; this.isNew = false; clear(this.root).append(el("p", { class: "placeholder", i18n: "pick_entry" })); }

  openNew() { this.current = null; this.isNew = true; this.render({}); }

  async open(id) {
    this.isNew = false;
    try {
      this.current = await api.entry(id);
      this.render(this.current.draft || this.current.live);
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
        this.isNew ? null : el("button", { type: "button", id: "delete-entry", class: "danger", i18n: "delete", onclick: (e) => this.remove(e.currentTarget) })));
    this.history = new History(this.isNew ? "" : entry.id, { restored: (saved) => { this.saved(saved); this.open(saved.id); } });
    clear(this.root).append(form, this.history.root);
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
      const body = this.isNew ? await api.create(entry) : await api.update(entry.id, (({ id, ...rest }) => rest)(entry));
      toast(t("saved"));
      this.isNew = false;
      this.saved(body.entry);
      await this.open(body.entry.id);
    } catch (e) {
      if (e.status === 401) return;
      clear(this.error).append(el("p", { text: e.describe() }), problemList(e.problems));
      this.error.hidden = false;
    }
  }

  /** Two clicks: the first arms the button, the second deletes. */
  async remove(btn) {
    if (!btn.classList.contains("confirming")) {
      btn.classList.add("confirming");
      btn.textContent = t("confirm_delete");
      return;
    }
    try {
      await api.remove(this.current.id);
      toast(t("deleted"));
      this.deleted();
    } catch (e) {
      toast(e.describe(), "error");
    }
  }
}
