"""inforce: what did the law in force on a given date say about this case?

A rule engine for law that changes over time. The law lives outside the
code, as versioned YAML rule sets; inforce evaluates a case (facts about a
person and a trip) against whichever versions were in force on a date and
says what was decided, by which rule, citing which text, or why it could
not decide.

    >>> import inforce
    >>> rules = inforce.Rules.load()          # as the CLI finds them
    >>> result = rules.evaluate({"date": "2005-06-10",
    ...     "person": {"citizenship": "KZ", "secret_holder": True},
    ...     "trip": {"direction": "exit", "purpose": "tourism"}})
    >>> result["outcomes"]["exit_visa_required"]["status"]
    'decided'

- ``Rules.load(path=None)``: ``path``, else ``$INFORCE_RULES``, else
  ``./rules``, else the shipped rules embedded in the module.
- ``rules.evaluate(case, date=None, explain=False)``: a dict, the same as
  ``inforce eval --format json``.
- ``rules.history(case, start=None, end=None)``, ``rules.timeline()``,
  ``rules.digest``.
- ``rules.evaluate_arrow(batch, date=None)``: a ``pyarrow.RecordBatch`` of
  cases to one of results, in the layout of ``inforce batch``'s Parquet.
- ``inforce.spark.assess(df, ...)``: a Spark DataFrame of cases assessed
  with ``mapInArrow``.

Errors: ``RulesError`` (rules that do not load), ``CaseError`` (a case that
does not fit the declared facts), ``EvaluationError`` (a rule's script
failed); each has ``diagnostics``, a list of dicts with ``code``,
``message``, ``help``, ``file``, ``line``, ``column`` (and ``field`` for a
case).
"""

from ._inforce import (
    CaseError,
    EvaluationError,
    Rules,
    RulesError,
    __version__,
)

__all__ = ["CaseError", "EvaluationError", "Rules", "RulesError", "__version__"]
