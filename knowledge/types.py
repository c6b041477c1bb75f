"""Typed values of the knowledge base: FAQ entries and search results."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Mapping

Decision = Literal["answer", "clarify", "no_answer"]
Status = Literal["draft", "published"]


@dataclass(frozen=True)
class QuickReply:
    title: str
    payload: str


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ entry. `variants` are the other ways customers ask it (相似问法).

    `action` binds the entry to a custom action (answered by the action server instead of
    `answer`); `handoff` routes it straight to a person (e.g. complaints).
    `channel_answers` overrides `answer` per channel name (e.g. shorter text for WeChat).
    """

    id: str
    question: str
    answer: str
    variants: tuple[str, ...] = ()
    buttons: tuple[QuickReply, ...] = ()
    links: tuple[Link, ...] = ()
    channel_answers: Mapping[str, str] = field(default_factory=dict)
    category: str = ""
    tags: tuple[str, ...] = ()
    language: str = ""  # "zh", "en", or "" when mixed / unknown
    status: Status = "published"
    action: str | None = None
    handoff: bool = False
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by its variants: everything that is indexed."""
        return (self.question, *self.variants)

    def answer_for(self, channel: str) -> str:
        return self.channel_answers.get(channel) or self.answer


@dataclass(frozen=True)
class Candidate:
    """A ranked FAQ entry for a query; `confidence` is calibrated to [0, 1]."""

    entry_id: str
    confidence: float
    matched: str = ""  # the phrasing (question or variant) that matched best
    dense: float = 0.0  # raw component scores, for the editor's "try it" view
    lexical: float = 0.0


@dataclass(frozen=True)
class SearchResult:
    decision: Decision
    candidates: tuple[Candidate, ...]

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def confidence(self) -> float:
        return self.candidates[0].confidence if self.candidates else 0.0
