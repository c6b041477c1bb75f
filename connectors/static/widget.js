/* kefu web chat widget. Embed it on any page with one tag:
 *   <script src="https://shop.example.com/widget.js" data-lang="auto"></script>
 * data-server (default: where this script came from), data-lang zh|en|auto, data-title,
 * data-title-zh, data-title-en, data-color (accent), data-open="true" (start opened),
 * data-identity (a token the shop's backend signs for a logged-in customer; see README).
 * Everything lives in a shadow root so host-page CSS cannot leak in or out. Message text is only
 * ever set with textContent: it is never parsed as HTML. The WebSocket protocol is documented in
 * connectors/web.py.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.kefuWidgetLoaded) return; // a second copy of the tag is ignored
  window.kefuWidgetLoaded = true;

  const STRINGS = {
    zh: {
      title: "在线客服", open: "打开在线客服", close: "关闭聊天窗口", log: "聊天记录",
      connecting: "正在连接…", online: "在线", offline: "连接已断开，正在重连…",
      placeholder: "请输入您的问题…", input: "输入消息", send: "发送", typing: "客服正在输入…",
      langButton: "EN", langLabel: "Switch to English", bot: "智能客服", agent: "人工客服",
      system: "系统消息", you: "我", pending: "发送中…", failed: "发送失败",
      greeting: "您好！我是智能客服，请问有什么可以帮您？", unread: "条新消息",
      too_long: "消息太长，最多 {n} 个字", empty: "消息不能为空", server_error: "服务暂时出错，请稍后再试",
    },
    en: {
      title: "Customer service", open: "Open customer service chat", close: "Close chat", log: "Conversation",
      connecting: "Connecting…", online: "Online", offline: "Connection lost, reconnecting…",
      placeholder: "Type your question…", input: "Message", send: "Send", typing: "Assistant is typing…",
      langButton: "中文", langLabel: "切换到中文", bot: "Assistant", agent: "Agent",
      system: "Notice", you: "You", pending: "Sending…", failed: "Not sent",
      greeting: "Hello! I'm the virtual assistant. How can I help you?", unread: "new messages",
      too_long: "The message is too long (at most {n} characters)", empty: "The message is empty",
      server_error: "Something went wrong, please try again",
    },
  };
  const cfg = script.dataset;
  const server = (cfg.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const store = openStorage();
  const pickLang = (v) => (v === "zh" || v === "en" ? v
    : (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en");
  let lang = pickLang(store.getItem("kefu:lang") || cfg.lang);
  let visitor = store.getItem("kefu:visitor") || "";
  let outbox = []; // sent but not yet acknowledged; kept across reloads
  try { outbox = JSON.parse(store.getItem("kefu:outbox") || "[]"); } catch (e) { /* corrupt: start empty */ }
  let messages = [];
  let maxChars = 2000;
  let socket = null;
  let attempt = 0;
  let retryTimer = 0;
  let unread = 0;
  const t = (key) => STRINGS[lang][key];

  function openStorage() {
    try { // localStorage can throw (blocked cookies, sandboxed frames): fall back to memory
      localStorage.setItem("kefu:probe", "1");
      localStorage.removeItem("kefu:probe");
      return localStorage;
    } catch (e) {
      const m = new Map();
      return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)) };
    }
  }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function icon(d) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  }
  function newId() { // crypto.randomUUID needs a secure context; host pages may be plain http
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ---- DOM ----
  const host = document.createElement("kefu-widget");
  const root = host.attachShadow({ mode: "open" });
  const css = el("link");
  css.rel = "stylesheet";
  css.href = server + "/widget.css";
  const shell = el("div", "kefu");
  shell.hidden = true; // shown once the stylesheet loaded, so the page never sees it unstyled
  css.addEventListener("load", () => { shell.hidden = false; });
  if (cfg.color) shell.style.setProperty("--kefu-accent", cfg.color);
  const launcher = el("button", "launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-controls", "kefu-panel");
  const badge = el("span", "badge");
  badge.hidden = true;
  launcher.append(icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"), badge);
  const panel = el("section", "panel");
  panel.id = "kefu-panel";
  panel.setAttribute("role", "dialog");
  panel.hidden = true;
  const title = el("h2", "title");
  const status = el("p", "status");
  const statusText = el("span", "status-text");
  status.append(el("span", "dot"), statusText);
  const langButton = el("button", "lang");
  langButton.type = "button";
  const closeButton = el("button", "close");
  closeButton.type = "button";
  closeButton.append(icon("M6 6l12 12M18 6L6 18"));
  const heading = el("div", "heading");
  heading.append(title, status);
  const head = el("header", "head");
  head.append(heading, langButton, closeButton);
  const log = el("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  const typing = el("div", "typing");
  typing.setAttribute("role", "status");
  typing.hidden = true;
  const typingText = el("span", "sr-only");
  typing.append(el("span", "dots"), typingText);
  typing.firstChild.append(el("span"), el("span"), el("span"));
  const notice = el("p", "notice");
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  const form = el("form", "composer");
  const inputLabel = el("label", "sr-only");
  const input = el("textarea", "input");
  input.id = "kefu-input";
  input.rows = 1;
  inputLabel.htmlFor = input.id;
  const sendButton = el("button", "send");
  sendButton.type = "submit";
  sendButton.append(icon("M3 20l18-8L3 4v6l12 2-12 2z"), el("span", "sr-only"));
  form.append(inputLabel, input, sendButton);
  panel.append(head, log, typing, notice, form);
  shell.append(launcher, panel);
  root.append(css, shell);

  function applyStrings() {
    const name = cfg["title" + (lang === "zh" ? "Zh" : "En")] || cfg.title || t("title");
    title.textContent = name;
    panel.setAttribute("aria-label", name);
    panel.lang = launcher.lang = lang === "zh" ? "zh-CN" : "en";
    launcher.setAttribute("aria-label", t("open") + (unread ? ` (${unread} ${t("unread")})` : ""));
    closeButton.setAttribute("aria-label", t("close"));
    langButton.textContent = t("langButton");
    langButton.setAttribute("aria-label", t("langLabel"));
    log.setAttribute("aria-label", t("log"));
    typingText.textContent = t("typing");
    input.placeholder = t("placeholder");
    inputLabel.textContent = t("input");
    sendButton.lastChild.textContent = t("send");
    statusText.textContent = t(shell.dataset.state || "connecting");
  }

  // ---- messages ----
  function render(item, withButtons) {
    const row = el("div", `msg msg-${item.author}` + (item.status ? ` is-${item.status}` : ""));
    row.dataset.id = item.id;
    if (item.author !== "customer") row.append(el("div", "author", t(item.author) || item.author));
    row.append(el("div", "bubble", item.text));
    if (withButtons && item.author !== "customer" && item.buttons && item.buttons.length) {
      const group = el("div", "buttons");
      group.setAttribute("role", "group");
      for (const b of item.buttons) {
        const button = el("button", "quick", b.title);
        button.type = "button";
        button.addEventListener("click", () => send(b.payload, b.title));
        group.append(button);
      }
      row.append(group);
    }
    const when = new Date(item.created_at);
    const meta = el("div", "meta", item.status ? t(item.status) : when.toLocaleTimeString(
      lang === "zh" ? "zh-CN" : "en-US", { hour: "2-digit", minute: "2-digit" }));
    if (item.error) meta.textContent = `${t("failed")}: ${item.error}`;
    row.append(meta);
    return row;
  }
  function renderAll() {
    log.setAttribute("aria-busy", "true"); // a rebuild must not be read out again
    log.replaceChildren();
    if (!messages.length) { // a local greeting, not stored: the conversation starts with the customer
      const greeting = render({ id: "greeting", author: "bot", text: t("greeting"), created_at: new Date().toISOString() }, false);
      greeting.classList.add("is-greeting");
      log.append(greeting);
    }
    messages.forEach((m, i) => log.append(render(m, i === messages.length - 1)));
    log.removeAttribute("aria-busy");
    log.scrollTop = log.scrollHeight;
  }
  function add(item) {
    if (messages.some((m) => m.id === item.id)) return; // replayed after a reconnect
    if (!messages.length) log.replaceChildren(); // drop the greeting
    log.querySelectorAll(".buttons").forEach((b) => b.remove()); // quick replies answer the latest message only
    messages.push(item);
    log.append(render(item, true));
    log.scrollTop = log.scrollHeight;
    if (panel.hidden && item.author !== "customer") setUnread(unread + 1);
  }
  function update(id, changes) { // in place: replacing the node would make screen readers repeat it
    const item = messages.find((m) => m.id === id);
    const row = log.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (!item || !row) return;
    Object.assign(item, changes);
    const fresh = render(item, false);
    row.className = fresh.className;
    row.querySelector(".meta").replaceWith(fresh.querySelector(".meta"));
  }
  function setUnread(n) {
    unread = n;
    badge.textContent = n > 9 ? "9+" : String(n);
    badge.hidden = n === 0;
    applyStrings();
  }
  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  // ---- sending ----
  function saveOutbox() { store.setItem("kefu:outbox", JSON.stringify(outbox)); }
  function transmit(entry) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "message", lang, ...entry }));
  }
  function send(text, buttonTitle) {
    text = text.trim();
    if (!text) return false;
    if (text.length > maxChars) { showNotice(t("too_long").replace("{n}", maxChars)); return false; }
    showNotice("");
    const entry = { id: newId(), text, title: buttonTitle || "" };
    outbox.push(entry);
    saveOutbox();
    add({ id: entry.id, author: "customer", text: buttonTitle || text, buttons: [], kind: "text",
      created_at: new Date().toISOString(), status: "pending" });
    transmit(entry); // when offline it waits in the outbox and goes on the next connect
    return true;
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (send(input.value)) { input.value = ""; grow(); }
    input.focus();
  });
  input.addEventListener("keydown", (e) => { // Enter sends, Shift+Enter breaks; not while an IME composes
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); form.requestSubmit(); }
  });
  function grow() { input.style.height = "auto"; input.style.height = Math.min(input.scrollHeight, 120) + "px"; }
  input.addEventListener("input", grow);

  // ---- socket ----
  function setState(s) {
    shell.dataset.state = s;
    statusText.textContent = t(s);
  }
  const handlers = {
    welcome(f) {
      visitor = f.visitor;
      store.setItem("kefu:visitor", visitor);
      maxChars = f.max_chars || maxChars;
      input.maxLength = maxChars;
    },
    history(f) {
      showNotice(""); // a connection problem reported earlier is over
      const stored = new Set(f.messages.map((m) => m.client_id).filter(Boolean));
      outbox = outbox.filter((o) => !stored.has(o.id));
      saveOutbox();
      messages = f.messages.concat(outbox.map((o) => ({ id: o.id, author: "customer", text: o.title || o.text,
        buttons: [], kind: "text", created_at: new Date().toISOString(), status: "pending" })));
      renderAll();
      outbox.forEach(transmit); // the server dedupes by id, so a resend is never answered twice
    },
    message(f) { add(f); },
    typing(f) { typing.hidden = !f.on; log.scrollTop = log.scrollHeight; },
    ack(f) {
      outbox = outbox.filter((o) => o.id !== f.id);
      saveOutbox();
      update(f.id, { status: "" });
    },
    error(f) {
      const text = STRINGS[lang][f.code] ? t(f.code).replace("{n}", maxChars) : f.message;
      if (!f.id) { showNotice(text); return; }
      outbox = outbox.filter((o) => o.id !== f.id);
      saveOutbox();
      update(f.id, { status: "failed", error: text });
    },
  };
  function connect() {
    clearTimeout(retryTimer);
    setState("connecting");
    // data-identity: a short-lived token the shop's backend signs for a logged-in customer, so agents
    // see this person's conversations from the app too. Anonymous visitors have none.
    const identity = cfg.identity ? `&identity=${encodeURIComponent(cfg.identity)}` : "";
    const url = `${server.replace(/^http/, "ws")}/ws?visitor=${encodeURIComponent(visitor)}&lang=${lang}${identity}`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("open", () => { attempt = 0; setState("online"); });
    ws.addEventListener("message", (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      if (handlers[frame.type]) handlers[frame.type](frame);
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socket = null;
      typing.hidden = true;
      setState("offline");
      // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
      const delay = Math.min(30000, 1000 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      retryTimer = setTimeout(connect, delay);
    });
  }
  const reconnectNow = () => { if (!socket) connect(); };
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) reconnectNow(); });

  // ---- open / close / language ----
  function setOpen(open, focus) {
    panel.hidden = !open;
    shell.classList.toggle("is-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    store.setItem("kefu:open", open ? "1" : "0");
    if (open) { setUnread(0); log.scrollTop = log.scrollHeight; }
    if (open && focus) input.focus();
  }
  launcher.addEventListener("click", () => setOpen(panel.hidden, true));
  closeButton.addEventListener("click", () => { setOpen(false); launcher.focus(); });
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { setOpen(false); launcher.focus(); } });
  langButton.addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    store.setItem("kefu:lang", lang);
    applyStrings();
    renderAll();
  });

  setState("connecting");
  applyStrings();
  renderAll();
  const mount = () => document.body.append(host);
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  setOpen(cfg.open === "true" || store.getItem("kefu:open") === "1", false); // never steal the page's focus
  connect();
})();
