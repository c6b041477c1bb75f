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
    "no_agent": {
        "zh": "抱歉，目前没有人工客服在线。请留下您的问题，我们会尽快处理；您也可以继续问我。",
        "en": "Sorry, no agent is available right now. Leave your question and we'll get back to you, or keep asking me.",
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
}


def say(key: str, language: str) -> str:
    variants = TEXTS[key]
    return variants.get(language) or variants["zh"]
