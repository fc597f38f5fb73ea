//! The columnar layouts against the engine: schemas, every outcome type,
//! nulls, error rows, the near input types, CSV and Parquet round trips.
//! The results are compared with the compact JSON lines of the same cases,
//! which the engine's own tests hold to the full results; rows built from
//! verdicts by number (what `batch` builds) with rows built from results.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, LargeListBuilder, LargeStringBuilder, StringBuilder,
    StringDictionaryBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int8Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, Date64Array, Float64Array, RecordBatch, StringViewArray, TimestampSecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use inforce_columnar::{
    CaseBuilder, CaseReader, CsvRows, CsvWriter, LEGEND_KEY, ParquetCases, ParquetOut,
    ResultBuilder, case_schema, result_schema,
};
use inforce_engine::lines::{
    OutcomeSelection, evaluate_case_line, evaluate_case_line_selected, read_case_line,
    write_compact,
};
use inforce_engine::model::ValueType;
use inforce_engine::verdict::verdict_of;
use inforce_engine::{Case, EvalResult, Golden, RuleTree, evaluate, load_with, read_dir};
use serde_json::{Value as Json, json};

fn tree() -> RuleTree {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, _) = read_dir(&rules);
    load_with(files, "rules", Golden::Skip).tree.unwrap()
}

/// Generated cases with explicit nulls taken out: a null cell cannot say
/// `null_means: none`, so those cases would answer differently.
fn cases(n: usize) -> Vec<String> {
    generator::cases(n, 7)
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

fn results(tree: &RuleTree, lines: &[String]) -> Vec<Result<EvalResult, String>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| evaluate_case_line(tree, None, i as u64 + 1, l.as_bytes()))
        .collect()
}

fn build(
    tree: &RuleTree,
    rows: &[Result<EvalResult, String>],
    keep: Option<&OutcomeSelection>,
) -> RecordBatch {
    let mut b = ResultBuilder::new(tree, keep);
    for (i, r) in rows.iter().enumerate() {
        b.append(i as u64 + 1, r);
    }
    b.finish().unwrap()
}

/// A cell of a result batch as JSON, the way the compact line writes it.
fn cell(batch: &RecordBatch, column: &str, row: usize) -> Json {
    let a = batch
        .column_by_name(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    if a.is_null(row) {
        return Json::Null;
    }
    match a.data_type() {
        DataType::Boolean => json!(a.as_boolean().value(row)),
        DataType::Int64 => json!(a.as_primitive::<arrow_array::types::Int64Type>().value(row)),
        DataType::UInt64 => json!(a.as_primitive::<UInt64Type>().value(row)),
        DataType::Date32 => {
            let d = a.as_primitive::<Date32Type>().value_as_date(row).unwrap();
            json!(d.to_string())
        }
        DataType::Utf8 => json!(a.as_string::<i32>().value(row)),
        DataType::Dictionary(..) => {
            let d = a.as_dictionary::<Int8Type>();
            let k = d.keys().value(row) as usize;
            json!(d.values().as_string::<i32>().value(k))
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>().value(row);
            json!(
                l.as_string::<i32>()
                    .iter()
                    .map(|s| s.unwrap())
                    .collect::<Vec<_>>()
            )
        }
        other => panic!("unexpected type {other}"),
    }
}

#[test]
fn the_case_schema_has_id_date_and_every_fact_with_its_natural_type() {
    let tree = tree();
    let schema = case_schema(&tree);
    assert_eq!(schema.fields().len(), tree.facts.len() + 2);
    assert_eq!(schema.field(0).name(), "id");
    assert_eq!(schema.field(0).data_type(), &DataType::Utf8);
    assert_eq!(schema.field(1).name(), "date");
    assert_eq!(schema.field(1).data_type(), &DataType::Date32);
    for (name, def) in &tree.facts {
        let f = schema.field_with_name(name).unwrap();
        assert!(f.is_nullable());
        let ok = match def.ty {
            ValueType::Bool => f.data_type() == &DataType::Boolean,
            ValueType::Int => f.data_type() == &DataType::Int64,
            ValueType::Date => f.data_type() == &DataType::Date32,
            ValueType::String => f.data_type() == &DataType::Utf8,
            ValueType::List => {
                matches!(f.data_type(), DataType::List(i) if i.data_type() == &DataType::Utf8)
            }
        };
        assert!(ok, "{name}: {}", f.data_type());
    }
}

#[test]
fn the_result_schema_has_five_typed_columns_per_outcome_in_name_order() {
    let tree = tree();
    let schema = result_schema(&tree, None);
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(&names[..4], ["line", "case", "date", "digest"]);
    assert_eq!(names.last(), Some(&"error"));
    assert_eq!(names.len(), 4 + 5 * tree.outcomes.len() + 1);
    for (i, (name, def)) in tree.outcomes.iter().enumerate() {
        let at = 4 + 5 * i;
        assert_eq!(names[at], format!("{name}.status"));
        assert_eq!(names[at + 1], format!("{name}.value"));
        assert_eq!(names[at + 2], format!("{name}.by"));
        assert_eq!(names[at + 3], format!("{name}.needs"));
        assert_eq!(names[at + 4], format!("{name}.reason"));
        let value = schema.field(at + 1).data_type().clone();
        let expected = match def.ty {
            ValueType::Bool => DataType::Boolean,
            ValueType::Int => DataType::Int64,
            ValueType::Date => DataType::Date32,
            ValueType::String => DataType::Utf8,
            ValueType::List => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
            }
        };
        assert_eq!(value, expected, "{name}");
    }
    // The shipped rules have every type an outcome can have but string.
    let types: std::collections::BTreeSet<String> = tree
        .outcomes
        .values()
        .map(|d| format!("{:?}", d.ty))
        .collect();
    assert!(types.len() >= 4, "{types:?}");
}

