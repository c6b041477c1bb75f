"""Which agent gets a conversation: the least busy online agent with the skill."""
from __future__ import annotations

from typing import Iterable, Mapping

from bot.auth.user_store import User

DESK_ROLES = ("agent", "admin")


def can_serve(agent: User, language: str, category: str) -> bool:
    speaks = not agent.languages or not language or language in agent.languages
    knows = not agent.categories or not category or category in agent.categories
    return speaks and knows


def pick_agent(
    agents: Iterable[User], active: Mapping[str, int], language: str, category: str, exclude: str | None = None
) -> User | None:
    """An online agent with free capacity and the skill, least loaded first; None if nobody."""
    candidates = [
        a
        for a in agents
        if a.role in DESK_ROLES and a.status == "online" and not a.disabled and a.id != exclude
        and active.get(a.id, 0) < a.capacity and can_serve(a, language, category)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda a: (active.get(a.id, 0) / a.capacity, active.get(a.id, 0), a.username))


def anyone_on_duty(agents: Iterable[User]) -> bool:
    """Someone online or briefly away: worth queueing for rather than leaving a ticket."""
    return any(a.role in DESK_ROLES and a.status in ("online", "away") and not a.disabled for a in agents)
