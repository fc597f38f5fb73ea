//! A Parquet file of results put together from pages encoded elsewhere
//! (`pages`): groups of rows in, row groups of [`RESULT_GROUP_ROWS`] out,
//! each column chunk its dictionary (if it has one) and then the groups'
//! pages, spliced into the file through the parquet crate's own file
//! writer (`append_column`), which writes the page headers, the footer and
//! the legend in the key-value metadata. The writer's work per row is a
//! copy of already compressed bytes. Not here: encoding rows (`pages`),
//! Arrow record batches (`parquet_io`).

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use inforce_engine::RuleTree;
use inforce_engine::lines::Legend;
use parquet::basic::{Compression, Encoding, Type as PhysicalType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::file::metadata::{ColumnChunkMetaData, KeyValue};
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};

use crate::pages::{Dict, Kind, PageGroup, PageLayout, Range, Stats};
use crate::parquet_io::{LEGEND_KEY, io_error};
use inforce_engine::model::ValueType;

/// Rows per row group: a row group's pages wait in memory until it is
/// whole (some 50 bytes a row compressed, so a few megabytes), and each
/// group repeats its dictionaries; readers split work by row group.
pub const RESULT_GROUP_ROWS: usize = 65_536;

/// A Parquet file of results being written from encoded pages.
pub struct ResultFile<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    layout: Arc<PageLayout>,
    pending: Vec<PageGroup>,
    pending_rows: usize,
    group_rows: usize,
}

impl<W: Write + Send> ResultFile<W> {
    /// Starts a file of results of `tree` laid out as `layout` on `out`,
    /// with the legend and the Arrow schema in its metadata.
    pub fn new(out: W, tree: &RuleTree, layout: &Arc<PageLayout>) -> Result<ResultFile<W>, String> {
        let legend = serde_json::to_string(&Legend::of(tree))
            .map_err(|e| format!("cannot write the legend: {e}"))?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(vec![KeyValue::new(LEGEND_KEY.to_string(), legend)]))
            .build();
        // Readers of Arrow (arrow-rs, pyarrow, Polars) take the columns'
        // Arrow types from it: statuses as dictionaries, `line` unsigned.
        parquet::arrow::add_encoded_arrow_schema_to_metadata(&layout.arrow, &mut props);
        let writer =
            SerializedFileWriter::new(out, layout.schema.root_schema_ptr(), Arc::new(props))
                .map_err(|e| format!("cannot start the Parquet file: {e}"))?;
        Ok(ResultFile {
            writer,
            layout: Arc::clone(layout),
            pending: Vec::new(),
            pending_rows: 0,
            group_rows: RESULT_GROUP_ROWS,
        })
    }

    /// The same file with row groups of at least `rows` rows (whole
    /// groups of pages: a row group ends after the group that reaches
    /// `rows`), rather than [`RESULT_GROUP_ROWS`].
    pub fn with_group_rows(mut self, rows: usize) -> ResultFile<W> {
        self.group_rows = rows.max(1);
        self
    }

    /// Adds `group`'s rows, after those written before; a row group is
    /// written once enough rows wait.
    pub fn write(&mut self, group: PageGroup) -> std::io::Result<()> {
        if group.rows == 0 {
            return Ok(());
        }
        if group.pages.len() != self.layout.kinds.len() {
            return Err(std::io::Error::other(format!(
                "a group of {} pages for {} columns",
                group.pages.len(),
                self.layout.kinds.len()
            )));
        }
        self.pending_rows += group.rows;
        self.pending.push(group);
        if self.pending_rows >= self.group_rows {
            self.flush_row_group()?;
        }
        Ok(())
    }

    /// Bytes written to the output so far (whole row groups).
    pub fn bytes_written(&self) -> u64 {
        self.writer.bytes_written() as u64
    }

    /// Writes the last row group and the footer, and gives the output back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush_row_group()?;
        self.writer.into_inner().map_err(io_error)
    }

    /// The waiting groups as one row group, column chunk by column chunk.
    fn flush_row_group(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let groups = std::mem::take(&mut self.pending);
        let rows = std::mem::take(&mut self.pending_rows);
        let mut row_group = self.writer.next_row_group().map_err(io_error)?;
        for (c, kind) in self.layout.kinds.iter().enumerate() {
            let (chunk, close) =
                column_chunk(&self.layout, c, *kind, &groups, rows).map_err(io_error)?;
            row_group.append_column(&chunk, close).map_err(io_error)?;
        }
        row_group.close().map_err(io_error)?;
        Ok(())
    }
}