#[test]
fn an_outcome_selection_keeps_only_the_outcomes_asked_for() {
    let tree = tree();
    let keep = OutcomeSelection::new(&tree, &["visa_required", "overstay_days"]).unwrap();
    let schema = result_schema(&tree, Some(&keep));
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names.len(), 4 + 10 + 1);
    assert_eq!(names[4], "overstay_days.status");
    assert_eq!(names[9], "visa_required.status");
    let lines = cases(50);
    let batch = build(&tree, &results(&tree, &lines), Some(&keep));
    assert_eq!(batch.num_columns(), 15);
    assert_eq!(batch.num_rows(), 50);
}

#[test]
fn every_cell_matches_the_compact_line_of_the_same_case() {
    let tree = tree();
    let lines = cases(2000);
    let rows = results(&tree, &lines);
    let batch = build(&tree, &rows, None);
    assert_eq!(batch.num_rows(), rows.len());
    let mut seen_values = std::collections::BTreeSet::new();
    for (row, r) in rows.iter().enumerate() {
        let result = r.as_ref().unwrap();
        let mut text = Vec::new();
        write_compact(result, &mut text);
        let compact: Json = serde_json::from_slice(&text).unwrap();
        assert_eq!(cell(&batch, "line", row), json!(row + 1));
        assert_eq!(cell(&batch, "case", row), compact["case"]);
        assert_eq!(cell(&batch, "date", row), compact["date"]);
        assert_eq!(cell(&batch, "digest", row), compact["digest"]);
        assert_eq!(cell(&batch, "error", row), Json::Null);
        for (name, o) in compact["outcomes"].as_object().unwrap() {
            let status = o["status"].as_str().unwrap();
            assert_eq!(cell(&batch, &format!("{name}.status"), row), json!(status));
            let value = cell(&batch, &format!("{name}.value"), row);
            if status == "decided" {
                assert_eq!(value, o["value"], "{name} row {row}");
                if !value.is_null() {
                    seen_values.insert(format!("{:?}", tree.outcomes[name].ty));
                }
            } else {
                assert_eq!(value, Json::Null, "{name} row {row}");
            }
            let list = |key: &str| o.get(key).cloned().unwrap_or(json!([]));
            assert_eq!(
                cell(&batch, &format!("{name}.by"), row),
                list("by"),
                "{name} row {row}"
            );
            assert_eq!(cell(&batch, &format!("{name}.needs"), row), list("needs"));
            assert_eq!(cell(&batch, &format!("{name}.reason"), row), list("reason"));
        }
    }
    // Decided values of every declared outcome type were compared.
    assert!(seen_values.contains("Bool"), "{seen_values:?}");
    assert!(seen_values.contains("Int"), "{seen_values:?}");
    assert!(seen_values.contains("Date"), "{seen_values:?}");
    assert!(seen_values.contains("List"), "{seen_values:?}");
}

