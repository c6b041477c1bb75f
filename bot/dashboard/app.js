/* The analytics dashboard: sign-in (the console's accounts; editors and admins only), the filter
 * (dates, channel, time zone — kept in the URL so a reload or a shared link shows the same report),
 * loading the report and handing it to the view. */
import { api } from "/dashboard/api.js";
import { addDays, el, isoDate } from "/dashboard/dom.js";
import { applyStrings, label, onLanguage, t, toggleLang } from "/dashboard/i18n.js";
import { ReportView } from "/dashboard/report_view.js";
import { updateCsvLinks } from "/dashboard/tables.js";
import { startSignIn } from "/ui/login.js";

const ALLOWED = ["editor", "admin"];
const $ = (id) => document.getElementById(id);
const view = new ReportView();
let knownChannels = [];

/** After the sign-in (or with a session still valid): the filter from the URL and its report. */
function enter({ user }) {
  $("user-name").textContent = user.display_name || user.username;
  readFilterFromUrl();
  load();
}

function start() {
  applyStrings();
  for (const node of document.querySelectorAll(".lang-toggle")) node.addEventListener("click", toggleLang);
  onLanguage(() => { fillChannels(); fillZones(); view.redraw(); updateCsvLinks(currentParams()); });
  $("filter-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  fillZones();
  startSignIn({ t, roles: ALLOWED, enter });
}

/** The API's query: `to` is exclusive, the picker's "through" date is included. */
function currentParams() {
  const params = { from: $("filter-from").value, to: $("filter-through").value ? addDays($("filter-through").value, 1) : "" };
  if ($("filter-channel").value !== "all") params.channel = $("filter-channel").value;
  if ($("filter-tz").value) params.tz = $("filter-tz").value;
  return params;
}

function readFilterFromUrl() {
  const query = new URLSearchParams(location.search);
  const today = isoDate(new Date());
  $("filter-through").value = query.get("through") || today;
  $("filter-from").value = query.get("from") || addDays($("filter-through").value, -6);
  const channel = query.get("channel") || "all";
  if (channel !== "all" && !knownChannels.includes(channel)) knownChannels = [...knownChannels, channel];
  fillChannels(channel);
  const tz = query.get("tz") || "";
  if (tz && ![...$("filter-tz").options].some((o) => o.value === tz)) $("filter-tz").append(el("option", { value: tz, text: tz }));
  $("filter-tz").value = tz;
}

function writeFilterToUrl() {
  const query = new URLSearchParams({ from: $("filter-from").value, through: $("filter-through").value });
  if ($("filter-channel").value !== "all") query.set("channel", $("filter-channel").value);
  if ($("filter-tz").value) query.set("tz", $("filter-tz").value);
  history.replaceState(null, "", `${location.pathname}?${query}`);
}

function fillChannels(selected = $("filter-channel").value || "all") {
  const select = $("filter-channel");
  select.replaceChildren(
    el("option", { value: "all", text: t("all_channels") }),
    ...knownChannels.map((ch) => el("option", { value: ch, text: label("channel", ch) })),
  );
  select.value = selected;
}

function fillZones() {
  const select = $("filter-tz");
  const selected = select.value;
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = [...new Set([browser, "Asia/Shanghai", "UTC", selected].filter(Boolean))];
  select.replaceChildren(el("option", { value: "", text: t("tz_server") }), ...zones.map((z) => el("option", { value: z, text: z })));
  select.value = selected;
}

async function load() {
  const params = currentParams();
  const report = $("report");
  report.dataset.state = "loading";
  $("filter-error").hidden = true;
  $("report-status").textContent = t("loading");
  writeFilterToUrl();
  try {
    const data = await api.report(params);
    knownChannels = data.known_channels;
    fillChannels();
    view.render(data);
    updateCsvLinks(params);
    $("report-status").textContent = "";
    report.dataset.state = "ready";
  } catch (e) {
    if (e.status === 401) return; // the sign-in form shows (startSignIn)
    $("report-status").textContent = "";
    $("filter-error").textContent = e.status === 403 ? t("no_access") : e.describe();
    $("filter-error").hidden = false;
    report.dataset.state = "error";
  }
}

start();
