/* The centre column: one conversation's whole transcript (earlier conversations of the same
 * customer folded away above it), the reply box, and Claim / Transfer / Resolve.
 */
import { api } from "/console/api.js";
import { customerName, el, formatTime, replyWindowText, toast } from "/console/dom.js";
import { label, t } from "/console/i18n.js";

const $ = (id) => document.getElementById(id);

export class ConversationView {
  constructor({ me, onClaim, onLeft }) {
    this.me = me; // () => the signed-in User
    this.onClaim = onClaim;
    this.onLeft = onLeft; // the conversation is no longer ours (transferred / resolved)
    this.context = null;
    this.agents = [];
    this.confirming = false;
    this.bind();
  }

  get id() { return this.context ? this.context.conversation.id : ""; }

  bind() {
    const input = $("reply-input");
    input.addEventListener("keydown", (e) => {
      // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate (pinyin) is not a send.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        $("reply-form").requestSubmit();
      }
    });
    $("reply-form").addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    $("claim-button").addEventListener("click", () => this.onClaim(this.id));
    $("transfer-button").addEventListener("click", () => this.transfer());
    $("resolve-button").addEventListener("click", () => this.resolve());
    $("transfer-target").addEventListener("change", (e) => { $("transfer-button").disabled = !e.target.value; });
  }

  clear() {
    this.context = null;
    $("conv-body").hidden = true;
    $("conv-error").hidden = true;
    $("conv-placeholder").hidden = false;
  }

  showError(text) {
    this.context = null;
    $("conv-body").hidden = true;
    $("conv-placeholder").hidden = true;
    $("conv-error").textContent = text;
    $("conv-error").hidden = false;
  }

  show(context) {
    const sameConversation = this.id === context.conversation.id;
    if (sameConversation) {
      // A reload of the open conversation may have been read before our latest messages were
      // stored; those we already show are newer, so they stay.
      const known = new Set(context.transcript.map((m) => m.id));
      context.transcript.push(...this.context.transcript.filter((m) => !known.has(m.id)));
    }
    this.context = context;
    this.confirming = false;
    $("conv-error").hidden = true;
    $("conv-placeholder").hidden = true;
    $("conv-body").hidden = false;
    this.renderHead();
    this.renderTranscript();
    if (!sameConversation) $("reply-input").value = "";
  }

  setAgents(agents) { this.agents = agents || []; if (this.context) this.renderHead(); }

  heldByMe() {
    const c = this.context && this.context.conversation;
    return Boolean(c && c.state === "agent" && c.agent_id === this.me().id);
  }

  renderHead() {
    const { conversation: c, customer, reply_window: replyWindow } = this.context;
    $("conv-title").textContent = customerName(customer || c.customer);
    $("conv-sub").textContent = [label("channel", c.channel), label("state", c.state), label("reason", c.reason)]
      .filter(Boolean).join(" · ");
    const mine = this.heldByMe();
    $("claim-button").hidden = c.state !== "queued";
    $("transfer-button").hidden = $("transfer-target").hidden = !mine;
    $("resolve-button").hidden = !mine;
    $("resolve-button").textContent = this.confirming ? t("confirm_resolve") : t("resolve");
    $("resolve-button").classList.toggle("confirming", this.confirming);
    this.renderTransferTargets();
    let notice = "";
    if (c.state === "queued") notice = t("read_only");
    else if (c.state === "closed" || c.state === "bot") notice = t("closed");
    else if (!mine) notice = t("not_yours");
    let canReply = mine;
    if (mine && replyWindow) {
      canReply = replyWindow.open;
      notice = replyWindowText(replyWindow);
    }
    $("conv-notice").textContent = notice;
    $("conv-notice").hidden = !notice;
    $("conv-notice").classList.toggle("is-warning", Boolean(notice) && !canReply);
    $("reply-input").disabled = !canReply;
    $("reply-form").querySelector("button").disabled = !canReply;
  }

  renderTransferTargets() {
    const select = $("transfer-target");
    const keep = select.value;
    // No default target: a stray click on Transfer must not send the customer anywhere.
    const options = [el("option", { value: "", text: `${t("transfer_to")}…` }), el("option", { value: "queue", text: t("to_queue") })];
    for (const agent of this.agents) {
      if (agent.id === this.me().id) continue;
      const text = `${agent.display_name || agent.username} · ${t(agent.status) || agent.status} (${agent.active ?? 0}/${agent.capacity ?? "?"})`;
      options.push(el("option", { value: agent.id, text }));
    }
    select.replaceChildren(...options);
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
    $("transfer-button").disabled = !select.value;
  }

  renderTranscript() {
    const log = $("transcript");
    log.setAttribute("aria-busy", "true"); // a rebuild must not be read out again
    const previous = (this.context.previous || []).map((p) => {
      const messages = p.messages || [];
      return el("details", { class: "previous", dataset: { id: p.id } },
        el("summary", {}, `${t("previous")} · ${formatTime(p.created_at)} · ${label("channel", p.channel)} · `
          + t("previous_n", { n: messages.length })),
        ...messages.map((m) => this.renderMessage(m)));
    });
    log.replaceChildren(...previous, ...(this.context.transcript || []).map((m) => this.renderMessage(m)));
    log.removeAttribute("aria-busy");
    log.scrollTop = log.scrollHeight;
  }

  renderMessage(m) {
    const meta = m.meta || {};
    const who = m.author === "agent" && (meta.agent_name || meta.display_name)
      ? `${t("agent")} · ${meta.agent_name || meta.display_name}` : t(m.author);
    const info = el("div", "msg-meta", el("span", { class: "msg-author", text: who }),
      el("time", { datetime: m.created_at, text: formatTime(m.created_at) }));
    if (m.author === "bot" && typeof meta.confidence === "number") {
      info.append(el("span", { class: "msg-confidence", text: `${t("confidence")} ${Math.round(meta.confidence * 100)}%` }));
    }
    const row = el("div", { class: `msg msg-${m.author}`, dataset: { id: m.id } }, info,
      el("div", { class: "msg-text", text: m.text || "" }));
    if (m.buttons && m.buttons.length) { // what the customer could press; not pressable here
      row.append(el("ul", "msg-buttons", ...m.buttons.map((b) => el("li", { text: b.title || b.payload || "" }))));
    }
    return row;
  }

  /** A live message (or our own reply coming back); ignored if already shown. */
  append(message) {
    if (!this.context) return;
    const log = $("transcript");
    if (log.querySelector(`.msg[data-id="${CSS.escape(message.id)}"]`)) return;
    this.context.transcript.push(message);
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    log.append(this.renderMessage(message));
    if (atBottom || message.author === "agent") log.scrollTop = log.scrollHeight;
  }

  insertReply(text) {
    const input = $("reply-input");
    const { selectionStart: a, selectionEnd: b, value } = input;
    input.value = value.slice(0, a) + text + value.slice(b);
    input.focus();
    input.selectionStart = input.selectionEnd = a + text.length;
  }

  async send() {
    const input = $("reply-input");
    const text = input.value.trim();
    if (!text || !this.context || input.disabled) return;
    const id = this.id;
    const button = $("reply-form").querySelector("button");
    button.disabled = true;
    try {
      const { message } = await api.reply(id, text);
      if (this.id === id) { input.value = ""; this.append(message); }
    } catch (e) {
      toast(e.describe ? e.describe() : String(e), "error"); // the text stays in the box to retry
    } finally {
      button.disabled = input.disabled;
    }
  }

  async transfer() {
    const target = $("transfer-target").value;
    if (!target) return;
    try {
      await api.transfer(this.id, target);
      toast(t("transferred"));
      this.onLeft(this.id, target !== "queue");
    } catch (e) {
      toast(e.describe(), "error");
    }
  }

  async resolve() {
    if (!this.confirming) { // two clicks, no window.confirm: a modal would block the live updates
      this.confirming = true;
      this.renderHead();
      setTimeout(() => { if (this.confirming) { this.confirming = false; if (this.context) this.renderHead(); } }, 5000);
      return;
    }
    this.confirming = false;
    try {
      const { conversation } = await api.resolve(this.id);
      toast(t("resolved"));
      this.context.conversation = conversation;
      this.renderHead();
      this.onLeft(conversation.id);
    } catch (e) {
      toast(e.describe(), "error");
      this.renderHead();
    }
  }
}