#[test]
fn an_error_row_has_its_line_and_message_and_nulls_elsewhere() {
    let tree = tree();
    let mut lines = cases(3);
    lines[1] =
        "{\"person\": {\"citizenship\": \"Atlantis\"}, \"date\": \"2010-01-01\"}".to_string();
    let rows = results(&tree, &lines);
    let mut b = ResultBuilder::new(&tree, None);
    for (i, r) in rows.iter().enumerate() {
        b.append(i as u64 + 1, r);
    }
    assert_eq!(b.errors(), 1);
    let batch = b.finish().unwrap();
    assert_eq!(cell(&batch, "line", 1), json!(2));
    let error = cell(&batch, "error", 1);
    assert!(
        error.as_str().unwrap().contains("person.citizenship"),
        "{error}"
    );
    for f in batch.schema().fields() {
        if !["line", "error"].contains(&f.name().as_str()) {
            assert_eq!(cell(&batch, f.name(), 1), Json::Null, "{}", f.name());
        }
    }
    assert_eq!(cell(&batch, "error", 0), Json::Null);
    assert_ne!(cell(&batch, "case", 2), Json::Null);
}

#[test]
fn cases_written_as_columns_read_back_as_the_same_cases() {
    let tree = tree();
    let lines = cases(500);
    let originals: Vec<Case> = lines
        .iter()
        .map(|l| Case::from_json(&tree, l, "x").unwrap())
        .collect();
    let mut b = CaseBuilder::new(&tree);
    for c in &originals {
        b.append(c);
    }
    let batch = b.finish().unwrap();
    let reader = CaseReader::new(&tree, &batch.schema()).unwrap();
    let rows = reader.batch(&batch).unwrap();
    assert_eq!(rows.len(), originals.len());
    for (i, c) in originals.iter().enumerate() {
        assert_eq!(&rows.case(i, "x").unwrap(), c, "row {i}");
    }
}

