//! The writer's own cost per row, evaluation excluded: results computed
//! once, then appended to a `ResultBuilder` and finished as a batch, and
//! the same with the batch written as Parquet (snappy) and as CSV into
//! memory; and verdicts a memo answered (as `batch` has them) encoded as
//! Parquet pages and put together as a file, as `batch` writes Parquet.
//! `cargo bench -p inforce-columnar`.

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use inforce_columnar::{CsvWriter, PageLayout, ParquetOut, ResultBuilder, ResultFile, ResultPages};
use inforce_engine::lines::{evaluate_case_line, read_case_line};
use inforce_engine::memo::Memo;
use inforce_engine::verdict::verdict_by;
use inforce_engine::{EvalResult, Golden, load_with, read_dir};

const ROWS: usize = 2048;

fn bench(c: &mut Criterion) {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, _) = read_dir(&rules);
    let Some(tree) = load_with(files, "rules", Golden::Skip).tree else {
        return;
    };
    let results: Vec<Result<EvalResult, String>> = generator::json_lines(ROWS, 3)
        .iter()
        .enumerate()
        .map(|(i, l)| evaluate_case_line(&tree, None, i as u64 + 1, l.as_bytes()))
        .collect();
    let build = || {
        let mut b = ResultBuilder::with_capacity(&tree, None, ROWS);
        for (i, r) in results.iter().enumerate() {
            b.append(i as u64 + 1, r);
        }
        b.finish()
    };
    let mut g = c.benchmark_group("rows_2048");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("build_batch", |b| b.iter(&build));
    let Ok(batch) = build() else { return };
    g.bench_function("csv_write_batch", |b| {
        b.iter(|| {
            let Ok(mut out) = CsvWriter::new(Vec::with_capacity(1 << 22), &batch.schema()) else {
                return 0;
            };
            let _ = out.write(&batch);
            out.finish().map(|v| v.len()).unwrap_or(0)
        })
    });
    g.finish();
    let mut g = c.benchmark_group("rows_16384");
    g.throughput(Throughput::Elements(8 * ROWS as u64));
    g.bench_function("parquet_encode_8_batches", |b| {
        b.iter(|| {
            let Ok(mut out) = ParquetOut::new(Vec::with_capacity(1 << 20), &tree, None) else {
                return 0;
            };
            // Several batches per file, as a run writes them.
            for _ in 0..8 {
                let _ = out.write(&batch);
            }
            out.finish().map(|v| v.len()).unwrap_or(0)
        })
    });
    // Verdicts as `batch` has them: answered by a memo that has seen the
    // cases once, read in place from its ways.
    let memo = Memo::new(&tree, None);
    let cases: Vec<_> = generator::json_lines(ROWS, 3)
        .iter()
        .enumerate()
        .filter_map(|(i, l)| read_case_line(&tree, None, i as u64 + 1, l.as_bytes()).ok())
        .collect();
    for (case, date) in &cases {
        let _ = verdict_by(&memo, case, *date);
    }
    let verdicts: Vec<_> = cases
        .iter()
        .filter_map(|(case, date)| verdict_by(&memo, case, *date).ok())
        .collect();
    let Ok(layout) = PageLayout::new(&tree, None) else {
        return;
    };
    let mut pages = ResultPages::with_capacity(&layout, ROWS);
    g.bench_function("parquet_pages_8_groups", |b| {
        b.iter(|| {
            let Ok(mut out) = ResultFile::new(Vec::with_capacity(1 << 20), &tree, &layout) else {
                return 0;
            };
            for group in 0..8u64 {
                for (i, v) in verdicts.iter().enumerate() {
                    pages.append_verdict(group * ROWS as u64 + i as u64 + 1, v);
                }
                if let Ok(p) = pages.finish() {
                    let _ = out.write(p);
                }
            }
            out.finish().map(|v| v.len()).unwrap_or(0)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
