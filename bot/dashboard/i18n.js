/* Every string the dashboard shows, in Chinese and English. Elements carry data-i18n="key"
 * (textContent), data-i18n-title / data-i18n-label (aria-label), so a switch is one pass over the
 * page; charts and tables re-render through onLanguage().
 */
const STRINGS = {
  zh: {
    app_title: "kefu 服务分析", login_title: "登录服务分析", username: "用户名", password: "密码", login: "登录",
    logging_in: "正在登录…", bad_login: "用户名或密码错误", no_access: "此账号没有服务分析权限（需要编辑或管理员角色）",
    logout: "退出登录", lang_button: "EN", lang_label: "Switch to English", network: "网络错误，请稍后重试。",
    session_expired: "登录已过期，请重新登录。", loading: "加载中…", apply: "查看",
    from: "从", through: "至（含）", channel: "渠道", all_channels: "全部渠道", tz: "时区", tz_server: "服务器默认",
    filters: "筛选条件", export_csv: "导出 CSV", export_summary: "导出指标汇总 CSV", none: "–", no_data: "这个时间范围内没有数据",
    kpi_conversations: "会话数", kpi_messages: "客户消息", kpi_containment: "自助解决率", kpi_handoff_rate: "转人工率",
    kpi_answer: "直接回答率", kpi_clarify: "澄清率", kpi_no_answer: "无答案率", kpi_satisfaction: "满意度",
    kpi_wait_p50: "排队等待 P50", kpi_wait_p90: "排队等待 P90", kpi_within_target: "目标内接入",
    def_containment: "自助解决率 = 范围内创建、至少有一条客户消息的会话中，从未转人工（没有开启人工会话，也没有因无人值班而留言）的会话所占比例。转人工率 = 1 − 自助解决率。",
    def_decisions: "机器人决策按客户消息计：回答、澄清、无答案各占知识库判定总数的比例（闲聊、按钮、流程不计）。",
    def_wait: "等待时长 = 从请求人工到首次分配给客服的秒数；P50/P90 为线性插值百分位。目标：{target} 秒。",
    def_satisfaction: "满意度 = 范围内所有评分（1–5 分）的平均值。",
    sec_volume: "会话与消息", sec_daily: "每日会话", sec_channels: "各渠道", sec_decisions: "机器人决策",
    sec_reasons: "转人工原因", sec_wait: "排队等待", sec_satisfaction: "满意度", sec_entries: "热门条目",
    sec_unanswered: "未解答问题", sec_heatmap: "会话到达时间（星期 × 小时）",
    heatmap_hint: "按所选时区统计每个时段新建的会话数，用于安排客服班次。",
    col_channel: "渠道", col_conversations: "会话", col_customer_messages: "客户消息", col_bot_messages: "机器人消息",
    col_agent_messages: "客服消息", col_messages: "消息合计", col_decision: "决策", col_count: "数量", col_rate: "比例",
    col_reason: "原因", col_handoffs: "次数", col_share: "占比", col_entry: "条目", col_question: "问题",
    col_answered: "回答次数", col_helpful: "有帮助", col_not_helpful: "没帮助", col_asked: "提问次数",
    col_customers: "客户数", col_attribute: "维度", col_ratings: "评分数", col_mean: "平均分", col_r: "相关系数 r",
    col_pairs: "样本数", col_bucket: "等待区间", col_date: "日期",
    decision_answer: "回答", decision_clarify: "澄清", decision_no_answer: "无答案",
    attr_resolved: "问题解决", attr_speed: "响应速度", attr_knowledge: "客服专业度", overall: "总体",
    driver: "对满意度影响最大：{attr}", driver_none: "数据不足，无法判断哪个维度影响最大",
    driver_method: "方法：对每次被评价的人工服务，取该维度的分数与同一次服务其他维度分数的平均值配对，计算皮尔逊相关系数 r（至少 3 对且两侧都有差异）；r 最高的维度即为影响最大的维度。",
    target: "目标", within_target: "{share} 在目标 {target} 秒内接入", unassigned: "未接入即离开：{n}",
    seconds: "{n} 秒", other_wordings: "另有 {n} 种问法", conversations_n: "{n} 个会话", total: "合计",
    reason_customer_request: "客户要求转人工", reason_repeated_misses: "机器人多次未能回答",
    reason_unhelpful_then_miss: "回答没帮助且未能解答", reason_entry_rule: "知识条目要求人工",
    reason_category_rule: "此类问题需人工处理", reason_action: "业务查询需要人工",
    channel_web: "网页", channel_wechat: "微信", channel_wecom: "企业微信", channel_rest: "REST", channel_app: "App",
    channel_telegram: "Telegram", channel_cli: "命令行",
    weekdays: "周一,周二,周三,周四,周五,周六,周日",
  },
  en: {
    app_title: "kefu service analytics", login_title: "Sign in to analytics", username: "Username", password: "Password",
    login: "Sign in", logging_in: "Signing in…", bad_login: "Wrong username or password",
    no_access: "This account cannot see analytics (editor or admin role needed)", logout: "Sign out",
    lang_button: "中文", lang_label: "切换到中文", network: "Network error, please try again.",
    session_expired: "Your session has expired, please sign in again.", loading: "Loading…", apply: "Show",
    from: "From", through: "Through", channel: "Channel", all_channels: "All channels", tz: "Time zone",
    tz_server: "Server default", filters: "Filters", export_csv: "Export CSV", export_summary: "Export the KPI summary (CSV)", none: "–", no_data: "No data in this range",
    kpi_conversations: "Conversations", kpi_messages: "Customer messages", kpi_containment: "Containment",
    kpi_handoff_rate: "Handoff rate", kpi_answer: "Answered", kpi_clarify: "Clarified", kpi_no_answer: "No answer",
    kpi_satisfaction: "Satisfaction", kpi_wait_p50: "Queue wait p50", kpi_wait_p90: "Queue wait p90",
    kpi_within_target: "Within target",
    def_containment: "Containment = of the conversations created in the range with at least one customer message, the share that never reached a person (no handoff was opened and the customer was never asked to leave a message for one). Handoff rate = 1 − containment.",
    def_decisions: "Bot decisions count customer messages the knowledge base judged: answer, clarify or no answer, each as a share of all three (small talk, buttons and flows are left out).",
    def_wait: "Wait = seconds from asking for a person to the first assignment to an agent; p50/p90 are linearly interpolated percentiles. Target: {target} s.",
    def_satisfaction: "Satisfaction = the mean of every rating (1–5) given in the range.",
    sec_volume: "Conversations and messages", sec_daily: "Conversations per day", sec_channels: "By channel",
    sec_decisions: "Bot decisions", sec_reasons: "Handoff reasons", sec_wait: "Queue wait", sec_satisfaction: "Satisfaction",
    sec_entries: "Top entries", sec_unanswered: "Top unanswered questions", sec_heatmap: "Incoming conversations (weekday × hour)",
    heatmap_hint: "New conversations per hour of the week in the chosen time zone, for planning agent shifts.",
    col_channel: "Channel", col_conversations: "Conversations", col_customer_messages: "Customer messages",
    col_bot_messages: "Bot messages", col_agent_messages: "Agent messages", col_messages: "All messages",
    col_decision: "Decision", col_count: "Count", col_rate: "Rate", col_reason: "Reason", col_handoffs: "Handoffs",
    col_share: "Share", col_entry: "Entry", col_question: "Question", col_answered: "Answered", col_helpful: "Helpful",
    col_not_helpful: "Not helpful", col_asked: "Asked", col_customers: "Customers", col_attribute: "Attribute",
    col_ratings: "Ratings", col_mean: "Mean", col_r: "Pearson r", col_pairs: "Pairs", col_bucket: "Wait", col_date: "Date",
    decision_answer: "Answer", decision_clarify: "Clarify", decision_no_answer: "No answer",
    attr_resolved: "Resolved", attr_speed: "Speed", attr_knowledge: "Agent knowledge", overall: "Overall",
    driver: "Moves satisfaction most: {attr}", driver_none: "Too little data to tell which attribute matters most",
    driver_method: "Method: for every rated handoff, pair this attribute's score with the mean of the other attributes' scores of the same handoff and compute Pearson's r (at least 3 pairs, some spread on both sides); the attribute with the highest r moves satisfaction most.",
    target: "target", within_target: "{share} assigned within the {target} s target", unassigned: "Left before an agent came: {n}",
    seconds: "{n} s", other_wordings: "other wordings: {n}", conversations_n: "{n} conversations", total: "Total",
    reason_customer_request: "Customer asked for a person", reason_repeated_misses: "The bot failed to answer several times",
    reason_unhelpful_then_miss: "An answer did not help, then no answer", reason_entry_rule: "FAQ entry hands off to a person",
    reason_category_rule: "This topic goes to a person", reason_action: "A business lookup needs a person",
    channel_web: "Web", channel_wechat: "WeChat", channel_wecom: "WeCom", channel_rest: "REST", channel_app: "App",
    channel_telegram: "Telegram", channel_cli: "Command line",
    weekdays: "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
  },
};

const STORE_KEY = "kefu-dashboard:lang";
const listeners = [];
let lang = pick(readStored());

function readStored() {
  try { return localStorage.getItem(STORE_KEY); } catch (e) { return null; } // storage may be blocked
}
function pick(value) {
  if (value === "zh" || value === "en") return value;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function currentLang() { return lang; }
export function locale() { return lang === "zh" ? "zh-CN" : "en-US"; }

export function t(key, params) {
  let text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

/** A known code (reason, channel, decision, attribute) in words, else the code itself. */
export function label(prefix, code) {
  const key = `${prefix}_${code}`;
  return key in STRINGS[lang] ? t(key) : String(code ?? "");
}

export function applyStrings(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("app_title");
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
}

export function onLanguage(fn) { listeners.push(fn); }

export function toggleLang() {
  lang = lang === "zh" ? "en" : "zh";
  try { localStorage.setItem(STORE_KEY, lang); } catch (e) { /* switched, not remembered */ }
  applyStrings();
  listeners.forEach((fn) => fn(lang));
}
