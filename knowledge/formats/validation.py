"""Checks every format (and the store) applies to entries: ids, questions, answers."""
from __future__ import annotations

from typing import Iterable

from knowledge.types import FaqEntry

from .errors import ProblemList

__all__ = ["entry_problems", "EntryChecker", "check_entries"]


def entry_problems(entry: FaqEntry) -> list[str]:
    """What is wrong with one entry on its own (empty when it can be saved)."""
    problems = []
    if not entry.id.strip():
        problems.append("empty id (编号为空)")
    if not entry.question.strip():
        problems.append("empty question (问题为空)")
    # An entry bound to an action is answered by the action server, so its text may be empty.
    if not entry.answer.strip() and not entry.action:
        problems.append("empty answer and no action bound (答案为空)")
    if entry.status not in ("draft", "published"):
        problems.append(f"status must be 'draft' or 'published', not {entry.status!r}")
    return problems


class EntryChecker:
    """Checks entries as a reader produces them, so problems come out in file order."""

    def __init__(self, problems: ProblemList) -> None:
        self.problems = problems
        self.entries: list[FaqEntry] = []
        self._first_seen: dict[tuple[str, str], str] = {}

    def add(self, where: str, entry: FaqEntry) -> None:
        messages = entry_problems(entry)
        # The same id may appear once as published and once as draft (an export of both).
        key = (entry.id, entry.status)
        if entry.id and key in self._first_seen:
            messages.append(f"duplicate id {entry.id!r}, first used at {self._first_seen[key]} (编号重复)")
        else:
            self._first_seen[key] = where
        for message in messages:
            self.problems.add(where, message)
        if not messages:
            self.entries.append(entry)


def check_entries(located: Iterable[tuple[str, FaqEntry]], problems: ProblemList) -> list[FaqEntry]:
    checker = EntryChecker(problems)
    for where, entry in located:
        checker.add(where, entry)
    return checker.entries
