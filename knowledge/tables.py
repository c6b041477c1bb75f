"""Database tables of the knowledge base, on their own `metadata` so `knowledge` never imports `bot`.

Layout (the editor UI builds on it):

- `kb_entries`: one row per (entry id, status). An entry customers see has a `published` row; while
  someone edits it there is also a `draft` row. `FaqStore.publish()` copies drafts over the live rows.
- `kb_entry_history`: a JSON snapshot of an entry after every change (save, rollback, accept_misses,
  discard_draft, publish, delete, import), numbered per entry, with author and time, so the editor can
  show and restore old versions. The latest number is the entry's revision, the token editors'
  saves name so that a save based on a stale copy is refused (optimistic locking, `FaqStore`).
- `kb_audit_log`: one row per operation (the same names) with a small JSON detail.
- `kb_state`: a single row holding the version of the live content; it changes whenever what
  customers see changes, so running bots know when to rebuild their search index.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["metadata", "KbBase", "EntryRow", "EntryHistoryRow", "AuditRow", "KbStateRow"]

# Explicit constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID_LENGTH = 200
NAME_LENGTH = 200


class KbBase(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class EntryRow(KbBase):
    """The content of one FAQ entry in one state (draft or published)."""

    __tablename__ = "kb_entries"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="status"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    # Lists and mappings as JSON: the same on SQLite and PostgreSQL and read whole every time.
    variants: Mapped[list[Any]] = mapped_column(default=list)
    buttons: Mapped[list[Any]] = mapped_column(default=list)  # [{"title", "payload"}]
    links: Mapped[list[Any]] = mapped_column(default=list)  # [{"title", "url"}]
    channel_answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    category: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str | None] = mapped_column(String(NAME_LENGTH), nullable=True)
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")


class EntryHistoryRow(KbBase):
    """An entry as it was after one change; `snapshot` is None when the change deleted it."""

    __tablename__ = "kb_entry_history"
    __table_args__ = (Index("ix_kb_entry_history_entry_revision", "entry_id", "revision", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    revision: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per entry
    change: Mapped[str] = mapped_column(String(16))  # save | rollback | accept_misses | discard_draft | publish | delete | import
    status: Mapped[str] = mapped_column(String(16))  # which row changed: draft or published
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")


class AuditRow(KbBase):
    """Who did what to the knowledge base, one row per operation."""

    __tablename__ = "kb_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    by: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    operation: Mapped[str] = mapped_column(String(16))  # as EntryHistoryRow.change (16 characters at most)
    entry_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KbStateRow(KbBase):
    """The single row (id 1) with the version of the live knowledge base."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_by: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
