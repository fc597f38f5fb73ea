//! The two layouts, as Arrow schemas: cases in (`case_schema`) and results
//! out (`result_schema`). Every name and type of a column is decided here
//! and only here, so that the reader, the builder and the CSV writer agree.
//! Not here: reading or building the arrays.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use inforce_engine::RuleTree;
use inforce_engine::lines::OutcomeSelection;
use inforce_engine::model::ValueType;

/// The case's id, in the input.
pub(crate) const ID: &str = "id";
/// The date to evaluate on, in the input and output.
pub(crate) const DATE: &str = "date";

/// Statuses in the order of their dictionary keys: a status column holds
/// a key (Int8) into these four texts.
pub(crate) const STATUSES: [&str; 4] = ["decided", "undetermined", "missing_facts", "conflict"];

/// The input layout for `tree`: `id` (text), `date` (Date32), then one
/// column per declared fact, by name, with its natural Arrow type: bool →
/// Boolean, int → Int64, date → Date32, string → Utf8, list → List<Utf8>.
/// Every column is nullable: a null cell is a fact the case leaves unknown.
pub fn case_schema(tree: &RuleTree) -> Schema {
    let mut fields = vec![
        Field::new(ID, DataType::Utf8, true),
        Field::new(DATE, DataType::Date32, true),
    ];
    fields.extend(
        tree.facts
            .iter()
            .map(|(name, def)| Field::new(name, natural(def.ty), true)),
    );
    Schema::new(fields)
}

/// The output layout for `tree`, keeping the outcomes `selection` names
/// (all when `None`): `line` (UInt64, the input row or line from 1), `case`
/// (Utf8), `date` (Date32), `digest` (the rules' digest, dictionary), then
/// per outcome in name order `<o>.status` (dictionary of `decided`,
/// `undetermined`, `missing_facts`, `conflict`), `<o>.value` (typed as
/// the outcome is declared), `<o>.by` (rules as `SET@VERSION#RULE`),
/// `<o>.needs` (fact names), `<o>.reason` (reason codes, whose texts the
/// legend gives), and last `error` (null unless the row has no result).
pub fn result_schema(tree: &RuleTree, selection: Option<&OutcomeSelection>) -> SchemaRef {
    let mut fields = vec![
        Field::new("line", DataType::UInt64, false),
        Field::new("case", DataType::Utf8, true),
        Field::new(DATE, DataType::Date32, true),
        Field::new("digest", dictionary(), true),
    ];
    for (name, ty) in kept(tree, selection) {
        fields.push(Field::new(format!("{name}.status"), dictionary(), true));
        fields.push(Field::new(format!("{name}.value"), natural(ty), true));
        for part in ["by", "needs", "reason"] {
            fields.push(Field::new(format!("{name}.{part}"), text_list(), true));
        }
    }
    fields.push(Field::new("error", DataType::Utf8, true));
    Arc::new(Schema::new(fields))
}

/// The outcomes a run keeps, by name in order, with their types.
pub(crate) fn kept<'t>(
    tree: &'t RuleTree,
    selection: Option<&OutcomeSelection>,
) -> Vec<(&'t str, ValueType)> {
    tree.outcomes
        .iter()
        .filter(|(name, _)| selection.is_none_or(|s| s.keeps(name)))
        .map(|(name, def)| (name.as_str(), def.ty))
        .collect()
}

/// For each declared outcome (in name order), its place among the
/// outcomes a run keeps (`kept`), or `None` if it is left out.
pub(crate) fn slots(tree: &RuleTree, selection: Option<&OutcomeSelection>) -> Vec<Option<usize>> {
    let mut kept_so_far = 0;
    tree.outcomes
        .keys()
        .map(|name| {
            selection.is_none_or(|s| s.keeps(name)).then(|| {
                kept_so_far += 1;
                kept_so_far - 1
            })
        })
        .collect()
}

/// A declared type's natural column type.
pub(crate) fn natural(ty: ValueType) -> DataType {
    match ty {
        ValueType::Bool => DataType::Boolean,
        ValueType::Int => DataType::Int64,
        ValueType::Date => DataType::Date32,
        ValueType::String => DataType::Utf8,
        ValueType::List => text_list(),
    }
}

/// A list of texts, with the item field arrow-rs's list builder makes.
pub(crate) fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// Few distinct texts (a status, the digest), each row a key into them.
pub(crate) fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}
