"""Import and export of FAQ files; the format follows the file extension.

`read_faq` checks the whole file and raises one FaqImportError listing every problem (file, line or
row, what is wrong), so nothing is imported from a half-valid file. `write_faq` replaces the
target file in one step.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from knowledge.types import FaqEntry

from .csv_format import read_csv, write_csv
from .entry_dict import entry_from_dict, entry_to_dict
from .errors import FaqImportError, Problem
from .json_format import read_json, write_json
from .rasa_yaml import read_rasa_yaml, write_rasa_yaml
from .validation import entry_problems
from .xlsx_format import read_xlsx, write_xlsx

__all__ = [
    "read_faq", "write_faq", "FaqImportError", "Problem", "SUFFIXES",
    "entry_problems", "entry_to_dict", "entry_from_dict",
]

READERS: dict[str, Callable[[Path], list[FaqEntry]]] = {
    ".json": read_json,
    ".csv": read_csv,
    ".xlsx": read_xlsx,
    ".yml": read_rasa_yaml,
    ".yaml": read_rasa_yaml,
}
WRITERS: dict[str, Callable[[Path, list[FaqEntry]], None]] = {
    ".json": write_json,
    ".csv": write_csv,
    ".xlsx": write_xlsx,
    ".yml": write_rasa_yaml,
    ".yaml": write_rasa_yaml,
}
SUFFIXES = tuple(READERS)
_HINTS = {".xls": "; open it in Excel and save as .xlsx (请另存为 .xlsx)", ".txt": "; rename it .csv if it is CSV"}


def _unknown(path: Path) -> str:
    return (f"unknown file extension {path.suffix or '(none)'!r}; use one of "
            f"{', '.join(SUFFIXES)}{_HINTS.get(path.suffix.lower(), '')} (不支持的文件类型)")


def read_faq(path: str | Path) -> list[FaqEntry]:
    """All entries of a FAQ file (.json, .csv, .xlsx, Rasa .yml/.yaml), or FaqImportError."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise FaqImportError.single(path, _unknown(path))
    entries = reader(path)
    if not entries:
        # Importing nothing in "replace" mode would empty the knowledge base: surely a mistake.
        raise FaqImportError.single(path, "no FAQ entries in the file (文件里没有任何条目)")
    return entries


def write_faq(path: str | Path, entries: Iterable[FaqEntry]) -> None:
    """Write entries so that `read_faq(path)` gives them back.

    FaqImportError for an unknown extension or an entry the format cannot hold; other errors
    while writing (e.g. a full disk) propagate. In every case the old file is left as it was.
    """
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise FaqImportError.single(path, _unknown(path))
    writer(path, list(entries))
