/* The knowledge editor: sign-in, the header (drafts, publish, whether the bot already answers
 * from the published version) and the pages, one per hash route (#/entries/<id>, #/misses, ...).
 */
import { api } from "/editor/api.js";
import { AuditLog } from "/editor/audit.js";
import { toast } from "/editor/dom.js";
import { EntriesPage } from "/editor/entries.js";
import { applyStrings, onLanguage, t, toggleLang } from "/editor/i18n.js";
import { KbCheckPage } from "/editor/kb_check.js";
import { MissesPage } from "/editor/misses.js";
import { TransferPage } from "/editor/transfer.js";
import { TryPage } from "/editor/try.js";
import { startSignIn } from "/ui/login.js";

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

/** After the sign-in (or with a session still valid): the routed page and the status poll. */
function enter({ user }) {
  $("user-name").textContent = user.display_name || user.username;
  route();
  refreshStatus();
}

$("publish-button").addEventListener("click", publish);
for (const node of document.querySelectorAll(".lang-toggle")) node.addEventListener("click", toggleLang);
onLanguage(() => renderStatus());
window.addEventListener("hashchange", () => { if (!$("app-view").hidden) route(); });

applyStrings();
startSignIn({ t, roles: EDITOR_ROLES, enter, leave: () => clearTimeout(pollTimer) });
