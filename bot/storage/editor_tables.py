"""Tables of the knowledge editor, on the bot's `metadata` (Alembic migrates them with the rest).

`editor_miss_resolutions`: missed customer questions an editor has dealt with on the
"learn from misses" page, so they leave the list: dismissed (not worth an entry) or accepted
(added as variants of an entry, or as a new entry). Keyed by a hash of the normalised text, so
the same question asked again later stays dealt with.
"""
from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from bot.storage.tables import Timestamp, metadata

__all__ = ["miss_resolutions"]

miss_resolutions = Table(
    "editor_miss_resolutions",
    metadata,
    Column("question_key", String(64), primary_key=True),  # sha256 of the normalised question
    Column("question", Text, nullable=False),
    Column("resolution", String(16), nullable=False),  # dismissed | accepted
    Column("entry_id", String(200), nullable=True),  # the entry it went to, when accepted
    Column("resolved_by", String(200), nullable=False, default=""),
    Column("resolved_at", Timestamp, nullable=False),
)
