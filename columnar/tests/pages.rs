//! Results written to Parquet from pages encoded row by row
//! (`ResultPages`, `ResultFile`) against the same results written through
//! arrow-rs's writer from record batches (`ResultBuilder`, `ParquetOut`):
//! read back, they must be the same batches, with the same legend and the
//! same statistics per row group.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::sync::Arc;

use arrow_array::RecordBatch;
use bytes::Bytes;
use inforce_columnar::{
    LEGEND_KEY, PageLayout, ParquetOut, ROW_GROUP_ROWS, ResultBuilder, ResultFile, ResultPages,
};
use inforce_engine::lines::{OutcomeSelection, read_case_line};
use inforce_engine::memo::Memo;
use inforce_engine::verdict::{verdict_by, verdict_of};
use inforce_engine::{Golden, RuleTree, load_with, read_dir};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::ParquetMetaData;

fn tree() -> RuleTree {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, _) = read_dir(&rules);
    load_with(files, "rules", Golden::Skip).tree.unwrap()
}

/// Generated cases (explicit nulls taken out, as a column cannot hold
/// them) with a few lines that are no case.
fn lines(n: usize) -> Vec<String> {
    let mut lines: Vec<String> = generator::cases(n, 11)
        .into_iter()
        .map(|mut case| {
            for group in case.as_object_mut().unwrap().values_mut() {
                if let Some(facts) = group.as_object_mut() {
                    facts.retain(|_, v| !v.is_null());
                }
            }
            case.to_string()
        })
        .collect();
    lines[1] = "{\"person\": {\"citizenship\": \"Atlantis\"}, \"date\": \"2010-01-01\"}".into();
    lines[7] = "not json".into();
    lines[4000] = String::new();
    lines
}

/// The same results written both ways, in groups of `group` rows: the
/// file from pages, then the file from record batches. With `memo`, the
/// pages are written from verdicts a memo answers (read in place from its
/// ways, each way's shape encoded once), the batches from verdicts
/// evaluated in full.
fn both_files(
    tree: &RuleTree,
    lines: &[String],
    keep: Option<&OutcomeSelection>,
    group: usize,
    memo: Option<&Memo<'_>>,
) -> (Vec<u8>, Vec<u8>) {
    let layout = PageLayout::new(tree, keep).unwrap();
    let mut pages_file = ResultFile::new(Vec::new(), tree, &layout)
        .unwrap()
        .with_group_rows(ROW_GROUP_ROWS);
    let mut batch_file = ParquetOut::new(Vec::new(), tree, keep).unwrap();
    // One of each per worker, reused group after group.
    let mut pages = ResultPages::new(&layout);
    let mut batches = ResultBuilder::new(tree, keep);
    for (g, part) in lines.chunks(group).enumerate() {
        for (i, line) in part.iter().enumerate() {
            let n = (g * group + i + 1) as u64;
            let verdict =
                read_case_line(tree, None, n, line.as_bytes()).and_then(|(case, date)| {
                    let full = verdict_of(tree, &case, date, keep)?;
                    batches.append_verdict(n, &full);
                    match memo {
                        Some(memo) => pages.append_verdict(n, &verdict_by(memo, &case, date)?),
                        None => pages.append_verdict(n, &full),
                    }
                    Ok(())
                });
            if let Err(message) = verdict {
                pages.append_error_row(n, &message);
                batches.append_error_row(n, &message);
            }
        }
        pages_file.write(pages.finish().unwrap()).unwrap();
        batch_file.write(&batches.finish().unwrap()).unwrap();
    }
    assert_eq!(pages.errors(), 3);
    (pages_file.finish().unwrap(), batch_file.finish().unwrap())
}

fn read(file: &[u8]) -> (Arc<ParquetMetaData>, Vec<RecordBatch>) {
    let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(file.to_vec()))
        .unwrap()
        .with_batch_size(1 << 20);
    let metadata = Arc::clone(reader.metadata());
    let batches = reader.build().unwrap().map(Result::unwrap).collect();
    (metadata, batches)
}

fn legend(metadata: &ParquetMetaData) -> String {
    metadata
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .find(|kv| kv.key == LEGEND_KEY)
        .and_then(|kv| kv.value.clone())
        .unwrap()
}

