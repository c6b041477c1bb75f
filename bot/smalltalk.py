"""Greetings, thanks and goodbyes in Chinese and English, recognised before FAQ search.

Only short messages that are nothing but such a phrase count: "hi, where is my order" is a
question and goes to the knowledge base.
"""
from __future__ import annotations

import re

_PUNCT = re.compile(r"[\s!！.。,，~～?？:：;；、…·\-—'\"“”‘’()（）\[\]【】]+")

_PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": (
        "你好", "您好", "你好啊", "您好啊", "在吗", "在不在", "有人吗", "哈喽", "嗨", "早上好", "上午好",
        "中午好", "下午好", "晚上好", "早", "早安", "hi", "hello", "hey", "hiya", "yo", "good morning",
        "good afternoon", "good evening", "hi there", "hello there", "hey there", "你好在吗", "您好在吗",
    ),
    "thanks": (
        "谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "非常感谢", "谢啦", "谢了", "好的谢谢", "好的谢谢你",
        "thanks", "thank you", "thx", "ty", "thanks a lot", "thank you very much", "many thanks",
        "ok thanks", "ok thank you", "great thanks", "cheers",
    ),
    "goodbye": (
        "再见", "拜拜", "拜", "回见", "下次见", "bye", "goodbye", "bye bye", "byebye", "see you",
        "see ya", "good bye", "好的再见", "谢谢再见", "thanks bye",
    ),
}
_LOOKUP = {phrase: kind for kind, phrases in _PHRASES.items() for phrase in phrases}


def normalise(text: str) -> str:
    return _PUNCT.sub(" ", text.lower()).strip()


def detect_smalltalk(text: str) -> str | None:
    """'greeting', 'thanks', 'goodbye', or None when the message is more than that."""
    key = normalise(text)
    if len(key) > 24:
        return None
    return _LOOKUP.get(key) or _LOOKUP.get(key.replace(" ", ""))
