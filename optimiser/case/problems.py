"""Problems found in a case, reported to planners as file, row, column, value and expectation."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case.

    Attributes:
        file: the file the problem is in (relative to the case folder).
        row: the line number in a CSV file (header is line 1), or a change number in a scenario.
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
            where += f", {'row' if self.file.endswith('.csv') else 'change'} {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        value = self.value.item() if hasattr(self.value, "item") else self.value  # numpy scalar -> plain number
        shown = "" if value is None else f": {value!r}"
        return f"{where}{shown} — {self.expected}"


class CaseError(Exception):
    """A case that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list({str(p): p for p in problems}.values())  # each problem once, in order found
        super().__init__("\n".join(str(p) for p in self.problems))
