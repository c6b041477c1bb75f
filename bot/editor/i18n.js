/* Every string the editor shows, in Chinese and English. Elements carry data-i18n="key"
 * (textContent), data-i18n-placeholder / data-i18n-label (aria-label), so a language switch is
 * one pass over the page; dynamic parts re-render through onLanguage(). Same approach as the console.
 */
const STRINGS = {
  zh: {
    app_title: "kefu 知识库编辑", login_title: "知识库编辑登录", username: "用户名", password: "密码", login: "登录",
    bad_login: "用户名或密码错误", no_access: "此账号没有知识库编辑权限（需要编辑或管理员角色）", logout: "退出登录",
    lang_button: "EN", lang_label: "Switch to English", views: "页面",
    view_entries: "知识条目", view_misses: "未解答问题", view_try: "试一试", view_check: "知识库检查",
    view_import: "导入导出", view_audit: "操作记录",
    publish: "发布", publishing: "正在发布…", published: "已发布版本 {v}", drafts: "{n} 个草稿待发布", no_drafts: "没有草稿",
    live: "已生效 · 版本 {v}", going_live: "正在生效 · 版本 {v}…",
    network: "网络错误，请稍后重试。", forbidden: "没有权限执行此操作。", not_found: "找不到这个条目。", session_expired: "登录已过期，请重新登录。",
    search_placeholder: "搜索问题、相似问法、答案…", status: "状态", status_all: "全部状态", status_draft: "有草稿", status_published: "已发布",
    category: "分类", all_categories: "全部分类", tags: "标签", all_tags: "全部标签", language: "语言", all_languages: "全部语言",
    lang_zh: "中文", lang_en: "英文", lang_none: "未指定", entries_n: "共 {n} 条", new_entry: "新建条目", no_entries: "没有符合条件的条目",
    badge_draft: "草稿", badge_new: "未发布", pick_entry: "从左侧选择一个条目，或新建条目",
    f_id: "编号", f_question: "标准问题", f_variants: "相似问法", add_variant: "添加问法", remove: "删除",
    f_answer: "答案", f_channel_answers: "渠道专用答案", add_channel_answer: "添加渠道答案", channel: "渠道",
    f_buttons: "按钮", add_button: "添加按钮", button_title: "按钮文字", payload: "动作（payload）",
    f_links: "链接", add_link: "添加链接", link_title: "链接文字", url: "网址",
    f_action: "自定义动作（可选）", f_handoff: "直接转人工", f_category: "分类", f_tags: "标签（用逗号分隔）", f_language: "语言",
    save: "保存草稿", saved: "已保存为草稿，发布后生效", delete: "删除条目", confirm_delete: "确定删除？（已发布的内容会立即下线）",
    deleted: "已删除", form_errors: "请修改以下问题：", state_draft: "草稿（未发布的修改）", state_live: "已发布", state_new: "新条目（尚未发布）",
    live_answer: "线上答案", history: "历史版本", hide_history: "收起历史",
    revision: "第 {n} 版", change_save: "保存草稿", change_publish: "发布", change_delete: "删除", change_import: "导入",
    diff_previous: "与上一版比较", diff_current: "与当前比较", rollback: "恢复此版本", rolled_back: "已把第 {n} 版恢复为草稿，发布后生效",
    no_changes: "没有差别", deleted_revision: "（已删除）", field: "字段", before: "修改前", after: "修改后",
    added: "新增", removed: "移除",
    try_placeholder: "输入客户可能会问的问题…", try_button: "试一试", decision: "机器人决定",
    decision_answer: "直接回答", decision_clarify: "请客户澄清", decision_no_answer: "无法回答",
    candidates: "候选条目", confidence: "置信度", matched: "匹配的问法", dense: "语义分", lexical: "字面分",
    matched_variant: "相似问法", matched_question: "标准问题", thresholds: "回答阈值 {a}，澄清阈值 {c}", try_hint: "按线上（已发布）的知识库检索。",
    check_button: "开始检查", check_hint: "检查已发布的知识库：与别的条目更接近的问法、几乎重复的条目、没有相似问法的条目。",
    confused: "可能放错的相似问法", near_duplicates: "几乎重复的条目", no_variants: "没有相似问法的条目", none_found: "没有发现问题",
    closer_to: "更接近 {id}", search_answers: "搜索结果：{id}", similarity: "相似度", same_answer: "答案相同", checking: "检查中…",
    misses_hint: "客户问了但机器人没答好（无答案、需澄清、没帮助或转人工）的问题，按相似度分组，按提问客户数排序。",
    days: "时间范围", days_n: "最近 {n} 天", refresh: "刷新", no_misses: "没有待处理的未解答问题",
    customers_n: "{n} 位客户", asked_n: "问了 {n} 次", last_asked: "最近：{t}",
    reason_no_answer: "无答案", reason_clarify: "需澄清", reason_not_helpful: "没帮助", reason_handoff: "转人工",
    suggest_variant: "建议：加为「{q}」的相似问法", suggest_new: "建议：新建条目",
    target: "处理方式", as_variant_of: "加为相似问法：{q}（{id}）", as_new: "新建条目", new_id: "新条目编号", new_answer: "新条目答案",
    accept: "采纳", dismiss: "忽略", accepted: "已采纳为草稿，发布后生效", dismissed: "已忽略",
    import_title: "导入", import_hint: "支持 CSV、XLSX、JSON、Rasa YAML。先预览，确认没有错误再导入；导入的已发布条目立即生效。",
    file: "文件", mode: "方式", mode_merge: "合并（同编号覆盖，其余保留）", mode_replace: "替换（文件之外的条目全部删除）",
    preview: "预览", apply: "确认导入", applied: "已导入，版本 {v}", import_errors: "文件有 {n} 个问题，未导入任何内容：",
    summary: "新增 {new} · 修改 {changed} · 删除 {removed} · 不变 {unchanged}", change_new: "新增", change_changed: "修改", change_removed: "删除",
    choose_file: "请先选择文件", export_title: "导出", format: "格式", scope: "范围", scope_published: "已发布", scope_all: "含草稿", export: "下载",
    audit_hint: "谁在什么时候改了什么。", at: "时间", by: "操作人", operation: "操作", entry: "条目", detail: "详情",
    op_save: "保存草稿", op_publish: "发布", op_delete: "删除", op_import: "导入", loading: "加载中…", cancel: "取消",
  },
  en: {
    app_title: "kefu knowledge editor", login_title: "Editor sign-in", username: "Username", password: "Password", login: "Sign in",
    bad_login: "Wrong username or password", no_access: "This account may not edit the knowledge base (editor or admin role needed)", logout: "Sign out",
    lang_button: "中文", lang_label: "切换到中文", views: "Pages",
    view_entries: "Entries", view_misses: "Learn from misses", view_try: "Try it", view_check: "KB check",
    view_import: "Import / export", view_audit: "Audit log",
    publish: "Publish", publishing: "Publishing…", published: "Published version {v}", drafts: "{n} drafts to publish", no_drafts: "No drafts",
    live: "Live · version {v}", going_live: "Going live · version {v}…",
    network: "Network error, please try again.", forbidden: "You are not allowed to do that.", not_found: "No such entry.", session_expired: "Your session has expired, please sign in again.",
    search_placeholder: "Search questions, variants, answers…", status: "Status", status_all: "Any status", status_draft: "Has a draft", status_published: "Published",
    category: "Category", all_categories: "All categories", tags: "Tags", all_tags: "All tags", language: "Language", all_languages: "All languages",
    lang_zh: "Chinese", lang_en: "English", lang_none: "Unspecified", entries_n: "{n} entries", new_entry: "New entry", no_entries: "No entries match",
    badge_draft: "draft", badge_new: "unpublished", pick_entry: "Pick an entry on the left, or create one",
    f_id: "Id", f_question: "Question", f_variants: "Variants (other ways to ask)", add_variant: "Add variant", remove: "Remove",
    f_answer: "Answer", f_channel_answers: "Per-channel answers", add_channel_answer: "Add channel answer", channel: "Channel",
    f_buttons: "Buttons", add_button: "Add button", button_title: "Button text", payload: "Payload",
    f_links: "Links", add_link: "Add link", link_title: "Link text", url: "URL",
    f_action: "Custom action (optional)", f_handoff: "Hand off to a person", f_category: "Category", f_tags: "Tags (comma separated)", f_language: "Language",
    save: "Save draft", saved: "Saved as a draft; it goes live on publish", delete: "Delete entry", confirm_delete: "Delete? (live content goes offline at once)",
    deleted: "Deleted", form_errors: "Please fix:", state_draft: "Draft (unpublished changes)", state_live: "Published", state_new: "New entry (not yet published)",
    live_answer: "Live answer", history: "History", hide_history: "Hide history",
    revision: "Revision {n}", change_save: "draft saved", change_publish: "published", change_delete: "deleted", change_import: "imported",
    diff_previous: "Diff with previous", diff_current: "Diff with current", rollback: "Restore this version", rolled_back: "Revision {n} restored as a draft; it goes live on publish",
    no_changes: "No differences", deleted_revision: "(deleted)", field: "Field", before: "Before", after: "After",
    added: "added", removed: "removed",
    try_placeholder: "Type a question a customer might ask…", try_button: "Try it", decision: "Bot decision",
    decision_answer: "answer", decision_clarify: "ask to clarify", decision_no_answer: "no answer",
    candidates: "Candidates", confidence: "Confidence", matched: "Matched phrasing", dense: "Semantic", lexical: "Lexical",
    matched_variant: "variant", matched_question: "question", thresholds: "answer threshold {a}, clarify threshold {c}", try_hint: "Searches the live (published) knowledge base.",
    check_button: "Run check", check_hint: "Checks the live knowledge base: variants closer to another entry, near-duplicate entries, entries with no variants.",
    confused: "Variants that may belong elsewhere", near_duplicates: "Near-duplicate entries", no_variants: "Entries with no variants", none_found: "Nothing found",
    closer_to: "closer to {id}", search_answers: "search answers {id}", similarity: "Similarity", same_answer: "same answer", checking: "Checking…",
    misses_hint: "Questions the bot handled badly (no answer, clarify, not helpful, handed to a person), grouped by similarity and ranked by how many customers asked.",
    days: "Period", days_n: "Last {n} days", refresh: "Refresh", no_misses: "No unanswered questions to review",
    customers_n: "{n} customers", asked_n: "asked {n} times", last_asked: "last: {t}",
    reason_no_answer: "no answer", reason_clarify: "clarify", reason_not_helpful: "not helpful", reason_handoff: "handoff",
    suggest_variant: "Suggestion: add as variants of “{q}”", suggest_new: "Suggestion: create a new entry",
    target: "What to do", as_variant_of: "Variants of: {q} ({id})", as_new: "New entry", new_id: "New entry id", new_answer: "New entry answer",
    accept: "Accept", dismiss: "Dismiss", accepted: "Accepted as a draft; it goes live on publish", dismissed: "Dismissed",
    import_title: "Import", import_hint: "CSV, XLSX, JSON or Rasa YAML. Preview first; apply only when there are no errors. Imported published entries go live at once.",
    file: "File", mode: "Mode", mode_merge: "Merge (same id replaced, others kept)", mode_replace: "Replace (every entry not in the file is removed)",
    preview: "Preview", apply: "Apply import", applied: "Imported, version {v}", import_errors: "The file has {n} problems; nothing was imported:",
    summary: "new {new} · changed {changed} · removed {removed} · unchanged {unchanged}", change_new: "new", change_changed: "changed", change_removed: "removed",
    choose_file: "Choose a file first", export_title: "Export", format: "Format", scope: "Scope", scope_published: "Published", scope_all: "With drafts", export: "Download",
    audit_hint: "Who changed what, and when.", at: "When", by: "Who", operation: "Operation", entry: "Entry", detail: "Detail",
    op_save: "draft saved", op_publish: "published", op_delete: "deleted", op_import: "imported", loading: "Loading…", cancel: "Cancel",
  },
};

const STORE_KEY = "kefu-editor:lang";
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

/** t("published", {v: 3}); an unknown key falls back to the key itself. */
export function t(key, params) {
  let text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

/** A known code as words ("decision", "answer" -> "直接回答"), else the code itself. */
export function label(prefix, code) {
  const key = `${prefix}_${code}`;
  return key in STRINGS[lang] ? t(key) : String(code ?? "");
}

export function applyStrings(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("app_title");
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
}

export function onLanguage(fn) { listeners.push(fn); }

export function toggleLang() {
  lang = lang === "zh" ? "en" : "zh";
  try { localStorage.setItem(STORE_KEY, lang); } catch (e) { /* not remembered, still switched */ }
  applyStrings();
  listeners.forEach((fn) => fn(lang));
}
