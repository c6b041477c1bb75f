"""A custom action can hand the conversation to a person; the reason is stored with the handoff."""
from __future__ import annotations

from aiohttp import web

from tests.bot.dialogue_harness import FIXTURES, DialogueHarness
from tests.conftest import make_settings
from tests.handoff.conftest import PASSWORD


async def test_an_action_asking_for_a_person_queues_the_conversation(aiohttp_server, tmp_path):
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        assert body["next_action"] == "action_order_status"
        return web.json_response({"events": [], "responses": [
            {"text": "这个订单需要人工核实。"},
            {"custom": {"handoff": {"reason": "order_needs_review"}}},
        ]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    server = await aiohttp_server(app)
    settings = make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"),
                             KEFU_ACTIONS__URL=str(server.make_url("/webhook")), KEFU_HANDOFF__ROUTING="claim")
    bot = await DialogueHarness.start(settings)
    try:
        agent = await bot.services.users.create("li", PASSWORD, "agent")
        await bot.services.users.set_status(agent.id, "away")
        replies = await bot.push("我的订单到哪了")
        assert [r.kind for r in replies] == ["action", "handoff"]
        assert replies[1].metadata == {"reason": "action", "detail": "order_needs_review"}
        [(handoff, _)] = await bot.services.handoffs.queued()
        assert handoff.reason == "action" and handoff.detail == "order_needs_review"
    finally:
        await bot.close()
