"""Persistence of customers, conversations and messages."""
from bot.storage.conversation_store import ConversationRecord, ConversationStore
from bot.storage.database import Database

__all__ = ["ConversationRecord", "ConversationStore", "Database"]
