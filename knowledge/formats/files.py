"""Reading text files with a helpful encoding error, and writing files all-or-nothing."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import FaqImportError

__all__ = ["read_text", "read_bytes", "atomic_write"]


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FaqImportError.single(path, "file not found (找不到文件)") from None
    except IsADirectoryError:
        raise FaqImportError.single(path, "is a directory, not a file (这是目录, 不是文件)") from None
    except OSError as exc:
        raise FaqImportError.single(path, f"cannot read the file: {exc.strerror}") from None


def read_text(path: Path) -> str:
    """UTF-8, with or without the byte-order mark Excel writes; anything else is refused, with a fix."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = (
                "; it looks like GBK/GB18030, which Excel writes for 'CSV' on Chinese Windows. "
                "In Excel choose Save As > 'CSV UTF-8', or convert it: "
                f"iconv -f GBK -t UTF-8 {path.name} > utf8-{path.name} "
                "(文件不是 UTF-8 编码, 请另存为 'CSV UTF-8' 或用 iconv 转换)"
            )
        except UnicodeDecodeError:
            hint = "; save it again as UTF-8 (文件不是 UTF-8 编码, 请另存为 UTF-8)"
        raise FaqImportError.single(
            path, f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded{hint}", f"line {line}"
        ) from None


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """`write` fills a temporary file beside `path`, which then replaces it in one step.

    A crash or an error half-way leaves the old file untouched instead of a truncated export.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
