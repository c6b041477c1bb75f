/* The dashboard's DOM and number helpers: the shared ones (/ui/dom.js) with the dashboard's words,
 * SVG tooltips and number formats. Data only ever goes in through textContent (question texts are
 * customers' own words), never as HTML. */
import { locale, t } from "/dashboard/i18n.js";
import { makeDom } from "/ui/dom.js";

export { clear } from "/ui/dom.js";
export const { el, svg } = makeDom(t);

/** A hover tooltip inside SVG: <title> read as text by browsers and screen readers. */
export function tip(text) {
  return svg("title", { text });
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
