//! Reading cases from a record batch: the columns checked once against the
//! declared facts (`CaseReader::new`), each batch's arrays looked at once
//! (`CaseReader::batch`), then any row made a case (`BatchCases::case`),
//! from any thread. Accepts each fact's natural Arrow type and near ones
//! (narrower integers, large and view strings, dictionaries of strings,
//! Date64 and timestamps without a time zone, large lists); refuses any
//! other type, and any column that is not `id`, `date` or a declared fact,
//! for the whole input, naming the column. A column of text held as a
//! dictionary, or of true/false values, has each of its values converted
//! once a batch (`Case::convert`), not once a row. Not here: validating a
//! value (the engine's `CaseRow`, so messages match the JSON reader's).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, BooleanArray, GenericListArray, GenericStringArray, OffsetSizeTrait, PrimitiveArray,
    RecordBatch, StringViewArray,
};
use arrow_schema::{DataType, Schema, TimeUnit};
use chrono::NaiveDate;
use inforce_engine::model::ValueType;
use inforce_engine::{Case, CaseError, CaseRow, Converted, FactValue, RuleTree};

use crate::schema::{DATE, ID};

/// The columns of an input checked against a rules tree: which column is
/// which fact. Made once per input (its schema), used for every batch.
#[derive(Clone)]
pub struct CaseReader<'t> {
    tree: &'t RuleTree,
    id: Option<usize>,
    date: Option<usize>,
    /// Column index and fact number (place in `tree.facts`) of each fact
    /// column.
    facts: Vec<(usize, usize, ValueType)>,
}

impl<'t> CaseReader<'t> {
    /// Checks `schema` against the facts `tree` declares: every column must
    /// be `id`, `date` or a declared fact, of a type that can hold it. A
    /// fact without a column is unknown in every case. The error names the
    /// column and says what it should hold.
    pub fn new(tree: &'t RuleTree, schema: &Schema) -> Result<CaseReader<'t>, String> {
        let mut reader = CaseReader {
            tree,
            id: None,
            date: None,
            facts: Vec::new(),
        };
        let mut seen = std::collections::BTreeSet::new();
        for (i, field) in schema.fields().iter().enumerate() {
            let name = field.name().as_str();
            if !seen.insert(name) {
                return Err(format!(
                    "column `{name}` is given twice: give each fact one column"
                ));
            }
            let ty = field.data_type();
            match name {
                ID => {
                    if !(is_text(ty) || is_int(ty)) {
                        return Err(refused(name, ty, "text (or an integer)"));
                    }
                    reader.id = Some(i);
                }
                DATE => {
                    if !(is_date(ty) || is_text(ty)) {
                        return Err(refused(name, ty, "dates (or text written YYYY-MM-DD)"));
                    }
                    reader.date = Some(i);
                }
                _ => {
                    let Some(number) = tree.facts.keys().position(|f| f == name) else {
                        return Err(unknown_column(tree, name));
                    };
                    let Some(def) = tree.facts.get(name) else {
                        return Err(unknown_column(tree, name));
                    };
                    let fits = match def.ty {
                        ValueType::Bool => matches!(ty, DataType::Boolean),
                        ValueType::Int => is_int(ty),
                        ValueType::Date => is_date(ty) || is_text(ty),
                        ValueType::String => is_text(ty),
                        ValueType::List => list_item(ty).is_some_and(is_text),
                    };
                    if !fits {
                        return Err(refused(name, ty, expected(def.ty)));
                    }
                    reader.facts.push((i, number, def.ty));
                }
            }
        }
        Ok(reader)
    }

    /// The arrays of `batch` (whose schema is the one this reader checked)
    /// looked at once, ready to make cases of any of its rows.
    pub fn batch<'b>(&self, batch: &'b RecordBatch) -> Result<BatchCases<'b>, String>
    where
        't: 'b,
    {
        let column = |i: usize| {
            batch.columns().get(i).map(|c| c.as_ref()).ok_or_else(|| {
                format!(
                    "a batch has {} columns, fewer than its schema",
                    batch.num_columns()
                )
            })
        };
        let id = match self.id {
            Some(i) => Some(Cells::of(column(i)?, ID)?),
            None => None,
        };
        let date = match self.date {
            Some(i) => Some(Cells::of(column(i)?, DATE)?),
            None => None,
        };
        let mut facts = Vec::with_capacity(self.facts.len());
        for &(i, number, _) in &self.facts {
            let name = batch
                .schema_ref()
                .fields()
                .get(i)
                .map(|f| f.name().clone())
                .unwrap_or_default();
            let cells = Cells::of(column(i)?, &name)?;
            let prepared = prepared(self.tree, number, &cells);
            facts.push(FactColumn {
                number,
                cells,
                prepared,
                name,
            });
        }
        Ok(BatchCases {
            tree: self.tree,
            rows: batch.num_rows(),
            id,
            date,
            facts,
        })
    }
}

