/* The Agent API (docs/agent_api.md) over fetch. The session is an HttpOnly cookie; every
 * state-changing request carries the CSRF token the server handed us at login or /me.
 */
import { t } from "/console/i18n.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** What to tell the agent: our own words for the common cases, the server's otherwise. */
  describe() {
    if (this.status === 404) return t("not_found");
    if (this.status === 409) return this.message || t("conflict");
    if (this.status === 403) return this.message || t("forbidden");
    if (this.status === 0) return t("network");
    return this.message || `HTTP ${this.status}`;
  }
}

let csrf = "";
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token || ""; }
export function whenUnauthorized(fn) { onUnauthorized = fn; }

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "network", t("network"));
  }
  if (response.status === 204) return {};
  let data = {};
  try { data = await response.json(); } catch (e) { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const err = (data && data.error) || {};
    const error = new ApiError(response.status, err.code || String(response.status), err.message || "");
    // A 401 on anything but the login itself means the session ended: back to the login page.
    if (response.status === 401 && path !== "/api/agent/login") onUnauthorized(error);
    throw error;
  }
  return data;
}

const get = (path) => call("GET", path);
const post = (path, body = {}) => call("POST", path, body);
const enc = encodeURIComponent;

export const api = {
  login: (username, password) => post("/api/agent/login", { username, password }),
  logout: () => post("/api/agent/logout"),
  me: () => get("/api/agent/me"),
  setStatus: (status) => call("PUT", "/api/agent/me/status", { status }),
  queue: () => get("/api/agent/queue"),
  conversations: (state) => get(`/api/agent/conversations?state=${enc(state)}`),
  conversation: (id) => get(`/api/agent/conversations/${enc(id)}`),
  claim: (id) => post(`/api/agent/conversations/${enc(id)}/claim`),
  reply: (id, text) => post(`/api/agent/conversations/${enc(id)}/messages`, { text }),
  transfer: (id, target) => post(`/api/agent/conversations/${enc(id)}/transfer`,
    target === "queue" ? { queue: true } : { agent_id: target }),
  resolve: (id) => post(`/api/agent/conversations/${enc(id)}/resolve`),
  addNote: (id, text) => post(`/api/agent/conversations/${enc(id)}/notes`, { text }),
  agents: () => get("/api/agent/agents"),
  kbSearch: (q) => get(`/api/agent/kb/search?q=${enc(q)}`),
  tickets: (status) => get(`/api/agent/tickets?status=${enc(status)}`),
  closeTicket: (id) => post(`/api/agent/tickets/${enc(id)}/close`),
};
