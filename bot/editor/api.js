/* The editor API over fetch. The session is the console's HttpOnly cookie; every change carries
 * the CSRF token handed out at login or /api/agent/me. Errors keep the server's per-row problems.
 */
import { t } from "/editor/i18n.js";
import { call, configure, session } from "/ui/http.js";

configure({
  network: () => t("network"),
  describe: (e) => {
    if (e.status === 0) return t("network");
    if (e.status === 403 && e.code === "forbidden") return t("forbidden");
    if (e.status === 404 && !e.message) return t("not_found");
    return e.message || `HTTP ${e.status}`;
  },
});

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
  ...session,
  status: () => get("/api/editor/status"),
  entries: (params) => get(`/api/editor/entries?${query(params)}`),
  entry: (id) => get(`/api/editor/entries/${enc(id)}`),
  create: (entry) => call("POST", "/api/editor/entries", entry),
  // Every change of an existing entry names the revision the form was read at (base_revision):
  // if someone else changed the entry since, the server answers 409 edit_conflict and saves nothing.
  update: (id, entry, base) => call("PUT", `/api/editor/entries/${enc(id)}`, { ...entry, base_revision: base }),
  remove: (id, base) => call("DELETE", `/api/editor/entries/${enc(id)}?${query({ base_revision: base })}`),
  discard: (id, base) => call("POST", `/api/editor/entries/${enc(id)}/discard`, { base_revision: base }),
  history: (id) => get(`/api/editor/entries/${enc(id)}/history`),
  diff: (id, revision, against) => get(`/api/editor/entries/${enc(id)}/diff?${query({ revision, against })}`),
  rollback: (id, revision, base) => call("POST", `/api/editor/entries/${enc(id)}/rollback`, { revision, base_revision: base }),
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
