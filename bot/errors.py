"""Errors the engine reports to channels, which turn them into clear 4xx answers."""
from __future__ import annotations


class InvalidMessage(Exception):
    """A message the engine will not accept; nothing was stored."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
