/* Small SVG charts drawn here, without a library: horizontal bars, a line chart per day and the
 * weekday x hour heatmap. Every mark carries a <title> (hover text, read by screen readers) and
 * labels are text nodes. Sizes are in viewBox units; CSS scales the SVG to its column. */
import { svg, tip } from "/dashboard/dom.js";

const PALETTE = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#1b7c83", "#6e7781"];

export function colour(i) { return PALETTE[i % PALETTE.length]; }

/** items: [{key, label, value, text, cls}]; the bar length is value / max (max defaults to the largest). */
export function barChart(items, { max, labelWidth = 150, width = 520, row = 26, title = "" } = {}) {
  const top = Math.max(max ?? 0, ...items.map((i) => i.value ?? 0)) || 1;
  const plot = width - labelWidth - 70;
  const height = Math.max(row, items.length * row) + 4;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart bar-chart", role: "img", "aria-label": title });
  items.forEach((item, i) => {
    const y = i * row + 4;
    const length = Math.max(0, ((item.value ?? 0) / top) * plot);
    chart.append(
      svg("text", { x: labelWidth - 8, y: y + row / 2, class: "axis-label", "text-anchor": "end", "dominant-baseline": "middle", text: item.label }),
      svg("rect", { x: labelWidth, y, width: length, height: row - 8, rx: 3, class: `bar ${item.cls || ""}`,
        dataset: { key: item.key ?? "", value: String(item.value ?? "") } }, tip(`${item.label}: ${item.text}`)),
      svg("text", { x: labelWidth + length + 6, y: y + row / 2 - 2, class: "bar-value", "dominant-baseline": "middle", text: item.text }),
    );
  });
  return chart;
}

/** days: ["2025-03-03", ...]; series: [{name, label, values: [n per day]}]. */
export function lineChart(days, series, { width = 1100, height = 240, title = "", describe = (n) => String(n) } = {}) {
  const pad = { left: 36, right: 12, top: 12, bottom: 28 };
  const w = width - pad.left - pad.right, h = height - pad.top - pad.bottom;
  const top = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i) => pad.left + (days.length > 1 ? (i / (days.length - 1)) * w : w / 2);
  const y = (v) => pad.top + h - (v / top) * h;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart line-chart", role: "img", "aria-label": title });
  for (const v of [0, Math.round(top / 2), top]) {
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: pad.left - 6, y: y(v), class: "axis-label", "text-anchor": "end", "dominant-baseline": "middle", text: String(v) }),
    );
  }
  const ticks = new Set([0, Math.floor((days.length - 1) / 2), days.length - 1]);
  for (const i of ticks) {
    if (i < 0) continue;
    const anchor = days.length > 1 && i === 0 ? "start" : days.length > 1 && i === days.length - 1 ? "end" : "middle";
    chart.append(svg("text", { x: x(i), y: height - 8, class: "axis-label", "text-anchor": anchor, text: days[i].slice(5) }));
  }
  series.forEach((s, n) => {
    const points = s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
    chart.append(svg("polyline", { points, class: "line", stroke: colour(n), dataset: { series: s.name } }));
    s.values.forEach((v, i) => chart.append(
      svg("circle", { cx: x(i), cy: y(v), r: 3, fill: colour(n), class: "point", dataset: { series: s.name, day: days[i], value: String(v) } },
        tip(`${s.label} · ${days[i]}: ${describe(v)}`)),
    ));
  });
  return chart;
}

/** matrix[weekday 0 = Monday][hour] = conversations. */
export function heatmap(matrix, weekdays, { title = "", describe = (n) => String(n) } = {}) {
  const cell = 24, left = 44, top = 18;
  const max = Math.max(0, ...matrix.flat());
  const chart = svg("svg", { viewBox: `0 0 ${left + 24 * cell + 4} ${top + 7 * cell + 4}`, class: "chart heatmap", role: "img", "aria-label": title });
  for (let hour = 0; hour < 24; hour += 3) {
    chart.append(svg("text", { x: left + hour * cell + cell / 2, y: 12, class: "axis-label", "text-anchor": "middle", text: String(hour) }));
  }
  matrix.forEach((hours, day) => {
    chart.append(svg("text", { x: left - 6, y: top + day * cell + cell / 2, class: "axis-label", "text-anchor": "end", "dominant-baseline": "middle", text: weekdays[day] }));
    hours.forEach((n, hour) => {
      const strength = max ? n / max : 0;
      chart.append(svg("rect", {
        x: left + hour * cell + 1, y: top + day * cell + 1, width: cell - 2, height: cell - 2, rx: 2,
        class: n ? "heat" : "heat heat-empty", "fill-opacity": n ? (0.15 + 0.85 * strength).toFixed(3) : 1,
        dataset: { weekday: String(day), hour: String(hour), count: String(n) },
      }, tip(`${weekdays[day]} ${String(hour).padStart(2, "0")}:00–${String(hour).padStart(2, "0")}:59 · ${describe(n)}`)));
    });
  });
  return chart;
}
