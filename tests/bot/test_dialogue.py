"""Whole dialogues through the real engine, database and knowledge base (fake embedder)."""
from __future__ import annotations

import asyncio

import pytest

from bot.errors import InvalidMessage
from bot.storage.tables import conversations
from tests.bot.dialogue_harness import FIXTURES, DialogueHarness
from tests.conftest import make_settings


@pytest.fixture
async def bot(tmp_path):
    settings = make_settings(
        tmp_path,
        KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"),
        KEFU_ACTIONS__URL="http://127.0.0.1:9/webhook",  # nothing listens: the action server is down
        KEFU_ACTIONS__TIMEOUT_SECONDS="1",
    )
    harness = await DialogueHarness.start(settings)
    yield harness
    await harness.close()


async def test_greets_thanks_and_says_goodbye_in_the_customers_language(bot):
    [zh] = await bot.push("你好")
    [en] = await bot.push("hello!")
    [thanks] = await bot.push("谢谢")
    [bye] = await bot.push("bye")
    assert zh.kind == "greeting" and "您好" in zh.text
    assert en.kind == "greeting" and en.text.startswith("Hi")
    assert thanks.kind == "thanks" and "不客气" in thanks.text
    assert bye.kind == "goodbye" and "Goodbye" in bye.text


async def test_answers_a_faq_question_with_feedback_buttons(bot):
    [answer] = await bot.push("下单后几天发货")
    assert answer.kind == "answer"
    assert "48" in answer.text
    assert answer.metadata["entry_id"] == "shipping_time"
    payloads = [b.payload for b in answer.buttons]
    assert payloads == [f"/feedback:yes:{answer.message_id}", f"/feedback:no:{answer.message_id}"]


async def test_a_lone_keyword_gets_did_you_mean_with_one_option_and_none_of_these(bot):
    # the head alone is too unsure of one word to clarify; the keyword rule vouches for one entry
    [reply] = await bot.push("发票")
    assert reply.kind == "clarify"
    assert [(b.title, b.payload) for b in reply.buttons] == [("怎么开发票", "/faq:invoice"), ("都不是", "/none")]
    [answer] = await bot.push(reply.buttons[0].payload)
    assert answer.kind == "answer" and answer.metadata["entry_id"] == "invoice"


async def test_english_question_gets_the_same_entry(bot):
    [answer] = await bot.push("how do I return an item")
    assert answer.metadata["entry_id"] == "return_policy"


async def test_duplicate_message_id_returns_the_same_replies_and_is_stored_once(bot):
    first = await bot.push("能用微信支付吗", message_id="dup-1")
    again = await bot.push("能用微信支付吗", message_id="dup-1")
    assert [m.message_id for m in again] == [m.message_id for m in first]
    transcript = await bot.transcript()
    assert [m.author for m in transcript] == ["customer", "bot"]


async def test_messages_of_one_customer_are_handled_in_order(bot):
    texts = ["你好", "怎么退货", "谢谢", "能开发票吗", "bye"]
    await asyncio.gather(*(bot.push(t) for t in texts))
    transcript = await bot.transcript()
    customer_texts = [m.text for m in transcript if m.author == "customer"]
    assert customer_texts == texts
    # every customer message is directly followed by its own reply
    authors = [m.author for m in transcript]
    assert authors == ["customer", "bot"] * len(texts)


async def test_customers_are_independent(bot):
    await bot.push("怎么退货", user="a")
    await bot.push("怎么开发票", user="b")
    a = await bot.transcript("a")
    b = await bot.transcript("b")
    assert {m.conversation_id for m in a}.isdisjoint({m.conversation_id for m in b})
    assert a[1].metadata["entry_id"] == "return_policy" and b[1].metadata["entry_id"] == "invoice"


async def test_misses_in_a_row_offer_a_person(bot):
    [miss1] = await bot.push("今天股票行情如何")
    assert miss1.kind == "no_answer"
    replies = await bot.push("火星上的天气怎么样")
    assert [r.kind for r in replies] == ["no_answer", "offer_human"]
    assert replies[1].buttons[0].payload == "/handoff"


async def test_three_misses_in_a_row_hand_off(bot):
    await bot.push("今天股票行情如何")
    await bot.push("火星上的天气怎么样")
    replies = await bot.push("what is the capital of France")
    assert [r.kind for r in replies] == ["no_answer", "handoff"]
    assert replies[1].metadata["reason"] == "repeated_misses"


