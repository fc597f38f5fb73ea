"""Rules that do not load, and cases that do not fit, raise exceptions
that carry every diagnostic: file, line, column, message, help, and for a
case the field."""

from __future__ import annotations

import datetime

import pytest

import inforce
from conftest import REPO

BAD = REPO / "tests" / "fixtures" / "bad"


def test_rules_that_do_not_load_raise_rules_error_with_every_diagnostic():
    with pytest.raises(inforce.RulesError) as raised:
        inforce.Rules.load(BAD)
    diagnostics = raised.value.diagnostics
    assert len(diagnostics) > 10
    files = {d["file"] for d in diagnostics if d["file"]}
    assert len(files) > 5
    first = next(d for d in diagnostics if d["line"])
    assert first["column"] >= 1
    assert first["message"] and first["code"].startswith("inforce::")
    assert any(d["help"] for d in diagnostics)
    assert "do not load" in str(raised.value)


def test_a_missing_rules_directory_is_refused_not_replaced_by_the_embedded_rules(tmp_path):
    with pytest.raises(inforce.RulesError) as raised:
        inforce.Rules.load(tmp_path / "nowhere")
    assert raised.value.diagnostics[0]["code"] == "inforce::io::rules_root"


def test_without_a_path_the_variable_then_local_rules_then_the_embedded_rules_are_used(
    monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INFORCE_RULES", raising=False)
    assert inforce.Rules.load().source == "embedded"
    monkeypatch.setenv("INFORCE_RULES", str(REPO / "rules"))
    assert inforce.Rules.load().source == str(REPO / "rules")
    monkeypatch.delenv("INFORCE_RULES")
    (tmp_path / "rules").write_text("not a directory")
    with pytest.raises(inforce.RulesError):
        inforce.Rules.load()


def test_the_embedded_rules_are_the_shipped_rules(rules, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INFORCE_RULES", raising=False)
    embedded = inforce.Rules.load()
    assert embedded.source == "embedded"
    assert embedded.digest == rules.digest


def test_a_case_that_does_not_fit_raises_case_error_naming_each_field(rules):
    with pytest.raises(inforce.CaseError) as raised:
        rules.evaluate({"date": "2005-06-10", "person": {"citizenship": "kz", "marrid": True}})
    by_field = {d["field"]: d for d in raised.value.diagnostics}
    assert set(by_field) == {"person.citizenship", "person.marrid"}
    assert "did you mean `KZ`" in by_field["person.citizenship"]["help"]
    assert by_field["person.marrid"]["help"] == "did you mean `person.married`?"
    assert "person.marrid" in str(raised.value)


def test_a_case_file_text_points_to_the_line_and_column_of_the_mistake(rules):
    with pytest.raises(inforce.CaseError) as raised:
        rules.evaluate("date: 2005-06-10\nperson: {citizenship: KZ, marrid: true}\n", name="mine.yaml")
    (d,) = raised.value.diagnostics
    assert (d["file"], d["line"], d["column"], d["field"]) == ("mine.yaml", 2, 27, "person.marrid")


@pytest.mark.parametrize(
    "value, words",
    [(1.5, "is a float"), ({1, 2}, "Python `set`"), (datetime.datetime(2005, 1, 1), "is a datetime"), (2**70, "too large")],
)
def test_a_python_value_no_fact_can_hold_is_refused_naming_its_field(rules, value, words):
    with pytest.raises(inforce.CaseError) as raised:
        rules.evaluate({"date": "2005-06-10", "person": {"birth_date": value}})
    assert raised.value.diagnostics[0]["field"] == "person.birth_date"
    assert words in str(raised.value)


def test_a_date_fact_may_be_a_python_date(rules):
    text = rules.evaluate({"date": "2005-06-10", "person": {"birth_date": "1961-03-14"}})
    date = rules.evaluate({"date": datetime.date(2005, 6, 10), "person": {"birth_date": datetime.date(1961, 3, 14)}})
    assert text == date


def test_a_case_without_a_date_needs_one(rules):
    with pytest.raises(inforce.CaseError, match="no date"):
        rules.evaluate({"person": {"citizenship": "KZ"}})
    assert rules.evaluate({"person": {"citizenship": "KZ"}}, date="2005-06-10")["date"] == "2005-06-10"


@pytest.mark.parametrize("date", ["2005-13-01", "yesterday", 20050610])
def test_a_date_argument_that_is_no_date_is_refused(rules, date):
    with pytest.raises((ValueError, TypeError)):
        rules.evaluate({"person": {"citizenship": "KZ"}}, date=date)


def test_a_history_that_ends_before_it_starts_is_refused(rules):
    with pytest.raises(ValueError, match="before"):
        rules.history({"person": {"citizenship": "KZ"}}, start="2010-01-01", end="2009-01-01")


def test_help_on_the_module_says_how_to_use_it():
    assert "Rules.load" in inforce.__doc__
    assert "inforce eval --format json" in inforce.Rules.evaluate.__doc__
    assert inforce.Rules.evaluate_arrow.__doc__
