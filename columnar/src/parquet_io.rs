//! Parquet files: cases read from one a record batch at a time
//! (`ParquetCases`, its columns of text as dictionaries), results written
//! to one a row group at a time (`ParquetOut`), with the legend of
//! compact ids in the file's key-value metadata. Both keep memory bounded
//! by a row group, never the whole file. Not here: the layouts
//! (`schema`), the arrays (`read`, `build`).

use std::fs::File;
use std::io::Write;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use inforce_engine::RuleTree;
use inforce_engine::lines::{Legend, OutcomeSelection};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::basic::{Compression, Encoding};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::schema::{ID, result_schema};

/// `schema` with every column of text but `id` read as a dictionary of
/// its values: a case's text facts are codes repeated on row after row,
/// which Parquet stores as a dictionary already, so they are read as one
/// (no text copied a row) and each value is checked once a batch
/// (`read::BatchCases`). A column written without a dictionary is made
/// one as it is read. `id`, different on every row, is left as it is.
fn dictionary_hint(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            let as_dictionary = |values: DataType| {
                Field::new(
                    field.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(values)),
                    field.is_nullable(),
                )
                .with_metadata(field.metadata().clone())
            };
            match field.data_type() {
                _ if field.name() == ID => field.as_ref().clone(),
                DataType::Utf8 => as_dictionary(DataType::Utf8),
                DataType::LargeUtf8 => as_dictionary(DataType::LargeUtf8),
                _ => field.as_ref().clone(),
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The key of the file metadata entry holding the legend (JSON) that
/// gives the texts behind rule ids and reason codes.
pub const LEGEND_KEY: &str = "inforce.legend";

/// Rows per row group written: large enough for good compression and few
/// groups, small enough that a group in the writer's buffer stays a few
/// tens of megabytes. 16,384 put the peak of a million-case run at 180 to
/// 207 MB, over the 200 MB `batch` keeps to; 8,192 costs a few percent of
/// compression (more groups, each with its own dictionaries).
pub const ROW_GROUP_ROWS: usize = 8_192;

/// A Parquet file of cases, read a batch at a time.
pub struct ParquetCases {
    reader: ParquetRecordBatchReader,
    schema: SchemaRef,
    rows: u64,
}

impl ParquetCases {
    /// Opens `file` as Parquet, to read `batch_rows` rows at a time. The
    /// error says why it is no Parquet file.
    pub fn open(file: File, batch_rows: usize) -> Result<ParquetCases, String> {
        let unreadable = |e: parquet::errors::ParquetError| {
            format!("it is not a Parquet file that can be read: {e}")
        };
        let found =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(unreadable)?;
        let hinted = dictionary_hint(found.schema());
        let metadata = if hinted == *found.schema() {
            found
        } else {
            ArrowReaderMetadata::try_new(
                found.metadata().clone(),
                ArrowReaderOptions::new().with_schema(hinted),
            )
            .map_err(unreadable)?
        };
        let rows = u64::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
        let schema = metadata.schema().clone();
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata)
            .with_batch_size(batch_rows.max(1))
            .build()
            .map_err(unreadable)?;
        Ok(ParquetCases {
            reader,
            schema,
            rows,
        })
    }

    /// The file's columns.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// How many rows the file says it holds.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

impl Iterator for ParquetCases {
    type Item = Result<RecordBatch, String>;

    fn next(&mut self) -> Option<Self::Item> {
        self.reader
            .next()
            .map(|r| r.map_err(|e| format!("cannot read the Parquet file: {e}")))
    }
}

/// A Parquet file of results being written: batches in, row groups of
/// [`ROW_GROUP_ROWS`] out, snappy-compressed, with the legend stored under
/// [`LEGEND_KEY`].
pub struct ParquetOut<W: Write + Send> {
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> ParquetOut<W> {
    /// Starts a file of results of `tree` (the outcomes `selection` keeps)
    /// on `out`.
    pub fn new(
        out: W,
        tree: &RuleTree,
        selection: Option<&OutcomeSelection>,
    ) -> Result<ParquetOut<W>, String> {
        let legend = serde_json::to_string(&Legend::of(tree))
            .map_err(|e| format!("cannot write the legend: {e}"))?;
        // Statistics (min and max per column chunk) let readers skip row
        // groups when filtering; kept for the columns one filters on
        // (`line`, `date`, statuses, scalar values), left out for the lists
        // and texts, whose statistics cost a fifth of the encoding and
        // serve no filter. Never per page: more cost than use here.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_statistics_enabled(EnabledStatistics::None)
            .set_key_value_metadata(Some(vec![KeyValue::new(LEGEND_KEY.to_string(), legend)]));
        // Every row's `line` and `case` differ from every other's: a
        // dictionary of them costs interning each value for no gain (a
        // tenth of the file, and some 500 instructions a row, measured).
        // Line numbers rise by one a row, which delta encoding packs to
        // almost nothing.
        let column = |name: &str| parquet::schema::types::ColumnPath::new(vec![name.to_string()]);
        props = props
            .set_column_dictionary_enabled(column("line"), false)
            .set_column_encoding(column("line"), Encoding::DELTA_BINARY_PACKED)
            .set_column_dictionary_enabled(column("case"), false);
        let mut filtered = vec!["line".to_string(), "date".to_string()];
        for (name, ty) in crate::schema::kept(tree, selection) {
            filtered.push(format!("{name}.status"));
            if ty != inforce_engine::model::ValueType::List {
                filtered.push(format!("{name}.value"));
            }
        }
        for name in filtered {
            props = props.set_column_statistics_enabled(column(&name), EnabledStatistics::Chunk);
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(out, result_schema(tree, selection), Some(props))
            .map_err(|e| format!("cannot start the Parquet file: {e}"))?;
        Ok(ParquetOut { writer })
    }

    /// Starts a file of cases of `tree` ([`case_schema`](crate::case_schema))
    /// on `out`, to be read back as input.
    pub fn cases(out: W, tree: &RuleTree) -> Result<ParquetOut<W>, String> {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let schema = std::sync::Arc::new(crate::schema::case_schema(tree));
        let writer = ArrowWriter::try_new(out, schema, Some(props))
            .map_err(|e| format!("cannot start the Parquet file: {e}"))?;
        Ok(ParquetOut { writer })
    }

    /// Writes `batch`, a batch of the file's schema.
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        self.writer.write(batch).map_err(io_error)
    }

    /// Bytes written to the output so far (whole row groups).
    pub fn bytes_written(&self) -> u64 {
        self.writer.bytes_written() as u64
    }

    /// Writes the last row group and the footer, and gives the output back.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(io_error)
    }
}

/// A Parquet error as an I/O error: the writer's own failures are the
/// output's (a full disk, a closed pipe), and keep their kind.
pub(crate) fn io_error(e: parquet::errors::ParquetError) -> std::io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => *io,
                Err(other) => std::io::Error::other(other.to_string()),
            }
        }
        other => std::io::Error::other(other.to_string()),
    }
}