/// Column `c`'s chunk of the waiting `groups`: its bytes (dictionary page,
/// then each group's data page, with their headers) and what the file's
/// footer says of it, offsets counted from the chunk's start.
fn column_chunk(
    layout: &PageLayout,
    c: usize,
    kind: Kind,
    groups: &[PageGroup],
    rows: usize,
) -> parquet::errors::Result<(Bytes, ColumnCloseResult)> {
    let descr = layout.schema.column(c);
    let mut sink = TrackedWrite::new(Vec::new());
    let mut pages = SerializedPageWriter::new(&mut sink);
    let (mut compressed, mut uncompressed, mut values) = (0i64, 0i64, 0i64);
    let mut encodings = vec![Encoding::RLE];
    let mut dictionary_offset = None;
    if let Some(d) = kind.dict().and_then(|d| layout.dictionary(d)) {
        let spec = pages.write_page(CompressedPage::new(
            Page::DictionaryPage {
                buf: d.page.clone(),
                num_values: d.entries,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            },
            d.uncompressed,
        ))?;
        dictionary_offset = Some(spec.offset as i64);
        compressed += spec.compressed_size as i64;
        uncompressed += spec.uncompressed_size as i64;
        encodings.push(Encoding::PLAIN);
    }
    let mut data_offset = None;
    let mut stats = Stats::default();
    for group in groups {
        let Some(page) = group.pages.get(c) else {
            continue;
        };
        let spec = pages.write_page(CompressedPage::new(
            Page::DataPage {
                buf: page.data.clone(),
                num_values: page.values,
                encoding: page.encoding,
                def_level_encoding: Encoding::RLE,
                rep_level_encoding: Encoding::RLE,
                statistics: None,
            },
            page.uncompressed,
        ))?;
        data_offset.get_or_insert(spec.offset as i64);
        compressed += spec.compressed_size as i64;
        uncompressed += spec.uncompressed_size as i64;
        values += i64::from(page.values);
        if !encodings.contains(&page.encoding) {
            encodings.push(page.encoding);
        }
        stats.nulls += page.stats.nulls;
        stats.range.merge(&page.stats.range);
    }
    let mut metadata = ColumnChunkMetaData::builder(descr.clone())
        .set_compression(Compression::SNAPPY)
        .set_encodings(encodings)
        .set_num_values(values)
        .set_total_compressed_size(compressed)
        .set_total_uncompressed_size(uncompressed)
        .set_data_page_offset(data_offset.unwrap_or(0))
        .set_dictionary_page_offset(dictionary_offset);
    if let Some(statistics) = statistics(layout, kind, descr.physical_type(), stats) {
        metadata = metadata.set_statistics(statistics);
    }
    let close = ColumnCloseResult {
        bytes_written: compressed as u64,
        rows_written: rows as u64,
        metadata: metadata.build()?,
        bloom_filter: None,
        column_index: None,
        offset_index: None,
    };
    Ok((Bytes::from(sink.into_inner()?), close))
}

/// A column chunk's statistics, for the columns one filters on (`line`,
/// `date`, statuses, values but lists), as the arrow-rs writer gives them
/// for the same columns in `ParquetOut`: least, greatest, nulls.
fn statistics(
    layout: &PageLayout,
    kind: Kind,
    physical: PhysicalType,
    stats: Stats,
) -> Option<Statistics> {
    let nulls = Some(stats.nulls);
    match (kind, stats.range) {
        (
            Kind::Line | Kind::Date | Kind::Value(ValueType::Int | ValueType::Date),
            Range::Int(lo, hi),
        ) => match physical {
            PhysicalType::INT32 => Some(Statistics::int32(
                i32::try_from(lo).ok(),
                i32::try_from(hi).ok(),
                None,
                nulls,
                false,
            )),
            _ => Some(Statistics::int64(Some(lo), Some(hi), None, nulls, false)),
        },
        (Kind::Value(ValueType::Bool), Range::Bool(lo, hi)) => {
            Some(Statistics::boolean(Some(lo), Some(hi), None, nulls, false))
        }
        (Kind::Value(ValueType::String), Range::Bytes(lo, hi)) => Some(Statistics::byte_array(
            Some(ByteArray::from(lo)),
            Some(ByteArray::from(hi)),
            None,
            nulls,
            false,
        )),
        (Kind::Key(Dict::Status), Range::Keys(used)) => {
            let d = layout.dictionary(Dict::Status)?;
            let texts = d
                .texts
                .iter()
                .enumerate()
                .filter(|(k, _)| used & 1u64.checked_shl(*k as u32).unwrap_or(0) != 0)
                .map(|(_, t)| t);
            let lo = texts.clone().min()?;
            let hi = texts.max()?;
            Some(Statistics::byte_array(
                Some(ByteArray::from(lo.clone())),
                Some(ByteArray::from(hi.clone())),
                None,
                nulls,
                false,
            ))
        }
        // A column of nulls only: its count, no range.
        (Kind::Line | Kind::Date | Kind::Key(Dict::Status), Range::Empty)
        | (
            Kind::Value(ValueType::Bool | ValueType::Int | ValueType::Date | ValueType::String),
            Range::Empty,
        ) => Some(match physical {
            PhysicalType::INT32 => Statistics::int32(None, None, None, nulls, false),
            PhysicalType::INT64 => Statistics::int64(None, None, None, nulls, false),
            PhysicalType::BOOLEAN => Statistics::boolean(None, None, None, nulls, false),
            _ => Statistics::byte_array(None, None, None, nulls, false),
        }),
        _ => None,
    }
}
