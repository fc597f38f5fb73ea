//! inforce-engine: loads dated legal rule sets, validates them, resolves which
//! versions are in force on a date, evaluates cases and explains the result.
//! It does no printing and never exits the process; the `inforce` CLI renders.

pub mod case;
pub mod case_json;
pub mod diagnostics;
pub mod diff;
pub mod drawable;
pub mod eval;
mod fact_set;
pub mod format;
pub mod golden;
pub mod hidden_chars;
pub mod history;
pub mod load;
pub mod load_golden;
pub mod model;
mod plan;
pub mod result;
pub mod result_json;
pub mod schema;
pub mod schema_check;
pub mod script;
pub mod source;
pub mod timeline;
pub mod timeline_view;
pub mod tree;
pub mod yaml;
