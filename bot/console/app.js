/* The agent console: sign-in, the header, and the wiring between the lists, the open
 * conversation, its context and the live socket. The open conversation is in the URL
 * (#/c/<id>), so a reload or a shared link opens it again.
 */
import { api } from "/console/api.js";
import { ContextPane } from "/console/context.js";
import { ConversationView } from "/console/conversation.js";
import { announce, customerName, tickClocks, toast } from "/console/dom.js";
import { applyStrings, onLanguage, t, toggleLang } from "/console/i18n.js";
import { LiveSocket } from "/console/live.js";
import { Sidebar } from "/console/queue.js";
import { startSignIn } from "/ui/login.js";

const $ = (id) => document.getElementById(id);
let me = null;
let clockTimer = 0;
let queued = new Set(); // ids already announced as waiting
let loading = { id: "", early: [] }; // live messages that arrive while a conversation loads
let openSeq = 0;

const sidebar = new Sidebar({ onOpen: (id) => go(id), onClaim: claim, onCloseTicket: closeTicket });
const view = new ConversationView({ me: () => me, onClaim: claim, onLeft: left });
const pane = new ContextPane({ insert: (text) => view.insertReply(text) });
const live = new LiveSocket({ onEvent: handleEvent, onState: showLiveState, onReconnect: () => refresh(true) });

function go(id) {
  const hash = `#/c/${encodeURIComponent(id)}`;
  if (location.hash === hash) openConversation(id); else location.hash = hash; // hashchange opens it
}

function routedId() {
  const match = /^#\/c\/(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : "";
}

async function openConversation(id) {
  sidebar.setActive(id);
  if (!id) { view.clear(); pane.clear(); return; }
  loading = { id, early: [] };
  // Transfer targets' status and load change all day: fetch them with each conversation.
  api.agents().then((r) => view.setAgents(r.agents)).catch(() => {});
  const seq = ++openSeq;
  try {
    const context = await api.conversation(id);
    // Only the latest request counts: an older snapshot may show a state that has since changed.
    if (routedId() !== id || seq !== openSeq) return;
    view.show(context);
    pane.show(context);
    loading.early.forEach((m) => view.append(m)); // append() skips those the context already has
    if (loading.id === id) loading = { id: "", early: [] };
  } catch (e) {
    if (e.status === 401 || routedId() !== id || seq !== openSeq) return;
    view.showError(e.describe ? e.describe() : String(e));
    pane.clear();
  }
}

async function claim(id) {
  try {
    const { conversation } = await api.claim(id);
    sidebar.setQueue(sidebar.queue.filter((q) => q.conversation_id !== id));
    sidebar.upsertMine(conversation, me.id);
    toast(t("claimed"));
    if (routedId() === id) openConversation(id); else go(id);
  } catch (e) {
    toast(e.describe(), "error");
  }
}

async function closeTicket(id) {
  try {
    const { ticket } = await api.closeTicket(id);
    sidebar.addTicket(ticket);
  } catch (e) {
    toast(e.describe(), "error");
  }
}

/** After a resolve the conversation stays on screen (read only); after a transfer to someone
 * else it is theirs and would only answer 404, so the view closes. */
function left(id, closeView) {
  const summary = sidebar.mine.get(id);
  if (summary) sidebar.upsertMine({ ...summary, state: "closed" }, me.id);
  if (closeView && routedId() === id) {
    history.pushState(null, "", location.pathname + location.search); // no hashchange: open nothing ourselves
    openConversation("");
  }
}

function setQueue(items) {
  const fresh = items.filter((q) => !queued.has(q.conversation_id));
  queued = new Set(items.map((q) => q.conversation_id));
  sidebar.setQueue(items);
  return fresh;
}

// Frames may carry the new state (docs/agent_api.md) or only say what changed; then we ask.
async function reloadQueue() {
  const fresh = setQueue((await api.queue()).queue || []);
  if (fresh.length) announce(t("new_in_queue", { name: customerName(fresh[fresh.length - 1].customer) }));
}
async function reloadMine() { sidebar.setMine((await api.conversations("agent")).conversations); }

