/* The Agent API (docs/agent_api.md) over fetch. The session is an HttpOnly cookie; every
 * state-changing request carries the CSRF token the server handed us at login or /me.
 */
import { t } from "/console/i18n.js";
import { call, configure, session } from "/ui/http.js";

// Our own words for the common cases, the server's otherwise.
configure({
  network: () => t("network"),
  describe: (e) => {
    if (e.status === 404) return t("not_found");
    if (e.status === 409) return e.message || t("conflict");
    if (e.status === 403) return e.message || t("forbidden");
    if (e.status === 0) return t("network");
    return e.message || `HTTP ${e.status}`;
  },
});

const get = (path) => call("GET", path);
const post = (path, body = {}) => call("POST", path, body);
const enc = encodeURIComponent;

export const api = {
  ...session,
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
