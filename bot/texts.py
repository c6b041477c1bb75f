"""Everything the bot itself says, in Chinese and English."""
from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "zh": "您好！我是智能客服，请问有什么可以帮您？",
        "en": "Hi! I'm the virtual assistant. How can I help you?",
    },
    "thanks": {
        "zh": "不客气！还有其他问题随时问我。",
        "en": "You're welcome! Ask me anytime if there's anything else.",
    },
    "goodbye": {
        "zh": "感谢您的咨询，再见！",
        "en": "Thanks for reaching out. Goodbye!",
    },
    "clarify": {
        "zh": "您是想问以下哪个问题？",
        "en": "Did you mean one of these?",
    },
    "none_of_these": {"zh": "都不是", "en": "None of these"},
    "no_answer": {
        "zh": "抱歉，我还不太明白您的问题。可以换个说法再问一次吗？",
        "en": "Sorry, I didn't quite get that. Could you rephrase your question?",
    },
    "offer_human": {
        "zh": "看起来我没能帮到您。需要为您转接人工客服吗？",
        "en": "It seems I couldn't help. Would you like to talk to a person?",
    },
    "human_button": {"zh": "转人工客服", "en": "Talk to a person"},
    "helpful": {"zh": "有帮助", "en": "Helpful"},
    "not_helpful": {"zh": "没帮助", "en": "Not helpful"},
    "feedback_thanks": {
        "zh": "感谢您的反馈！",
        "en": "Thanks for your feedback!",
    },
    "feedback_sorry": {
        "zh": "抱歉没能帮到您。您可以换个说法再问，或者转人工客服。",
        "en": "Sorry that didn't help. You can rephrase your question or talk to a person.",
    },
    "feedback_already": {
        "zh": "这条回答您已经评价过了，谢谢！",
        "en": "You've already rated this answer, thanks!",
    },
    "action_unavailable": {
        "zh": "抱歉，查询系统暂时不可用，请稍后再试，或转人工客服。",
        "en": "Sorry, that system isn't available right now. Please try again later or talk to a person.",
    },
    "unknown_entry": {
        "zh": "抱歉，这个问题的答案已经更新了，请重新提问。",
        "en": "Sorry, that answer has changed. Please ask again.",
    },
    "attachment": {
        "zh": "我暂时只能看懂文字消息，请用文字描述您的问题。",
        "en": "I can only read text for now. Please describe your question in words.",
    },
    "queued": {
        "zh": "正在为您转接人工客服，您前面还有 {ahead} 位。{eta}请稍候，您可以先把问题发过来。",
        "en": "Connecting you to a person. {ahead} customer(s) ahead of you. {eta}Feel free to describe your issue meanwhile.",
    },
    "queued_next": {
        "zh": "正在为您转接人工客服，您是下一位。{eta}",
        "en": "Connecting you to a person. You are next in line. {eta}",
    },
    "eta": {"zh": "预计等待约 {minutes} 分钟。", "en": "Estimated wait: about {minutes} min. "},
    "connected": {
        "zh": "人工客服 {agent} 已接入，正在为您服务。",
        "en": "{agent} from our team has joined and will help you now.",
    },
    "agent_left": {
        "zh": "本次人工服务已结束，接下来由智能客服继续为您服务。",
        "en": "The agent has closed this chat. The virtual assistant is here again if you need anything.",
    },
    "leave_message": {
        "zh": "抱歉，现在没有人工客服在线。请直接留言描述您的问题，我们会尽快联系您（输入“取消”可退出）。",
        "en": "Sorry, no agent is available right now. Please leave a message describing your issue and we'll get back to you (type 'cancel' to stop).",
    },
    "leave_contact": {
        "zh": "收到。请留下您的联系方式（手机号或邮箱），方便我们回复您。",
        "en": "Got it. Please leave a phone number or email so we can reply.",
    },
    "ticket_created": {
        "zh": "已为您登记留言，我们会尽快通过 {contact} 联系您。还有其他问题也可以继续问我。",
        "en": "Your message is recorded; we'll contact you at {contact} soon. You can keep asking me anything.",
    },
    "ticket_cancelled": {
        "zh": "好的，已取消留言。还有什么可以帮您？",
        "en": "OK, cancelled. What else can I help you with?",
    },
    "rate_resolved": {"zh": "请为本次服务评分（1-5）：您的问题解决了吗？", "en": "Please rate this chat (1-5): was your issue resolved?"},
    "rate_speed": {"zh": "客服的响应速度如何？（1-5）", "en": "How fast was the response? (1-5)"},
    "rate_knowledge": {"zh": "客服的专业程度如何？（1-5）", "en": "How knowledgeable was the agent? (1-5)"},
    "rating_thanks": {
        "zh": "感谢您的评价！还有问题随时问我。",
        "en": "Thank you for rating! Ask me anytime if you need anything else.",
    },
}


def say(key: str, language: str) -> str:
    variants = TEXTS[key]
    return variants.get(language) or variants["zh"]
