"""Reading a case's files safely: paths that stay in the case folder, stated size limits, plain UTF-8
text, CSV rows that fit their header, and YAML without aliases.

Every refusal is a :class:`Problem` naming the file (and the line where there is one).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from optimiser.case.problems import Problem

#: Largest case file read (bytes); larger files are refused before they are read.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Largest YAML file (case.yaml, a scenario): settings and changes, never data.
MAX_YAML_BYTES = 1024 * 1024
#: Most data rows in one table (the national case's largest has about 2,500).
MAX_ROWS = 500_000

SAVE_AS = "save it from Excel as 'CSV UTF-8 (Comma delimited)'"


def check_path(folder: Path, file: str, what: str) -> Problem | None:
    """Why ``folder/file`` cannot be read as a case file, or ``None``. ``what`` names it for the message."""
    path = folder / file
    if ".." in Path(file).parts or Path(file).is_absolute():
        return Problem(file, f"{what} must be a file inside the case folder (no '..' or absolute paths)")
    try:
        resolved, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        return Problem(file, f"cannot be resolved: {exc}")
    if not resolved.is_relative_to(root):  # only a link can lead out, the path itself has no '..'
        return Problem(file, f"{what} is a link to {resolved}, outside the case folder; copy the file into the "
                             "case folder instead (links out of a case are refused)")
    if path.is_dir():
        return Problem(file, f"is a folder; {what} must be a file")
    if not path.exists():
        return Problem(file, f"file not found; {what}")
    if not path.is_file():
        return Problem(file, f"is not a regular file; {what} must be a file")
    size = path.stat().st_size
    limit = MAX_YAML_BYTES if file.endswith((".yaml", ".yml")) else MAX_FILE_BYTES
    if size > limit:
        return Problem(file, f"is {size:,} bytes; case files are limited to {limit:,} bytes "
                             f"({limit / 2**20:,.0f} MiB; docs/guarantees.md)")
    return None


def read_text(path: Path, file: str) -> tuple[str | None, Problem | None]:
    """The file's text as UTF-8 (a BOM is allowed), or why not, naming the line of the first bad byte."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(file, f"is UTF-16 text (Excel's 'Unicode Text'); {SAVE_AS}")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        byte = raw[exc.start:exc.start + 1].hex()
        return None, Problem(file, f"is not UTF-8 text (byte 0x{byte}; Windows-1252 or Latin-1?); {SAVE_AS}", row=line)


def parse_csv(text: str, file: str) -> tuple[list[str] | None, list[tuple[int, list[str]]], list[Problem]]:
    """Header and ``(line, cells)`` rows of a CSV text; rows with no content are left out.

    Extra empty cells at the end of a row are tolerated (spreadsheets write them); a row with more
    non-empty cells than the header is refused at its line (a decimal comma, or an unquoted comma).
    """
    csv.field_size_limit(MAX_FILE_BYTES)  # a cell may be as long as a file (the default is 128 KiB)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return None, [], [Problem(file, f"could not be read as CSV: {exc}", row=1)]
    if header is None or not any(h.strip() for h in header):
        return None, [], [Problem(file, "is empty; expected a header line of column names")]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in header[0]:
                return None, [], [Problem(file, f"its columns are separated by {name}, not commas; {SAVE_AS}", row=1)]
    rows, problems, width = [], [], len(header)
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.append(Problem(file, f"{len(cells)} fields where the header has {width}: a decimal comma "
                                              "(write 0.5, not 0,5) or a comma in an unquoted text?", row=line))
                continue
            rows.append((line, [c.strip() for c in cells[:width]] + [""] * (width - len(cells))))
            if len(rows) > MAX_ROWS:
                return header, [], [Problem(file, f"more than {MAX_ROWS:,} rows; tables are limited to {MAX_ROWS:,} "
                                                  "rows (docs/guarantees.md)")]
    except csv.Error as exc:
        problems.append(Problem(file, f"could not be read as CSV: {exc}", row=reader.line_num))
    return header, rows, problems


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a few aliased lines can expand to millions of nodes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a case file",
                                              event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str):
    """Parse YAML safely (no aliases, no Python objects)."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
