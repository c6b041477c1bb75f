"""CSV as Excel writes it: UTF-8 (with or without BOM), header row, see `table_layout`."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from knowledge.types import FaqEntry

from .errors import FaqImportError, ProblemList
from .files import atomic_write, read_text
from .table_layout import TableLayout
from .validation import EntryChecker

__all__ = ["read_csv", "write_csv"]


def _delimiter(first_line: str) -> str:
    # Excel in many European locales saves "CSV" with semicolons; tab-separated exports exist too.
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path) -> list[FaqEntry]:
    text = read_text(path)
    if not text.strip():
        raise FaqImportError.single(path, "the file is empty; expected a header row id,question,variants,answer,category")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]), strict=True)
    problems = ProblemList(path)
    checker = EntryChecker(problems)
    try:
        header = next(reader)
        layout = TableLayout(header, lambda message: problems.add("line 1 (header)", message))
        problems.raise_if_any()  # without a usable header every row would repeat the same problem
        start = reader.line_num + 1
        for row in reader:
            where = f"line {start}"  # where the row starts; a quoted cell may span lines
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.add(where, f"expected {len(header)} columns as in the header, found {len(row)} "
                                    "(a comma inside a cell needs the cell in double quotes; 列数不对)")
                continue
            entry = layout.entry(row, lambda message, where=where: problems.add(where, message))
            if entry is not None:
                checker.add(where, entry)
    except csv.Error as exc:
        problems.add(f"line {reader.line_num}", f"not valid CSV: {exc}")
    problems.raise_if_any()
    return checker.entries


def write_csv(path: Path, entries: list[FaqEntry]) -> None:
    header = TableLayout.header_for(entries)

    def write(tmp: Path) -> None:
        # With the BOM, Excel opens the file as UTF-8 instead of garbling Chinese text.
        with tmp.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(TableLayout.cells_for(entry, header) for entry in entries)

    atomic_write(path, write)
