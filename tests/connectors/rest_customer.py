"""A Rasa REST customer and the agent replies waiting for them, for tests on one or two processes."""
from __future__ import annotations

from bot.messages import Button, OutboundMessage


async def ask(client, sender: str, text: str) -> list[dict]:
    """One request to the REST webhook; the messages it answers."""
    resp = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def agent_reply(user: str, text: str, buttons: tuple[Button, ...] = ()) -> OutboundMessage:
    return OutboundMessage(channel="rest", user_id=user, conversation_id="conv", text=text, buttons=buttons, sender="agent")
