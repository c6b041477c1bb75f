"""The one error every FAQ reader raises: the file and every problem found, at once."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FaqImportError", "Problem", "ProblemList", "MAX_PROBLEMS"]

# Enough to fix a file in one pass without drowning the reader in a 10,000-line list.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    where: str  # "line 7", "row 12", "entry 3 (id 'refund')", "" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class FaqImportError(ValueError):
    """A FAQ file that cannot be imported (nothing was imported), or entries that cannot be
    exported to the chosen file (the file was left as it was).

    `str(error)` names the file and lists the problems (up to MAX_PROBLEMS), e.g.
    ``faq.csv: 2 problems (导入失败, 2 个问题):\n  line 4: empty question (问题为空)``.
    """

    def __init__(self, path: str | Path, problems: list[Problem], more: int = 0) -> None:
        self.path = str(path)
        self.problems = list(problems)
        self.more = more  # problems found beyond the ones listed
        total = len(self.problems) + more
        lines = [f"{self.path}: {total} problem{'s' if total != 1 else ''} (导入失败, {total} 个问题):"]
        lines += [f"  {problem}" for problem in self.problems]
        if more:
            lines.append(f"  ... and {more} more (还有 {more} 个问题未列出)")
        super().__init__("\n".join(lines))

    @classmethod
    def single(cls, path: str | Path, message: str, where: str = "") -> "FaqImportError":
        return cls(path, [Problem(where, message)])


class ProblemList:
    """Collects problems while a file is read; `raise_if_any` raises them all together."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.more = 0

    def add(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise FaqImportError(self.path, self.problems, self.more)
