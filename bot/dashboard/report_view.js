/* Draws one report (GET /api/dashboard/report) into the page: KPI tiles, charts and tables.
 * Kept so a language switch re-draws it without asking the server again. */
import { barChart, colour, heatmap, lineChart } from "/dashboard/charts.js";
import { clear, dec, num, pct, secs } from "/dashboard/dom.js";
import { label, t } from "/dashboard/i18n.js";
import { renderTable } from "/dashboard/tables.js";

const $ = (id) => document.getElementById(id);

export class ReportView {
  constructor() { this.report = null; }

  render(report) {
    this.report = report;
    this.redraw();
  }

  redraw() {
    const r = this.report;
    if (!r) return;
    this.kpis(r.summary, r.wait_target_seconds);
    this.volume(r);
    this.decisions(r);
    this.handoffs(r);
    this.satisfaction(r);
    this.content(r);
    this.arrivals(r);
  }

  kpis(s, target) {
    const set = (id, text, value) => { const node = $(id); node.textContent = text; node.dataset.value = value ?? ""; };
    set("kpi-conversations", num(s.conversations), s.conversations);
    set("kpi-messages", num(s.customer_messages), s.customer_messages);
    set("kpi-containment", pct(s.containment_rate), s.containment_rate);
    $("kpi-containment-sub").textContent = `${num(s.contained)} / ${num(s.conversations_with_customer_message)}`;
    set("kpi-handoff-rate", pct(s.handoff_rate), s.handoff_rate);
    set("kpi-answer", pct(s.answer_rate), s.answer_rate);
    set("kpi-clarify", pct(s.clarify_rate), s.clarify_rate);
    set("kpi-no-answer", pct(s.no_answer_rate), s.no_answer_rate);
    set("kpi-satisfaction", s.satisfaction_mean == null ? t("none") : `${dec(s.satisfaction_mean)} / 5`, s.satisfaction_mean);
    set("kpi-wait-p50", secs(s.wait_p50_seconds), s.wait_p50_seconds);
    set("kpi-wait-p90", secs(s.wait_p90_seconds), s.wait_p90_seconds);
    set("kpi-within-target", pct(s.within_target_share), s.within_target_share);
    $("kpi-wait-sub").textContent = `${t("target")} ${secs(target)}`;
    for (const node of document.querySelectorAll("[data-def]")) {
      node.title = t(node.dataset.def, { target });
    }
  }

