/* The JSON-over-fetch client every kefu web UI (console, editor, dashboard) uses.
 * The session is the console's HttpOnly cookie; every state-changing request carries the CSRF
 * token the server handed out at login or /api/agent/me. Each UI sets its own words for errors
 * with configure(): one UI per page, so one configuration per page.
 */
let describer = (error) => error.message || `HTTP ${error.status}`;
let networkText = () => "network error";
let csrf = "";
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, code, message, problems) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems || [];  // per-row problems of an import, when the server sends them
  }

  /** What to tell the user: the UI's own words for common cases, the server's otherwise. */
  describe() { return describer(this); }
}

/** describe(error) -> text, network() -> text of "the server cannot be reached". */
export function configure({ describe, network }) {
  if (describe) describer = describe;
  if (network) networkText = network;
}

export function setCsrf(token) { csrf = token || ""; }
export function whenUnauthorized(fn) { onUnauthorized = fn; }

/** One request; the body is JSON, or a FormData as `form` (uploads). */
export async function call(method, path, body, form) {
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
    throw new ApiError(0, "network", networkText());
  }
  if (response.status === 204) return {};
  let data = {};
  try { data = await response.json(); } catch (e) { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const err = (data && data.error) || {};
    const error = new ApiError(response.status, err.code || String(response.status), err.message || "", err.problems);
    // A 401 on anything but the login itself means the session ended: back to the login page.
    if (response.status === 401 && path !== "/api/agent/login") onUnauthorized(error);
    throw error;
  }
  return data;
}

/** The console's sign-in, shared by every UI. */
export const session = {
  login: (username, password) => call("POST", "/api/agent/login", { username, password }),
  logout: () => call("POST", "/api/agent/logout", {}),
  me: () => call("GET", "/api/agent/me"),
};
