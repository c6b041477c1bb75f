/* The audit log: who changed what in the knowledge base, and when. */
import { api } from "/editor/api.js";
import { clear, el, formatTime, toast } from "/editor/dom.js";
import { label, onLanguage } from "/editor/i18n.js";

export class AuditLog {
  constructor(root) {
    this.root = root;
    this.body = el("tbody", { id: "audit-list" });
    this.events = [];
    root.append(el("h2", { i18n: "view_audit" }), el("p", { class: "hint", i18n: "audit_hint" }),
      el("table", "table", el("thead", null, el("tr", null, el("th", { i18n: "at" }), el("th", { i18n: "by" }),
        el("th", { i18n: "operation" }), el("th", { i18n: "entry" }), el("th", { i18n: "detail" }))), this.body));
    onLanguage(() => this.render());
  }

  async show() {
    try {
      this.events = (await api.audit({ limit: 200 })).events;
      this.render();
    } catch (e) {
      if (e.status !== 401) toast(e.describe(), "error");
    }
  }

  render() {
    clear(this.body).append(...this.events.map((e) => el("tr", { class: "audit-row", dataset: { operation: e.operation } },
      el("td", { text: formatTime(e.at) }), el("td", { text: e.by }), el("td", { text: label("op", e.operation) }),
      el("td", null, e.entry_id ? el("a", { href: `#/entries/${encodeURIComponent(e.entry_id)}`, text: e.entry_id }) : null),
      el("td", { class: "muted detail", text: summary(e.detail) }))));
  }
}

function summary(detail) {
  return Object.entries(detail || {}).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ");
}
