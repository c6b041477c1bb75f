/* The live event socket (/api/agent/ws, cookie-authenticated). Reconnects with exponential
 * backoff and jitter; after every (re)connect the app reloads its lists, because events sent
 * while we were away are not replayed.
 */
const PING_MS = 25000; // below common proxy idle timeouts (30-60 s)

export class LiveSocket {
  constructor({ onEvent, onState, onReconnect }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onReconnect = onReconnect;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.stopped = true;
    this.everOpened = false;
    this.reconnectNow = () => { if (!this.stopped && !this.socket) { clearTimeout(this.retryTimer); this.connect(); } };
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.reconnectNow);
    document.addEventListener("visibilitychange", this.reconnectNow);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    window.removeEventListener("online", this.reconnectNow);
    document.removeEventListener("visibilitychange", this.reconnectNow);
    const ws = this.socket;
    this.socket = null;
    if (ws) ws.close(1000, "logout");
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/api/agent/ws`);
    this.socket = ws;
    this.onState("connecting");
    ws.addEventListener("open", () => {
      if (this.socket !== ws) return;
      this.onState("online");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), PING_MS);
      if (this.everOpened) this.onReconnect();
      this.everOpened = true;
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; } // not ours to handle
      // Back off afresh only once the server has spoken: a socket that opens and drops at once keeps backing off.
      this.attempt = 0;
      if (frame && typeof frame.type === "string" && frame.type !== "pong") this.onEvent(frame);
    });
    ws.addEventListener("close", () => {
      if (this.socket !== ws) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      if (this.stopped) return;
      this.onState("offline");
      // A reconnect always reloads the lists (see onReconnect), even if the first open failed.
      this.everOpened = true;
      const delay = Math.min(30000, 1000 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}