  volume(r) {
    const days = [...new Set(r.daily.map((row) => row.date))];
    const channels = [...new Set(r.daily.map((row) => row.channel))];
    const count = new Map(r.daily.map((row) => [`${row.date}|${row.channel}`, row.conversations]));
    const series = channels.map((ch) => ({ name: ch, label: label("channel", ch), values: days.map((d) => count.get(`${d}|${ch}`) || 0) }));
    if (series.length > 1) {
      series.push({ name: "total", label: t("total"), values: days.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0)) });
    }
    const chart = clear($("daily-chart"));
    if (days.length && series.length) {
      chart.append(lineChart(days, series, { title: t("sec_daily"), describe: (n) => t("conversations_n", { n }) }));
      $("daily-legend").replaceChildren(...series.map((s, i) => legendItem(s.label, i)));
    } else {
      $("daily-legend").replaceChildren();
    }
    renderTable($("channels-table"), [
      { key: "channel", i18n: "col_channel", format: (v) => label("channel", v) },
      { key: "conversations", i18n: "col_conversations", numeric: true, format: num },
      { key: "customer_messages", i18n: "col_customer_messages", numeric: true, format: num },
      { key: "bot_messages", i18n: "col_bot_messages", numeric: true, format: num },
      { key: "agent_messages", i18n: "col_agent_messages", numeric: true, format: num },
      { key: "messages", i18n: "col_messages", numeric: true, format: num },
    ], r.channels);
  }

  decisions(r) {
    const items = r.decisions.map((d) => ({ key: d.decision, label: label("decision", d.decision), value: d.count, text: `${num(d.count)} · ${pct(d.rate)}`, cls: `decision-${d.decision}` }));
    clear($("decisions-chart")).append(barChart(items, { title: t("sec_decisions") }));
    renderTable($("decisions-table"), [
      { key: "decision", i18n: "col_decision", format: (v) => label("decision", v) },
      { key: "count", i18n: "col_count", numeric: true, format: num },
      { key: "rate", i18n: "col_rate", numeric: true, format: pct },
    ], r.decisions);
  }

  handoffs(r) {
    const reasons = r.reasons.map((x) => ({ key: x.reason, label: label("reason", x.reason), value: x.handoffs, text: `${num(x.handoffs)} · ${pct(x.share)}` }));
    clear($("reasons-chart")).append(barChart(reasons, { title: t("sec_reasons"), labelWidth: 230 }));
    renderTable($("reasons-table"), [
      { key: "reason", i18n: "col_reason", format: (v) => label("reason", v) },
      { key: "handoffs", i18n: "col_handoffs", numeric: true, format: num },
      { key: "share", i18n: "col_share", numeric: true, format: pct },
    ], r.reasons);
    const target = r.wait_target_seconds;
    const buckets = r.wait.map((b) => ({
      key: b.bucket, value: b.handoffs, text: num(b.handoffs),
      label: b.max_seconds == null ? `> ${secs(b.min_seconds)}` : `${num(b.min_seconds)}–${secs(b.max_seconds)}`,
      cls: b.max_seconds != null && b.max_seconds <= target ? "in-target" : "late",
    }));
    clear($("wait-chart")).append(barChart(buckets, { title: t("sec_wait") }));
    const s = r.summary;
    $("wait-note").textContent = t("within_target", { share: pct(s.within_target_share), target });
    $("wait-unassigned").textContent = t("unassigned", { n: num(s.unassigned_handoffs) });
  }

  satisfaction(r) {
    const s = r.summary;
    const items = [
      { key: "overall", label: t("overall"), value: s.satisfaction_mean, text: `${dec(s.satisfaction_mean)} (${num(s.ratings)})` },
      ...r.satisfaction.map((a) => ({ key: a.attribute, label: label("attr", a.attribute), value: a.mean, text: `${dec(a.mean)} (${num(a.ratings)})`, cls: a.attribute === s.satisfaction_driver ? "driver" : "" })),
    ];
    clear($("satisfaction-chart")).append(barChart(items, { max: 5, title: t("sec_satisfaction") }));
    renderTable($("satisfaction-table"), [
      { key: "attribute", i18n: "col_attribute", format: (v) => label("attr", v) },
      { key: "ratings", i18n: "col_ratings", numeric: true, format: num },
      { key: "mean", i18n: "col_mean", numeric: true, format: (v) => dec(v) },
      { key: "r", i18n: "col_r", numeric: true, format: (v) => dec(v, 3) },
      { key: "pairs", i18n: "col_pairs", numeric: true, format: num },
    ], r.satisfaction);
    const driver = $("driver");
    driver.textContent = s.satisfaction_driver ? t("driver", { attr: label("attr", s.satisfaction_driver) }) : t("driver_none");
    driver.dataset.value = s.satisfaction_driver || "";
  }

  content(r) {
    renderTable($("entries-table"), [
      { key: "entry_id", i18n: "col_entry" },
      { key: "question", i18n: "col_question" },
      { key: "answered", i18n: "col_answered", numeric: true, format: num },
      { key: "helpful", i18n: "col_helpful", numeric: true, format: num },
      { key: "not_helpful", i18n: "col_not_helpful", numeric: true, format: num },
    ], r.top_entries);
    renderTable($("unanswered-table"), [
      { key: "question", i18n: "col_question", title: (row) => row.wordings,
        format: (v, row) => { const more = row.wordings.split("\n").length - 1; return more ? `${v} (${t("other_wordings", { n: more })})` : v; } },
      { key: "asked", i18n: "col_asked", numeric: true, format: num },
      { key: "customers", i18n: "col_customers", numeric: true, format: num },
    ], r.unanswered);
  }

  arrivals(r) {
    const matrix = Array.from({ length: 7 }, () => new Array(24).fill(0));
    for (const cell of r.heatmap) matrix[cell.weekday][cell.hour] += cell.conversations;
    clear($("heatmap-chart")).append(heatmap(matrix, t("weekdays").split(","), {
      title: t("sec_heatmap"), describe: (n) => t("conversations_n", { n }),
    }));
  }
}

function legendItem(text, i) {
  const item = document.createElement("span");
  item.className = "legend-item";
  item.style.setProperty("--swatch", colour(i));
  item.textContent = text;
  return item;
}
