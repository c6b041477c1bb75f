/* Small DOM helpers. Data only ever goes in through textContent: FAQ and customer text is never HTML. */
import { locale, t } from "/editor/i18n.js";

/** el("div", "cls", "text") or el("div", {class, i18n, text, ...attrs}, ...children). */
export function el(tag, opts, ...children) {
  const node = document.createElement(tag);
  if (typeof opts === "string") node.className = opts;
  else if (opts) {
    for (const [k, v] of Object.entries(opts)) {
      if (v == null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k === "i18n") { node.dataset.i18n = v; node.textContent = t(v); }
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "value") node.value = v;
      else if (k === "checked") node.checked = Boolean(v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function button(textKey, cls, onclick) {
  return el("button", { type: "button", class: cls, i18n: textKey, onclick });
}

/** A labelled field: <label><span>label</span>control</label>. */
export function field(textKey, control, cls = "field") {
  return el("label", cls, el("span", { class: "field-label", i18n: textKey }), control);
}

export function option(value, text, selected) {
  return el("option", { value, text, selected: selected || null });
}

export function formatTime(iso) {
  if (!iso) return "";
  const hasZone = /[zZ]|[+-]\d\d:?\d\d$/.test(iso);
  const when = new Date(hasZone ? iso : iso + "Z");
  if (Number.isNaN(when.getTime())) return "";
  return when.toLocaleString(locale(), { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** The server's per-field or per-row problems as a list (textContent only). */
export function problemList(problems, cls = "problems") {
  return el("ul", cls, ...(problems || []).map((p) => el("li", "problem",
    p.where ? el("strong", { class: "where", text: p.where }) : null, p.where ? " " : null, el("span", { text: p.message }))));
}

let toastTimer = 0;
export function toast(text, kind = "info") {
  const node = document.getElementById("toast");
  node.textContent = text;
  node.className = `toast toast-${kind}`;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, kind === "error" ? 8000 : 4000);
}

export function clear(node) { node.replaceChildren(); return node; }