/// The values of a column converted once a batch for fact `number`, for
/// each row to copy: a column of text held as a dictionary (each of its
/// values; `None` for a null value), a column of true/false values (both
/// of them). Archives repeat a few values on every row, so this checks
/// each against the declaration once a batch, not once a row. Other
/// columns are converted cell by cell.
enum Prepared {
    Dictionary(Vec<Option<Converted>>),
    Bool { no: Converted, yes: Converted },
    None,
}

fn prepared(tree: &RuleTree, number: usize, cells: &Cells<'_>) -> Prepared {
    match cells {
        Cells::Text(Texts::Dict { values, .. }) => Prepared::Dictionary(
            (0..values.len())
                .map(|i| {
                    values
                        .get(i)
                        .map(|s| Case::convert(tree, number, &FactValue::Str(s)))
                })
                .collect(),
        ),
        Cells::Bool(_) => Prepared::Bool {
            no: Case::convert(tree, number, &FactValue::Bool(false)),
            yes: Case::convert(tree, number, &FactValue::Bool(true)),
        },
        _ => Prepared::None,
    }
}

/// A fact's column in one batch.
struct FactColumn<'b> {
    /// The fact's number (its place in `tree.facts`).
    number: usize,
    cells: Cells<'b>,
    /// Its values converted once, if it is a column of few values.
    prepared: Prepared,
    /// The column's name, for messages.
    name: String,
}

/// The rows of one batch, each of which can be made a case.
pub struct BatchCases<'b> {
    tree: &'b RuleTree,
    rows: usize,
    id: Option<Cells<'b>>,
    date: Option<Cells<'b>>,
    facts: Vec<FactColumn<'b>>,
}

