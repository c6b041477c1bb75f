/* The entries page: the filtered list on the left, the open entry (form + history) on the right.
 * The open entry is in the URL (#/entries/<id>, #/entries/new).
 */
import { api } from "/editor/api.js";
import { clear, el, option, toast } from "/editor/dom.js";
import { EntryForm } from "/editor/entry_form.js";
import { label, onLanguage, t } from "/editor/i18n.js";

const SEARCH_DELAY_MS = 250; // wait for a pause in typing before asking the server

export class EntriesPage {
  constructor(root, { changed }) {
    this.root = root;
    this.changed = changed;
    this.list = root.querySelector("#entry-list");
    this.count = root.querySelector("#entry-count");
    this.filters = {
      q: root.querySelector("#entry-search"), status: root.querySelector("#filter-status"),
      category: root.querySelector("#filter-category"), tag: root.querySelector("#filter-tag"),
      language: root.querySelector("#filter-language"),
    };
    this.facets = { categories: [], tags: [], languages: [] };
    this.openId = "";
    this.form = new EntryForm(root.querySelector("#entry-detail"), {
      saved: (entry) => { this.reload(); this.changed(); if (entry.id !== this.openId) location.hash = `#/entries/${encodeURIComponent(entry.id)}`; },
      deleted: () => { this.reload(); this.changed(); location.hash = "#/entries"; },
    });
    let timer = 0;
    this.filters.q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => this.reload(), SEARCH_DELAY_MS); });
    for (const key of ["status", "category", "tag", "language"]) this.filters[key].addEventListener("change", () => this.reload());
    root.querySelector("#entry-filters").addEventListener("submit", (e) => { e.preventDefault(); this.reload(); });
    root.querySelector("#new-entry").addEventListener("click", () => { location.hash = "#/entries/new"; });
    onLanguage(() => { this.renderFacets(); this.render(); this.form.rerender(); });
    this.items = [];
  }

  show(arg) {
    this.openId = arg && arg !== "new" ? arg : "";
    this.reload();
    if (arg === "new") this.form.openNew();
    else if (arg) this.form.open(arg);
    else this.form.empty();
  }

  async reload() {
    const f = this.filters;
    try {
      const body = await api.entries({ q: f.q.value.trim(), status: f.status.value, category: f.category.value,
        tag: f.tag.value, language: f.language.value });
      this.items = body.entries;
      this.total = body.total;
      this.facets = { categories: body.categories, tags: body.tags, languages: body.languages };
      this.renderFacets();
      this.render();
    } catch (e) {
      if (e.status !== 401) toast(e.describe(), "error");
    }
  }

  renderFacets() {
    const fill = (select, allKey, values, name) => {
      const keep = select.value;
      clear(select).append(option("", t(allKey)), ...values.map((v) => option(v, name ? name(v) : v, v === keep)));
      select.value = values.includes(keep) ? keep : "";
    };
    fill(this.filters.category, "all_categories", this.facets.categories);
    fill(this.filters.tag, "all_tags", this.facets.tags);
    fill(this.filters.language, "all_languages", this.facets.languages, (v) => label("lang", v));
  }

  render() {
    this.count.textContent = t("entries_n", { n: this.total ?? this.items.length });
    clear(this.list);
    if (!this.items.length) { this.list.append(el("li", { class: "empty", i18n: "no_entries" })); return; }
    for (const item of this.items) {
      const badge = item.status === "draft" ? el("span", { class: "badge badge-draft", text: t(item.live ? "badge_draft" : "badge_new") }) : null;
      const link = el("a", { class: "entry-open", href: `#/entries/${encodeURIComponent(item.id)}`,
        "aria-current": item.id === this.openId ? "true" : null },
        el("span", "entry-line", el("span", { class: "entry-question", text: item.question }), badge),
        el("span", "entry-line muted", el("span", { class: "entry-id", text: item.id }),
          item.category ? el("span", { class: "entry-category", text: item.category }) : null,
          el("span", { class: "entry-variants", text: `+${item.variants}` })));
      this.list.append(el("li", { class: "entry-row", dataset: { id: item.id, status: item.status } }, link));
    }
  }
}
