/* The few calls the dashboard makes: sign-in (the console's), who am I, and the report. */
import { t } from "/dashboard/i18n.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrf = "";
export function setCsrf(token) { csrf = token || ""; }

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "network", t("network"));
  }
  if (response.status === 204) return {};
  let data = {};
  try { data = await response.json(); } catch (e) { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(response.status, err.code || String(response.status), err.message || `HTTP ${response.status}`);
  }
  return data;
}

export const api = {
  login: (username, password) => call("POST", "/api/agent/login", { username, password }),
  logout: () => call("POST", "/api/agent/logout", {}),
  me: () => call("GET", "/api/agent/me"),
  report: (params) => call("GET", `/api/dashboard/report?${new URLSearchParams(params)}`),
};
