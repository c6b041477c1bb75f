"""`kefu chat`: talk to the engine in the terminal, through the same pipeline as every channel."""
from __future__ import annotations

import argparse
import asyncio
import uuid

from bot.errors import InvalidMessage
from bot.messages import InboundMessage
from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "chat",
        help="chat with the bot in this terminal",
        description="Chat with the bot in the terminal. Buttons are numbered: type the number to press one. "
        "The conversation is stored like any other (channel 'cli'). Ctrl+D or /quit ends.",
    )
    parser.add_argument("--user", default="terminal", help="customer id to chat as (default: %(default)s)")
    parser.set_defaults(handler=chat)


def chat(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_chat(settings, args.user))


async def _chat(settings: Settings, user: str) -> int:
    from bot.services import start_services

    services = await start_services(settings, progress=True)
    buttons: list = []
    try:
        for item in await services.engine.history("cli", user):
            print(f"{'你/you' if item.author == 'customer' else item.author}: {item.text}")
        print("kefu chat — 输入问题 / type a question (/quit to leave)")
        while True:
            try:
                text = (await asyncio.to_thread(input, "> ")).strip()
            except EOFError:
                break
            if text in ("/quit", "/exit"):
                break
            if text.isdigit() and 0 < int(text) <= len(buttons):
                text = buttons[int(text) - 1].payload
            try:
                replies = await services.engine.handle(
                    InboundMessage(channel="cli", user_id=user, text=text, message_id=uuid.uuid4().hex)
                )
            except InvalidMessage as exc:
                print(f"! {exc.message}")
                continue
            buttons = []
            for reply in replies:
                print(f"bot: {reply.text}")
                for button in reply.buttons:
                    buttons.append(button)
                    print(f"   [{len(buttons)}] {button.title}")
    finally:
        await services.close()
    return 0
