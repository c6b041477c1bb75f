"""What a report covers: the time range [start, end), one channel or all, and the time zone.

Dates in a query (`from=2025-03-01`) mean midnight in the report's time zone; full ISO 8601
times (`2025-03-01T08:00:00+08:00`) are taken as given. Bounds are kept in UTC, because SQLite
stores timestamps as UTC wall times and compares them as text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_DAYS = 366  # a bound on how much one request may scan
DEFAULT_DAYS = 30


class FilterError(ValueError):
    """A query parameter that cannot be used; `param` names it (the API answers 400)."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param, self.message = param, message


@dataclass(frozen=True)
class ReportFilter:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    channel: str | None  # None: every channel
    tz: ZoneInfo

    @classmethod
    def parse(
        cls, query: Mapping[str, str], default_tz: str, channels: Iterable[str], now: datetime | None = None
    ) -> "ReportFilter":
        """From `from`, `to`, `channel` and `tz` query parameters; missing dates: the last 30 days."""
        tz_name = (query.get("tz") or default_tz).strip()
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise FilterError("tz", f"未知时区 / Unknown time zone: {tz_name!r} (use an IANA name such as Asia/Shanghai)") from None
        now = (now or datetime.now(timezone.utc)).astimezone(tz)
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), tz)
        end = _moment(query.get("to"), tz, "to") or tomorrow
        start = _moment(query.get("from"), tz, "from") or end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise FilterError("from", "开始时间必须早于结束时间 / 'from' must be before 'to'.")
        if end - start > timedelta(days=MAX_DAYS):
            raise FilterError("to", f"时间范围最长 {MAX_DAYS} 天 / The range may span at most {MAX_DAYS} days.")
        channel = (query.get("channel") or "").strip() or None
        if channel == "all":
            channel = None
        known = sorted(channels)
        if channel is not None and channel not in known:
            raise FilterError(
                "channel", f"未知渠道 / Unknown channel: {channel!r} (one of: all, {', '.join(known)})"
            )
        return cls(start.astimezone(timezone.utc), end.astimezone(timezone.utc), channel, tz)

    @property
    def tz_name(self) -> str:
        return self.tz.key

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def describe(self) -> dict:
        return {
            "from": self.local(self.start).isoformat(), "to": self.local(self.end).isoformat(),
            "channel": self.channel or "all", "tz": self.tz_name,
        }

    def slug(self) -> str:
        """For file names: 2025-03-01_2025-03-08_web."""
        last = self.local(self.end - timedelta(microseconds=1)).date()
        return f"{self.local(self.start).date()}_{last}_{self.channel or 'all'}"


def _moment(value: str | None, tz: ZoneInfo, param: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tz)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(
            param, f"无效日期 / '{param}' is not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 time)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
