/* The editor API over fetch. The session is the console's HttpOnly cookie; every change carries
 * the CSRF token handed out at login or /api/agent/me. Errors keep the server's per-row problems.
 */
import { t } from "/editor/i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, problems) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems || [];
  }

  describe() {
    if (this.status === 0) return t("network");
    if (this.status === 403 && this.code === "forbidden") return t("forbidden");
    if (this.status === 404 && !this.message) return t("not_found");
    return this.message || `HTTP ${this.status}`;
  }
}

let csrf = "";
let onUnauthorized = () => {};
export function setCsrf(token) { csrf = token || ""; }
export function whenUnauthorized(fn) { onUnauthorized = fn; }

async function call(method, path, body, form) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: form || (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch (e) {
    throw new ApiError(0, "network", t("network"));
  }
  if (response.status === 204) return {};
  let data = {};
  try { data = await response.json(); } catch (e) { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const err = (data && data.error) || {};
    const error = new ApiError(response.status, err.code || String(response.status), err.message || "", err.problems);
    if (response.status === 401 && path !== "/api/agent/login") onUnauthorized(error);
    throw error;
  }
  return data;
}

const get = (path) => call("GET", path);
const enc = encodeURIComponent;
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString();

function upload(path, file, mode) {
  const form = new FormData();
  form.append("mode", mode);
  form.append("file", file, file.name);
  return call("POST", path, undefined, form);
}

export const api = {
  login: (username, password) => call("POST", "/api/agent/login", { username, password }),
  logout: () => call("POST", "/api/agent/logout", {}),
  me: () => get("/api/agent/me"),
  status: () => get("/api/editor/status"),
  entries: (params) => get(`/api/editor/entries?${query(params)}`),
  entry: (id) => get(`/api/editor/entries/${enc(id)}`),
  create: (entry) => call("POST", "/api/editor/entries", entry),
  update: (id, entry) => call("PUT", `/api/editor/entries/${enc(id)}`, entry),
  remove: (id) => call("DELETE", `/api/editor/entries/${enc(id)}`),
  history: (id) => get(`/api/editor/entries/${enc(id)}/history`),
  diff: (id, revision, against) => get(`/api/editor/entries/${enc(id)}/diff?${query({ revision, against })}`),
  rollback: (id, revision) => call("POST", `/api/editor/entries/${enc(id)}/rollback`, { revision }),
  publish: () => call("POST", "/api/editor/publish", {}),
  audit: (params) => get(`/api/editor/audit?${query(params)}`),
  importPreview: (file, mode) => upload("/api/editor/import/preview", file, mode),
  importApply: (file, mode) => upload("/api/editor/import/apply", file, mode),
  exportUrl: (format, scope) => `/api/editor/export?${query({ format, scope })}`,
  tryIt: (text) => call("POST", "/api/editor/try", { text }),
  check: () => get("/api/editor/check"),
  misses: (days) => get(`/api/editor/misses?${query({ days })}`),
  accept: (body) => call("POST", "/api/editor/misses/accept", body),
  dismiss: (questions) => call("POST", "/api/editor/misses/dismiss", { questions }),
};