#[test]
fn a_null_cell_is_an_unknown_fact() {
    let tree = tree();
    let schema = Arc::new(Schema::new(vec![
        Field::new("date", DataType::Utf8, true),
        Field::new("person.citizenship", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(arrow_array::StringArray::from(vec![
                Some("2010-01-01"),
                Some("2010-01-01"),
            ])) as ArrayRef,
            Arc::new(arrow_array::StringArray::from(vec![None, Some("KZ")])),
        ],
    )
    .unwrap();
    let reader = CaseReader::new(&tree, &schema).unwrap();
    let rows = reader.batch(&batch).unwrap();
    let unknown = rows.case(0, "line-1").unwrap();
    assert_eq!(unknown.id, "line-1");
    assert_eq!(unknown.fact(&tree, "person.citizenship"), None);
    let known = rows.case(1, "line-2").unwrap();
    assert_eq!(
        known.fact(&tree, "person.citizenship"),
        Some(&inforce_engine::Value::Str("KZ".into()))
    );
    // Unknown gives missing facts, never a confident answer.
    let date = unknown.date.unwrap();
    let result = evaluate(&tree, &unknown, date, false).unwrap();
    assert!(result.outcomes.values().any(|o| !o.needs.is_empty()));
}

#[test]
fn near_types_are_read_as_the_natural_ones() {
    let tree = tree();
    let mut ids = Int32Builder::new();
    ids.append_value(17);
    let mut text = LargeStringBuilder::new();
    text.append_value("KZ");
    let mut dict = StringDictionaryBuilder::<Int8Type>::new();
    dict.append_value("exit");
    let mut docs = LargeListBuilder::new(StringBuilder::new());
    docs.values().append_value("questionnaire");
    docs.append(true);
    let mut married = BooleanBuilder::new();
    married.append_value(true);
    let day = 14_610_i64; // 2010-01-01
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int32, true),
        Field::new("date", DataType::Date64, true),
        Field::new("person.citizenship", DataType::LargeUtf8, true),
        Field::new("person.passport", DataType::Utf8View, true),
        Field::new(
            "trip.direction",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            true,
        ),
        Field::new(
            "person.birth_date",
            DataType::Timestamp(arrow_schema::TimeUnit::Second, None),
            true,
        ),
        Field::new(
            "application.documents",
            DataType::LargeList(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
        Field::new("person.married", DataType::Boolean, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(ids.finish()) as ArrayRef,
            Arc::new(Date64Array::from(vec![day * 86_400_000])),
            Arc::new(text.finish()),
            Arc::new(StringViewArray::from(vec!["ordinary"])),
            Arc::new(dict.finish()),
            Arc::new(TimestampSecondArray::from(vec![(day - 365 * 30) * 86_400])),
            Arc::new(docs.finish()),
            Arc::new(married.finish()),
        ],
    )
    .unwrap();
    let reader = CaseReader::new(&tree, &schema).unwrap_or_else(|e| panic!("{e}"));
    let case = reader
        .batch(&batch)
        .unwrap()
        .case(0, "x")
        .unwrap_or_else(|e| panic!("{e}"));
    let json = r#"{"id": "17", "date": "2010-01-01", "person": {"citizenship": "KZ", "passport": "ordinary", "birth_date": "1980-01-09", "married": true}, "trip": {"direction": "exit"}, "application": {"documents": ["questionnaire"]}}"#;
    let expected = Case::from_json(&tree, json, "x").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(case, expected);
}

#[test]
fn a_timestamp_with_a_time_of_day_is_an_error_of_its_row() {
    let tree = tree();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "person.birth_date",
        DataType::Timestamp(arrow_schema::TimeUnit::Second, None),
        true,
    )]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(TimestampSecondArray::from(vec![86_400, 86_400 + 3600])) as ArrayRef],
    )
    .unwrap();
    let reader = CaseReader::new(&tree, &schema).unwrap();
    let rows = reader.batch(&batch).unwrap();
    assert!(rows.case(0, "a").is_ok());
    let error = rows.case(1, "b").unwrap_err();
    assert!(
        error.contains("`person.birth_date` holds a time of day"),
        "{error}"
    );
}

#[test]
fn a_column_of_a_type_no_fact_of_its_kind_takes_is_refused_by_name() {
    let tree = tree();
    let schema = Schema::new(vec![Field::new(
        "person.citizenship",
        DataType::Float64,
        true,
    )]);
    let error = CaseReader::new(&tree, &schema).err().unwrap();
    assert_eq!(
        error,
        "column `person.citizenship` holds decimal numbers (floating point); it should hold text"
    );
    let _ = Float64Array::from(vec![1.0]);
}

#[test]
fn an_unknown_column_is_refused_with_the_nearest_fact() {
    let tree = tree();
    let schema = Schema::new(vec![Field::new("person.citizenshp", DataType::Utf8, true)]);
    let error = CaseReader::new(&tree, &schema).err().unwrap();
    assert!(
        error.starts_with("column `person.citizenshp` is not a declared fact"),
        "{error}"
    );
    assert!(
        error.contains("did you mean `person.citizenship`?"),
        "{error}"
    );
}