#[test]
fn results_written_from_pages_read_back_as_the_batches_arrow_rs_writes_with_the_same_statistics() {
    let tree = tree();
    let lines = lines(20_000);
    let keep = OutcomeSelection::new(
        &tree,
        &["exit_permitted", "documents_required", "visa_free_days"],
    )
    .unwrap();
    for (keep, memo) in [
        (None, false),
        (None, true),
        (Some(&keep), true),
        (Some(&keep), false),
    ] {
        // Groups of 1,024 rows fill row groups of 8,192 exactly, as the
        // arrow-rs writer cuts them: the row groups of both files match.
        let memo = memo.then(|| Memo::new(&tree, keep.cloned()));
        let (pages, batches) = both_files(&tree, &lines, keep, 1024, memo.as_ref());
        if let Some(memo) = &memo {
            assert!(memo.ways() > 100, "{} ways", memo.ways());
            // Rows laid out once per way of whole cases (`RowLayout`).
            assert!(memo.case_ways() > 100, "{} ways", memo.case_ways());
        }
        let (pages_meta, pages_read) = read(&pages);
        let (batch_meta, batch_read) = read(&batches);
        assert_eq!(legend(&pages_meta), legend(&batch_meta));
        assert_eq!(pages_read.len(), 1);
        assert_eq!(pages_read[0].num_rows(), lines.len());
        let (a, b) = (&pages_read[0], &batch_read[0]);
        assert_eq!(a.schema(), b.schema());
        for (i, (x, y)) in a.columns().iter().zip(b.columns()).enumerate() {
            assert_eq!(x, y, "column {}", a.schema().field(i).name());
        }
        assert_eq!(pages_meta.num_row_groups(), batch_meta.num_row_groups());
        assert_eq!(
            pages_meta.num_row_groups(),
            lines.len().div_ceil(ROW_GROUP_ROWS)
        );
        let mut compared = 0;
        for (g, (x, y)) in pages_meta
            .row_groups()
            .iter()
            .zip(batch_meta.row_groups())
            .enumerate()
        {
            assert_eq!(x.num_rows(), y.num_rows());
            for (c, (cx, cy)) in x.columns().iter().zip(y.columns()).enumerate() {
                let name = cx.column_path().string();
                let (sx, sy) = (cx.statistics(), cy.statistics());
                assert_eq!(
                    sx.is_some(),
                    sy.is_some(),
                    "statistics of {name}, row group {g}"
                );
                if let (Some(sx), Some(sy)) = (sx, sy) {
                    assert_eq!(
                        sx.null_count_opt(),
                        sy.null_count_opt(),
                        "nulls of {name}, row group {g}"
                    );
                    assert_eq!(
                        sx.min_bytes_opt(),
                        sy.min_bytes_opt(),
                        "least of {name}, row group {g}, column {c}"
                    );
                    assert_eq!(
                        sx.max_bytes_opt(),
                        sy.max_bytes_opt(),
                        "greatest of {name}, row group {g}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 6, "{compared} statistics compared");
    }
}

#[test]
fn pages_of_any_size_make_the_same_rows_in_row_groups_of_whole_groups() {
    let tree = tree();
    let lines = lines(5_000);
    let memo = Memo::new(&tree, None);
    let (pages, _) = both_files(&tree, &lines, None, 333, Some(&memo));
    let (_, one) = both_files(&tree, &lines, None, 5_000, None);
    let (meta, a) = read(&pages);
    let (_, b) = read(&one);
    assert_eq!(a, b);
    // 333-row groups, a row group once 8,192 rows wait.
    assert_eq!(meta.num_row_groups(), 1);
    assert!(
        meta.row_group(0).column(4).data_page_offset()
            > meta
                .row_group(0)
                .column(4)
                .dictionary_page_offset()
                .unwrap()
    );
}

#[test]
fn an_empty_file_of_results_reads_back_as_no_rows_with_the_schema() {
    let tree = tree();
    let layout = PageLayout::new(&tree, None).unwrap();
    let file = ResultFile::new(Vec::new(), &tree, &layout).unwrap();
    let mut pages = ResultPages::new(&layout);
    let mut file = file;
    file.write(pages.finish().unwrap()).unwrap();
    let bytes = file.finish().unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes)).unwrap();
    assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
    let want = inforce_columnar::result_schema(&tree, None);
    let fields = |s: &arrow_schema::Schema| {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect::<Vec<_>>()
    };
    assert_eq!(fields(reader.schema()), fields(&want));
}
