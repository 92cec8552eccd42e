"""The published JSON Schemas are current, and shipped case.yaml files satisfy them."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import FIXTURE, ROOT
from optimiser.export.schemas import SCHEMA_DIR, render, schemas

CASE_YAMLS = [FIXTURE / "case.yaml"] + sorted(ROOT.glob("cases/*/case.yaml"))


def test_schema_dir_is_the_repository_schemas_folder():
    assert SCHEMA_DIR == ROOT / "schemas"


@pytest.mark.parametrize("name", sorted(schemas()))
def test_schema_file_is_current(name):
    path = ROOT / "schemas" / name
    assert path.is_file(), f"schemas/{name} missing: run `make schemas`"
    assert path.read_text(encoding="utf-8") == render(schemas()[name]), f"schemas/{name} is stale: run `make schemas`"


def test_no_stale_schema_files():
    assert {p.name for p in (ROOT / "schemas").glob("*.json")} == set(schemas())


def case_schema() -> dict:
    return json.loads((ROOT / "schemas" / "case.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CASE_YAMLS, ids=lambda p: str(p.relative_to(ROOT)))
def test_case_yaml_satisfies_the_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), case_schema())


def test_schema_rejects_a_bad_case_yaml():
    data = yaml.safe_load((FIXTURE / "case.yaml").read_text(encoding="utf-8"))
    for bad in ({**data, "colour": "red"}, {**data, "discount_rate": 2}, {k: v for k, v in data.items() if k != "name"},
                {**data, "solver": {"name": "cplex"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, case_schema())


@pytest.mark.parametrize("table", ["leaver_rates", "programmes", "targets"])
def test_tables_schema_describes_each_table(table):
    tables = json.loads((ROOT / "schemas" / "case-tables.schema.json").read_text(encoding="utf-8"))
    assert table in tables["properties"]
