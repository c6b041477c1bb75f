/* Data tables and their "Export CSV" links. The link asks the server for the same table with the
 * same filter, so the file holds exactly what the table shows (unrounded where the server has more). */
import { clear, el } from "/dashboard/dom.js";
import { t } from "/dashboard/i18n.js";

/** columns: [{key, i18n, format?: (value, row) => string, title?: (row) => string, numeric?: bool}] */
export function renderTable(node, columns, rows, { empty = "no_data" } = {}) {
  clear(node);
  if (!rows.length) {
    node.append(el("p", { class: "empty", i18n: empty }));
    return;
  }
  const head = el("tr", null, ...columns.map((c) => el("th", { scope: "col", class: c.numeric ? "num" : null, i18n: c.i18n })));
  const body = rows.map((row) => el("tr", null, ...columns.map((c) => el("td", {
    class: c.numeric ? "num" : null,
    dataset: { col: c.key },
    title: c.title ? c.title(row) : null,
    text: c.format ? c.format(row[c.key], row) : String(row[c.key] ?? ""),
  }))));
  node.append(el("table", "data", el("thead", null, head), el("tbody", null, ...body)));
}

export function csvHref(table, params) {
  const query = new URLSearchParams(params);
  query.set("format", "csv");
  return `/api/dashboard/report/${encodeURIComponent(table)}?${query}`;
}

/** Point every [data-csv="<table>"] link at the current filter. */
export function updateCsvLinks(params) {
  for (const link of document.querySelectorAll("a[data-csv]")) {
    link.href = csvHref(link.dataset.csv, params);
    link.setAttribute("download", "");
    if (!link.textContent) link.textContent = t("export_csv");
  }
}
