"""Problems found in a case, reported to planners as file, row, column, value and expectation."""
from __future__ import annotations

from dataclasses import dataclass


#: Longest value echoed in a message (characters), and most problems listed per file.
MAX_SHOWN = 80
MAX_PER_FILE = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case.

    Attributes:
        file: the file the problem is in (relative to the case folder), or ``sheet 'NAME'`` of a case workbook.
        row: the line number in a CSV file or a sheet (header is line 1), or a change number in a scenario file.
        column: the column or field at fault.
        value: the offending value as written.
        expected: what was expected, in the planner's words.
    """

    file: str
    expected: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            table = self.file.endswith(".csv") or self.file.startswith("sheet ")  # a row of a CSV file or a sheet
            where += f", {'row' if table else 'change'} {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        value = self.value.item() if hasattr(self.value, "item") else self.value  # numpy scalar -> plain number
        shown = "" if value is None else f": {value!r}"
        if len(shown) > MAX_SHOWN:  # a value of millions of characters is shown by its start and length
            shown = f"{shown[:MAX_SHOWN]}… ({len(str(value)):,} characters)"
        return f"{where}{shown} — {self.expected}"


class CaseError(Exception):
    """A case that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = _capped(list({str(p): p for p in problems}.values()))  # each once, in order found
        super().__init__("\n".join(str(p) for p in self.problems))


def _capped(problems: list[Problem]) -> list[Problem]:
    """The first ``MAX_PER_FILE`` problems at rows of each file, then one line counting the rest (problems
    about a whole file are always kept)."""
    seen: dict[str, int] = {}
    kept = []
    for p in problems:
        if p.row is None:
            kept.append(p)
            continue
        seen[p.file] = seen.get(p.file, 0) + 1
        if seen[p.file] <= MAX_PER_FILE:
            kept.append(p)
    kept += [Problem(file, f"and {n - MAX_PER_FILE:,} more problems in this file (the first {MAX_PER_FILE} are listed)")
             for file, n in seen.items() if n > MAX_PER_FILE]
    return kept
