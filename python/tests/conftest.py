"""Shared fixtures of the Python package's tests: the repository's paths,
the `inforce` CLI and the case generator built by cargo (the reference the
module is compared with), and helpers to turn cases into Arrow batches.
Not here: the tests themselves."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path

import pytest

import inforce

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


def _target_dir() -> Path:
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"])


def _built(package: str, binary: str) -> Path:
    """The debug binary of `package`, built with cargo if it is not there yet."""
    subprocess.run(
        ["cargo", "build", "--locked", "-q", "-p", package],
        cwd=REPO, check=True,
    )
    return _target_dir() / "debug" / binary


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `inforce` binary, as CI builds it."""
    return Path(os.environ["INFORCE_BIN"]) if "INFORCE_BIN" in os.environ else _built("inforce", "inforce")


@pytest.fixture(scope="session")
def gen_cases() -> Path:
    return _built("inforce-gen-cases", "gen-cases")


@pytest.fixture(scope="session")
def rules() -> inforce.Rules:
    """The shipped rules, read from the repository as the CLI's `--rules` reads them."""
    return inforce.Rules.load(str(RULES))


def run_cli(cli: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args], input=stdin, capture_output=True, text=True)


def flat_row(case: dict) -> dict:
    """A case dict as a row of `case_schema` (a column per fact), dates as
    `datetime.date`."""
    row = {"id": case.get("id"), "date": _date(case.get("date"))}
    for group, facts in case.items():
        if isinstance(facts, dict):
            for name, value in facts.items():
                row[f"{group}.{name}"] = value
    return row


def _date(v):
    if isinstance(v, str):
        return datetime.date.fromisoformat(v)
    return v


def cases_table(rules: inforce.Rules, cases: list[dict]):
    """Cases as an Arrow table of `rules.case_schema()`."""
    import pyarrow as pa

    schema = rules.case_schema()
    dates = {f.name for f in schema if pa.types.is_date32(f.type)}
    rows = []
    for case in cases:
        row = flat_row(case)
        rows.append({k: (_date(v) if k in dates else v) for k, v in row.items()})
    return pa.Table.from_pylist(rows, schema=schema)
