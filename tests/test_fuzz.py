"""Fuzz the shipped tiny case: seeded mutations of its CSV tables and YAML files.

Every mutated case must be refused with problems that each name a file, or accepted and solved without
an exception; an accepted case has the base case's content hash exactly when its data are the base
case's; mutations of form only (BOM, CRLF, quotes, spaces, trailing empty cells) are accepted with the
base hash. A few mutated cases also go through the command line: exit 0 or 2, never a traceback.

``FUZZ_CASES`` (default 80) sets the number of mutations; ``FUZZ_SEED`` the seed.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optimiser import solve
from optimiser.case import CaseError, load_case

from conftest import FIXTURE, ROOT

CASES = int(os.environ.get("FUZZ_CASES", "80"))
SEED = int(os.environ.get("FUZZ_SEED", "20170701"))
CLI_SAMPLE = 4
JUNK = ["", "abc", "-1", "0", "1e308", "1e-308", "nan", "inf", "-inf", "0,5", "\u00e9t\u00e9", "\U0001f600",
        "x" * 5000, "12/13", " 2016/17 ", "TRUE", "2016/17", "999999999999999999999", "1.5", "none", "ZZZ"]
YAML_JUNK = ["abc", -1, 0, 1e308, None, [], {}, "2020/21", "1999/00", True, "x" * 5000]


def _tables(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


def _data_mutation(rng: random.Random, folder: Path) -> str:
    """Change the data of one file; returns what was done."""
    if rng.random() < 0.2:
        import yaml

        path = folder / "case.yaml"
        config = yaml.safe_load(path.read_text())
        key = rng.choice(sorted(config))
        kind = rng.choice(["set", "drop", "extra", "truncate"])
        if kind == "set":
            config[key] = rng.choice(YAML_JUNK)
        elif kind == "drop":
            del config[key]
        elif kind == "extra":
            config["unknown_setting"] = 1
        text = yaml.safe_dump(config, sort_keys=False)
        if kind == "truncate":
            text = path.read_text()[: rng.randrange(len(path.read_text()))]
        path.write_text(text)
        return f"case.yaml {kind} {key}"
    path = rng.choice(_tables(folder))
    lines = path.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    kind = rng.choice(["cell", "cell", "cell", "drop_column", "add_column", "duplicate_row", "drop_row", "truncate",
                       "unknown_code", "cp1252", "semicolons"])
    if kind == "cell" and rows:
        r, c = rng.randrange(len(rows)), rng.randrange(len(header))
        rows[r][c] = rng.choice(JUNK)
    elif kind == "drop_column":
        c = rng.randrange(len(header))
        header.pop(c)
        for row in rows:
            row.pop(c) if c < len(row) else None
    elif kind == "add_column":
        header.append("extra")
        for row in rows:
            row.append("1")
    elif kind == "duplicate_row" and rows:
        rows.append(list(rng.choice(rows)))
    elif kind == "drop_row" and rows:
        rows.pop(rng.randrange(len(rows)))
    elif kind == "unknown_code" and rows:
        rng.choice(rows)[0] = "ZZZ"
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    if kind == "truncate":
        text = text[: rng.randrange(len(text))]
    if kind == "cp1252":
        path.write_bytes((text + "Caf\u00e9,\n").encode("cp1252"))
    elif kind == "semicolons":
        path.write_text(text.replace(",", ";"))
    else:
        path.write_text(text)
    return f"{path.name} {kind}"


def _form_mutation(rng: random.Random, folder: Path) -> str:
    """Change only the form of one CSV file (what the loader tolerates)."""
    path = rng.choice(_tables(folder))
    lines = path.read_text(encoding="utf-8").splitlines()
    kind = rng.choice(["bom", "crlf", "quotes", "spaces", "trailing", "blank_lines"])
    if kind == "quotes":
        lines = [",".join(f'"{c}"' for c in line.split(",")) for line in lines]
    elif kind == "spaces":
        lines = [", ".join(c.strip() for c in line.split(",")) for line in lines]
    elif kind == "trailing":
        lines = [line + ",," for line in lines]
    elif kind == "blank_lines":
        lines = [lines[0], "", *lines[1:], ",,,", ""]
    text = ("\r\n" if kind == "crlf" else "\n").join(lines) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if kind == "bom" else b"") + text.encode("utf-8"))
    return f"{path.name} {kind}"


def _same_data(a, b) -> bool:
    if a.config != b.config or set(a.tables) != set(b.tables):
        return False
    return all(a.table(n).reset_index(drop=True).equals(b.table(n).reset_index(drop=True)) for n in a.tables)


def _mutations():
    rng = random.Random(SEED)
    return [(i, rng.random() < 0.25, rng.randrange(2**32)) for i in range(CASES)]


def test_fuzzed_cases_are_refused_with_a_file_named_or_accepted_and_solved(tmp_path):
    base = load_case(FIXTURE)
    outcomes = {"refused": 0, "accepted": 0}
    cli_cases = []
    for i, form_only, seed in _mutations():
        rng = random.Random(seed)
        folder = tmp_path / f"case{i}"
        shutil.copytree(FIXTURE, folder)
        what = (_form_mutation if form_only else _data_mutation)(rng, folder)
        try:
            case = load_case(folder)
        except CaseError as exc:
            assert not form_only, f"{what}: a change of form only was refused: {exc}"
            assert exc.problems and all(p.file for p in exc.problems), what
            outcomes["refused"] += 1
            if len(cli_cases) < CLI_SAMPLE:
                cli_cases.append((folder, 2, what))
            continue
        outcomes["accepted"] += 1
        if form_only:
            assert case.content_hash == base.content_hash, what
        else:
            assert (case.content_hash == base.content_hash) == _same_data(case, base), what
        solve(case)  # no exception, whatever the status
    assert outcomes["refused"] and outcomes["accepted"], outcomes
    for folder, code, what in cli_cases:
        run = subprocess.run([sys.executable, "-m", "optimiser", "validate", str(folder)], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)
        assert run.returncode == code and "Traceback" not in run.stderr, (what, run.stderr[-2000:])


@pytest.mark.parametrize("form", ["bom", "crlf", "quotes", "spaces", "trailing", "blank_lines"])
def test_each_change_of_form_keeps_the_content_hash(tmp_path, form):
    base = load_case(FIXTURE).content_hash
    folder = tmp_path / "case"
    shutil.copytree(FIXTURE, folder)

    class Fixed(random.Random):
        def choice(self, seq):
            return form if form in seq else seq[0]

    _form_mutation(Fixed(), folder)
    assert load_case(folder).content_hash == base
