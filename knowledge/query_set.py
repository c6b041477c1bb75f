"""Evaluation query files: `[{"text": "...", "expected": "<FAQ id>" | null}]`, checked with clear errors."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = ["Query", "QueryFileError", "load_queries", "check_expected"]

_MAX_LISTED = 8  # problems named in one message; the rest are counted


class QueryFileError(ValueError):
    """A query file is missing, not JSON, or not in the layout; the message names file and items."""


@dataclass(frozen=True)
class Query:
    text: str
    expected: str | None  # None: out of scope


def load_queries(path: str | Path) -> list[Query]:
    path = Path(path)
    if not path.is_file():
        raise QueryFileError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise QueryFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise QueryFileError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, list):
        raise QueryFileError(f'{path}: the top level must be a list of {{"text", "expected"}} objects')
    if not data:
        raise QueryFileError(f"{path}: no queries in the file")
    queries, problems = [], []
    for number, item in enumerate(data, start=1):
        problem = _problem(item)
        if problem:
            problems.append(f"item {number}: {problem}")
        else:
            queries.append(Query(item["text"], item["expected"]))
    if problems:
        raise QueryFileError(f"{path}: {_listing(problems)}")
    return queries


def check_expected(path: str | Path, queries: Iterable[Query], known_ids: set[str], kb_path: str | Path) -> None:
    """Every `expected` id must be a published entry of the KB, else the scores would be meaningless."""
    unknown = [f"{q.expected!r} (item {n})" for n, q in enumerate(queries, start=1)
               if q.expected is not None and q.expected not in known_ids]
    if unknown:
        raise QueryFileError(
            f"{path}: {len(unknown)} queries expect ids that are not published entries of {kb_path}: "
            f"{_listing(unknown)}"
        )


def _problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return f'expected an object {{"text", "expected"}}, got {type(item).__name__}'
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        return '"text" must be a non-empty string'
    if "expected" not in item:
        return '"expected" is missing (use null for an out-of-scope query)'
    expected = item["expected"]
    if expected is not None and (not isinstance(expected, str) or not expected):
        return '"expected" must be an FAQ id (a non-empty string) or null'
    return None


def _listing(problems: list[str]) -> str:
    shown = "; ".join(problems[:_MAX_LISTED])
    more = len(problems) - _MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")
