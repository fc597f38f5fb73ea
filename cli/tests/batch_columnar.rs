//! End-to-end tests of `inforce batch` with a columnar side, through the
//! built binary: JSON Lines cases to Parquet and CSV results, Parquet
//! cases to every output, all giving the answers JSON Lines gives row for
//! row; a bad row in the `error` column with the run going on (exit 1);
//! an unknown column refused (exit 2); `--outcomes`; and DuckDB and Polars
//! reading the files (in Python, skipped with a message when missing
//! unless `INFORCE_REQUIRE_PYTHON_DATA=1`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::path::Path;
use std::process::Command as Process;
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int8Type, Int64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use assert_cmd::Command;
use inforce_columnar::{CaseBuilder, ParquetOut};
use inforce_engine::{Case, Golden, RuleTree, load_with, read_dir};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};

mod workspace_support;
use workspace_support::workspace;

fn batch() -> Command {
    let mut cmd = Command::cargo_bin("inforce").expect("the inforce binary is built");
    cmd.current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .timeout(Duration::from_secs(120))
        .args(["batch", "--rules", "rules"]);
    cmd
}

struct Run {
    code: i32,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("inforce runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn tree() -> RuleTree {
    let (files, _) = read_dir(&workspace().join("rules"));
    load_with(files, "rules", Golden::Skip)
        .tree
        .expect("the shipped rules load")
}

/// Generated cases, explicit nulls taken out (a null cell cannot say
/// `null_means: none`, so those would answer otherwise from Parquet).
fn cases(n: usize) -> Vec<String> {
    generator::cases(n, 11)
        .into_iter()
        .map(|mut case| {
            if let Some(groups) = case.as_object_mut() {
                for group in groups.values_mut() {
                    if let Some(facts) = group.as_object_mut() {
                        facts.retain(|_, v| !v.is_null());
                    }
                }
            }
            case.to_string()
        })
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").expect("the cases are written");
}

/// The cases as a Parquet file of cases, through the library.
fn write_parquet_cases(path: &Path, lines: &[String]) {
    let tree = tree();
    let mut b = CaseBuilder::new(&tree);
    for l in lines {
        b.append(&Case::from_json(&tree, l, "x").expect("a valid case"));
    }
    let file = std::fs::File::create(path).expect("the file is made");
    let mut out = ParquetOut::cases(file, &tree).expect("a Parquet file starts");
    out.write(&b.finish().expect("the cases make a batch"))
        .expect("the cases are written");
    out.finish().expect("the file is finished");
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).expect("the output exists");
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("the output is Parquet")
        .build()
        .expect("the output reads")
        .map(|b| b.expect("a batch reads"))
        .collect()
}

/// Every row of the batches as a JSON object of its non-null cells.
fn rows(batches: &[RecordBatch]) -> Vec<serde_json::Map<String, Value>> {
    let mut out = Vec::new();
    for b in batches {
        for row in 0..b.num_rows() {
            let mut m = serde_json::Map::new();
            for (f, a) in b.schema().fields().iter().zip(b.columns()) {
                if !a.is_null(row) {
                    m.insert(f.name().clone(), cell(a.as_ref(), row));
                }
            }
            out.push(m);
        }
    }
    out
}

fn cell(a: &dyn Array, row: usize) -> Value {
    use arrow_schema::DataType;
    match a.data_type() {
        DataType::Boolean => json!(a.as_boolean().value(row)),
        DataType::Int64 => json!(a.as_primitive::<Int64Type>().value(row)),
        DataType::UInt64 => json!(a.as_primitive::<UInt64Type>().value(row)),
        DataType::Date32 => json!(
            a.as_primitive::<Date32Type>()
                .value_as_date(row)
                .expect("a date")
                .to_string()
        ),
        DataType::Utf8 => json!(a.as_string::<i32>().value(row)),
        DataType::Dictionary(..) => {
            let d = a.as_dictionary::<Int8Type>();
            let k = usize::try_from(d.keys().value(row)).expect("a key");
            json!(d.values().as_string::<i32>().value(k))
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>().value(row);
            json!(l.as_string::<i32>().iter().flatten().collect::<Vec<_>>())
        }
        other => panic!("unexpected column type {other}"),
    }
}