function handleEvent(frame) {
  const guard = (promise) => promise.catch(() => {}); // a failed reload is retried by the next event
  if (frame.type === "queue" || frame.type === "queue_changed") {
    if (!Array.isArray(frame.queue)) { guard(reloadQueue()); return; }
    const fresh = setQueue(frame.queue);
    if (fresh.length) announce(t("new_in_queue", { name: customerName(fresh[fresh.length - 1].customer) }));
  } else if (frame.type === "assigned") {
    const id = frame.conversation ? frame.conversation.id : frame.conversation_id;
    if (frame.conversation) sidebar.upsertMine(frame.conversation, me.id);
    guard(reloadMine().then(() => {
      const summary = sidebar.mine.get(id);
      if (summary) announce(t("new_assigned", { name: customerName(summary.customer) }));
    }));
    if (id === view.id) openConversation(id);
  } else if (frame.type === "message") {
    const id = frame.conversation_id;
    if (id === view.id) view.append(frame.message);
    if (id === loading.id) loading.early.push(frame.message);
    sidebar.touch(id, frame.message);
    if (id !== sidebar.activeId && sidebar.has(id) && frame.message.author === "customer") {
      sidebar.markUnread(id);
      announce(t("new_message", { name: customerName(sidebar.mine.get(id).customer) }));
    }
  } else if (frame.type === "conversation") {
    const id = frame.conversation ? frame.conversation.id : frame.conversation_id;
    if (frame.conversation) sidebar.upsertMine(frame.conversation, me.id);
    else guard(reloadMine());
    if (id === view.id) openConversation(id); // state changed: reload its context
  } else if (frame.type === "ticket") {
    if (frame.ticket) sidebar.addTicket(frame.ticket);
    else guard(api.tickets("open").then((r) => sidebar.setTickets(r.tickets)));
  }
}

function showLiveState(state) {
  // A dropped socket may mean the session ended: /me answers 401 then, which shows the login.
  if (state === "offline" && me) api.me().catch(() => {});
  const node = $("live-state");
  node.hidden = state !== "offline";
  node.textContent = t("live_offline");
}

/** Loads the lists (and, after a reconnect, the open conversation: events may have been missed). */
async function refresh(again = false) {
  const [queue, mine, tickets, agents] = await Promise.allSettled([
    api.queue(), api.conversations("agent"), api.tickets("open"), api.agents(),
  ]);
  if (queue.status === "fulfilled") setQueue(queue.value.queue || []);
  if (mine.status === "fulfilled") sidebar.setMine(mine.value.conversations);
  if (tickets.status === "fulfilled") sidebar.setTickets(tickets.value.tickets);
  if (agents.status === "fulfilled") view.setAgents(agents.value.agents);
  if (again && view.id) openConversation(view.id);
}

function showHeader() {
  $("agent-name").textContent = me.display_name || me.username;
  $("status-select").value = me.status || "online";
}

/** After the sign-in (or with a session still valid): the lists, the live socket, the routed conversation. */
async function enter(data) {
  me = data.user;
  sidebar.admin = me.role === "admin";
  showHeader();
  live.start();
  clockTimer = setInterval(() => tickClocks(), 1000);
  await refresh();
  openConversation(routedId());
}

/** Before the sign-in form shows. */
function leave() {
  live.stop();
  clearInterval(clockTimer);
  me = null;
  document.title = t("app_title");
}

async function boot() {
  applyStrings();
  document.querySelectorAll(".lang-toggle").forEach((b) => b.addEventListener("click", toggleLang));
  onLanguage(() => {
    sidebar.rerender();
    if (view.context) { view.renderHead(); view.renderTranscript(); }
    pane.render();
    if (!$("live-state").hidden) showLiveState("offline");
  });
  $("status-select").addEventListener("change", async (e) => {
    try {
      me = (await api.setStatus(e.target.value)).user;
    } catch (err) {
      toast(err.describe(), "error");
    }
    showHeader();
  });
  window.addEventListener("hashchange", () => { if (me) openConversation(routedId()); });
  // After a sign-out the next agent starts with no conversation open.
  await startSignIn({ t, enter, leave, signedOut: () => { location.hash = ""; } });
}

boot();