#[test]
fn a_value_outside_the_declared_ones_is_an_error_of_its_row_worded_as_for_json() {
    let tree = tree();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "person.citizenship",
        DataType::Utf8,
        true,
    )]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(arrow_array::StringArray::from(vec!["Atlantis"])) as ArrayRef],
    )
    .unwrap();
    let error = CaseReader::new(&tree, &schema)
        .unwrap()
        .batch(&batch)
        .unwrap()
        .case(0, "x")
        .unwrap_err();
    let json = evaluate_case_line(
        &tree,
        None,
        1,
        br#"{"person": {"citizenship": "Atlantis"}}"#,
    )
    .unwrap_err();
    assert_eq!(error, json);
}

#[test]
fn csv_has_one_header_row_and_one_row_per_result_with_lists_as_json() {
    let tree = tree();
    let mut lines = cases(20);
    lines[3] = "not json".to_string();
    let rows = results(&tree, &lines);
    let batch = build(&tree, &rows, None);
    let mut w = CsvWriter::new(Vec::new(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let expected: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(header, expected);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 20);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, record) in records.iter().enumerate() {
        for name in &header {
            let c = cell(&batch, name, row);
            let text = &record[col(name)];
            match c {
                Json::Null => assert_eq!(text, "", "{name} row {row}"),
                Json::String(s) => assert_eq!(text, s),
                Json::Array(_) => assert_eq!(serde_json::from_str::<Json>(text).unwrap(), c),
                other => assert_eq!(text, other.to_string()),
            }
        }
    }
    assert!(
        records[3][col("error")].starts_with("the line is not valid JSON")
            || !records[3][col("error")].is_empty()
    );
}

#[test]
fn parquet_output_reads_back_as_the_same_batch_with_the_legend_in_its_metadata() {
    let tree = tree();
    let lines = cases(300);
    let batch = build(&tree, &results(&tree, &lines), None);
    let mut out = ParquetOut::new(Vec::new(), &tree, None).unwrap();
    out.write(&batch).unwrap();
    out.write(&batch).unwrap();
    let bytes = out.finish().unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(bytes),
    )
    .unwrap();
    let legend = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .find(|kv| kv.key == LEGEND_KEY)
        .and_then(|kv| kv.value.clone())
        .unwrap();
    let legend: inforce_engine::lines::Legend = serde_json::from_str(&legend).unwrap();
    assert_eq!(legend, inforce_engine::lines::Legend::of(&tree));
    let back: Vec<RecordBatch> = reader.build().unwrap().map(Result::unwrap).collect();
    let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 600);
    assert_eq!(back[0].schema(), batch.schema());
    assert_eq!(back[0].slice(0, 300), batch);
}

