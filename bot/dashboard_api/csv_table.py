"""One dashboard table as a CSV download that Excel opens correctly.

- UTF-8 with a byte-order mark: without it Excel reads Chinese text as mojibake.
- RFC 4180 quoting (commas, quotes and line breaks inside a cell) by the csv module, CRLF rows.
- Text cells that a spreadsheet would run as a formula (customers' own words can start with "=",
  "+", "-" or "@") get a leading apostrophe, the OWASP advice against CSV injection. Numbers are
  written as they are, so a negative correlation stays a number.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Sequence

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvTable:
    columns: Sequence[str]
    rows: Sequence[dict]

    def render(self) -> bytes:
        out = io.StringIO()
        out.write(BOM)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_cell(row.get(column)) for column in self.columns])
        return out.getvalue().encode("utf-8")


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
