//! inforce-engine: loads dated legal rule sets, validates them, resolves which
//! versions are in force on a date, evaluates cases and explains the result.
//! It does no printing and never exits the process; the `inforce` CLI renders.

pub mod case;
pub mod diagnostics;
pub mod diff;
pub mod drawable;
pub mod eval;
pub mod golden;
pub mod history;
pub mod report;
pub mod result;
pub mod rules;
pub mod script;

pub use case::json as case_json;
pub use report::schema;
pub use report::timeline as timeline_view;
pub use result::json as result_json;
pub use rules::in_force as timeline;
pub use rules::load;
pub use rules::load::golden as load_golden;
pub use rules::shape as schema_check;
pub use rules::{format, hidden_chars, model, source, tree, yaml};
use eval::fact_set;
use rules::load::plan;
