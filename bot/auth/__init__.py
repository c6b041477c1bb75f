"""Console users, roles and login sessions."""
from bot.auth.session_store import Session, SessionStore
from bot.auth.user_store import ROLES, User, UserError, UserStore

__all__ = ["ROLES", "Session", "SessionStore", "User", "UserError", "UserStore"]
