"""Arrow round trips: a batch of cases in the layout `inforce batch` reads
gives a batch of results equal, row for row, to the Parquet that `inforce
batch` writes for the same cases; with nulls, every outcome type and
status, error rows that do not fail the batch, and the near types Spark
and Polars send."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import inforce
from conftest import RULES, cases_table, run_cli
from test_parity import golden_cases


@pytest.fixture(scope="module")
def cases(rules) -> pa.Table:
    rows = [case for _, case in golden_cases()]
    # A case that is not valid (a code written in lower case), one with
    # every fact null and no id, and one with no date: error rows, or a
    # result with nothing known.
    rows.append({"id": "bad-code", "date": "2005-06-10", "person": {"citizenship": "kz"}})
    rows.append({"date": "2010-01-01"})
    rows.append({"id": "no-date", "person": {"citizenship": "KZ"}})
    return cases_table(rules, rows)


def cli_results(cli, tmp_path, table: pa.Table, *extra: str) -> pa.Table:
    pq.write_table(table, tmp_path / "cases.parquet")
    done = run_cli(
        cli, "batch", str(tmp_path / "cases.parquet"), "-o", str(tmp_path / "results.parquet"),
        "--rules", str(RULES), *extra,
    )
    assert done.returncode in (0, 1), done.stderr
    return pq.read_table(tmp_path / "results.parquet")


def test_a_batch_gives_the_rows_inforce_batch_writes_as_parquet(rules, cli, tmp_path, cases):
    want = cli_results(cli, tmp_path, cases)
    got = rules.evaluate_arrow(cases.combine_chunks().to_batches()[0])
    assert got.schema == rules.result_schema()
    assert got.schema.names == want.schema.names
    assert got.num_rows == cases.num_rows
    assert got.to_pylist() == want.to_pylist()


def test_the_results_hold_every_outcome_type_and_status_with_nulls(rules, cases):
    got = rules.evaluate_arrow(cases.to_batches()[0])
    # Every type the shipped outcomes declare (they have no plain text
    # outcome; its column type is tested in inforce-columnar).
    values = {f.type for f in got.schema if f.name.endswith(".value")}
    assert values == {pa.bool_(), pa.int64(), pa.date32(), pa.list_(pa.string())}
    for f in got.schema:
        if f.name.endswith(".value"):
            assert got.column(f.name).null_count < got.num_rows, f.name
    statuses = set()
    for f in got.schema:
        if f.name.endswith(".status"):
            statuses |= {s for s in got.column(f.name).to_pylist() if s}
    assert statuses >= {"decided", "undetermined", "missing_facts"}
    assert got.column("error").null_count < got.num_rows
    # Decided as none: a null value with status `decided` occurs.
    assert any(
        s == "decided" and v is None
        for f in got.schema.names if f.endswith(".status")
        for s, v in zip(got.column(f).to_pylist(), got.column(f[: -len("status")] + "value").to_pylist())
    )


def test_an_error_row_has_its_message_and_the_batch_goes_on(rules, cases):
    got = rules.evaluate_arrow(cases.to_batches()[0]).to_pylist()
    by_case = {r["case"]: r for r in got if r["case"]}
    errors = [r for r in got if r["error"]]
    assert len(errors) == 2
    bad, no_date = errors
    assert "`person.citizenship`" in bad["error"] and "did you mean `KZ`" in bad["error"]
    assert "no date" in no_date["error"]
    assert all(r["case"] is None and r["digest"] is None for r in errors)
    assert by_case["line-%d" % (cases.num_rows - 1)]["error"] is None
    assert sum(1 for r in got if r["error"] is None and r["case"]) == cases.num_rows - 2


def test_the_near_types_spark_and_polars_send_give_the_same_results(rules, cases):
    batch = cases.to_batches()[0]
    large = pa.schema(
        [
            f.with_type(pa.large_string()) if f.type == pa.string()
            else f.with_type(pa.large_list(pa.large_string())) if pa.types.is_list(f.type)
            else f
            for f in batch.schema
        ]
    )
    assert rules.evaluate_arrow(batch.cast(large)).to_pylist() == rules.evaluate_arrow(batch).to_pylist()


def test_date_overrides_every_row_and_first_line_numbers_them(rules, cases):
    got = rules.evaluate_arrow(cases.to_batches()[0], date="2001-01-01", first_line=101)
    assert got.column("line").to_pylist()[:2] == [101, 102]
    assert {d for d in got.column("date").to_pylist() if d} == {__import__("datetime").date(2001, 1, 1)}


def test_explain_adds_each_rows_full_result_as_json(rules, cases):
    import json

    got = rules.evaluate_arrow(cases.slice(0, 3).to_batches()[0], explain=True)
    assert got.schema == rules.result_schema(explain=True)
    first = json.loads(got.column("explain")[0].as_py())
    assert first == rules.evaluate(golden_cases()[0][1], explain=True)


def test_a_column_that_is_no_fact_stops_the_batch_with_case_error(rules):
    batch = pa.record_batch({"person.citizenshp": pa.array(["KZ"])})
    with pytest.raises(inforce.CaseError, match="person.citizenship"):
        rules.evaluate_arrow(batch)
    wrong = pa.record_batch({"person.birth_date": pa.array([1.5])})
    with pytest.raises(inforce.CaseError, match="person.birth_date"):
        rules.evaluate_arrow(wrong)


def test_an_empty_batch_gives_an_empty_batch_of_the_result_schema(rules):
    empty = rules.case_schema().empty_table().to_batches()
    batch = empty[0] if empty else pa.RecordBatch.from_pylist([], schema=rules.case_schema())
    got = rules.evaluate_arrow(batch)
    assert got.num_rows == 0 and got.schema == rules.result_schema()


def test_the_digest_column_is_the_rules_digest(rules, cases):
    got = rules.evaluate_arrow(cases.to_batches()[0])
    digests = set(pc.unique(got.column("digest").dictionary_decode()).to_pylist())
    assert digests == {rules.digest, None}


def test_other_python_threads_run_while_a_batch_is_evaluated(rules, cases):
    import threading
    import time

    big = pa.concat_tables([cases] * 40).combine_chunks().to_batches()[0]
    counted = [0]
    done = threading.Event()

    def count():
        while not done.is_set():
            counted[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        # How fast the counter counts alone, then while a batch is
        # evaluated: holding the GIL, the evaluation would leave it almost
        # no turn (measured: 1 % of its pace); released, it counts on
        # (measured: 50-60 %). Rates, not times, are compared.
        start, before = time.perf_counter(), counted[0]
        time.sleep(0.3)
        alone = (counted[0] - before) / (time.perf_counter() - start)
        start, before = time.perf_counter(), counted[0]
        rules.evaluate_arrow(big)
        during = (counted[0] - before) / (time.perf_counter() - start)
    finally:
        done.set()
        counter.join()
    assert during > 0.1 * alone, (during, alone)
