"""The module gives what the CLI gives: the public examples through
`inforce eval --format json`, every golden case kept beside the shipped
rules through `inforce batch`, histories and the timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import REPO, RULES, run_cli

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where `no` and `NO` (Norway) are false; the
    rules are YAML 1.2, where only true/false are booleans."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def golden_cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(RULES.rglob("tests/*.yaml")):
        for test in yaml.load(path.read_text(), Loader=Yaml12Loader)["tests"]:
            case = dict(test["case"])
            if test.get("date") is not None:
                case["date"] = test["date"]
            case.setdefault("id", f"{path.stem}: {test['name']}")
            out.append((f"{path.relative_to(RULES)}: {test['name']}", case))
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("explain", [False, True])
def test_each_public_example_gives_the_result_eval_prints(rules, cli, example: Path, explain):
    args = ["eval", str(example), "--rules", str(RULES), "--format", "json"]
    done = run_cli(cli, *(args + (["--explain"] if explain else [])))
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    got = rules.evaluate(example.read_text(), explain=explain, name=str(example))
    assert got == expected
    # The same case as a dict gives the same result too.
    as_dict = yaml.load(example.read_text(), Loader=Yaml12Loader)
    assert rules.evaluate(as_dict, explain=explain) == expected
    # ... and keeps the CLI's key order, for people reading it.
    assert list(got) == list(expected)


def test_every_golden_case_gives_the_result_batch_writes(rules, cli, tmp_path):
    cases = golden_cases()
    assert len(cases) > 50, "the golden tests were not found"
    lines = "\n".join(json.dumps(c, default=str) for _, c in cases) + "\n"
    done = run_cli(cli, "batch", "--rules", str(RULES), stdin=lines)
    assert done.returncode == 0, done.stderr
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(expected) == len(cases)
    for (name, case), want in zip(cases, expected):
        assert rules.evaluate(case) == want, name


def test_a_history_is_the_one_history_prints(rules, cli):
    example = REPO / "examples" / "secret-holder-tourism-2005.yaml"
    done = run_cli(
        cli, "history", str(example), "--rules", str(RULES), "--format", "json",
        "--from", "1995-01-01", "--to", "2020-12-31",
    )
    assert done.returncode == 0, done.stderr
    got = rules.history(example.read_text(), start="1995-01-01", end="2020-12-31", name=str(example))
    assert got == json.loads(done.stdout)
    assert len(got["periods"]) > 1


def test_the_timeline_is_the_one_timeline_prints(rules, cli):
    done = run_cli(cli, "timeline", "--rules", str(RULES), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert rules.timeline() == json.loads(done.stdout)


def test_the_digest_is_the_one_the_cli_reports(rules, cli):
    done = run_cli(cli, "eval", str(EXAMPLES[0]), "--rules", str(RULES), "--format", "json")
    assert rules.digest == json.loads(done.stdout)["rules"]["digest"]
