"""Apache Spark in local mode (`local[2]`): 20,000 generated cases assessed
with `inforce.spark.assess` give, row for row, what `inforce batch` writes
as Parquet for the same cases; an executor with other rules stops the job.
Skipped, saying why, where pyspark or Java is missing, unless
INFORCE_REQUIRE_SPARK=1 (set by .ci/run, which installs them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import RULES, cases_table, run_cli

CASES = 20_000
SEED = 15


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install pyspark)"
    if shutil.which("java") is None:
        return "java is not on PATH (apt-get install openjdk-17-jre-headless)"
    return None


MISSING = _missing()
if MISSING:
    if os.environ.get("INFORCE_REQUIRE_SPARK") == "1":
        raise RuntimeError(f"INFORCE_REQUIRE_SPARK=1 but {MISSING}")
    print(f"\nSKIPPING the Spark tests: {MISSING}", file=sys.stderr)
    pytestmark = pytest.mark.skip(reason=MISSING)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The workers must run this Python, where inforce is installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("inforce-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        # Spark will not split a file smaller than 4 MB by default; the
        # test's cases (some 600 KB) must spread over both cores.
        .config("spark.sql.files.maxPartitionBytes", "128k")
        .config("spark.sql.files.openCostInBytes", "0")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def generated(rules, gen_cases, tmp_path_factory):
    """20,000 generated cases as a Parquet file of cases, and `inforce
    batch`'s Parquet results for it."""
    import pyarrow.parquet as pq

    here = tmp_path_factory.mktemp("spark")
    lines = subprocess.run(
        [str(gen_cases), str(CASES), str(SEED)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    cases = [json.loads(line) for line in lines]
    assert len(cases) == CASES
    # Row groups of 2,000 cases: Spark splits a Parquet file by row
    # groups, so the two local cores each get a share.
    pq.write_table(cases_table(rules, cases), here / "cases.parquet", row_group_size=2_000)
    return here


def test_spark_gives_the_rows_inforce_batch_writes_for_the_same_cases(rules, cli, spark, generated):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from inforce.spark import assess, result_schema

    started = time.perf_counter()
    done = run_cli(
        cli, "batch", str(generated / "cases.parquet"), "-o", str(generated / "results.parquet"),
        "--rules", str(RULES),
    )
    assert done.returncode in (0, 1), done.stderr
    cli_seconds = time.perf_counter() - started
    want = pq.read_table(generated / "results.parquet")

    started = time.perf_counter()
    df = spark.read.parquet(str(generated / "cases.parquet"))
    assert df.rdd.getNumPartitions() >= 2
    got = assess(df, rules_path=str(RULES)).toArrow()
    spark_seconds = time.perf_counter() - started
    print(f"\n{CASES} cases: inforce batch (debug build) {cli_seconds:.1f} s, Spark local[2] {spark_seconds:.1f} s")

    assert got.num_rows == CASES
    assert got.schema.names == [n for n in want.schema.names if n != "line"]
    assert set(got.column("digest").to_pylist()) == {rules.digest}

    # Spark rows come in no set order: both sides sorted by case id, which
    # the generator makes unique; `line` is the CLI's input order only.
    target = result_schema(rules)
    want = pa.Table.from_arrays(
        [
            (want.column(f.name).combine_chunks().dictionary_decode()
             if pa.types.is_dictionary(want.schema.field(f.name).type)
             else want.column(f.name)).cast(f.type)
            for f in target
        ],
        schema=target,
    )
    want_rows = sorted(want.to_pylist(), key=lambda r: r["case"])
    got_rows = sorted(got.to_pylist(), key=lambda r: r["case"])
    assert len({r["case"] for r in want_rows}) == CASES
    assert want_rows[:3] and got_rows[:3] == want_rows[:3]
    assert got_rows == want_rows


def test_a_bad_row_is_that_rows_error_and_carries_its_id_and_the_digest(rules, spark):
    from inforce.spark import assess

    df = spark.createDataFrame(
        [("ok", "2005-06-10", "KZ"), ("bad", "2005-06-10", "kz")],
        "id string, date string, `person.citizenship` string",
    )
    rows = {r["case"]: r for r in assess(df, rules_path=str(RULES), date="2005-06-10").collect()}
    assert rows["ok"]["error"] is None
    assert "did you mean `KZ`" in rows["bad"]["error"]
    assert rows["bad"]["digest"] == rules.digest


def test_a_column_that_is_no_fact_stops_the_job_on_the_driver(spark):
    import inforce
    from inforce.spark import assess

    df = spark.createDataFrame([("KZ",)], "`person.citizenshp` string")
    with pytest.raises(inforce.CaseError, match="person.citizenship"):
        assess(df, rules_path=str(RULES))


def test_a_job_pinned_to_another_digest_does_not_start(spark):
    from inforce.spark import RulesMismatchError, assess

    df = spark.createDataFrame([("KZ",)], "`person.citizenship` string")
    with pytest.raises(RulesMismatchError, match="digest"):
        assess(df, rules_path=str(RULES), digest="0" * 64)


def test_an_executor_with_other_rules_stops_the_job_naming_both_digests(rules, spark, tmp_path):
    from inforce.spark import assess

    mine = tmp_path / "rules"
    shutil.copytree(RULES, mine)
    df = spark.createDataFrame([("a", "2005-06-10", "KZ")], "id string, date string, `person.citizenship` string")
    # The driver loads the rules now; the executors load them when the job
    # runs, after one rule file changed on disk.
    job = assess(df, rules_path=str(mine))
    facts = mine / "kz" / "facts.yaml"
    facts.write_text(facts.read_text() + "\n# changed after the driver loaded the rules\n")
    with pytest.raises(Exception, match="on this executor") as raised:
        job.collect()
    assert rules.digest in str(raised.value)


def test_explain_adds_each_cases_full_result_with_every_rule_considered(rules, spark):
    from inforce.spark import assess

    df = spark.createDataFrame(
        [("a", "2005-06-10", "KZ", True)],
        "id string, date string, `person.citizenship` string, `person.secret_holder` boolean",
    )
    (row,) = assess(df, rules_path=str(RULES), explain=True).collect()
    full = json.loads(row["explain"])
    case = {"id": "a", "date": "2005-06-10", "person": {"citizenship": "KZ", "secret_holder": True}}
    assert full == rules.evaluate(case, explain=True)
    assert full["trace"]
