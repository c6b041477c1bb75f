/* The right column: why the customer is here, who they are, what the bot could not answer
 * (with its best guesses), internal notes, and a knowledge-base search whose answers go into the
 * reply box with one click.
 */
import { api } from "/console/api.js";
import { el, formatDuration, formatTime, replyWindowText, toast } from "/console/dom.js";
import { label, t } from "/console/i18n.js";

const $ = (id) => document.getElementById(id);
const percent = (x) => (typeof x === "number" ? `${Math.round(x * 100)}%` : "");

function facts(pairs) {
  const rows = [];
  for (const [key, value] of pairs) {
    if (value === "" || value == null) continue;
    rows.push(el("div", "fact", el("dt", { text: t(key) }), el("dd", { text: String(value) })));
  }
  return rows;
}

export class ContextPane {
  constructor({ insert, conversationId }) {
    this.insert = insert; // puts text into the reply box
    this.conversationId = conversationId;
    this.context = null;
    this.results = null;
    $("note-form").addEventListener("submit", (e) => { e.preventDefault(); this.addNote(); });
    $("note-input").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.addNote(); }
    });
    $("kb-form").addEventListener("submit", (e) => { e.preventDefault(); this.search($("kb-input").value); });
  }

  clear() { this.context = null; $("context").hidden = true; }

  show(context) {
    const changed = !this.context || this.context.conversation.id !== context.conversation.id;
    this.context = context;
    $("context").hidden = false;
    this.render();
    if (changed) { this.results = null; $("kb-input").value = ""; this.renderResults(); }
  }

  render() {
    if (!this.context) return;
    const { handoff, customer, reply_window: replyWindow, conversation } = this.context;
    $("handoff-info").replaceChildren(...(handoff ? facts([
      ["reason", label("reason", handoff.reason)],
      ["detail", handoff.detail],
      ["requested_at", formatTime(handoff.requested_at)],
      ["wait", handoff.wait_seconds != null ? formatDuration(handoff.wait_seconds) : ""],
    ]) : facts([["reason", label("reason", conversation.reason) || "—"]])));
    const windowNode = $("reply-window");
    windowNode.hidden = !replyWindow;
    if (replyWindow) {
      windowNode.textContent = replyWindowText(replyWindow);
      windowNode.classList.toggle("is-closed", !replyWindow.open);
    }
    const who = customer || conversation.customer || {};
    $("profile-info").replaceChildren(...facts([
      ["customer", who.display_name],
      ["channel", label("channel", who.channel)],
      ["channel_user_id", who.channel_user_id],
      ["customer_id", who.id],
      ["language", label("lang", who.language)],
      ["previous_count", who.conversations ?? (this.context.previous || []).length],
    ]));
    this.renderUnanswered();
    this.renderNotes();
    this.renderResults();
  }

  renderUnanswered() {
    const items = this.context.unanswered || [];
    const list = $("unanswered-list");
    if (!items.length) { list.replaceChildren(el("li", { class: "empty", text: t("no_unanswered") })); return; }
    list.replaceChildren(...items.map((q) => el("li", "question",
      el("p", "q-text", el("span", { text: q.text || "" }),
        q.decision ? el("span", { class: "tag", text: label("decision", q.decision) }) : null),
      (q.candidates || []).length ? el("p", { class: "hint", text: t("candidates") }) : null,
      el("ol", "candidates", ...(q.candidates || []).map((c) => el("li", {},
        // Looking a candidate up in the KB shows its answer, ready to insert.
        el("button", { type: "button", class: "link", text: c.question || c.id,
          onclick: () => { $("kb-input").value = c.question || ""; this.search(c.question || ""); } }),
        el("span", { class: "confidence", text: percent(c.confidence) })))))));
  }

  renderNotes() {
    const notes = this.context.notes || [];
    $("notes-list").replaceChildren(...(notes.length ? notes.map((n) => el("li", "note",
      el("p", { class: "note-text", text: n.text || "" }),
      el("p", { class: "note-meta", text: `${n.author && typeof n.author === "object"
        ? n.author.display_name || n.author.username : n.author || ""} · ${formatTime(n.created_at)}` })))
      : [el("li", { class: "empty", text: t("no_notes") })]));
  }

  async addNote() {
    const input = $("note-input");
    const text = input.value.trim();
    if (!text || !this.context) return;
    const id = this.context.conversation.id;
    try {
      const { note } = await api.addNote(id, text);
      if (this.context && this.context.conversation.id === id) {
        this.context.notes = [...(this.context.notes || []), note];
        input.value = "";
        this.renderNotes();
      }
    } catch (e) {
      toast(e.describe(), "error");
    }
  }

  async search(q) {
    q = q.trim();
    if (!q) { this.results = null; this.renderResults(); return; }
    try {
      const { results } = await api.kbSearch(q);
      this.results = results || [];
    } catch (e) {
      toast(e.describe(), "error");
      this.results = null;
    }
    this.renderResults();
  }

  renderResults() {
    const list = $("kb-results");
    if (this.results == null) { list.replaceChildren(); return; }
    if (!this.results.length) { list.replaceChildren(el("li", { class: "empty", text: t("no_results") })); return; }
    list.replaceChildren(...this.results.map((r) => el("li", { class: "kb-result", dataset: { id: r.id } },
      el("p", "kb-question", el("span", { text: r.question || "" }),
        el("span", { class: "confidence", text: percent(r.confidence) })),
      el("p", { class: "kb-answer", text: r.answer || "" }),
      el("button", { type: "button", class: "small", text: t("insert"),
        "aria-label": `${t("insert")}: ${r.question || ""}`, onclick: () => this.insert(r.answer || "") }))));
  }
}
