"""Generate the JSON Schemas in ``schemas/`` from the pydantic models.

Run ``python -m optimiser.export.schemas`` (or ``make schemas``) after changing a model;
a test checks the files are current.
"""
from __future__ import annotations

import json
from pathlib import Path

from optimiser.case.config import CaseConfig
from optimiser.case.tables import TABLES
from optimiser.export.solution import solution_schema

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def schemas() -> dict[str, dict]:
    """Every schema the project publishes, by file name."""
    config = CaseConfig.model_json_schema()
    config["title"] = "case.yaml"
    tables = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Case tables",
        "description": "Columns of each CSV table of a case folder: one object per row.",
        "type": "object",
        "properties": {
            name: {"type": "array", "items": spec.row.model_json_schema(), "description": f"{name}.csv ({spec.kind} table)"}
            for name, spec in TABLES.items()
        },
    }
    return {"case.schema.json": config, "case-tables.schema.json": tables, "solution.schema.json": solution_schema()}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (SCHEMA_DIR / name).write_text(render(schema), encoding="utf-8")
        print(f"wrote schemas/{name}")


if __name__ == "__main__":
    main()
