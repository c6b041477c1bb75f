"""Agent API: the queue, conversations with their context, and what agents do with them."""
from __future__ import annotations

from aiohttp import web

from bot.agent_api import views
from bot.agent_api.auth import guarded
from bot.app_keys import CHANNEL_MAP, SERVICES, SETTINGS
from bot.auth import User
from bot.handoff.agent_desk import DeskError, message_view
from connectors.http_errors import json_error, read_json_object

DESK = ("admin", "agent")
_STATES = {"agent": ("agent",), "queued": ("queued",), "closed": ("closed", "bot"), "all": None}


def desk_errors(handler):
    async def run(request: web.Request, user: User) -> web.StreamResponse:
        try:
            return await handler(request, user)
        except DeskError as exc:
            return json_error(exc.status, exc.code, exc.message)

    return run


@guarded(DESK)
async def get_queue(request: web.Request, user: User) -> web.Response:
    return web.json_response({"queue": await views.queue(request.app[SERVICES])})


@guarded(DESK)
async def list_conversations(request: web.Request, user: User) -> web.Response:
    state = request.query.get("state", "agent")
    if state not in _STATES:
        return json_error(400, "bad_state", "state 只能是 agent、queued、closed 或 all / state must be agent, queued, closed or all.")
    services = request.app[SERVICES]
    agent_filter = None if user.role == "admin" else user.id
    convs = await services.conversations.list(_STATES[state], agent_id=agent_filter)
    return web.json_response({"conversations": await views.summaries(services, convs)})


@guarded(DESK)
@desk_errors
async def get_conversation(request: web.Request, user: User) -> web.Response:
    services = request.app[SERVICES]
    conv = await services.desk.visible(user, request.match_info["id"])
    channel = request.app[CHANNEL_MAP].get(conv.channel)
    window = getattr(channel, "reply_window", None)
    reply_window = _window_view(await window(conv.user_id)) if window else None
    return web.json_response(await views.context(services, conv, reply_window))


@guarded(DESK)
@desk_errors
async def claim(request: web.Request, user: User) -> web.Response:
    services = request.app[SERVICES]
    conv = await services.desk.claim(user, request.match_info["id"])
    return web.json_response({"conversation": await views.summary(services, conv)})


@guarded(DESK)
@desk_errors
async def send_message(request: web.Request, user: User) -> web.Response:
    text = await _text(request)
    message = await request.app[SERVICES].desk.agent_message(user, request.match_info["id"], text)
    return web.json_response({"message": message_view(message)}, status=201)


@guarded(DESK)
@desk_errors
async def transfer(request: web.Request, user: User) -> web.Response:
    data = await read_json_object(request)
    to_agent = data.get("agent_id")
    if not data.get("queue") and not isinstance(to_agent, str):
        return json_error(400, "bad_transfer", "请指定 agent_id 或 queue / Give an agent_id or queue: true.")
    services = request.app[SERVICES]
    conv = await services.desk.transfer(user, request.match_info["id"], None if data.get("queue") else to_agent)
    return web.json_response({"conversation": await views.summary(services, conv)})


@guarded(DESK)
@desk_errors
async def resolve(request: web.Request, user: User) -> web.Response:
    services = request.app[SERVICES]
    conv = await services.desk.resolve(user, request.match_info["id"])
    return web.json_response({"conversation": await views.summary(services, conv)})


@guarded(DESK)
@desk_errors
async def add_note(request: web.Request, user: User) -> web.Response:
    text = await _text(request)
    services = request.app[SERVICES]
    conv = await services.desk.visible(user, request.match_info["id"])
    note = await services.records.add_note(conv.id, user.id, text)
    return web.json_response({"note": note}, status=201)


@guarded(DESK)
async def list_agents(request: web.Request, user: User) -> web.Response:
    services = request.app[SERVICES]
    active = await services.handoffs.active_counts()
    agents = [a for a in await services.users.list() if a.role in DESK and not a.disabled]
    return web.json_response({"agents": [a.public() | {"active": active.get(a.id, 0)} for a in agents]})


@guarded(DESK)
async def search_kb(request: web.Request, user: User) -> web.Response:
    query = request.query.get("q", "").strip()
    if not query:
        return json_error(400, "missing_query", "请输入搜索内容 / Enter something to search for.")
    services = request.app[SERVICES]
    result = await services.kb.search(query[: request.app[SETTINGS].server.max_message_chars])
    results = []
    for c in result.candidates[:5]:
        entry = services.kb.entry(c.entry_id)
        if entry:
            results.append({"id": entry.id, "question": entry.question, "answer": entry.answer, "confidence": round(c.confidence, 4)})
    return web.json_response({"results": results})


@guarded(DESK)
async def list_tickets(request: web.Request, user: User) -> web.Response:
    status = request.query.get("status", "open")
    if status not in ("open", "closed"):
        return json_error(400, "bad_status", "status 只能是 open 或 closed / status must be open or closed.")
    return web.json_response({"tickets": await request.app[SERVICES].records.tickets(status)})


@guarded(DESK)
async def close_ticket(request: web.Request, user: User) -> web.Response:
    ticket = await request.app[SERVICES].records.close_ticket(request.match_info["id"], user.id)
    if ticket is None:
        return json_error(404, "not_found", "没有这个未关闭的工单 / No such open ticket.")
    return web.json_response({"ticket": ticket})


async def _text(request: web.Request) -> str:
    data = await read_json_object(request)
    text = data.get("text")
    limit = request.app[SETTINGS].server.max_message_chars
    if not isinstance(text, str) or not text.strip():
        raise DeskError(400, "empty_message", "消息为空 / The message is empty.")
    if len(text) > limit:
        raise DeskError(400, "message_too_long", f"消息超过 {limit} 个字符 / The message is longer than {limit} characters.")
    return text.strip()


def _window_view(window) -> dict:
    """A channel's reply window (WeChat: 48 h after the customer's last message) as JSON."""
    failure = getattr(window, "last_failure", None)
    until = getattr(window, "until", None)
    return {
        "open": bool(getattr(window, "open", False)),
        "until": until.isoformat() if until else None,
        "last_failure": None if failure is None else {"code": failure.code, "detail": failure.detail, "at": failure.at},
    }
