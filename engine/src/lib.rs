//! inforce-engine: what did the law in force on a date say about a case?
//!
//! Legal provisions live outside the code, as dated rule sets of YAML with
//! small rhai conditions. The engine loads a rules tree (every problem
//! reported at once, with file, line and column), reads a case against the
//! facts the tree declares, resolves which version of each rule set was in
//! force on a date, evaluates the case with three-valued logic (a missing
//! fact is never read as false), and explains the result: decided (by which
//! rule, citing which text), undetermined and why, missing facts, or a
//! conflict. It also follows a case through time (`history`), compares two
//! trees (`diff`), runs the golden tests kept beside the rules
//! (`run_golden_tests`), and describes a tree (`timeline`, `case_schema`).
//! It does no printing and never exits the process.
//!
//! The stages, each a private module (see `docs/architecture.md`): `rules`
//! (text to an immutable compiled tree), `case` (a case read and checked),
//! `eval` (one entry point, `evaluate`), `explain` (all result wording),
//! `result` (the result types and their JSON writer), and the reports built
//! on them (`history`, `golden`, `diff`, `report`).
//!
//! ```
//! use inforce_engine::{Case, SourceFile, Status, Value, evaluate, load};
//!
//! let facts = "facts:\n  person.age: {type: int, description: age in years}\n\
//!              outcomes:\n  adult: {type: bool, description: whether the person is of age}\n";
//! let version = "rule_set: example.age\nversion: \"2001-01-01\"\ntitle: Age of majority\n\
//!                in_force: {from: 2001-01-01}\n\
//!                source: {act: Example Act, read_at: \"https://example.org\"}\n\
//!                rules:\n  - id: of-age\n    cite: Example Act, art. 1\n    \
//!                when: person.age >= 18\n    then: {adult: true}\n";
//! let files = vec![
//!     SourceFile { path: "rules/facts.yaml".into(), text: facts.into() },
//!     SourceFile { path: "rules/example/2001-01-01.yaml".into(), text: version.into() },
//! ];
//! let loaded = load(files, "rules");
//! let tree = loaded.tree.expect("the example rules load");
//!
//! let case = Case::from_yaml(&tree, "case.yaml", "person: {age: 30}\n").expect("a valid case");
//! let date = chrono::NaiveDate::from_ymd_opt(2005, 3, 1).expect("a date");
//! let result = evaluate(&tree, &case, date, false).expect("the scripts run");
//!
//! let adult = &result.outcomes["adult"];
//! assert_eq!(adult.status, Status::Decided);
//! assert_eq!(adult.value, Some(Value::Bool(true)));
//! assert_eq!(&*adult.by[0].cite, "Example Act, art. 1");
//! ```

#![deny(missing_docs)]

mod case;
mod diagnostics;
pub mod diff;
mod drawable;
mod eval;
mod explain;
mod golden;
mod history;
mod report;
mod result;
mod rules;
mod script;
#[cfg(test)]
mod testing;

pub use case::{Case, CaseError, CaseRow, Converted, FactValue};
pub use diagnostics::{EvalError, FailureKind, RuleProblem, ScriptPlace};
pub use drawable::{Drawable, drawable};
pub use eval::evaluate;
pub use golden::{
    Coverage, Mismatch, RuleRef, TestRun, run as run_golden_tests, run_file as run_golden_file,
    run_with_coverage,
};
pub use history::{History, Period, history};
pub use report::schema::{case_schema, rules_schema};
pub use report::timeline::{Period as TimelinePeriod, RuleSetTimeline, timeline};
pub use result::json::write_result as write_json;
pub use result::{
    By, EvalResult, Interval, OutcomeResult, RulesInfo, Status, TraceEntry, VersionInForce,
};
pub use rules::load::{Golden, Loaded, is_golden_file, load, load_with};
pub use rules::model::Value;
pub use rules::source::{SourceFile, read_dir};
pub use rules::tree::RuleTree;
pub use script::dates::parse_date;

/// The compiled tree's parts, as [`RuleTree`]'s fields hold them: what
/// a front end shows of the law (versions, rules, declarations).
pub mod model {
    pub use crate::rules::format::{NullMeans, ValueType};
    pub use crate::rules::model::{
        CodeList, Condition, FactDef, OutcomeDef, RepealInfo, Rule, RuleSet, SourceInfo, Then,
        Version,
    };
}

/// Where the named things of one rule file are written (facts, outcomes,
/// rule ids, versions, scripts, golden tests), for editors: go to
/// definition, hover and code lenses need places, not a compiled tree.
pub mod outline {
    pub use crate::rules::outline::{
        FileKind, Named, Outline, PrecedencePlace, RulePlace, ScriptPlace, TestPlace, outline,
    };
}

/// JSON Lines, one case a line: the contract `batch` and the server's
/// streaming endpoint share, in its two shapes (full results, and compact
/// ones with their legend).
pub mod lines {
    pub use crate::result::compact::{
        ExpandError, LEGEND_FORMAT, Legend, LegendInterval, LegendOutcome, LegendReason,
        LegendRule, LegendRules, LegendVersion, write_compact,
    };
    pub use crate::result::lines::{
        LineFormat, OutcomeSelection, Shape, error_line, evaluate_case_as, evaluate_case_line,
        evaluate_case_line_codes, evaluate_case_line_selected, evaluate_case_memo, evaluate_codes,
        evaluate_line, evaluate_line_as, evaluate_line_memo, evaluate_selected, read_case_line,
    };
}

/// The ways cases went in a run, remembered so that a case going a known
/// way is answered without resolving its outcomes again: hold one
/// [`memo::Memo`] per run (its workers share it) and evaluate through
/// [`lines::evaluate_line_memo`] or [`verdict::verdict_by`]. The answers
/// are the same as without it.
pub mod memo {
    pub use crate::eval::memo::Memo;
}

/// A case's verdict by number, for writers of other formats than JSON
/// (Arrow columns, CSV): each kept outcome's status, value, deciding
/// rules, needed facts and reason codes, as texts the tree holds once,
/// without building an [`EvalResult`]. A JSON line is read with
/// [`lines::read_case_line`], then evaluated with [`verdict::verdict_of`].
pub mod verdict {
    pub use crate::result::verdict_view::{
        CaseVerdict, OutcomeView, reason_codes, rule_keys, verdict_by, verdict_of,
    };
}

/// Reading a rules tree from somewhere other than a directory (a git
/// revision, an archive) under the same limits as `read_dir`: what may be
/// read, how much, and how sizes are written in messages.
pub mod files {
    pub use crate::rules::source::{
        Kind, Limits, Pending, Survey, admit, is_hidden, read_at_most, read_dir_with, size_words,
    };
}

/// Text from rule files made safe to show: characters a reviewer cannot
/// see (bidirectional controls, zero-width and control characters)
/// written as visible escapes.
pub mod text {
    pub use crate::rules::hidden_chars::{escape_block, escape_line};
}

/// The engine's internals, for the project's own tests, fuzz targets and
/// benchmarks only: no stability promise, not part of the API.
#[doc(hidden)]
#[allow(missing_docs)]
pub mod internal {
    pub use crate::golden::evaluate_test;
    pub use crate::result::json as result_json;
    pub use crate::rules::{format, model, yaml};
    pub use crate::script::analysis;
}