/// What a compact result line says, as the row of a result file would
/// hold it: the cells that are not null.
fn expected_row(n: usize, line: &Value) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("line".into(), json!(n));
    if let Some(error) = line.get("error") {
        m.insert("error".into(), error.clone());
        return m;
    }
    for key in ["case", "date", "digest"] {
        m.insert(key.into(), line[key].clone());
    }
    for (name, o) in line["outcomes"].as_object().expect("outcomes") {
        m.insert(format!("{name}.status"), o["status"].clone());
        if let Some(v) = o.get("value").filter(|v| !v.is_null()) {
            m.insert(format!("{name}.value"), v.clone());
        }
        for part in ["by", "needs", "reason"] {
            m.insert(
                format!("{name}.{part}"),
                o.get(part).cloned().unwrap_or(json!([])),
            );
        }
    }
    m
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("the output exists")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn parquet_results_of_json_lines_cases_hold_what_the_compact_lines_say_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let mut lines = cases(3000);
    lines[17] = "{\"person\": {\"citizenship\": \"Atlantis\"}}".to_string();
    lines[1500] = "not json".to_string();
    write_lines(&input, &lines);
    let parquet = dir.path().join("out.parquet");
    let compact = dir.path().join("out.jsonl");
    let r = run(batch().arg(&input).arg("-o").arg(&parquet));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("3000 cases, 2 errors"), "{}", r.stderr);
    assert!(r.stderr.contains(" written"), "{}", r.stderr);
    // The bytes said are the file's, footer included.
    let size = std::fs::metadata(&parquet).unwrap().len();
    let said = r
        .stderr
        .lines()
        .last()
        .unwrap()
        .rsplit(", ")
        .next()
        .unwrap();
    let (number, unit) = said.trim_end_matches(" written").split_once(' ').unwrap();
    let scale = match unit {
        "bytes" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        other => panic!("unit {other} in {said}"),
    };
    let said = number.parse::<f64>().unwrap() * scale;
    assert!(
        (said - size as f64).abs() <= size as f64 * 0.01,
        "said {said} bytes, wrote {size}"
    );
    let r = run(batch()
        .arg(&input)
        .args(["--output", "compact", "--legend"])
        .arg(dir.path().join("legend.json"))
        .arg("-o")
        .arg(&compact));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let got = rows(&read_parquet(&parquet));
    let want = json_lines(&compact);
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, &expected_row(i + 1, w), "row {}", i + 1);
    }
    let error = got[17]["error"].as_str().unwrap();
    assert!(error.contains("`person.citizenship`"), "{error}");
}

#[test]
fn parquet_cases_give_the_same_results_as_the_same_cases_in_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lines = cases(2500);
    let jsonl = dir.path().join("cases.jsonl");
    let pq = dir.path().join("cases.parquet");
    write_lines(&jsonl, &lines);
    write_parquet_cases(&pq, &lines);
    // JSON Lines out, full and compact: the same bytes.
    for shape in ["full", "compact"] {
        let a = dir.path().join(format!("a-{shape}.jsonl"));
        let b = dir.path().join(format!("b-{shape}.jsonl"));
        let r = run(batch().arg(&jsonl).args(["--output", shape, "-o"]).arg(&a));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = run(batch().arg(&pq).args(["--output", shape, "-o"]).arg(&b));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("2500 cases, 0 errors"), "{}", r.stderr);
        let (a, b) = (
            std::fs::read_to_string(&a).unwrap(),
            std::fs::read_to_string(&b).unwrap(),
        );
        assert_eq!(a.lines().count(), 2500);
        for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
            assert_eq!(x, y, "line {}", i + 1);
        }
    }
    // Parquet out: the same rows.
    let a = dir.path().join("a.parquet");
    let b = dir.path().join("b.parquet");
    assert_eq!(run(batch().arg(&jsonl).arg("-o").arg(&a)).code, 0);
    assert_eq!(run(batch().arg(&pq).arg("-o").arg(&b)).code, 0);
    assert_eq!(rows(&read_parquet(&a)), rows(&read_parquet(&b)));
}

#[test]
fn csv_results_have_one_header_row_and_the_parquet_rows_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let mut lines = cases(200);
    lines[5] = String::new();
    write_lines(&input, &lines);
    let csv = dir.path().join("out.csv");
    let parquet = dir.path().join("out.parquet");
    let r = run(batch().arg(&input).arg("-o").arg(&csv));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(run(batch().arg(&input).arg("-o").arg(&parquet)).code, 1);
    let batches = read_parquet(&parquet);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut records = text.lines();
    let header: Vec<&str> = records.next().unwrap().split(',').collect();
    let names: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(header, names);
    assert_eq!(records.count(), 200);
    // Each cell, read back by a CSV reader, is the Parquet cell as text.
    let mut reader = csv_reader(&text);
    let want = rows(&batches);
    for (i, record) in reader.iter_mut().enumerate() {
        for (name, text) in names.iter().zip(record.iter()) {
            let expected = match want[i].get(name) {
                None => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v @ Value::Array(_)) => v.to_string(),
                Some(v) => v.to_string(),
            };
            assert_eq!(text, &expected, "row {} column {name}", i + 1);
        }
    }
    assert_eq!(
        want[5]["error"],
        json!("the line is empty"),
        "the blank line is an error row"
    );
}

/// A minimal CSV reader for the test (quoted fields, doubled quotes).
fn csv_reader(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut field = String::new();
    let mut record = Vec::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records.remove(0);
    records
}

