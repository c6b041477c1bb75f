/* The left column: the waiting queue, the agent's own conversations (with unread counts) and
 * the tickets tab. Lists are small, so every change re-renders the list; keyboard focus is put
 * back on the same row so a live update does not throw the agent out of the list.
 */
import { customerName, el, formatTime, waitClock } from "/console/dom.js";
import { label, t } from "/console/i18n.js";

// The bot's or the system's last words are marked as such: agents scan for what the customer said.
const lastText = (m) => (m == null ? "" : typeof m === "string" ? m
  : m.author && m.author !== "customer" ? `${t(m.author)}: ${m.text || ""}` : m.text || "");
// Summaries have updated_at in the doc; the server may only give created_at and the last message.
const activity = (s) => s.updated_at || (s.last_message && s.last_message.created_at) || s.created_at || "";

export class Sidebar {
  constructor({ onOpen, onClaim, onCloseTicket }) {
    this.onOpen = onOpen;
    this.onClaim = onClaim;
    this.onCloseTicket = onCloseTicket;
    this.queue = [];
    this.mine = new Map(); // id -> Summary, newest activity first when rendered
    this.tickets = [];
    this.unread = new Map(); // conversation id -> count
    this.activeId = "";
    this.admin = false; // agents may only open conversations that are queued or theirs
    this.setupTabs();
  }

  setupTabs() {
    const tabs = [document.getElementById("tab-conversations"), document.getElementById("tab-tickets")];
    const select = (tab) => {
      for (const other of tabs) {
        const on = other === tab;
        other.setAttribute("aria-selected", String(on));
        other.tabIndex = on ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
      }
      tab.focus();
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab));
      tab.addEventListener("keydown", (e) => { // arrow keys move between tabs (WAI-ARIA tabs pattern)
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") select(tabs[(i + 1) % tabs.length]);
      });
    });
  }

  setQueue(items) { this.queue = items || []; this.renderQueue(); }

  setMine(summaries) {
    this.mine = new Map((summaries || []).map((s) => [s.id, s]));
    this.renderMine();
  }

  /** A summary from an event: kept while a person holds it, dropped once it is back with the bot or closed. */
  upsertMine(summary, myId) {
    const ours = summary.state === "agent" && (!myId || !summary.agent_id || summary.agent_id === myId);
    if (ours) this.mine.set(summary.id, { ...this.mine.get(summary.id), ...summary });
    else this.mine.delete(summary.id);
    this.renderMine();
  }

  has(id) { return this.mine.has(id); }

  touch(id, message) {
    const waiting = this.queue.find((q) => q.conversation_id === id);
    if (waiting) { waiting.last_message = message; this.renderQueue(); }
    const summary = this.mine.get(id);
    if (!summary) return;
    summary.last_message = message;
    if (message.created_at) summary.updated_at = message.created_at;
    this.renderMine();
  }

  markUnread(id) { this.unread.set(id, (this.unread.get(id) || 0) + 1); this.renderMine(); }
  clearUnread(id) { if (this.unread.delete(id)) this.renderMine(); }

  setActive(id) {
    this.activeId = id || "";
    this.clearUnread(id);
    this.renderQueue();
    this.renderMine();
  }

  setTickets(tickets) { this.tickets = tickets || []; this.renderTickets(); }
  addTicket(ticket) {
    this.tickets = [ticket, ...this.tickets.filter((x) => x.id !== ticket.id)];
    this.renderTickets();
  }

  rerender() { this.renderQueue(); this.renderMine(); this.renderTickets(); }

  renderQueue() {
    const rows = this.queue.map((item) => {
      const name = customerName(item.customer);
      const open = el("button", {
        type: "button", class: "item-open", "aria-current": item.conversation_id === this.activeId ? "true" : null,
        onclick: () => this.onOpen(item.conversation_id),
      },
      el("span", "item-line", el("span", { class: "item-name", text: name }),
        el("span", { class: "badge-lang", text: label("lang", item.language) }),
        el("span", { class: "wait-wrap", title: t("waiting") }, waitClock(item.wait_seconds))),
      el("span", { class: "item-reason", text: label("reason", item.reason) }),
      el("span", { class: "item-last", text: lastText(item.last_message) }));
      const claim = el("button", { type: "button", class: "claim primary small", text: t("claim"),
        "aria-label": `${t("claim")}: ${name}`, onclick: () => this.onClaim(item.conversation_id) });
      return el("li", { class: "item queue-item", dataset: { id: item.conversation_id } }, open, claim);
    });
    this.fill("queue", rows, this.queue.length);
    this.updateTitle();
  }

  renderMine() {
    const sorted = [...this.mine.values()].sort((a, b) => String(activity(b)).localeCompare(String(activity(a))));
    const rows = sorted.map((s) => {
      const unread = this.unread.get(s.id) || 0;
      const open = el("button", {
        type: "button", class: "item-open", "aria-current": s.id === this.activeId ? "true" : null,
        onclick: () => this.onOpen(s.id),
      },
      el("span", "item-line", el("span", { class: "item-name", text: customerName(s.customer) }),
        el("span", { class: "item-channel", text: label("channel", s.channel) }),
        unread ? el("span", { class: "unread", text: String(unread), "aria-label": `${unread} ${t("unread")}` }) : null,
        el("span", { class: "item-time", text: formatTime(activity(s)) })),
      el("span", { class: "item-last", text: lastText(s.last_message) }));
      return el("li", { class: "item mine-item" + (unread ? " has-unread" : ""), dataset: { id: s.id } }, open);
    });
    this.fill("mine", rows, sorted.length);
    this.updateTitle();
  }

  renderTickets() {
    const open = this.tickets.filter((x) => x.status !== "closed");
    const rows = this.tickets.map((ticket) => {
      const closed = ticket.status === "closed";
      return el("li", { class: "item ticket" + (closed ? " is-closed" : ""), dataset: { id: ticket.id } },
        el("span", "item-line", el("span", { class: "item-name", text: customerName(ticket.customer) }),
          el("span", { class: "item-time", text: formatTime(ticket.created_at) })),
        el("p", { class: "ticket-message", text: ticket.message || "" }),
        ticket.contact ? el("p", { class: "ticket-contact" }, `${t("contact")}: `, ticket.contact) : null,
        el("span", "ticket-actions",
          ticket.conversation_id && this.admin ? el("button", { type: "button", class: "small", text: t("open_conversation"),
            onclick: () => this.onOpen(ticket.conversation_id) }) : null,
          closed ? el("span", { class: "muted", text: t("ticket_closed") })
            : el("button", { type: "button", class: "small", text: t("close_ticket"), onclick: () => this.onCloseTicket(ticket.id) })));
    });
    this.fill("ticket", rows, open.length);
  }

  /** "(3) kefu 客服工作台": waiting customers and unread messages show in a background tab. */
  updateTitle() {
    const unread = [...this.unread.values()].reduce((a, b) => a + b, 0);
    const n = this.queue.length + unread;
    document.title = (n ? `(${n}) ` : "") + t("app_title");
  }

  fill(name, rows, count) {
    const list = document.getElementById(`${name}-list`);
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const focusId = focused && focused.closest("li") ? focused.closest("li").dataset.id : null;
    const focusClass = focused ? focused.className.split(" ")[0] : "";
    list.replaceChildren(...rows);
    document.getElementById(`${name}-empty`).hidden = rows.length > 0;
    document.getElementById(`${name}-count`).textContent = count ? String(count) : "";
    if (focusId) {
      const again = list.querySelector(`li[data-id="${CSS.escape(focusId)}"] .${CSS.escape(focusClass)}`);
      if (again) again.focus();
    }
  }
}
