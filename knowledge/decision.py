"""Turning ranked, calibrated candidates into answer / clarify / no_answer."""
from __future__ import annotations

from typing import Collection, Sequence

from knowledge.settings import KnowledgeSettings
from knowledge.types import Candidate, SearchResult

__all__ = ["Decider"]


class Decider:
    """Thresholds on the calibrated confidence (settings.answer_threshold, clarify_threshold).

    - no_answer: the best candidate is below clarify_threshold (out of scope).
    - answer: the best candidate reaches answer_threshold and no other candidate is both
      plausible (>= clarify_threshold) and within clarify_margin of it.
    - clarify: otherwise; the candidates are the options to offer (2 to max_clarify_options):
      the best one plus those that are close, or the plausible runners-up when it stands alone
      but uncertain.
    """

    def __init__(self, settings: KnowledgeSettings) -> None:
        self.answer_threshold = settings.answer_threshold
        self.clarify_threshold = settings.clarify_threshold
        self.clarify_margin = settings.clarify_margin
        self.max_options = settings.max_clarify_options

    def decide(self, ranked: Sequence[Candidate], k: int, vouched: Collection[str] = ()) -> SearchResult:
        """`ranked` is best first; answer and no_answer keep the top `k` for display. `vouched`:
        entries other evidence (keyword_cover.py) speaks for; when it speaks for the best one, a
        confidence below clarify_threshold offers it instead of giving up."""
        if ranked and ranked[0].confidence < self.clarify_threshold and ranked[0].entry_id in vouched:
            # runners-up vouched for too (near-duplicate entries) or nearly as likely; not filler
            runners = [c for c in ranked[1:] if c.entry_id in vouched or c.confidence >= ranked[0].confidence / 2]
            return SearchResult("clarify", (ranked[0], *runners[: self.max_options - 1]))
        if not ranked or ranked[0].confidence < self.clarify_threshold:
            return SearchResult("no_answer", tuple(ranked[:k]))
        top, rest = ranked[0], ranked[1:]
        close = [
            c
            for c in rest
            if c.confidence >= self.clarify_threshold and top.confidence - c.confidence <= self.clarify_margin
        ]
        if top.confidence >= self.answer_threshold and not close:
            return SearchResult("answer", tuple(ranked[:k]))
        options = [top, *close][: self.max_options]
        if len(options) < 2:
            # an uncertain lone candidate: offer it beside the next most plausible ones
            floor = self.clarify_threshold / 2
            runners = [c for c in rest if c.confidence >= floor] or list(rest[:1])
            options += runners[: self.max_options - 1]
        return SearchResult("clarify", tuple(options))
