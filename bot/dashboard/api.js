/* The few calls the dashboard makes: sign-in (the console's), who am I, and the report. */
import { t } from "/dashboard/i18n.js";
import { call, configure, session } from "/ui/http.js";

configure({ network: () => t("network") });

export const api = {
  ...session,
  report: (params) => call("GET", `/api/dashboard/report?${new URLSearchParams(params)}`),
};
