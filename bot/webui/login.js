/* The sign-in every kefu web UI shares (the console's accounts). Each page keeps its own markup:
 * #login-view holding #login-form (#login-username, #login-password, #login-error, a submit
 * button), #app-view, and a #logout button; the words come from the UI's t() (bad_login,
 * no_access, logging_in, login, session_expired).
 */
import { ApiError, session, setCsrf, whenUnauthorized } from "/ui/http.js";

const $ = (id) => document.getElementById(id);
const describe = (error) => (error instanceof ApiError ? error.describe() : String(error.message || error));

/** Wires the form, the sign-out button and an ended session, then opens the app if the session
 * cookie is still valid, else shows the form.
 * roles: the account roles the UI admits (null: any); enter(data): opens the app for /me's or the
 * login's answer ({user, csrf_token}); leave(): stops what the app runs before the form shows;
 * signedOut(): after the user signed out. */
export async function startSignIn({ t, roles = null, enter, leave = () => {}, signedOut = () => {} }) {
  function showLogin(message = "") {
    leave();
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    $("login-error").textContent = message;
    $("login-error").hidden = !message;
    $("login-username").focus();
  }

  async function accept(data) {
    if (roles && !roles.includes(data.user.role)) { showLogin(t("no_access")); return; }
    setCsrf(data.csrf_token);
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    await enter(data);
  }

  async function submit(event) {
    event.preventDefault();
    const button = event.target.querySelector("[type=submit]");
    const username = $("login-username").value.trim();
    const password = $("login-password").value;
    if (!username || !password) { showLogin(t("bad_login")); return; }
    $("login-error").hidden = true; // an old error must not stand for this attempt's result
    $("login-error").textContent = "";
    button.disabled = true;
    button.textContent = t("logging_in");
    try {
      const data = await session.login(username, password);
      $("login-password").value = "";
      await accept(data);
    } catch (e) {
      showLogin(e.status === 401 ? t("bad_login") : e.status === 403 ? t("no_access") : describe(e));
      $("login-password").select();
    } finally {
      button.disabled = false;
      button.textContent = t("login");
    }
  }

  $("login-form").addEventListener("submit", submit);
  $("logout").addEventListener("click", async () => {
    try { await session.logout(); } catch (e) { /* signed out locally either way */ }
    showLogin();
    signedOut();
  });
  whenUnauthorized(() => showLogin(t("session_expired")));
  try {
    await accept(await session.me());
  } catch (e) {
    showLogin(e.status === 401 || e.status === 403 ? "" : describe(e));
  }
}
