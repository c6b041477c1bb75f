"""Whether people are at work now, from `handoff.business_hours` in config.yml."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.settings import BusinessHours


def is_open(hours: BusinessHours | None, now: datetime) -> bool:
    if hours is None:
        return True
    local = now.astimezone(ZoneInfo(hours.timezone))
    if local.weekday() not in hours.days:
        return False
    start = time.fromisoformat(hours.start)
    end = time(23, 59, 59) if hours.end == "24:00" else time.fromisoformat(hours.end)
    return start <= local.time() < end