#[test]
fn a_parquet_column_that_is_no_declared_fact_stops_the_run_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    let lines = cases(10);
    let input = dir.path().join("cases.jsonl");
    write_lines(&input, &lines);
    // A results file is no file of cases: its columns are not facts.
    let results = dir.path().join("results.parquet");
    assert_eq!(run(batch().arg(&input).arg("-o").arg(&results)).code, 0);
    let out = dir.path().join("again.jsonl");
    let r = run(batch().arg(&results).arg("-o").arg(&out));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("column `line` is not a declared fact, `id` or `date`"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

#[test]
fn outcomes_keeps_only_the_outcomes_asked_for_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let lines = cases(100);
    let input = dir.path().join("cases.jsonl");
    let pq = dir.path().join("cases.parquet");
    write_lines(&input, &lines);
    write_parquet_cases(&pq, &lines);
    let parquet = dir.path().join("out.parquet");
    let r = run(batch()
        .arg(&input)
        .args(["--outcomes", "visa_required,overstay_days", "-o"])
        .arg(&parquet));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let batches = read_parquet(&parquet);
    let names: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "line",
            "case",
            "date",
            "digest",
            "overstay_days.status",
            "overstay_days.value",
            "overstay_days.by",
            "overstay_days.needs",
            "overstay_days.reason",
            "visa_required.status",
            "visa_required.value",
            "visa_required.by",
            "visa_required.needs",
            "visa_required.reason",
            "error"
        ]
    );
    let csv = dir.path().join("out.csv");
    assert_eq!(
        run(batch()
            .arg(&pq)
            .args(["--outcomes", "visa_required", "-o"])
            .arg(&csv))
        .code,
        0
    );
    let header = std::fs::read_to_string(&csv).unwrap();
    assert!(
        header.starts_with(
            "line,case,date,digest,visa_required.status,visa_required.value,visa_required.by,visa_required.needs,visa_required.reason,error\n"
        ),
        "{}",
        header.lines().next().unwrap()
    );
    let jsonl = dir.path().join("out.jsonl");
    assert_eq!(
        run(batch()
            .arg(&pq)
            .args(["--outcomes", "visa_required", "-o"])
            .arg(&jsonl))
        .code,
        0
    );
    for line in json_lines(&jsonl) {
        let kept: Vec<&String> = line["outcomes"].as_object().unwrap().keys().collect();
        assert!(kept.iter().all(|k| *k == "visa_required"), "{kept:?}");
    }
}

#[test]
fn the_format_flags_override_the_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let lines = cases(20);
    let input = dir.path().join("cases.txt");
    write_lines(&input, &lines);
    let pq = dir.path().join("cases.bin");
    write_parquet_cases(&pq, &lines);
    let out = dir.path().join("out.txt");
    let r = run(batch()
        .arg(&input)
        .args(["--format", "csv", "-o"])
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("line,case,date,digest,")
    );
    let r = run(batch()
        .arg(&pq)
        .args(["--input-format", "parquet", "--format", "parquet", "-o"])
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(rows(&read_parquet(&out)).len(), 20);
    let r = run(batch().args(["--format", "xlsx"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`xlsx` is not a results format"),
        "{}",
        r.stderr
    );
}

#[test]
fn parquet_cases_from_standard_input_are_refused_with_the_reason() {
    let r = run(batch()
        .args(["--input-format", "parquet"])
        .write_stdin("PAR1"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("Parquet cases cannot come from standard input"),
        "{}",
        r.stderr
    );
}

/// Python with duckdb and polars, or why not.
fn python_with_data_packages() -> Result<(), String> {
    let probe = Process::new("python3")
        .args(["-c", "import duckdb, polars"])
        .output()
        .map_err(|e| format!("python3 cannot be run ({e})"))?;
    if probe.status.success() {
        Ok(())
    } else {
        Err(format!(
            "python3 lacks duckdb or polars: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ))
    }
}

#[test]
fn duckdb_and_polars_read_the_parquet_and_csv_results() {
    if let Err(why) = python_with_data_packages() {
        if std::env::var("INFORCE_REQUIRE_PYTHON_DATA").as_deref() == Ok("1") {
            panic!("INFORCE_REQUIRE_PYTHON_DATA=1 but {why}");
        }
        eprintln!(
            "SKIPPED duckdb_and_polars_read_the_parquet_and_csv_results: {why} (pip install duckdb polars)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut lines = cases(1000);
    lines[9] = "not json".to_string();
    let input = dir.path().join("cases.jsonl");
    write_lines(&input, &lines);
    let (parquet, csv, full) = (
        dir.path().join("out.parquet"),
        dir.path().join("out.csv"),
        dir.path().join("out.jsonl"),
    );
    for out in [&parquet, &csv, &full] {
        assert_eq!(run(batch().arg(&input).arg("-o").arg(out)).code, 1);
    }
    let script = workspace().join("cli/tests/columnar_readers.py");
    let out = Process::new("python3")
        .arg(&script)
        .args([&parquet, &csv, &full])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("duckdb: parquet ok, csv ok"), "{stdout}");
    assert!(stdout.contains("polars: parquet ok, csv ok"), "{stdout}");
}