#[test]
fn a_parquet_file_of_cases_reads_back_as_its_cases() {
    let tree = tree();
    let lines = cases(100);
    let mut b = CaseBuilder::new(&tree);
    let originals: Vec<Case> = lines
        .iter()
        .map(|l| Case::from_json(&tree, l, "x").unwrap())
        .collect();
    for c in &originals {
        b.append(c);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.parquet");
    let mut out = ParquetOut::cases(std::fs::File::create(&path).unwrap(), &tree).unwrap();
    out.write(&b.finish().unwrap()).unwrap();
    out.finish().unwrap();
    let file = ParquetCases::open(std::fs::File::open(&path).unwrap(), 64).unwrap();
    assert_eq!(file.rows(), 100);
    let reader = CaseReader::new(&tree, &file.schema()).unwrap();
    let mut read = Vec::new();
    for batch in file {
        let batch = batch.unwrap();
        let rows = reader.batch(&batch).unwrap();
        for i in 0..rows.len() {
            read.push(rows.case(i, "x").unwrap());
        }
    }
    assert_eq!(read, originals);
}

/// `cases` as a Parquet file of cases at `path`, written by arrow-rs's
/// writer with or without dictionaries.
fn cases_file(tree: &RuleTree, cases: &[Case], path: &std::path::Path, dictionaries: bool) {
    let mut b = CaseBuilder::new(tree);
    for c in cases {
        b.append(c);
    }
    let batch = b.finish().unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_dictionary_enabled(dictionaries)
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Every row of a Parquet file of cases, read as `inforce batch` reads it.
fn read_cases_file(tree: &RuleTree, path: &std::path::Path) -> Vec<Result<Case, String>> {
    let file = ParquetCases::open(std::fs::File::open(path).unwrap(), 64).unwrap();
    let reader = CaseReader::new(tree, &file.schema()).unwrap();
    let mut read = Vec::new();
    for batch in file {
        let batch = batch.unwrap();
        let rows = reader.batch(&batch).unwrap();
        for i in 0..rows.len() {
            read.push(rows.case_or(i, || format!("line-{}", i + 1)));
        }
    }
    read
}

#[test]
fn text_columns_are_read_as_dictionaries_whether_or_not_the_file_holds_them_so() {
    let tree = tree();
    let originals: Vec<Case> = cases(300)
        .iter()
        .map(|l| Case::from_json(&tree, l, "x").unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for dictionaries in [true, false] {
        let path = dir.path().join(format!("cases-{dictionaries}.parquet"));
        cases_file(&tree, &originals, &path, dictionaries);
        let file = ParquetCases::open(std::fs::File::open(&path).unwrap(), 64).unwrap();
        let schema = file.schema();
        let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
        assert!(
            matches!(ty("person.citizenship"), DataType::Dictionary(..)),
            "{:?}",
            ty("person.citizenship")
        );
        // Ids differ on every row: left as text.
        assert_eq!(ty("id"), DataType::Utf8);
        let read: Vec<Case> = read_cases_file(&tree, &path)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(read, originals, "dictionaries written: {dictionaries}");
    }
}

#[test]
fn a_refused_value_of_a_dictionary_is_an_error_of_each_row_holding_it_and_no_other() {
    let tree = tree();
    let mut citizenship = StringDictionaryBuilder::<Int8Type>::new();
    for v in [
        Some("KZ"),
        Some("Atlantis"),
        Some("KZ"),
        Some("Atlantis"),
        None,
    ] {
        citizenship.append_option(v);
    }
    let mut married = BooleanBuilder::new();
    for v in [Some(true), Some(false), None, Some(true), Some(false)] {
        married.append_option(v);
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "person.citizenship",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            true,
        ),
        Field::new("person.married", DataType::Boolean, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(citizenship.finish()) as ArrayRef,
            Arc::new(married.finish()),
        ],
    )
    .unwrap();
    let rows = CaseReader::new(&tree, &schema)
        .unwrap()
        .batch(&batch)
        .unwrap();
    let json = evaluate_case_line(
        &tree,
        None,
        1,
        br#"{"person": {"citizenship": "Atlantis", "married": false}}"#,
    )
    .unwrap_err();
    for i in [1, 3] {
        assert_eq!(rows.case(i, "x").unwrap_err(), json, "row {i}");
    }
    let fact = |i: usize, name: &str| rows.case(i, "x").unwrap().fact(&tree, name).cloned();
    use inforce_engine::Value;
    assert_eq!(fact(0, "person.citizenship"), Some(Value::Str("KZ".into())));
    assert_eq!(fact(0, "person.married"), Some(Value::Bool(true)));
    assert_eq!(fact(2, "person.married"), None);
    assert_eq!(fact(4, "person.citizenship"), None);
    assert_eq!(fact(4, "person.married"), Some(Value::Bool(false)));
}

#[test]
fn a_row_with_a_bad_cell_and_a_refused_value_reports_both() {
    let tree = tree();
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "person.birth_date",
            DataType::Timestamp(arrow_schema::TimeUnit::Second, None),
            true,
        ),
        Field::new("person.citizenship", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(TimestampSecondArray::from(vec![86_400 + 3600])) as ArrayRef,
            Arc::new(arrow_array::StringArray::from(vec!["Atlantis"])),
        ],
    )
    .unwrap();
    let error = CaseReader::new(&tree, &schema)
        .unwrap()
        .batch(&batch)
        .unwrap()
        .case(0, "x")
        .unwrap_err();
    assert!(error.contains("holds a time of day"), "{error}");
    assert!(error.contains("`Atlantis`"), "{error}");
}

