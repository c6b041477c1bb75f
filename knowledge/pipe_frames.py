"""Length-prefixed pickle frames over an asyncio stream: how the web process and its search
process talk. Both ends are our own processes on a socketpair, never a network peer."""
from __future__ import annotations

import asyncio
import pickle
import struct

__all__ = ["frame", "read_frame", "picklable_error"]

_HEADER = struct.Struct("!I")


def frame(message: object) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> object:
    """The next message; `asyncio.IncompleteReadError` when the other end has gone."""
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return pickle.loads(await reader.readexactly(size))


def picklable_error(exc: BaseException) -> BaseException:
    """`exc` itself when it survives pickling (so the caller sees the real type), else its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