impl BatchCases<'_> {
    /// How many rows the batch has.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Row `row` (from 0) as a validated case, or the message of its error
    /// row: the problems, joined by `; `, worded as for a JSON case. A
    /// case without an id is named `fallback_id`.
    pub fn case(&self, row: usize, fallback_id: &str) -> Result<Case, String> {
        self.case_or(row, || fallback_id.to_string())
    }

    /// `case`, with the fallback id made only for a row without one (most
    /// rows of an archive have one).
    pub fn case_or(
        &self,
        row: usize,
        fallback_id: impl FnOnce() -> String,
    ) -> Result<Case, String> {
        let mut problems = Vec::new();
        let id = match &self.id {
            Some(cells) => match cells.get(row) {
                Ok(Some(Cell::Text(s))) => Some(s.to_string()),
                Ok(Some(Cell::Int(i))) => Some(i.to_string()),
                Ok(_) => None,
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
            None => None,
        };
        let date = match &self.date {
            Some(cells) => match cells.get(row) {
                Ok(Some(Cell::Date(d))) => Some(d),
                Ok(Some(Cell::Text(s))) => match inforce_engine::parse_date(s) {
                    Some(d) => Some(d),
                    None => {
                        problems.push(format!(
                            "`date` should be a date (YYYY-MM-DD), not `{s}` (write dates as `YYYY-MM-DD`)"
                        ));
                        None
                    }
                },
                Ok(_) => None,
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
            None => None,
        };
        let mut case = CaseRow::new(self.tree);
        for column in &self.facts {
            match (&column.prepared, &column.cells) {
                (Prepared::Dictionary(values), cells) => {
                    if let Some(Some(value)) = cells.key(row).and_then(|k| values.get(k)) {
                        case.give_converted(value);
                    }
                }
                (Prepared::Bool { no, yes }, Cells::Bool(a)) => {
                    if row < a.len() && a.is_valid(row) {
                        case.give_converted(if a.value(row) { yes } else { no });
                    }
                }
                _ => match column.cells.fact(row) {
                    Ok(Some(value)) => case.give(column.number, &value),
                    Ok(None) => {}
                    Err(e) => problems.push(e.replace("{column}", &column.name)),
                },
            }
        }
        let id = id.unwrap_or_else(fallback_id);
        let made = case.finish(id, date);
        if !problems.is_empty() {
            // The columns' own problems first, then the facts refused.
            if let Err(errors) = made {
                problems.extend(errors.iter().map(CaseError::one_line));
            }
            return Err(problems.join("; "));
        }
        made.map_err(|errors| {
            errors
                .iter()
                .map(CaseError::one_line)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// One cell of the `id` or `date` column, as the column holds it.
enum Cell<'a> {
    Int(i64),
    Date(NaiveDate),
    Text(&'a str),
}

/// A column's array, looked at as one of the accepted types.
enum Cells<'a> {
    Bool(&'a BooleanArray),
    Int(Ints<'a>),
    Date(Dates<'a>),
    Text(Texts<'a>),
    List(Lists<'a>),
}

impl<'a> Cells<'a> {
    fn of(array: &'a dyn Array, name: &str) -> Result<Cells<'a>, String> {
        let ty = array.data_type();
        if let Some(b) = array.as_boolean_opt() {
            return Ok(Cells::Bool(b));
        }
        if let Some(i) = Ints::of(array) {
            return Ok(Cells::Int(i));
        }
        if let Some(d) = Dates::of(array) {
            return Ok(Cells::Date(d));
        }
        if let Some(t) = Texts::of(array) {
            return Ok(Cells::Text(t));
        }
        if let Some(l) = Lists::of(array) {
            return Ok(Cells::List(l));
        }
        Err(format!(
            "column `{name}` holds {}, which no fact takes",
            type_words(ty)
        ))
    }

    /// The cell of `row` as a fact's value, straight from the column (the
    /// facts of every row go through here): `None` for a null; an error
    /// (with `{column}` for the column's name) for a value no case can
    /// hold.
    fn fact(&self, row: usize) -> Result<Option<FactValue<'a>>, String> {
        Ok(match self {
            Cells::Bool(a) => {
                (row < a.len() && a.is_valid(row)).then(|| FactValue::Bool(a.value(row)))
            }
            Cells::Int(a) => a.get(row)?.map(FactValue::Int),
            Cells::Date(a) => a.get(row)?.map(FactValue::Date),
            Cells::Text(a) => a.get(row).map(FactValue::Str),
            Cells::List(a) => match a.get(row) {
                None => None,
                Some(items) => Some(FactValue::List(
                    items
                        .into_iter()
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            "`{column}` has a null item: each item of a list is a name".to_string()
                        })?,
                )),
            },
        })
    }

    /// For a column of text held as a dictionary, the place of `row`'s
    /// value in it: `None` for a null, and for any other column.
    fn key(&self, row: usize) -> Option<usize> {
        match self {
            Cells::Text(Texts::Dict { array, keys, .. }) => {
                if row >= array.len() || array.is_null(row) {
                    return None;
                }
                keys.get(row).copied()
            }
            _ => None,
        }
    }

    /// The cell of `row` of the `id` or `date` column: `None` for a null
    /// (and for true/false values and lists, which `CaseReader::new`
    /// refuses for those columns); an error (with `{column}` for the
    /// column's name) for a value no case can hold.
    fn get(&self, row: usize) -> Result<Option<Cell<'a>>, String> {
        Ok(match self {
            Cells::Int(a) => a.get(row)?.map(Cell::Int),
            Cells::Date(a) => a.get(row)?.map(Cell::Date),
            Cells::Text(a) => a.get(row).map(Cell::Text),
            Cells::Bool(_) | Cells::List(_) => None,
        })
    }
}

enum Ints<'a> {
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
}

/// The value of `row` in a primitive array, or `None` for a null or a row
/// past its end.
fn at<T: arrow_array::ArrowPrimitiveType>(a: &PrimitiveArray<T>, row: usize) -> Option<T::Native> {
    (row < a.len() && a.is_valid(row)).then(|| a.value(row))
}

impl<'a> Ints<'a> {
    fn of(a: &'a dyn Array) -> Option<Ints<'a>> {
        Some(match a.data_type() {
            DataType::Int8 => Ints::I8(a.as_primitive_opt()?),
            DataType::Int16 => Ints::I16(a.as_primitive_opt()?),
            DataType::Int32 => Ints::I32(a.as_primitive_opt()?),
            DataType::Int64 => Ints::I64(a.as_primitive_opt()?),
            DataType::UInt8 => Ints::U8(a.as_primitive_opt()?),
            DataType::UInt16 => Ints::U16(a.as_primitive_opt()?),
            DataType::UInt32 => Ints::U32(a.as_primitive_opt()?),
            DataType::UInt64 => Ints::U64(a.as_primitive_opt()?),
            _ => return None,
        })
    }

    fn get(&self, row: usize) -> Result<Option<i64>, String> {
        Ok(match self {
            Ints::I8(a) => at(a, row).map(i64::from),
            Ints::I16(a) => at(a, row).map(i64::from),
            Ints::I32(a) => at(a, row).map(i64::from),
            Ints::I64(a) => at(a, row),
            Ints::U8(a) => at(a, row).map(i64::from),
            Ints::U16(a) => at(a, row).map(i64::from),
            Ints::U32(a) => at(a, row).map(i64::from),
            Ints::U64(a) => match at(a, row) {
                Some(v) => Some(i64::try_from(v).map_err(|_| {
                    format!("`{{column}}` is `{v}`, larger than any integer a case may hold")
                })?),
                None => None,
            },
        })
    }
}

enum Dates<'a> {
    Days(&'a PrimitiveArray<Date32Type>),
    Millis(&'a PrimitiveArray<Date64Type>),
    Seconds(&'a PrimitiveArray<TimestampSecondType>),
    TsMillis(&'a PrimitiveArray<TimestampMillisecondType>),
    TsMicros(&'a PrimitiveArray<TimestampMicrosecondType>),
    TsNanos(&'a PrimitiveArray<TimestampNanosecondType>),
}

/// Days from 0001-01-01 (chrono's count) to 1970-01-01 (Arrow's).
const UNIX_EPOCH_DAYS: i64 = 719_163;

/// The day `days` after 1970-01-01.
pub(crate) fn day(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(days.checked_add(UNIX_EPOCH_DAYS)?).ok()?)
}

impl<'a> Dates<'a> {
    fn of(a: &'a dyn Array) -> Option<Dates<'a>> {
        Some(match a.data_type() {
            DataType::Date32 => Dates::Days(a.as_primitive_opt()?),
            DataType::Date64 => Dates::Millis(a.as_primitive_opt()?),
            DataType::Timestamp(unit, None) => match unit {
                TimeUnit::Second => Dates::Seconds(a.as_primitive_opt()?),
                TimeUnit::Millisecond => Dates::TsMillis(a.as_primitive_opt()?),
                TimeUnit::Microsecond => Dates::TsMicros(a.as_primitive_opt()?),
                TimeUnit::Nanosecond => Dates::TsNanos(a.as_primitive_opt()?),
            },
            _ => return None,
        })
    }

    fn get(&self, row: usize) -> Result<Option<NaiveDate>, String> {
        // A timestamp is a day only at midnight: a time of day would be
        // dropped silently otherwise.
        let whole = |v: Option<i64>, per_day: i64| -> Result<Option<NaiveDate>, String> {
            let Some(v) = v else { return Ok(None) };
            if v.rem_euclid(per_day) != 0 {
                return Err(
                    "`{column}` holds a time of day, not a date: give dates, or timestamps at midnight"
                        .to_string(),
                );
            }
            Ok(day(v.div_euclid(per_day)))
        };
        match self {
            Dates::Days(a) => Ok(at(a, row).and_then(|d| day(i64::from(d)))),
            Dates::Millis(a) => whole(at(a, row), 86_400_000),
            Dates::Seconds(a) => whole(at(a, row), 86_400),
            Dates::TsMillis(a) => whole(at(a, row), 86_400_000),
            Dates::TsMicros(a) => whole(at(a, row), 86_400_000_000),
            Dates::TsNanos(a) => whole(at(a, row), 86_400_000_000_000),
        }
    }
}

enum Texts<'a> {
    Utf8(&'a GenericStringArray<i32>),
    Large(&'a GenericStringArray<i64>),
    View(&'a StringViewArray),
    /// A dictionary: each row's key (by row) into its values.
    Dict {
        array: &'a dyn Array,
        keys: Vec<usize>,
        values: Box<Texts<'a>>,
    },
}

impl<'a> Texts<'a> {
    fn of(a: &'a dyn Array) -> Option<Texts<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Texts::Utf8(a.as_string_opt()?),
            DataType::LargeUtf8 => Texts::Large(a.as_string_opt()?),
            DataType::Utf8View => Texts::View(a.as_string_view_opt()?),
            DataType::Dictionary(_, v) if is_text(v) => {
                let dict = a.as_any_dictionary_opt()?;
                let values = Texts::of(dict.values().as_ref())?;
                // `normalized_keys` cannot work on an empty dictionary,
                // whose rows are all null.
                let keys = if dict.values().is_empty() {
                    Vec::new()
                } else {
                    dict.normalized_keys()
                };
                Texts::Dict {
                    array: a,
                    keys,
                    values: Box::new(values),
                }
            }
            _ => return None,
        })
    }

    /// How many values the array holds (a dictionary: its rows).
    fn len(&self) -> usize {
        match self {
            Texts::Utf8(a) => a.len(),
            Texts::Large(a) => a.len(),
            Texts::View(a) => a.len(),
            Texts::Dict { array, .. } => array.len(),
        }
    }

    fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Texts::Utf8(a) => (row < a.len() && a.is_valid(row)).then(|| a.value(row)),
            Texts::Large(a) => (row < a.len() && a.is_valid(row)).then(|| a.value(row)),
            Texts::View(a) => (row < a.len() && a.is_valid(row)).then(|| a.value(row)),
            Texts::Dict {
                array,
                keys,
                values,
            } => {
                if row >= array.len() || array.is_null(row) {
                    return None;
                }
                values.get(*keys.get(row)?)
            }
        }
    }
}

enum Lists<'a> {
    Small(&'a GenericListArray<i32>, Texts<'a>),
    Large(&'a GenericListArray<i64>, Texts<'a>),
}

fn items<'a, O: OffsetSizeTrait>(
    a: &GenericListArray<O>,
    texts: &Texts<'a>,
    row: usize,
) -> Option<Vec<Option<&'a str>>> {
    if row >= a.len() || a.is_null(row) {
        return None;
    }
    let offsets = a.value_offsets();
    let start = offsets.get(row)?.as_usize();
    let end = offsets.get(row + 1)?.as_usize();
    Some((start..end).map(|i| texts.get(i)).collect())
}

impl<'a> Lists<'a> {
    fn of(a: &'a dyn Array) -> Option<Lists<'a>> {
        Some(match a.data_type() {
            DataType::List(_) => {
                let l = a.as_list_opt::<i32>()?;
                Lists::Small(l, Texts::of(l.values().as_ref())?)
            }
            DataType::LargeList(_) => {
                let l = a.as_list_opt::<i64>()?;
                Lists::Large(l, Texts::of(l.values().as_ref())?)
            }
            _ => return None,
        })
    }

    fn get(&self, row: usize) -> Option<Vec<Option<&'a str>>> {
        match self {
            Lists::Small(a, t) => items(a, t, row),
            Lists::Large(a, t) => items(a, t, row),
        }
    }
}

fn is_text(ty: &DataType) -> bool {
    match ty {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(k, v) => k.is_integer() && is_text(v),
        _ => false,
    }
}

fn is_int(ty: &DataType) -> bool {
    ty.is_integer()
}

fn is_date(ty: &DataType) -> bool {
    matches!(
        ty,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, None)
    )
}

fn list_item(ty: &DataType) -> Option<&DataType> {
    match ty {
        DataType::List(f) | DataType::LargeList(f) => Some(f.data_type()),
        _ => None,
    }
}

/// What a column of a declared type should hold, in words.
fn expected(ty: ValueType) -> &'static str {
    match ty {
        ValueType::Bool => "true/false values (boolean)",
        ValueType::Int => "integers",
        ValueType::Date => "dates (or text written YYYY-MM-DD)",
        ValueType::String => "text",
        ValueType::List => "lists of text",
    }
}

/// An Arrow type in words, for messages.
fn type_words(ty: &DataType) -> String {
    match ty {
        DataType::Boolean => "true/false values".to_string(),
        t if t.is_integer() => "integers".to_string(),
        t if t.is_floating() => "decimal numbers (floating point)".to_string(),
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => "decimal numbers".to_string(),
        t if is_text(t) => "text".to_string(),
        DataType::Date32 | DataType::Date64 => "dates".to_string(),
        DataType::Timestamp(_, Some(tz)) => format!("timestamps in time zone `{tz}`"),
        DataType::Timestamp(..) => "timestamps".to_string(),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            format!("lists of {}", type_words(f.data_type()))
        }
        DataType::Struct(_) => "structs (nested columns)".to_string(),
        other => format!("values of type {other}"),
    }
}

fn refused(name: &str, ty: &DataType, expected: &str) -> String {
    format!(
        "column `{name}` holds {}; it should hold {expected}",
        type_words(ty)
    )
}

fn unknown_column(tree: &RuleTree, name: &str) -> String {
    let near = tree
        .facts
        .keys()
        .map(|f| (strsim::levenshtein(name, f), f))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| format!(" (did you mean `{f}`?)"))
        .unwrap_or_default();
    format!(
        "column `{name}` is not a declared fact, `id` or `date`{near}: the input's columns are `id`, `date` and facts by path, e.g. `{}`",
        tree.facts
            .keys()
            .next()
            .map_or("person.citizenship", String::as_str)
    )
}
