"""SQLite hands back naive datetimes for timezone-aware columns; they were stored in UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime | None) -> str | None:
    moment = aware(moment)
    return moment.isoformat() if moment else None
