"""Builds and tears down everything the engine needs, for the server and for `kefu chat`."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.action_client import ActionClient
from bot.auth import SessionStore, UserStore
from bot.cluster import RedisKeyedLock, RedisRelay
from bot.conversation_flows import ConversationFlows
from bot.engine import DialogueEngine
from bot.handoff.agent_desk import AgentDesk
from bot.handoff.event_hub import EventHub
from bot.handoff.handoff_store import HandoffStore
from bot.handoff.outbox import Outbox
from bot.handoff.service_records import ServiceRecords
from bot.responder import Responder
from bot.settings import Settings
from bot.storage import ConversationStore, Database
from knowledge.faq_store import FaqStore
from knowledge.formats import read_faq
from knowledge.knowledge_base import KnowledgeBase
from knowledge.search_process import SearchProcess

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    kb: KnowledgeBase
    conversations: ConversationStore
    engine: DialogueEngine
    http: aiohttp.ClientSession
    users: UserStore
    sessions: SessionStore
    desk: AgentDesk
    records: ServiceRecords
    handoffs: HandoffStore
    hub: EventHub
    outbox: Outbox
    relay: RedisRelay | None = None
    extras: dict = field(default_factory=dict)

    async def close(self) -> None:
        if self.relay is not None:
            await self.relay.close()
        await self.http.close()
        self.kb.close()
        await self.db.close()


async def start_services(settings: Settings, progress: bool = False) -> Services:
    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    # The search process starts (imports, model) while this one migrates the database.
    search = SearchProcess("bot.retriever_factory:build_retriever", (settings,)) if settings.server.search_process else None
    starting = asyncio.create_task(search.start()) if search else None
    try:
        await db.migrate()
        faq_store = FaqStore(db.engine)
        await load_demo_kb(faq_store, settings.knowledge.demo_kb)
        if search is not None:
            retriever = await starting
        else:
            from bot.retriever_factory import build_retriever  # here: it loads the encoder's libraries

            retriever = await asyncio.to_thread(build_retriever, settings)
        kb = KnowledgeBase(faq_store, retriever)
        await kb.load(progress=progress)
    except BaseException:
        if starting is not None:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            search.close()
        await db.close()
        raise
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    conversations = ConversationStore(db)
    users, records, hub, outbox = UserStore(db), ServiceRecords(db), EventHub(), Outbox()
    handoffs = HandoffStore(db, settings.handoff.wait_target_seconds)
    desk = AgentDesk(settings.handoff, conversations, handoffs, users, hub, outbox)
    actions = ActionClient(settings.actions.url, settings.actions.timeout_seconds, http)
    responder = Responder(settings, kb, conversations, desk, ConversationFlows(records, lambda t: hub.publish({"type": "ticket", "ticket": t}, everyone=True)), actions)
    cluster = settings.cluster
    relay = RedisRelay(cluster.redis_url, cluster.redis_prefix) if cluster.redis_url else None
    locks = RedisKeyedLock(relay.client, prefix=f"{cluster.redis_prefix}:lock") if relay else None
    engine = DialogueEngine(settings, conversations, responder, locks)
    engine.listeners.append(desk.on_customer_message)
    if relay is not None:
        hub.attach_relay(relay)
        desk.relay = relay
    return Services(
        settings, db, kb, conversations, engine, http, users=users, sessions=SessionStore(db), desk=desk,
        records=records, handoffs=handoffs, hub=hub, outbox=outbox, relay=relay,
    )


async def load_demo_kb(store: FaqStore, path: str) -> bool:
    """On the very first start, load and publish the demo FAQ so the bot answers at once."""
    if not path or await store.version() > 0 or await store.list_entries(None):
        return False
    file = Path(path)
    if not file.is_absolute() and not file.exists():
        file = Path(__file__).resolve().parent.parent / path  # relative to the project
    if not file.exists():
        log.warning("demo knowledge base %s not found; starting with an empty knowledge base", path)
        return False
    await store.replace_all(read_faq(file), by="kefu-demo", mode="replace")  # live at once
    log.info("loaded the demo knowledge base from %s", file)
    return True
