"""Type stubs of inforce: see the module's docstring (``help(inforce)``)."""

import datetime
import os
from typing import Any, Literal, Mapping, Optional, TypedDict, Union

import pyarrow

__version__: str

DateLike = Union[datetime.date, str]
"""A ``datetime.date``, or text ``YYYY-MM-DD``."""

CaseLike = Union[Mapping[str, Any], str]
"""A dict of fact groups as a case file writes them, or a case file's text."""

class Diagnostic(TypedDict, total=False):
    """One problem, as the CLI would show it."""

    code: Optional[str]
    message: str
    help: Optional[str]
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    field: Optional[str]

class RulesError(ValueError):
    """The rules do not load: ``diagnostics`` holds every problem found."""

    diagnostics: list[Diagnostic]

class CaseError(ValueError):
    """A case does not fit the declared facts; each diagnostic names its ``field``."""

    diagnostics: list[Diagnostic]

class EvaluationError(ValueError):
    """A rule could not be evaluated on the case (a script failed)."""

    diagnostics: list[Diagnostic]

Status = Literal["decided", "undetermined", "missing_facts", "conflict"]

class Rules:
    """A rules tree, loaded and checked: the law to evaluate cases against."""

    @staticmethod
    def load(path: Optional[Union[str, os.PathLike[str]]] = None) -> Rules:
        """Loads rules: ``path``, else ``$INFORCE_RULES``, else ``./rules``, else the embedded rules."""
    @property
    def digest(self) -> str:
        """The rules' digest, as the CLI shows it: pin a revision of the law by it."""
    @property
    def source(self) -> str:
        """Where the rules were read: the directory, or ``embedded``."""
    @property
    def outcomes(self) -> list[str]:
        """The declared outcomes' names, in order."""
    def evaluate(
        self,
        case: CaseLike,
        date: Optional[DateLike] = None,
        explain: bool = False,
        *,
        name: str = "case",
    ) -> dict[str, Any]:
        """One case's result, as ``inforce eval --format json`` prints it."""
    def history(
        self,
        case: CaseLike,
        start: Optional[DateLike] = None,
        end: Optional[DateLike] = None,
        *,
        name: str = "case",
    ) -> dict[str, Any]:
        """The periods over which the case's outcomes stay the same (``inforce history --format json``)."""
    def timeline(self) -> dict[str, Any]:
        """Which version of each rule set is in force when (``inforce timeline --format json``)."""
    def case_schema(self) -> pyarrow.Schema:
        """The Arrow schema of cases: ``id``, ``date``, one column per fact."""
    def result_schema(self, explain: bool = False) -> pyarrow.Schema:
        """The Arrow schema of results: the layout of ``inforce batch``'s Parquet output."""
    def evaluate_arrow(
        self,
        batch: pyarrow.RecordBatch,
        date: Optional[DateLike] = None,
        explain: bool = False,
        first_line: int = 1,
    ) -> pyarrow.RecordBatch:
        """A batch of cases to a batch of results, one row per case; bad rows get an ``error``."""