#[test]
fn a_file_that_is_not_parquet_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.parquet");
    std::fs::write(&path, "{\"id\": 1}\n").unwrap();
    let error = ParquetCases::open(std::fs::File::open(&path).unwrap(), 64)
        .err()
        .unwrap();
    assert!(error.starts_with("it is not a Parquet file"), "{error}");
}

/// Lines evaluated for the columnar writers both ways: as `EvalResult`s
/// (without words, keeping `keep`), and appended from their verdicts by
/// number to `from_verdicts` / `csv_rows`.
fn both_ways(
    tree: &RuleTree,
    lines: &[String],
    keep: Option<&OutcomeSelection>,
    first: u64,
    from_verdicts: &mut ResultBuilder,
    csv_rows: &mut CsvRows,
) -> Vec<Result<EvalResult, String>> {
    let mut results = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let n = first + i as u64;
        results.push(evaluate_case_line_selected(
            tree,
            None,
            n,
            line.as_bytes(),
            false,
            keep,
        ));
        let read = read_case_line(tree, None, n, line.as_bytes());
        let verdict = read
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|(case, date)| verdict_of(tree, case, *date, keep));
        match verdict {
            Ok(v) => {
                from_verdicts.append_verdict(n, &v);
                csv_rows.append_verdict(n, &v);
            }
            Err(message) => {
                from_verdicts.append_error_row(n, &message);
                csv_rows.append_error_row(n, &message);
            }
        }
    }
    results
}

/// Generated cases with a few lines that are no case.
fn cases_and_errors(n: usize) -> Vec<String> {
    let mut lines = cases(n);
    lines[1] =
        "{\"person\": {\"citizenship\": \"Atlantis\"}, \"date\": \"2010-01-01\"}".to_string();
    lines[7] = "not json".to_string();
    lines[8] = String::new();
    // An id a CSV field must quote.
    let mut quoted: Json = serde_json::from_str(&lines[2]).unwrap();
    quoted["id"] = json!("a \"quoted\", two-line\nid\r");
    lines[2] = quoted.to_string();
    lines
}

#[test]
fn rows_built_from_verdicts_are_the_rows_built_from_results() {
    let tree = tree();
    let lines = cases_and_errors(1500);
    let keep = OutcomeSelection::new(&tree, &["exit_permitted", "possible_penalties"]).unwrap();
    for keep in [None, Some(&keep)] {
        // One builder for several batches, as a worker reuses it.
        let mut from_verdicts = ResultBuilder::new(&tree, keep);
        let mut csv_rows = CsvRows::new(&tree, keep, 0);
        for (chunk, part) in lines.chunks(500).enumerate() {
            let first = 1 + 500 * chunk as u64;
            let results = both_ways(&tree, part, keep, first, &mut from_verdicts, &mut csv_rows);
            let mut from_results = ResultBuilder::new(&tree, keep);
            for (i, r) in results.iter().enumerate() {
                from_results.append(first + i as u64, r);
            }
            assert_eq!(from_verdicts.len(), part.len());
            let a = from_verdicts.finish().unwrap();
            let b = from_results.finish().unwrap();
            assert_eq!(a.schema(), b.schema());
            for (i, (x, y)) in a.columns().iter().zip(b.columns()).enumerate() {
                assert_eq!(x, y, "column {}", a.schema().field(i).name());
            }
            assert_eq!(a, b);
        }
        assert_eq!(from_verdicts.errors(), 3);
        assert_eq!(csv_rows.errors(), 3);
    }
}

