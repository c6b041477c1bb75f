/* DOM and number helpers. Data only ever goes in through textContent (question texts are
 * customers' own words), never as HTML. */
import { locale, t } from "/dashboard/i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/** el("div", "cls", "text") or el("div", {class, text, i18n, ...attrs}, ...children). */
export function el(tag, opts, ...children) {
  return build(document.createElement(tag), opts, children);
}

/** The same for SVG elements: svg("rect", {x: 1, y: 2}). */
export function svg(tag, opts, ...children) {
  return build(document.createElementNS(SVG_NS, tag), opts, children);
}

function build(node, opts, children) {
  if (typeof opts === "string") node.setAttribute("class", opts);
  else if (opts) {
    for (const [k, v] of Object.entries(opts)) {
      if (v == null || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "i18n") { node.dataset.i18n = v; node.textContent = t(v); }
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** A hover tooltip inside SVG: <title> read as text by browsers and screen readers. */
export function tip(text) {
  return svg("title", { text });
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function num(value) {
  return value == null ? t("none") : new Intl.NumberFormat(locale()).format(value);
}

/** 0.5689 -> "56.9%"; null (nothing to divide by) -> "–". */
export function pct(value) {
  return value == null ? t("none") : `${(value * 100).toFixed(1)}%`;
}

/** 211 -> "211.0 s" / "211.0 秒". */
export function secs(value) {
  return value == null ? t("none") : t("seconds", { n: Number(value).toFixed(1) });
}

/** 4.23456 -> "4.23"; for means on a 1-5 scale and correlation coefficients. */
export function dec(value, digits = 2) {
  return value == null ? t("none") : Number(value).toFixed(digits);
}

/** YYYY-MM-DD of a Date in the browser's own calendar. */
export function isoDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return isoDate(new Date(y, m - 1, d + days));
}
