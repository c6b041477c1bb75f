/* DOM helpers every kefu web UI (console, editor, dashboard) shares. Data only ever goes in
 * through textContent or text nodes: customer and FAQ text is never HTML. The helpers that show a
 * translated label come from makeDom(t), so each UI builds them with its own strings.
 */
const SVG_NS = "http://www.w3.org/2000/svg";

/** Sets the options and appends the children of an HTML or SVG element. */
function build(t, node, opts, children) {
  // setAttribute, not className: an SVG element's className is not a string.
  if (typeof opts === "string") node.setAttribute("class", opts);
  else if (opts) {
    for (const [k, v] of Object.entries(opts)) {
      if (v == null || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "i18n") { node.dataset.i18n = v; node.textContent = t(v); }
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "value") node.value = v; // the current value of an input, not its default
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

/** The element builders, with t(key) giving the words of an `i18n` option in the UI's language. */
export function makeDom(t) {
  /** el("div", "cls", "text") or el("div", {class, text, i18n, dataset, value, checked, onclick, ...attrs}, ...children). */
  const el = (tag, opts, ...children) => build(t, document.createElement(tag), opts, children);
  return {
    el,
    /** The same for SVG elements: svg("rect", {x: 1, y: 2}). */
    svg: (tag, opts, ...children) => build(t, document.createElementNS(SVG_NS, tag), opts, children),
    button: (textKey, cls, onclick) => el("button", { type: "button", class: cls, i18n: textKey, onclick }),
    /** A labelled field: <label><span>label</span>control</label>. */
    field: (textKey, control, cls = "field") => el("label", cls, el("span", { class: "field-label", i18n: textKey }), control),
    option: (value, text, selected) => el("option", { value, text, selected: selected || null }),
  };
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Server times are ISO 8601; a naive one is UTC (SQLite drops the zone). Null when there is none. */
export function parseTime(iso) {
  if (!iso) return null;
  const hasZone = /[zZ]|[+-]\d\d:?\d\d$/.test(iso);
  const when = new Date(hasZone ? iso : iso + "Z");
  return Number.isNaN(when.getTime()) ? null : when;
}

let toastTimer = 0; // one #toast per page
/** A short message in the page's #toast; errors stay longer. */
export function toast(text, kind = "info") {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = text;
  node.className = `toast toast-${kind}`;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, kind === "error" ? 8000 : 4000);
}
