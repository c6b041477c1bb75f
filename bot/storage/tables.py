"""Tables of conversations, customers, messages and feedback (SQLAlchemy Core).

The knowledge base has its own tables in `knowledge/tables.py`; Alembic migrates both.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
AutoId = BigInteger().with_variant(Integer, "sqlite")
Timestamp = DateTime(timezone=True)

customers = Table(
    "customers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("channel_user_id", String(191), nullable=False),
    Column("display_name", String(200), nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("profile", JSON, nullable=False, default=dict),
    # The company's id of the person (verified by a signed token), shared by their customers on
    # every channel they used; empty for anonymous visitors and chat-app users.
    Column("person_id", String(191), nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("last_seen_at", Timestamp, nullable=False),
    UniqueConstraint("channel", "channel_user_id", name="uq_customers_channel_user"),
    Index("ix_customers_person_id", "person_id"),
)

# state: bot | queued | agent | closed (handoff builds on these)
conversations = Table(
    "conversations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("state", String(16), nullable=False, default="bot"),
    Column("language", String(8), nullable=False, default=""),
    Column("misses_in_row", Integer, nullable=False, default=0),
    Column("unhelpful", Boolean, nullable=False, default=False),  # last answer rated "not helpful"
    Column("handoff_reason", String(64), nullable=True),
    Column("agent_id", String(32), nullable=True),  # the agent holding it (state agent)
    # A short scripted exchange in progress (leaving a ticket, rating an agent) and its data.
    Column("flow", String(32), nullable=True),
    Column("flow_data", JSON, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("closed_at", Timestamp, nullable=True),
    Index("ix_conversations_customer_state", "customer_id", "state"),
    Index("ix_conversations_state_agent", "state", "agent_id"),
    Index("ix_conversations_created_at", "created_at"),
)

# author: customer | bot | agent | system. `dedupe_key` is channel:user:channel-message-id for
# inbound messages, so a channel's retry of the same message is recognised.
messages = Table(
    "messages",
    metadata,
    Column("pos", AutoId, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("author", String(16), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("dedupe_key", String(255), nullable=True, unique=True),
    Column("reply_to", String(32), nullable=True),
    Column("kind", String(32), nullable=False, default="text"),
    Column("text", Text, nullable=False, default=""),
    Column("buttons", JSON, nullable=False, default=list),
    Column("meta", JSON, nullable=False, default=dict),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_messages_conversation_pos", "conversation_id", "pos"),
    Index("ix_messages_reply_to", "reply_to"),
    Index("ix_messages_created_at", "created_at"),  # analytics by date range
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("message_id", String(32), ForeignKey("messages.id"), nullable=False, unique=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("entry_id", String(191), nullable=True),
    Column("helpful", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)


# Console users. role: admin | editor | agent. Agents also have a status, a capacity and skills.
users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="offline"),  # online | away | offline
    Column("capacity", Integer, nullable=False, default=3),
    Column("languages", JSON, nullable=False, default=list),
    Column("categories", JSON, nullable=False, default=list),  # empty: every category
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", Timestamp, nullable=False),
)

# Only a hash of the session token is stored, so a leaked table cannot be replayed.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
)

# One row per handoff: why, when it was queued, assigned and resolved, and the wait.
handoffs = Table(
    "handoffs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("category", String(200), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # queued | assigned | resolved | abandoned
    Column("agent_id", String(32), nullable=True),
    Column("requested_at", Timestamp, nullable=False),
    Column("assigned_at", Timestamp, nullable=True),
    Column("resolved_at", Timestamp, nullable=True),
    Column("wait_seconds", Float, nullable=True),
    Column("within_target", Boolean, nullable=True),
    Column("told_position", Integer, nullable=True),  # the queue place the customer was last told
    Index("ix_handoffs_status_requested", "status", "requested_at"),
    Index("ix_handoffs_conversation", "conversation_id"),
    Index("ix_handoffs_requested_at", "requested_at"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("handoff_id", String(32), ForeignKey("handoffs.id"), nullable=True),
    Column("agent_id", String(32), nullable=True),
    Column("attribute", String(16), nullable=False),  # resolved | speed | knowledge
    Column("score", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("handoff_id", "attribute", name="uq_ratings_handoff_attribute"),
    Index("ix_ratings_created_at", "created_at"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("author_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_notes_conversation", "conversation_id"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(32), ForeignKey("conversations.id"), nullable=False),
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False),
    Column("message", Text, nullable=False),
    Column("contact", String(255), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="open"),  # open | closed
    Column("created_at", Timestamp, nullable=False),
    Column("closed_at", Timestamp, nullable=True),
    Column("closed_by", String(32), nullable=True),
)
