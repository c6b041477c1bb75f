/* The console's DOM helpers: the shared ones (/ui/dom.js) with the console's words, and what only
 * the console shows. Data only ever goes in through textContent: customer text is never HTML. */
import { label, locale, t } from "/console/i18n.js";
import { makeDom, parseTime } from "/ui/dom.js";

export { toast } from "/ui/dom.js";
export const { el } = makeDom(t);

export function formatTime(iso) {
  const when = parseTime(iso);
  if (!when) return "";
  const sameDay = when.toDateString() === new Date().toDateString();
  const opts = sameDay ? { hour: "2-digit", minute: "2-digit" }
    : { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
  return when.toLocaleString(locale(), opts);
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** A ticking wait time: the start is measured on our clock from the server's wait_seconds,
 * so a skewed browser clock does not show a wrong wait. */
export function waitClock(waitSeconds) {
  const node = el("span", { class: "wait", dataset: { since: String(Date.now() - (waitSeconds || 0) * 1000) } });
  node.textContent = formatDuration(waitSeconds || 0);
  return node;
}

export function tickClocks(root = document) {
  const now = Date.now();
  for (const node of root.querySelectorAll(".wait[data-since]")) {
    node.textContent = formatDuration((now - Number(node.dataset.since)) / 1000);
  }
}

export function customerName(customer) {
  if (!customer) return "?";
  if (customer.display_name) return customer.display_name;
  // Visitor ids are long random strings: the first characters are enough to tell customers apart.
  return `${label("channel", customer.channel)} ${String(customer.channel_user_id || customer.id || "").slice(0, 8)}`.trim();
}

/** WeChat only allows replies for 48 h after the customer's last message; say whether we still can. */
export function replyWindowText(w) {
  let text = !w.open ? t("window_closed")
    : w.until ? t("window_open", { until: formatTime(w.until) }) : t("window_open_nolimit");
  const failure = w.last_failure;
  if (failure && (failure.detail || failure.code)) {
    text += ` · ${t("last_failure", { detail: failure.detail || "", code: failure.code || "" })}`;
  }
  return text;
}

/** The message a screen reader announces (polite) and sighted users see briefly. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (region) region.textContent = text;
}
