"""Measures inforce's throughput from Python on a Parquet file of cases, for
docs/scale.md: `Rules.evaluate_arrow` in this process on one core, and
`inforce.spark.assess` in Spark local mode writing Parquet. Not a test:
run it by hand on a quiet machine.

    python python/bench/scale.py convert CASES.jsonl RULES_DIR CASES.parquet
    python python/bench/scale.py CASES.parquet RULES_DIR [local[1] local[2] ...]

`convert` writes JSON Lines cases (tools/gen-cases) as a Parquet file of
cases in row groups of 16,384 (Spark splits a file by row groups).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import pyarrow.parquet as pq

import inforce


def convert(jsonl: str, rules_dir: str, out: str) -> None:
    import datetime
    import json

    import pyarrow as pa

    schema = inforce.Rules.load(rules_dir).case_schema()
    dates = {f.name for f in schema if pa.types.is_date32(f.type)}
    rows = []
    with open(jsonl) as f:
        for line in f:
            case = json.loads(line)
            row = {"id": case.get("id"), "date": case.get("date")}
            for group, facts in case.items():
                if isinstance(facts, dict):
                    row.update({f"{group}.{k}": v for k, v in facts.items()})
            rows.append({k: datetime.date.fromisoformat(v) if k in dates and isinstance(v, str) else v for k, v in row.items()})
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out, row_group_size=16_384)
    print(f"{len(rows)} cases written to {out}")


def in_process(cases: str, rules_dir: str) -> None:
    rules = inforce.Rules.load(rules_dir)
    table = pq.read_table(cases)
    batches = table.to_batches(max_chunksize=10_000)
    started = time.perf_counter()
    rows = 0
    for b in batches:
        rows += rules.evaluate_arrow(b).num_rows
    seconds = time.perf_counter() - started
    print(f"evaluate_arrow, one thread: {rows} cases in {seconds:.2f} s = {rows / seconds:,.0f} cases/s")


def spark(cases: str, rules_dir: str, master: str) -> None:
    from pyspark.sql import SparkSession

    from inforce.spark import assess

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master(master)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    out = tempfile.mkdtemp()
    try:
        df = session.read.parquet(cases)
        rows = df.count()
        # Once to start the Python workers and load the rules, then timed.
        assess(df.limit(1000), rules_path=rules_dir).write.mode("overwrite").parquet(out + "/warm")
        parts = df.rdd.getNumPartitions()
        # Spark's `noop` sink runs the whole job but writes nothing: the
        # cost of reading, moving batches to Python and back, evaluating.
        for sink in ("noop", "parquet"):
            started = time.perf_counter()
            job = assess(df, rules_path=rules_dir).write.mode("overwrite")
            if sink == "noop":
                job.format("noop").save()
            else:
                job.parquet(out + "/results")
            seconds = time.perf_counter() - started
            print(
                f"Spark {master}, {parts} partitions, to {sink}: {rows} cases in {seconds:.2f} s"
                f" = {rows / seconds:,.0f} cases/s"
            )
    finally:
        session.stop()
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1] == "convert":
        convert(*sys.argv[2:5])
        sys.exit(0)
    cases, rules_dir, *masters = sys.argv[1:]
    in_process(cases, rules_dir)
    for m in masters:
        spark(cases, rules_dir, m)
