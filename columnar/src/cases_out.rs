//! Cases as a record batch of `case_schema`: the inverse of `read`, for
//! turning JSON Lines cases into a Parquet file of cases and for tests. A
//! fact given as `null` meaning none (`null_means: none`) cannot be
//! written (a null cell is unknown), and is written as unknown. Not here:
//! validation (a `Case` is valid already).

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use inforce_engine::model::ValueType;
use inforce_engine::{Case, RuleTree, Value};

use crate::build::date32;
use crate::schema::case_schema;

/// Cases appended row by row, finished as a record batch of
/// [`case_schema`](crate::case_schema).
pub struct CaseBuilder<'t> {
    tree: &'t RuleTree,
    schema: SchemaRef,
    id: StringBuilder,
    date: Date32Builder,
    facts: Vec<Facts>,
}

enum Facts {
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Date(Date32Builder),
    Str(StringBuilder),
    List(ListBuilder<StringBuilder>),
}

impl<'t> CaseBuilder<'t> {
    /// A builder of cases of `tree`.
    pub fn new(tree: &'t RuleTree) -> CaseBuilder<'t> {
        let facts = tree
            .facts
            .values()
            .map(|def| match def.ty {
                ValueType::Bool => Facts::Bool(BooleanBuilder::new()),
                ValueType::Int => Facts::Int(Int64Builder::new()),
                ValueType::Date => Facts::Date(Date32Builder::new()),
                ValueType::String => Facts::Str(StringBuilder::new()),
                ValueType::List => Facts::List(ListBuilder::new(StringBuilder::new())),
            })
            .collect();
        CaseBuilder {
            tree,
            schema: Arc::new(case_schema(tree)),
            id: StringBuilder::new(),
            date: Date32Builder::new(),
            facts,
        }
    }

    /// Appends `case` (read against the same tree) as one row.
    pub fn append(&mut self, case: &Case) {
        self.id.append_value(&case.id);
        self.date.append_option(case.date.map(date32));
        for ((name, _), column) in self.tree.facts.iter().zip(&mut self.facts) {
            let value = case.fact(self.tree, name);
            match (column, value) {
                (Facts::Bool(b), Some(Value::Bool(v))) => b.append_value(*v),
                (Facts::Int(b), Some(Value::Int(v))) => b.append_value(*v),
                (Facts::Date(b), Some(Value::Date(v))) => b.append_value(date32(*v)),
                (Facts::Str(b), Some(Value::Str(v))) => b.append_value(v),
                (Facts::List(b), Some(Value::List(items))) => {
                    for item in items {
                        b.values().append_value(item);
                    }
                    b.append(true);
                }
                (Facts::Bool(b), _) => b.append_null(),
                (Facts::Int(b), _) => b.append_null(),
                (Facts::Date(b), _) => b.append_null(),
                (Facts::Str(b), _) => b.append_null(),
                (Facts::List(b), _) => b.append_null(),
            }
        }
    }

    /// The rows appended so far as one record batch; the builder is then
    /// empty.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(self.id.finish()), Arc::new(self.date.finish())];
        for f in &mut self.facts {
            columns.push(match f {
                Facts::Bool(b) => Arc::new(b.finish()),
                Facts::Int(b) => Arc::new(b.finish()),
                Facts::Date(b) => Arc::new(b.finish()),
                Facts::Str(b) => Arc::new(b.finish()),
                Facts::List(b) => Arc::new(b.finish()),
            });
        }
        RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| format!("cannot build the case columns: {e}"))
    }
}
