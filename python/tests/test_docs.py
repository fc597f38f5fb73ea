"""The module documents itself: `help(inforce)` says how to use it, its
example runs, and the stubs name every method the module has."""

from __future__ import annotations

import doctest
import pydoc
from pathlib import Path

import inforce


def test_the_module_docstrings_example_runs(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the embedded rules, as a notebook anywhere finds them
    monkeypatch.delenv("INFORCE_RULES", raising=False)
    result = doctest.testmod(inforce, raise_on_error=False)
    assert result.attempted >= 3 and result.failed == 0


def test_help_names_the_entry_points_and_errors():
    text = pydoc.render_doc(inforce, renderer=pydoc.plaintext)
    for needle in ["Rules.load", "evaluate_arrow", "RulesError", "CaseError", "inforce.spark", "diagnostics"]:
        assert needle in text, needle


def test_the_stubs_name_every_public_method_of_rules():
    stubs = (Path(inforce.__file__).parent / "__init__.pyi").read_text()
    public = [n for n in dir(inforce.Rules) if not n.startswith("_")]
    assert public
    for name in public:
        assert f"def {name}(" in stubs, name
    assert (Path(inforce.__file__).parent / "py.typed").exists()
