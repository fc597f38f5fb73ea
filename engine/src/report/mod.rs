//! Reports about a rules tree that need no case: its timeline and the JSON
//! Schemas editors use. Not here: evaluation, diffs.

pub mod schema;
pub mod timeline;
