"""Excel .xlsx with the spreadsheet layout of `table_layout` on the first sheet (or one named FAQ)."""
from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from knowledge.types import FaqEntry

from .errors import FaqImportError, ProblemList
from .files import atomic_write, read_bytes
from .table_layout import TableLayout
from .validation import EntryChecker

__all__ = ["read_xlsx", "write_xlsx"]

SHEET = "FAQ"
_WIDTHS = {"id": 18, "question": 36, "variants": 60, "answer": 60, "category": 14}


def _cell_text(value: Any) -> str:
    """Excel stores 12 as 12.0 and TRUE as a bool; the layout wants the text a person typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path) -> list[FaqEntry]:
    from openpyxl import load_workbook  # imported when used (~20 MB): the web server rarely needs it
    from openpyxl.utils.exceptions import InvalidFileException

    read_bytes(path)  # the same "not found" message as the other formats
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise FaqImportError.single(
            path, f"not a valid .xlsx workbook ({type(exc).__name__}); save it from Excel as .xlsx (不是有效的 xlsx 文件)"
        ) from None
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    label = f"sheet {sheet.title!r}"
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise FaqImportError.single(path, f"{label} is empty; expected a header row id, question, variants, answer, category")
    problems = ProblemList(path)
    header = rows[0]
    while header and not header[-1].strip():
        header = header[:-1]  # formatting can widen the sheet past the last real column
    layout = TableLayout(header, lambda message: problems.add(f"{label} row 1 (header)", message))
    problems.raise_if_any()
    checker = EntryChecker(problems)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{label} row {number}"
        extra = [cell for cell in row[len(header):] if cell.strip()]
        if extra:
            problems.add(where, f"value {extra[0][:30]!r} right of the last column with a header")
            continue
        cells = row[: len(header)] + [""] * (len(header) - len(row))
        entry = layout.entry(cells, lambda message, where=where: problems.add(where, message))
        if entry is not None:
            checker.add(where, entry)
    problems.raise_if_any()
    return checker.entries


def write_xlsx(path: Path, entries: list[FaqEntry]) -> None:
    from openpyxl import Workbook  # when used, as above
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import IllegalCharacterError

    header = TableLayout.header_for(entries)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(header)
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 16)
    for entry in entries:
        try:
            sheet.append(TableLayout.cells_for(entry, header))
        except IllegalCharacterError:
            raise FaqImportError.single(path, "a control character, which .xlsx cannot store; export as .json",
                                        f"entry {entry.id!r}") from None
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # an answer starting with "=" is text, not a formula to run
    atomic_write(path, lambda tmp: workbook.save(tmp))
