/* Every string the console shows, in Chinese and English. Elements carry data-i18n="key"
 * (textContent), data-i18n-placeholder / data-i18n-label (aria-label) / data-i18n-title, so a
 * language switch is one pass over the page; dynamic parts re-render through onLanguage().
 */
import { createI18n } from "/ui/i18n.js"; // switching, t(), applyStrings: shared by every UI

const STRINGS = {
  zh: {
    app_title: "kefu 客服工作台", login_title: "客服登录", username: "用户名", password: "密码",
    login: "登录", logging_in: "正在登录…", bad_login: "用户名或密码错误", no_access: "此账号没有客服工作台权限",
    logout: "退出登录", status: "状态", online: "在线", away: "离开", offline: "离线",
    lang_button: "EN", lang_label: "Switch to English",
    queue: "排队中", mine: "我的会话", tickets: "留言工单", conversations: "会话",
    claim: "接入", claimed: "已接入会话", empty_queue: "暂无排队的客户", empty_mine: "暂无进行中的会话",
    empty_tickets: "暂无留言", waiting: "已等待", unread: "条未读",
    pick: "从左侧选择一个会话", loading: "加载中…",
    not_found: "找不到这个会话，或它不属于你。", conflict: "操作冲突：会话已被其他人接入或已结束。",
    forbidden: "没有权限执行此操作。", network: "网络错误，请稍后重试。", session_expired: "登录已过期，请重新登录。",
    previous: "历史会话", previous_n: "{n} 条消息", transcript: "聊天记录",
    customer: "客户", bot: "机器人", agent: "客服", system: "系统",
    reply_placeholder: "输入回复，Enter 发送，Shift+Enter 换行", reply_label: "回复内容", send: "发送",
    transfer: "转接", transfer_to: "转接给", to_queue: "退回排队", resolve: "结束会话",
    resolved: "会话已结束，机器人已邀请客户评价。", transferred: "会话已转接。",
    confirm_resolve: "确定结束这个会话吗？", cancel: "取消",
    read_only: "这个会话还在排队，接入后才能回复。", not_yours: "这个会话不由你处理，只能查看。",
    closed: "这个会话已结束。",
    window_open: "可以回复，窗口截止于 {until}", window_open_nolimit: "可以回复", window_closed: "已超过回复窗口（微信 48 小时），无法再主动回复",
    last_failure: "上次发送失败：{detail}（{code}）",
    context: "会话信息", reason: "转人工原因", detail: "说明", requested_at: "请求时间", wait: "等待时长",
    profile: "客户资料", channel: "渠道", channel_user_id: "渠道用户 ID", customer_id: "客户 ID",
    language: "语言", previous_count: "会话总数",
    unanswered: "未解答的问题", no_unanswered: "没有未解答的问题", candidates: "机器人候选答案",
    decision_no_answer: "无答案", decision_clarify: "需澄清", decision_answer: "已回答",
    notes: "内部备注", notes_hint: "仅客服可见，客户看不到", add_note: "添加备注", note_placeholder: "写一条内部备注…",
    no_notes: "暂无备注",
    kb: "知识库搜索", kb_placeholder: "搜索知识库…", kb_search: "搜索", insert: "插入回复", no_results: "没有找到相关条目",
    confidence: "置信度",
    reason_customer_request: "客户要求转人工", reason_repeated_misses: "机器人多次未能回答",
    reason_unhelpful_then_miss: "回答没帮助且未能解答", reason_entry_rule: "知识条目要求人工",
    reason_category_rule: "此类问题需人工处理", reason_action: "业务查询需要人工",
    new_in_queue: "新客户排队：{name}", new_assigned: "新会话分配给你：{name}", new_message: "{name} 发来新消息",
    live_offline: "实时连接已断开，正在重连…", close_ticket: "关闭工单", contact: "联系方式", ticket_closed: "已关闭",
    open_conversation: "打开会话", channel_web: "网页", channel_wechat: "微信", channel_rest: "REST",
    channel_app: "App", channel_telegram: "Telegram", lang_zh: "中文", lang_en: "英文",
    state_bot: "机器人", state_queued: "排队中", state_agent: "人工处理中", state_closed: "已结束",
  },
  en: {
    app_title: "kefu agent console", login_title: "Agent sign-in", username: "Username", password: "Password",
    login: "Sign in", logging_in: "Signing in…", bad_login: "Wrong username or password", no_access: "This account has no access to the agent console",
    logout: "Sign out", status: "Status", online: "Online", away: "Away", offline: "Offline",
    lang_button: "中文", lang_label: "切换到中文",
    queue: "Queue", mine: "My conversations", tickets: "Tickets", conversations: "Conversations",
    claim: "Claim", claimed: "Conversation claimed", empty_queue: "Nobody is waiting", empty_mine: "No open conversations",
    empty_tickets: "No tickets", waiting: "Waiting", unread: "unread",
    pick: "Pick a conversation on the left", loading: "Loading…",
    not_found: "This conversation does not exist or is not yours.", conflict: "Conflict: the conversation was taken by someone else or has ended.",
    forbidden: "You are not allowed to do that.", network: "Network error, please try again.", session_expired: "Your session has expired, please sign in again.",
    previous: "Previous conversations", previous_n: "{n} messages", transcript: "Transcript",
    customer: "Customer", bot: "Bot", agent: "Agent", system: "System",
    reply_placeholder: "Type a reply; Enter sends, Shift+Enter adds a line", reply_label: "Reply", send: "Send",
    transfer: "Transfer", transfer_to: "Transfer to", to_queue: "Back to the queue", resolve: "Resolve",
    resolved: "Resolved; the bot asked the customer for a rating.", transferred: "Conversation transferred.",
    confirm_resolve: "Resolve this conversation?", cancel: "Cancel",
    read_only: "This conversation is still queued; claim it to reply.", not_yours: "Another agent holds this conversation; read only.",
    closed: "This conversation has ended.",
    window_open: "Reply possible until {until}", window_open_nolimit: "Reply possible", window_closed: "The reply window (WeChat 48 h) has closed; you cannot reply",
    last_failure: "last message not delivered: {detail} ({code})",
    context: "Context", reason: "Handoff reason", detail: "Detail", requested_at: "Requested at", wait: "Waited",
    profile: "Customer", channel: "Channel", channel_user_id: "Channel user id", customer_id: "Customer id",
    language: "Language", previous_count: "Conversations in total",
    unanswered: "Unanswered questions", no_unanswered: "No unanswered questions", candidates: "Bot's top candidates",
    decision_no_answer: "no answer", decision_clarify: "clarify", decision_answer: "answered",
    notes: "Internal notes", notes_hint: "Agents only, never shown to the customer", add_note: "Add note", note_placeholder: "Write an internal note…",
    no_notes: "No notes yet",
    kb: "Knowledge base", kb_placeholder: "Search the knowledge base…", kb_search: "Search", insert: "Insert", no_results: "Nothing found",
    confidence: "confidence",
    reason_customer_request: "Customer asked for a person", reason_repeated_misses: "The bot failed to answer several times",
    reason_unhelpful_then_miss: "An answer did not help, then no answer", reason_entry_rule: "FAQ entry hands off to a person",
    reason_category_rule: "This topic goes to a person", reason_action: "A business lookup needs a person",
    new_in_queue: "New customer waiting: {name}", new_assigned: "Conversation assigned to you: {name}", new_message: "New message from {name}",
    live_offline: "Live connection lost, reconnecting…", close_ticket: "Close ticket", contact: "Contact", ticket_closed: "closed",
    open_conversation: "Open conversation", channel_web: "Web", channel_wechat: "WeChat", channel_rest: "REST",
    channel_app: "App", channel_telegram: "Telegram", lang_zh: "Chinese", lang_en: "English",
    state_bot: "Bot", state_queued: "Queued", state_agent: "With an agent", state_closed: "Closed",
  },
};

const i18n = createI18n(STRINGS, "kefu-console:lang");
export const { applyStrings, currentLang, locale, onLanguage, setLang, t, toggleLang } = i18n;

/** A known code (reason, channel, state) as words, else the code itself. */
export function label(prefix, code) {
  if (!code) return "";
  const base = String(code).split(":")[0]; // "entry:refund_policy" -> "entry"
  const key = `${prefix}_${base}`;
  return key in STRINGS[currentLang()] ? t(key) + (base !== code ? ` (${code.slice(base.length + 1)})` : "") : String(code);
}
