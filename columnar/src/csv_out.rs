//! Results as CSV for spreadsheets: one header row with the names of
//! `result_schema`, then one row per result. Dates are written
//! `YYYY-MM-DD`, true and false as `true` and `false`, a list as a JSON
//! array (`["police","hotel"]`), a null as an empty cell. Not here: which
//! columns there are (`schema`), or the file written whole or not at all
//! (the caller's writer).

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int8Type, Int64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};

use crate::read::day;

/// Writes record batches of results as CSV rows under one header row.
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    /// A list's JSON text, reused from cell to cell.
    text: Vec<u8>,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header row of `schema` to `out`.
    pub fn new(out: W, schema: &Schema) -> std::io::Result<CsvWriter<W>> {
        let mut out = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        out.write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(into_io)?;
        Ok(CsvWriter {
            out,
            text: Vec::new(),
        })
    }

    /// Writes every row of `batch`, a batch of `result_schema`'s columns.
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        for row in 0..batch.num_rows() {
            for column in batch.columns() {
                self.text.clear();
                cell(column.as_ref(), row, &mut self.text)?;
                self.out.write_field(&self.text).map_err(into_io)?;
            }
            self.out.write_record(None::<&[u8]>).map_err(into_io)?;
        }
        Ok(())
    }

    /// Flushes what is buffered and gives the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.out
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn into_io(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Writes the text of one cell to `out`: nothing for a null.
fn cell(a: &dyn Array, row: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
    if row >= a.len() || a.is_null(row) {
        return Ok(());
    }
    match a.data_type() {
        DataType::UInt64 => write!(out, "{}", a.as_primitive::<UInt64Type>().value(row)),
        DataType::Int64 => write!(out, "{}", a.as_primitive::<Int64Type>().value(row)),
        DataType::Boolean => {
            out.extend_from_slice(if a.as_boolean().value(row) {
                b"true"
            } else {
                b"false"
            });
            Ok(())
        }
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(row);
            match day(i64::from(days)) {
                Some(d) => write!(out, "{d}"),
                None => Ok(()),
            }
        }
        DataType::Utf8 => {
            out.extend_from_slice(a.as_string::<i32>().value(row).as_bytes());
            Ok(())
        }
        DataType::Dictionary(..) => {
            let dict = a.as_dictionary::<Int8Type>();
            let key = dict.keys().value(row);
            let values = dict.values();
            match usize::try_from(key) {
                Ok(k) => cell(values.as_ref(), k, out),
                Err(_) => Ok(()),
            }
        }
        DataType::List(_) => {
            let list = a.as_list::<i32>().value(row);
            let items = list.as_string::<i32>();
            let texts: Vec<Option<&str>> = items.iter().collect();
            serde_json::to_writer(&mut *out, &texts).map_err(std::io::Error::other)
        }
        other => Err(std::io::Error::other(format!(
            "a column of type {other} cannot be written as CSV"
        ))),
    }
}
