/* Language switching every web UI shares; each UI passes its own strings (zh + en).
 * Elements carry data-i18n="key" (textContent), data-i18n-placeholder, data-i18n-label
 * (aria-label) or data-i18n-title, so a switch is one pass over the page; dynamic parts re-render
 * through onLanguage(). The choice is remembered per UI in localStorage when it is allowed.
 */
export function createI18n(strings, storeKey) {
  const listeners = [];
  const pick = (value) => {
    if (value === "zh" || value === "en") return value;
    return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
  };
  let lang;
  try { lang = pick(localStorage.getItem(storeKey)); } catch (e) { lang = pick(null); } // storage may be blocked

  /** t("key", {name: "..."}); an unknown key falls back to Chinese, then to the key itself. */
  const t = (key, params) => {
    let text = strings[lang][key] ?? strings.zh[key] ?? key;
    if (params) for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };

  const applyStrings = (root = document) => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = t("app_title");
    for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
    for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  };

  const setLang = (value) => {
    lang = pick(value);
    try { localStorage.setItem(storeKey, lang); } catch (e) { /* switched, not remembered */ }
    applyStrings();
    listeners.forEach((fn) => fn(lang));
  };

  return {
    t,
    applyStrings,
    setLang,
    currentLang: () => lang,
    locale: () => (lang === "zh" ? "zh-CN" : "en-US"),
    /** A known code as words (label("decision", "answer")), else the code itself. */
    label: (prefix, code) => (`${prefix}_${code}` in strings[lang] ? t(`${prefix}_${code}`) : String(code ?? "")),
    onLanguage: (fn) => listeners.push(fn),
    toggleLang: () => setLang(lang === "zh" ? "en" : "zh"),
  };
}
