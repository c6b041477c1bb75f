/* The editor's DOM helpers: the shared ones (/ui/dom.js) with the editor's words, and what only the
 * editor shows. Data only ever goes in through textContent: FAQ and customer text is never HTML. */
import { locale, t } from "/editor/i18n.js";
import { makeDom, parseTime } from "/ui/dom.js";

export { clear, toast } from "/ui/dom.js";
export const { button, el, field, option } = makeDom(t);

export function formatTime(iso) {
  const when = parseTime(iso);
  if (!when) return "";
  return when.toLocaleString(locale(), { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** The server's per-field or per-row problems as a list (textContent only). */
export function problemList(problems, cls = "problems") {
  return el("ul", cls, ...(problems || []).map((p) => el("li", "problem",
    p.where ? el("strong", { class: "where", text: p.where }) : null, p.where ? " " : null, el("span", { text: p.message }))));
}
