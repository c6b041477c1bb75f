"""FaqEntry <-> plain JSON-ready dict, with type checks that name the field that is wrong.

Shared by the JSON format, the CSV/XLSX cell decoding and the store's history snapshots.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from knowledge.types import FaqEntry, Link, QuickReply

__all__ = ["entry_to_dict", "entry_from_dict", "FIELDS", "IGNORED_KEYS"]

# Keys of the shared datasets' layout that carry no FAQ content of their own.
IGNORED_KEYS = frozenset({"intent"})


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"must be text, not {type(value).__name__}")
    return str(value).strip()


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list of texts, not {type(value).__name__}")
    items = tuple(_text(item) for item in value)
    return tuple(item for item in items if item)


def _pairs(value: Any, kind: type, second: str) -> tuple:
    if not isinstance(value, list):
        raise ValueError(f'must be a list of {{"title", "{second}"}} objects')
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"title", second}:
            raise ValueError(f'each item must be {{"title": ..., "{second}": ...}}, got {item!r}')
        out.append(kind(_text(item["title"]), _text(item[second])))
    return tuple(out)


def _channel_answers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError('must be an object {"channel": "answer"}')
    return {_text(key): _text(text) for key, text in value.items()}


def _status(value: Any) -> str:
    if value not in ("draft", "published"):
        raise ValueError(f"must be 'draft' or 'published', not {value!r}")
    return value


def _action(value: Any) -> str | None:
    return (_text(value) or None) if value is not None else None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(_text(value))
    except ValueError:
        raise ValueError(f"must be an ISO date-time like 2024-05-01T12:00:00+00:00, not {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


FIELDS: dict[str, Callable[[Any], Any]] = {
    "id": _text,
    "question": _text,
    "answer": _text,
    "variants": _texts,
    "buttons": lambda v: _pairs(v, QuickReply, "payload"),
    "links": lambda v: _pairs(v, Link, "url"),
    "channel_answers": _channel_answers,
    "category": _text,
    "tags": _texts,
    "language": _text,
    "status": _status,
    "action": _action,
    "handoff": _bool,
    "updated_at": _time,
    "updated_by": _text,
}


def entry_from_dict(data: Any, add_problem: Callable[[str], None]) -> FaqEntry | None:
    """Build an entry, reporting every wrong field through `add_problem`; None if any was wrong."""
    if not isinstance(data, dict):
        add_problem(f"must be an object with id, question, answer, not {type(data).__name__}")
        return None
    values: dict[str, Any] = {}
    ok = True
    for key, raw in data.items():
        if key in IGNORED_KEYS:
            continue
        convert = FIELDS.get(key)
        if convert is None:
            add_problem(f"unknown field {key!r} (known: {', '.join(FIELDS)})")
            ok = False
            continue
        try:
            values[key] = convert(raw)
        except ValueError as exc:
            add_problem(f"field {key!r} {exc}")
            ok = False
    if "id" not in values and isinstance(data.get("intent"), str):
        values["id"] = data["intent"].strip()  # the shared datasets name entries by intent
    values.setdefault("id", "")
    values.setdefault("question", "")
    values.setdefault("answer", "")
    return FaqEntry(**values) if ok else None


def entry_to_dict(entry: FaqEntry) -> dict[str, Any]:
    """The shared layout first (id, question, variants, answer), then only fields that are set."""
    data: dict[str, Any] = {
        "id": entry.id,
        "question": entry.question,
        "variants": list(entry.variants),
        "answer": entry.answer,
    }
    optional: dict[str, Any] = {
        "category": entry.category,
        "tags": list(entry.tags),
        "language": entry.language,
        "buttons": [{"title": b.title, "payload": b.payload} for b in entry.buttons],
        "links": [{"title": link.title, "url": link.url} for link in entry.links],
        "channel_answers": dict(entry.channel_answers),
        "action": entry.action,
        "handoff": entry.handoff,
        "status": "draft" if entry.status == "draft" else None,
        "updated_at": entry.updated_at.isoformat() if entry.updated_at else None,
        "updated_by": entry.updated_by,
    }
    data.update({key: value for key, value in optional.items() if value})
    return data
