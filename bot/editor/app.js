/* The knowledge editor: sign-in, the header (drafts, publish, whether the bot already answers
 * from the published version) and the pages, one per hash route (#/entries/<id>, #/misses, ...).
 */
import { api, setCsrf, whenUnauthorized } from "/editor/api.js";
import { AuditLog } from "/editor/audit.js";
import { toast } from "/editor/dom.js";
import { EntriesPage } from "/editor/entries.js";
import { applyStrings, onLanguage, t, toggleLang } from "/editor/i18n.js";
import { KbCheckPage } from "/editor/kb_check.js";
import { MissesPage } from "/editor/misses.js";
import { TransferPage } from "/editor/transfer.js";
import { TryPage } from "/editor/try.js";

const $ = (id) => document.getElementById(id);
const EDITOR_ROLES = ["editor", "admin"];
const POLL_MS = 2000;
let status = null;
let pollTimer = 0;

const changed = () => refreshStatus();
const pages = {
  entries: new EntriesPage($("view-entries"), { changed }),
  misses: new MissesPage($("view-misses"), { changed, openEntry: (id) => { location.hash = `#/entries/${encodeURIComponent(id)}`; } }),
  try: new TryPage($("view-try")),
  check: new KbCheckPage($("view-check")),
  import: new TransferPage($("view-import"), { changed }),
  audit: new AuditLog($("view-audit")),
};

function route() {
  const match = /^#\/([a-z]+)(?:\/(.+))?$/.exec(location.hash);
  const name = match && pages[match[1]] ? match[1] : "entries";
  const arg = match && match[2] ? decodeURIComponent(match[2]) : "";
  for (const [key, page] of Object.entries(pages)) page.root.hidden = key !== name;
  for (const link of document.querySelectorAll(".views a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  pages[name].show(arg);
}

async function refreshStatus() {
  clearTimeout(pollTimer);
  try {
    status = await api.status();
    renderStatus();
  } catch (e) { /* shown on the next poll; a 401 goes back to the sign-in */ }
  if (!$("app-view").hidden) pollTimer = setTimeout(refreshStatus, POLL_MS);
}

function renderStatus() {
  if (!status) return;
  const liveNow = status.loaded_version === status.version;
  const state = $("live-state");
  state.textContent = t(liveNow ? "live" : "going_live", { v: status.version });
  state.dataset.live = liveNow ? "yes" : "no";
  state.dataset.version = String(status.version);
  const badge = $("drafts-badge");
  badge.hidden = !status.drafts;
  badge.textContent = t("drafts", { n: status.drafts });
  badge.dataset.count = String(status.drafts);
  $("publish-button").disabled = !status.drafts;
}

async function publish() {
  const btn = $("publish-button");
  btn.disabled = true;
  btn.textContent = t("publishing");
  try {
    const { version } = await api.publish();
    toast(t("published", { v: version }));
    pages.entries.reload();
  } catch (e) {
    toast(e.describe(), "error");
  } finally {
    btn.textContent = t("publish");
    refreshStatus();
  }
}

function showLogin(message) {
  clearTimeout(pollTimer);
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  const err = $("login-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("login-username").focus();
}

function showApp(user) {
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("user-name").textContent = user.display_name || user.username;
  route();
  refreshStatus();
}

function accept(body) {
  if (!EDITOR_ROLES.includes(body.user.role)) { showLogin(t("no_access")); return; }
  setCsrf(body.csrf_token);
  showApp(body.user);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    accept(await api.login($("login-username").value.trim(), $("login-password").value));
    $("login-password").value = "";
  } catch (e) {
    showLogin(e.status === 401 ? t("bad_login") : e.describe());
  }
});
$("logout").addEventListener("click", async () => {
  try { await api.logout(); } catch (e) { /* signed out anyway */ }
  showLogin("");
});
$("publish-button").addEventListener("click", publish);
for (const node of document.querySelectorAll(".lang-toggle")) node.addEventListener("click", toggleLang);
onLanguage(() => renderStatus());
window.addEventListener("hashchange", () => { if (!$("app-view").hidden) route(); });
whenUnauthorized(() => showLogin(t("session_expired")));

applyStrings();
api.me().then(accept).catch(() => showLogin(""));
