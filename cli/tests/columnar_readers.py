"""DuckDB and Polars read the results `inforce batch` writes as Parquet and
CSV: row counts, column types, and values against the JSON Lines results
of the same cases. Run by cli/tests/batch_columnar.rs as
`python3 columnar_readers.py OUT.parquet OUT.csv OUT.jsonl`; not a test on
its own. Prints one line per reader; fails with an assertion."""

import json
import sys

import duckdb
import polars as pl

parquet, csv, jsonl = sys.argv[1:4]
lines = [json.loads(l) for l in open(jsonl, encoding="utf-8")]
n = len(lines)


def by_ids(outcome):
    return [f"{b['rule_set']}@{b['version']}#{b['rule']}" for b in outcome.get("by", [])]


def expected(line, name):
    """(status, value, by, needs) of one outcome in a JSON line, or Nones."""
    if "error" in line:
        return (None, None, None, None)
    o = line["outcomes"].get(name)
    if o is None:
        return (None, None, None, None)
    value = o.get("value") if o["status"] == "decided" else None
    return (o["status"], value, by_ids(o), o.get("needs", []))


# Outcomes of each declared type in the shipped rules.
CHECKED = {
    "visa_required": "bool",
    "overstay_days": "int",
    "entry_ban_until": "date",
    "registration_places": "list",
}


def same(got, want, kind):
    if want is None or got is None:
        return got == want
    if kind == "date":
        return str(got) == want
    if kind == "list":
        return sorted(got) == sorted(want)
    return got == want


# --- DuckDB -------------------------------------------------------------
con = duckdb.connect()
types = dict(con.execute(f"select column_name, column_type from (describe select * from read_parquet('{parquet}'))").fetchall())
assert types["line"] == "UBIGINT", types["line"]
assert types["case"] == "VARCHAR", types["case"]
assert types["date"] == "DATE", types["date"]
assert types["visa_required.status"] == "VARCHAR", types["visa_required.status"]
assert types["visa_required.value"] == "BOOLEAN", types["visa_required.value"]
assert types["overstay_days.value"] == "BIGINT", types["overstay_days.value"]
assert types["entry_ban_until.value"] == "DATE", types["entry_ban_until.value"]
assert types["registration_places.value"] == "VARCHAR[]", types["registration_places.value"]
assert types["visa_required.by"] == "VARCHAR[]", types["visa_required.by"]
assert types["error"] == "VARCHAR", types["error"]
count = con.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0]
assert count == n, (count, n)
cols = ", ".join(f'"{o}.status", "{o}.value", "{o}.by", "{o}.needs"' for o in CHECKED)
rows = con.execute(f'select line, "case", error, {cols} from read_parquet(\'{parquet}\') order by line').fetchall()
for line, row in zip(lines, rows):
    if "error" in line:
        assert row[2] == line["error"], (row[2], line["error"])
        continue
    assert row[1] == line["case"], (row[1], line["case"])
    for i, (name, kind) in enumerate(CHECKED.items()):
        status, value, by, needs = row[3 + 4 * i : 7 + 4 * i]
        w = expected(line, name)
        assert status == w[0], (row[0], name, status, w)
        assert same(value, w[1], kind), (row[0], name, value, w)
        if w[0] is not None:
            assert list(by) == w[2], (row[0], name, by, w)
            assert list(needs) == w[3], (row[0], name, needs, w)
legend = con.execute(f"select value from parquet_kv_metadata('{parquet}') where key = 'inforce.legend'").fetchone()
assert legend is not None, "no legend in the file's metadata"
legend = json.loads(bytes(legend[0]).decode("utf-8"))
assert legend["legend"] == "inforce-compact-legend/2", legend["legend"]
assert legend["rules"]["digest"] == lines[0]["rules"]["digest"]
csv_count = con.execute(f"select count(*) from read_csv('{csv}', header = true)").fetchone()[0]
assert csv_count == n, (csv_count, n)
csv_rows = con.execute(f'select "case", "visa_required.status", "visa_required.by" from read_csv(\'{csv}\', header = true, all_varchar = true) order by cast(line as bigint)').fetchall()
for line, (case, status, by) in zip(lines, csv_rows):
    w = expected(line, "visa_required")
    assert status == w[0], (status, w)
    if w[0] is not None:
        assert json.loads(by) == w[2], (by, w)
        assert case == line["case"]
print("duckdb: parquet ok, csv ok")

# --- Polars -------------------------------------------------------------
df = pl.read_parquet(parquet)
assert df.height == n, (df.height, n)
schema = df.schema
assert schema["line"] == pl.UInt64, schema["line"]
assert schema["date"] == pl.Date, schema["date"]
assert schema["visa_required.value"] == pl.Boolean, schema["visa_required.value"]
assert schema["overstay_days.value"] == pl.Int64, schema["overstay_days.value"]
assert schema["entry_ban_until.value"] == pl.Date, schema["entry_ban_until.value"]
assert schema["registration_places.value"] == pl.List(pl.String), schema["registration_places.value"]
assert schema["visa_required.status"] in (pl.Categorical, pl.String) or str(schema["visa_required.status"]).startswith("Categorical"), schema["visa_required.status"]
for line, row in zip(lines, df.iter_rows(named=True)):
    if "error" in line:
        assert row["error"] == line["error"]
        continue
    for name, kind in CHECKED.items():
        w = expected(line, name)
        assert row[f"{name}.status"] == w[0], (row["line"], name, row[f"{name}.status"], w)
        assert same(row[f"{name}.value"], w[1], kind), (row["line"], name, row[f"{name}.value"], w)
errors = df.filter(pl.col("error").is_not_null()).height
assert errors == sum(1 for l in lines if "error" in l), errors
dc = pl.read_csv(csv, infer_schema_length=10000)
assert dc.height == n, (dc.height, n)
assert dc.columns == df.columns, (dc.columns[:6], df.columns[:6])
assert dc["visa_required.status"].to_list() == df["visa_required.status"].cast(pl.String).to_list()
print("polars: parquet ok, csv ok")
