"""Routing to the least busy online agent with the skill, the queue, and business hours."""
from __future__ import annotations

import pytest

from bot.auth import User
from bot.handoff.routing import pick_agent
from tests.bot.dialogue_harness import FIXTURES, DialogueHarness
from tests.conftest import make_settings
from tests.handoff.conftest import PASSWORD


def _user(name: str, status="online", capacity=2, languages=("zh", "en"), categories=()) -> User:
    return User(id=name, username=name, display_name=name, role="agent", status=status, capacity=capacity,
                languages=tuple(languages), categories=tuple(categories))


def test_pick_agent_prefers_the_least_busy_with_the_skill():
    agents = [_user("a"), _user("b"), _user("c", languages=("zh",)), _user("d", status="away")]
    assert pick_agent(agents, {"a": 1, "b": 0}, "zh", "").id == "b"
    assert pick_agent(agents, {"a": 1, "b": 1, "c": 0}, "en", "").id in ("a", "b")  # c speaks no English
    assert pick_agent(agents, {"a": 2, "b": 2, "c": 2}, "zh", "") is None  # all full; d is away
    billing = [_user("x", categories=("billing",)), _user("y", categories=("complaint",))]
    assert pick_agent(billing, {}, "zh", "complaint").id == "y"


@pytest.fixture
async def bot(tmp_path):
    harness = await DialogueHarness.start(
        make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"))
    )
    yield harness
    await harness.close()


async def _agent(bot, name, status="online", capacity=1, languages=("zh", "en")):
    user = await bot.services.users.create(name, PASSWORD, "agent", languages=languages, capacity=capacity)
    return await bot.services.users.set_status(user.id, status)


async def test_routes_to_a_free_agent_with_the_language(bot):
    await _agent(bot, "zh_only", languages=("zh",))
    english = await _agent(bot, "bilingual")
    # a handoff phrase in a sentence, not a FAQ match: this KB has no entry for it
    [reply] = await bot.push("I want to talk to a human agent", user="en-customer")
    assert "joined" in reply.text
    [conv] = await bot.services.conversations.list(("agent",))
    assert conv.agent_id == english.id
    handoff = await bot.services.handoffs.current(conv.id)
    assert handoff.wait_seconds is not None and handoff.wait_seconds < 90


async def test_queue_when_everyone_is_busy_then_dispatch_when_free(bot):
    agent = await _agent(bot, "li", capacity=1)
    await bot.push("转人工", user="first")
    [waiting] = await bot.push("转人工", user="second")
    assert "下一位" in waiting.text
    [first] = await bot.services.conversations.list(("agent",))
    [(queued, _)] = await bot.services.handoffs.queued()
    await bot.services.desk.resolve(agent, first.id)
    [now_served] = await bot.services.conversations.list(("agent",))
    assert now_served.id == queued.conversation_id and now_served.agent_id == agent.id
    transcript = await bot.transcript("second")
    assert transcript[-1].kind == "connected"


async def test_waiting_customers_are_told_their_new_place(bot):
    await _agent(bot, "li", status="away")
    for user in ("c1", "c2", "c3"):
        await bot.push("转人工", user=user)
    [told_third] = [m.text for m in (await bot.transcript("c3")) if m.kind == "handoff"]
    assert "2 位" in told_third
    first = (await bot.services.handoffs.queued())[0][0]
    await bot.services.desk.resolve(await bot.services.users.by_username("li"), first.conversation_id)
    assert await bot.services.desk.update_waiting_customers() == 2
    update = (await bot.transcript("c3"))[-1]
    assert update.kind == "queue" and "1 位" in update.text


async def test_an_agent_coming_online_takes_the_queue(bot):
    agent = await _agent(bot, "li", status="away")
    await bot.push("转人工", user="waiting")
    assert await bot.services.conversations.list(("agent",)) == []
    await bot.services.desk.set_status(agent, "online")
    [conv] = await bot.services.conversations.list(("agent",))
    assert conv.agent_id == agent.id


async def test_outside_business_hours_the_customer_leaves_a_message(tmp_path):
    settings = make_settings(
        tmp_path,
        KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"),
        KEFU_HANDOFF__BUSINESS_HOURS__DAYS="[]",  # closed every day
    )
    harness = await DialogueHarness.start(settings)
    try:
        await _agent(harness, "li")
        [reply] = await harness.push("转人工")
        assert "留言" in reply.text
        assert await harness.services.handoffs.queued() == []
    finally:
        await harness.close()


@pytest.mark.parametrize("text", ["我要转人工", "can i talk to an agent", "I want to talk to a human agent please"])
async def test_asking_for_a_person_in_a_sentence_reaches_the_queue(bot, text):
    await _agent(bot, "bilingual")
    await bot.push(text, user="asker")
    assert len(await bot.services.conversations.list(("agent",))) == 1


async def test_a_one_word_phrase_inside_a_longer_question_is_not_a_request(bot):
    await _agent(bot, "bilingual")
    await bot.push("I'm a travel agent, do you offer any group discount?", user="travel")
    assert await bot.services.conversations.list(("agent", "queued")) == []
