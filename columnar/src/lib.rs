//! inforce-columnar: cases and results of inforce as Arrow record batches,
//! and as Parquet and CSV files built on them. In: one row per case, a
//! column per declared fact named by its path (`person.citizenship`), plus
//! `id` and `date`. Out: one row per case, with typed columns per outcome
//! (`<outcome>.status`, `.value`, `.by`, `.needs`, `.reason`) and an
//! `error` column for a row that has no result. Library only: it prints
//! nothing and never exits; `inforce batch` and (later) the Python module
//! drive it. Not here: evaluation (the engine), threads, files' names.
//!
//! The layouts are fixed by [`case_schema`] and [`result_schema`];
//! `docs/columnar.md` describes them for users. A null cell in the input
//! is an unknown fact (left out of the case): a fact's declared
//! `null_means: none` cannot be given in a column, which is safe, since
//! an unknown fact gives `missing_facts`, never a confident wrong answer.
//!
//! ```
//! use inforce_columnar::{CaseReader, ResultBuilder, case_schema, result_schema};
//! # let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
//! # let (files, _) = inforce_engine::read_dir(&rules);
//! # let tree = inforce_engine::load_with(files, "rules", inforce_engine::Golden::Skip).tree.unwrap();
//! let schema = case_schema(&tree);
//! assert_eq!(schema.field(0).name(), "id");
//! let reader = CaseReader::new(&tree, &schema).unwrap();
//! let mut out = ResultBuilder::new(&tree, None);
//! assert_eq!(out.schema(), result_schema(&tree, None));
//! let batch = out.finish().unwrap();
//! assert_eq!(batch.num_rows(), 0);
//! # let _ = reader;
//! ```

#![deny(missing_docs)]

mod build;
mod cases_out;
mod csv_out;
mod hybrid;
mod pages;
mod parquet_io;
mod read;
mod result_file;
mod schema;

pub use arrow_array::RecordBatch;
pub use arrow_schema::{Schema, SchemaRef};
pub use build::ResultBuilder;
pub use cases_out::CaseBuilder;
pub use csv_out::{CsvRows, CsvWriter};
pub use pages::{PageGroup, PageLayout, ResultPages};
pub use parquet_io::{LEGEND_KEY, ParquetCases, ParquetOut, ROW_GROUP_ROWS};
pub use read::{BatchCases, CaseReader};
pub use result_file::{RESULT_GROUP_ROWS, ResultFile};
pub use schema::{case_schema, result_schema};
