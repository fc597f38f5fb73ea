"""Assessing a Spark DataFrame of cases with inforce.

    >>> from inforce.spark import assess
    >>> results = assess(spark.read.parquet("cases.parquet"), rules_path="rules")

``assess`` maps the cases to results with ``DataFrame.mapInArrow``: each
Arrow batch Spark hands a Python worker is evaluated by
``Rules.evaluate_arrow``, with the GIL released, into the columns of
``inforce batch``'s Parquet output (see docs/columnar.md). The rules are
loaded once per executor Python process (a module-level cache) and checked
against the digest of the rules the driver loaded: an executor with other
rules stops the job with ``RulesMismatchError`` rather than mix two
versions of the law in one result. Every result row carries the digest.

How the rules reach the executors, and how the work partitions: see
docs/scale.md. Not here: evaluation (the native module) or the layouts.
"""

from __future__ import annotations

import datetime
import os
import threading
from typing import TYPE_CHECKING, Iterator, Optional, Union

import inforce

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

__all__ = ["assess", "result_schema", "RulesMismatchError"]


class RulesMismatchError(inforce.RulesError):
    """The rules an executor (or the driver) loaded are not the ones the job
    was pinned to: their digests differ."""

    diagnostics: list = []


# Rules loaded in this Python process, by the path they were asked for
# (None: found as the CLI finds them). Spark reuses its Python workers, so
# an executor loads its rules once, not once per task or batch.
_LOADED: dict[Optional[str], inforce.Rules] = {}
_LOCK = threading.Lock()


def _rules_here(rules_path: Optional[str]) -> inforce.Rules:
    """The rules of `rules_path` as this process finds them: the path itself
    if it is here, else the copy Spark shipped with the job
    (``SparkContext.addFile(path, recursive=True)``, found by its name)."""
    with _LOCK:
        cached = _LOADED.get(rules_path)
        if cached is not None:
            return cached
        path = rules_path
        if path is not None and not os.path.exists(path):
            try:
                from pyspark import SparkFiles

                shipped = SparkFiles.get(os.path.basename(os.path.normpath(path)))
                if os.path.isdir(shipped):
                    path = shipped
            except Exception:  # no SparkContext files here: use the path as given
                pass
        rules = inforce.Rules.load(path)
        _LOADED[rules_path] = rules
        return rules


def _mismatch(where: str, found: str, expected: str, rules_path: Optional[str]) -> RulesMismatchError:
    source = f"`{rules_path}`" if rules_path else "the rules found by default"
    return RulesMismatchError(
        f"the rules {where} ({source}) have digest `{found}`, not `{expected}`: "
        "a job must assess every case under one version of the law; ship the "
        "same rules directory to every executor (SparkContext.addFile(dir, "
        "recursive=True), or a path they all read) and pin it with `digest=`"
    )


def _date_text(date: Union[None, str, datetime.date]) -> Optional[str]:
    if date is None:
        return None
    if isinstance(date, datetime.datetime):
        raise TypeError("`date` should be a datetime.date or text `YYYY-MM-DD`, not a datetime")
    return date.isoformat() if isinstance(date, datetime.date) else str(date)


def _for_spark(schema: "pa.Schema") -> "pa.Schema":
    """The result schema in types Spark takes: `line` dropped (Spark rows
    have no input order; `case` names them), dictionaries as their text."""
    import pyarrow as pa

    fields = []
    for f in schema:
        if f.name == "line":
            continue
        if pa.types.is_dictionary(f.type):
            f = f.with_type(f.type.value_type)
        fields.append(f.with_nullable(True))
    return pa.schema(fields)


def result_schema(rules: inforce.Rules, explain: bool = False) -> "pa.Schema":
    """The Arrow schema of ``assess``'s rows: ``rules.result_schema`` without
    ``line``, statuses and digest as plain text."""
    return _for_spark(rules.result_schema(explain=explain))


def _spark_batch(out: "pa.RecordBatch", ids: "Optional[pa.Array]", digest: str, target: "pa.Schema") -> "pa.RecordBatch":
    """One batch of results as Spark takes it. Error rows keep the case's
    id (from the input's `id` column) and carry the digest, so every row
    says which case it is and under which rules it was assessed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    errors = out.column("error").is_valid()
    for f in target:
        column = out.column(f.name)
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if f.name == "digest":
            column = pc.fill_null(column, digest)
        elif f.name == "case" and ids is not None:
            column = pc.if_else(errors, pc.cast(ids, pa.string()), column)
        columns.append(column.cast(f.type))
    return pa.RecordBatch.from_arrays(columns, schema=target)


def assess(
    df: "DataFrame",
    rules_path: Optional[Union[str, os.PathLike]] = None,
    date: Union[None, str, datetime.date] = None,
    explain: bool = False,
    *,
    digest: Optional[str] = None,
) -> "DataFrame":
    """Assesses every case of ``df`` (a column per fact, as
    ``Rules.case_schema()`` gives, plus ``id`` and ``date``) and gives a
    DataFrame of results: a row per case with the columns of ``inforce
    batch``'s Parquet output, without ``line``.

    - ``rules_path``: the rules directory, on every executor at that path or
      shipped with ``spark.sparkContext.addFile(path, recursive=True)``;
      ``None`` finds rules as the CLI does (``$INFORCE_RULES``, ``./rules``,
      else the shipped rules embedded in the module).
    - ``date``: evaluate every case on this date instead of its own.
    - ``explain``: add an ``explain`` column, each case's full result as
      JSON with every rule considered.
    - ``digest``: the rules' digest the job must run under; the driver's
      rules and every executor's are checked against it. Without it, the
      executors are checked against the driver's rules.

    A case that is not valid, or cannot be evaluated, gives a row with its
    message in ``error`` (and its ``id`` in ``case``); a column that is not a
    declared fact stops the job before it starts, naming the nearest fact.
    """
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    path = None if rules_path is None else os.fspath(rules_path)
    rules = _rules_here(path)
    expected = rules.digest
    if digest is not None and digest != expected:
        raise _mismatch("on the driver", expected, digest, path)
    on = _date_text(date)

    # The columns are checked here, on the driver, with the engine's own
    # words, rather than in every task.
    input_schema = to_arrow_schema(df.schema)
    rules.evaluate_arrow(pa.RecordBatch.from_pylist([], schema=input_schema), date=on)
    has_id = "id" in df.columns

    target = result_schema(rules, explain)
    # Spark reads a dot in a column's name as a field of a struct when it
    # plans the map: the fact columns (`person.citizenship`) cross under
    # plain names and get theirs back in the worker.
    names = list(df.columns)
    plain = df.toDF(*[f"_{i}" for i in range(len(names))])

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        here = _rules_here(path)
        if here.digest != expected:
            raise _mismatch("on this executor", here.digest, expected, path)
        for batch in batches:
            batch = batch.rename_columns(names)
            out = here.evaluate_arrow(batch, date=on, explain=explain)
            ids = batch.column("id") if has_id else None
            yield _spark_batch(out, ids, here.digest, target)

    return plain.mapInArrow(run, from_arrow_schema(target))