#[test]
fn csv_rows_written_from_verdicts_are_the_bytes_csv_writer_writes() {
    let tree = tree();
    let lines = cases_and_errors(800);
    let keep = OutcomeSelection::new(&tree, &["entry_permitted", "registration_deadline"]).unwrap();
    for keep in [None, Some(&keep)] {
        let mut from_verdicts = ResultBuilder::new(&tree, keep);
        let mut rows = CsvRows::new(&tree, keep, 1 << 16);
        let results = both_ways(&tree, &lines, keep, 1, &mut from_verdicts, &mut rows);
        let mut from_results = ResultBuilder::new(&tree, keep);
        for (i, r) in results.iter().enumerate() {
            from_results.append(i as u64 + 1, r);
        }
        let batch = from_results.finish().unwrap();
        let mut w = CsvWriter::new(Vec::new(), &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        let expected = String::from_utf8(w.finish().unwrap()).unwrap();
        let mut written = CsvRows::header(&tree, keep).unwrap();
        written.extend(rows.finish());
        let written = String::from_utf8(written).unwrap();
        assert!(
            written.contains(",\"a \"\"quoted\"\", two-line\nid\r\","),
            "the id is quoted"
        );
        for (i, (a, b)) in written.lines().zip(expected.lines()).enumerate() {
            assert_eq!(a, b, "CSV line {}", i + 1);
        }
        assert_eq!(written, expected);
    }
}

#[test]
fn a_conflict_and_a_list_are_built_alike_from_verdicts_and_from_results() {
    let declarations = "
facts:
  f.a: {type: bool, description: a}
  f.b: {type: bool, description: b}
outcomes:
  ok: {type: bool, description: ok}
  grounds: {type: list, values: [x, y], combine: union, description: grounds}
  due: {type: date, description: due}
";
    let version = |id: &str, body: &str| {
        format!(
            "rule_set: t.s\nversion: \"{id}\"\ntitle: T {id}\nin_force: {{from: {id}}}\n\
             source: {{act: The Act, read_at: the test}}\n{body}"
        )
    };
    let rules = "rules:
  - id: yes
    cite: Art. 1
    when: f.a
    then: {ok: true, grounds: [x], due: 2001-02-03}
  - id: no
    cite: Art. 2
    when: f.b
    then: {ok: false, grounds: [y]}
";
    let files = vec![
        inforce_engine::SourceFile {
            path: "declarations.yaml".to_string(),
            text: declarations.to_string(),
        },
        inforce_engine::SourceFile {
            path: "s/2000.yaml".to_string(),
            text: version("2000-01-01", rules),
        },
    ];
    let tree = inforce_engine::load(files, "memory").tree.unwrap();
    let mut lines = Vec::new();
    for date in ["1999-06-01", "2001-06-01"] {
        for a in ["", "\"a\": true,", "\"a\": false,"] {
            for b in ["", "\"b\": true", "\"b\": false"] {
                let facts = format!("{{{a}{b}}}").replace(",}", "}");
                lines.push(format!("{{\"date\": \"{date}\", \"f\": {facts}}}"));
            }
        }
    }
    let mut from_verdicts = ResultBuilder::new(&tree, None);
    let mut rows = CsvRows::new(&tree, None, 0);
    let results = both_ways(&tree, &lines, None, 1, &mut from_verdicts, &mut rows);
    let statuses: std::collections::BTreeSet<_> = results
        .iter()
        .flat_map(|r| {
            r.as_ref()
                .unwrap()
                .outcomes
                .values()
                .map(|o| o.status.as_str())
        })
        .collect();
    assert_eq!(
        statuses,
        ["conflict", "decided", "missing_facts", "undetermined"].into()
    );
    let mut from_results = ResultBuilder::new(&tree, None);
    for (i, r) in results.iter().enumerate() {
        from_results.append(i as u64 + 1, r);
    }
    let batch = from_results.finish().unwrap();
    assert_eq!(from_verdicts.finish().unwrap(), batch);
    let mut w = CsvWriter::new(Vec::new(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let mut written = CsvRows::header(&tree, None).unwrap();
    written.extend(rows.finish());
    assert_eq!(
        String::from_utf8(written).unwrap(),
        String::from_utf8(w.finish().unwrap()).unwrap()
    );
}