async def test_an_answer_resets_the_miss_count(bot):
    await bot.push("今天股票行情如何")
    await bot.push("怎么退货")
    replies = await bot.push("火星上的天气怎么样")
    assert [r.kind for r in replies] == ["no_answer"]


async def test_not_helpful_then_a_miss_hands_off(bot):
    [answer] = await bot.push("怎么退货")
    [sorry] = await bot.push(f"/feedback:no:{answer.message_id}")
    assert sorry.kind == "feedback" and sorry.buttons[0].payload == "/handoff"
    [already] = await bot.push(f"/feedback:yes:{answer.message_id}")
    assert "already" in already.text or "已经" in already.text
    replies = await bot.push("火星上的天气怎么样")  # one more miss after "not helpful"
    assert [r.kind for r in replies] == ["no_answer", "handoff"]
    assert replies[1].metadata["reason"] == "unhelpful_then_miss"


async def test_feedback_for_someone_elses_answer_is_ignored(bot):
    [answer] = await bot.push("怎么退货", user="owner")
    [reply] = await bot.push(f"/feedback:yes:{answer.message_id}", user="intruder")
    assert reply.kind == "text" and "谢谢" not in reply.text


async def test_faq_button_payload_answers_that_entry(bot):
    [answer] = await bot.push("/faq:invoice")
    assert answer.kind == "answer" and answer.metadata["entry_id"] == "invoice"
    [unknown] = await bot.push("/faq:no_such_entry")
    assert unknown.kind == "text"


async def test_action_server_down_gives_a_clear_fallback_and_the_conversation_goes_on(bot):
    [fallback] = await bot.push("我的订单到哪了")
    assert fallback.kind == "action_failed"
    assert "暂时不可用" in fallback.text and fallback.buttons[0].payload == "/handoff"
    [answer] = await bot.push("怎么退货")
    assert answer.kind == "answer"


async def test_with_nobody_on_duty_a_person_request_leaves_a_ticket(bot):
    [reply] = await bot.push("转人工")
    assert reply.kind == "handoff" and reply.metadata["reason"] == "customer_request"
    assert "留言" in reply.text
    [ask_contact] = await bot.push("我的快递三天没动了，单号 123456")
    assert ask_contact.kind == "ticket"
    [done] = await bot.push("13800000000")
    assert done.kind == "ticket" and "13800000000" in done.text
    [ticket] = await bot.services.records.tickets("open")
    assert ticket["message"] == "我的快递三天没动了，单号 123456" and ticket["contact"] == "13800000000"
    [answer] = await bot.push("怎么退货")  # the bot goes on normally afterwards
    assert answer.kind == "answer"


async def test_an_entry_rule_hands_off_with_its_reason(bot):
    [rule] = await bot.push("我要投诉")
    assert rule.kind == "handoff" and rule.metadata == {"reason": "entry_rule", "detail": "complaint"}


async def test_bot_stays_silent_while_a_person_holds_the_conversation(bot):
    await bot.push("你好")
    first = (await bot.transcript())[0]
    async with bot.services.db.engine.begin() as conn:
        await conn.execute(
            conversations.update().where(conversations.c.id == first.conversation_id).values(state="agent")
        )
    assert await bot.push("怎么退货") == []
    transcript = await bot.transcript()
    assert transcript[-1].author == "customer" and transcript[-1].text == "怎么退货"


@pytest.mark.parametrize("text,code", [("", "empty_message"), ("   ", "empty_message"), ("x" * 2001, "message_too_long")])
async def test_bad_messages_are_refused_and_nothing_is_stored(bot, text, code):
    with pytest.raises(InvalidMessage) as err:
        await bot.push(text)
    assert err.value.code == code
    assert await bot.transcript() == []


async def test_conversation_continues_after_a_restart(tmp_path):
    settings = make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"))
    first = await DialogueHarness.start(settings)
    await first.push("怎么退货")
    before = await first.transcript()
    await first.close()

    second = await DialogueHarness.start(settings)
    try:
        await second.push("能开发票吗")
        after = await second.transcript()
    finally:
        await second.close()
    assert after[: len(before)] == before
    assert {m.conversation_id for m in after} == {before[0].conversation_id}
    assert after[-1].metadata["entry_id"] == "invoice"
