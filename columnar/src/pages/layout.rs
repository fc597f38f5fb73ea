//! The columns of a run's Parquet results as pages see them: each
//! column's kind (what it holds, its levels), the Parquet schema from the
//! Arrow one, and the dictionaries fixed by the tree. Checked once, when
//! the layout is made, against the schema's levels. Not here: rows
//! (`pages`), files (`result_file`).

use std::sync::Arc;

use bytes::Bytes;
use inforce_engine::RuleTree;
use inforce_engine::lines::OutcomeSelection;
use inforce_engine::model::ValueType;
use inforce_engine::verdict::{reason_codes, rule_keys};
use parquet::arrow::ArrowSchemaConverter;
use parquet::schema::types::SchemaDescriptor;

use super::{Snappy, put_bytes};
use crate::hybrid::bit_width;
use crate::schema::{STATUSES, kept, result_schema, slots};

/// What one column of the layout holds, in the order of `result_schema`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// `line`: required, rising by one within a page.
    Line,
    /// `case`, `error`: optional texts.
    Text,
    /// `date`: optional, days since 1970.
    Date,
    /// `digest`, `<o>.status`: a key into a dictionary.
    Key(Dict),
    /// `<o>.value`: optional, of the outcome's type.
    Value(ValueType),
    /// `<o>.by`, `<o>.needs`, `<o>.reason`: lists of keys.
    Keys(Dict),
}

/// The dictionaries a layout's keys point into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dict {
    Digest,
    Status,
    Rule,
    Fact,
    Reason,
}

const DICTS: usize = 5;

impl Dict {
    fn index(self) -> usize {
        self as usize
    }
}

/// A run's result columns: their kinds, the Parquet schema they make, and
/// the dictionaries, each one PLAIN-encoded and compressed once.
pub struct PageLayout {
    pub(crate) kinds: Vec<Kind>,
    pub(crate) schema: SchemaDescriptor,
    pub(crate) arrow: arrow_schema::SchemaRef,
    pub(crate) dictionaries: [Dictionary; DICTS],
    /// For each declared outcome, its place among the kept ones.
    pub(super) slot: Vec<Option<usize>>,
    /// Each kept outcome's type, in their order.
    pub(super) types: Vec<ValueType>,
}

/// One dictionary: its entries' count, the bits a key takes, and its page.
pub(crate) struct Dictionary {
    pub(crate) entries: u32,
    pub(crate) width: u8,
    /// Its entries PLAIN-encoded, then compressed.
    pub(crate) page: Bytes,
    pub(crate) uncompressed: usize,
    /// Each entry's text, for statistics.
    pub(crate) texts: Vec<Vec<u8>>,
}

impl Dictionary {
    fn of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Result<Dictionary, String> {
        let texts: Vec<Vec<u8>> = texts.into_iter().map(|t| t.as_bytes().to_vec()).collect();
        let mut plain = Vec::new();
        for t in &texts {
            put_bytes(&mut plain, t);
        }
        let entries = u32::try_from(texts.len())
            .map_err(|_| "too many texts for a dictionary".to_string())?;
        Ok(Dictionary {
            entries,
            // At least one bit: a width of 0 is valid, but not every
            // reader takes it.
            width: bit_width(entries.saturating_sub(1)).max(1),
            uncompressed: plain.len(),
            page: Snappy::default().compress(&plain)?,
            texts,
        })
    }
}

impl PageLayout {
    /// The layout of results of `tree`, keeping the outcomes `selection`
    /// names (all when `None`): the columns of `result_schema`.
    pub fn new(
        tree: &RuleTree,
        selection: Option<&OutcomeSelection>,
    ) -> Result<Arc<PageLayout>, String> {
        let arrow = result_schema(tree, selection);
        let schema = ArrowSchemaConverter::new()
            .convert(&arrow)
            .map_err(|e| format!("cannot lay the results out as Parquet: {e}"))?;
        let mut kinds = vec![Kind::Line, Kind::Text, Kind::Date, Kind::Key(Dict::Digest)];
        let outcomes = kept(tree, selection);
        for (_, ty) in &outcomes {
            kinds.push(Kind::Key(Dict::Status));
            kinds.push(Kind::Value(*ty));
            kinds.push(Kind::Keys(Dict::Rule));
            kinds.push(Kind::Keys(Dict::Fact));
            kinds.push(Kind::Keys(Dict::Reason));
        }
        kinds.push(Kind::Text);
        // The kinds must be the schema's columns, one for one, with the
        // levels each kind writes: checked once here rather than trusted.
        if kinds.len() != schema.num_columns() {
            return Err(format!(
                "the result layout has {} columns, its Parquet schema {}",
                kinds.len(),
                schema.num_columns()
            ));
        }
        for (i, kind) in kinds.iter().enumerate() {
            let c = schema.column(i);
            if (c.max_def_level(), c.max_rep_level()) != kind.levels() {
                return Err(format!(
                    "column `{}` has levels ({}, {}), not those of its kind",
                    c.path(),
                    c.max_def_level(),
                    c.max_rep_level()
                ));
            }
        }
        let slot = slots(tree, selection);
        let dictionaries = [
            Dictionary::of([tree.digest.as_str()])?,
            Dictionary::of(STATUSES)?,
            Dictionary::of(rule_keys(tree))?,
            Dictionary::of(tree.facts.keys().map(String::as_str))?,
            Dictionary::of(reason_codes(tree))?,
        ];
        Ok(Arc::new(PageLayout {
            kinds,
            schema,
            arrow,
            dictionaries,
            slot,
            types: outcomes.iter().map(|(_, ty)| *ty).collect(),
        }))
    }

    pub(crate) fn dictionary(&self, d: Dict) -> Option<&Dictionary> {
        self.dictionaries.get(d.index())
    }
}

impl Kind {
    /// The highest definition and repetition levels of its column.
    pub(crate) fn levels(self) -> (i16, i16) {
        match self {
            Kind::Line => (0, 0),
            Kind::Text | Kind::Date | Kind::Key(_) => (1, 0),
            Kind::Value(ValueType::List) | Kind::Keys(_) => (3, 1),
            Kind::Value(_) => (1, 0),
        }
    }

    /// Its dictionary, if its values are keys.
    pub(crate) fn dict(self) -> Option<Dict> {
        match self {
            Kind::Key(d) | Kind::Keys(d) => Some(d),
            _ => None,
        }
    }
}
