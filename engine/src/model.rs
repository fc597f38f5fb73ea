//! The loaded, validated rules tree: declarations, rule sets and their
//! versions with every script compiled. Built only by `load`; read by
//! evaluation, the timeline and the CLI. Nothing here parses or evaluates.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rhai::AST;
use serde::Serialize;

use crate::format::{Combine, ValueType};
use crate::script::analysis::Cond;
use crate::timeline::Index;

/// A declared fact: what a case may carry.
#[derive(Debug, Clone, Serialize)]
pub struct FactDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ValueType,
    pub values: Option<Vec<String>>,
    pub description: String,
}

/// A declared outcome: what rules may decide.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ValueType,
    pub values: Option<Vec<String>>,
    pub combine: Combine,
    pub description: String,
}

/// A value of a fact or an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Date(NaiveDate),
    Str(String),
    List(Vec<String>),
}

impl Val {
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "true or false",
            Val::Int(_) => "an integer",
            Val::Date(_) => "a date",
            Val::Str(_) => "a string",
            Val::List(_) => "a list",
        }
    }
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Null => f.write_str("none"),
            Val::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            Val::Int(i) => write!(f, "{i}"),
            Val::Date(d) => write!(f, "{d}"),
            Val::Str(s) => f.write_str(s),
            Val::List(items) if items.is_empty() => f.write_str("none"),
            Val::List(items) => f.write_str(&items.join(", ")),
        }
    }
}

/// The words used for a declared type in messages.
pub fn type_words(ty: ValueType) -> &'static str {
    match ty {
        ValueType::Bool => "true or false",
        ValueType::Int => "an integer",
        ValueType::Date => "a date (YYYY-MM-DD)",
        ValueType::String => "a string",
        ValueType::List => "a list",
    }
}

/// A compiled condition with its text, for explanations.
#[derive(Debug, Clone)]
pub struct Condition {
    pub text: String,
    pub cond: Cond,
    /// Number of the condition in the tree, so evaluation can remember its
    /// result per case in a vector rather than a hash map.
    pub id: usize,
}

/// What a rule gives an outcome.
#[derive(Debug, Clone)]
pub enum Then {
    Literal(Val),
    Expr {
        text: String,
        ast: AST,
        reads: Vec<String>,
        /// The same facts by number (see `Leaf::read_ids`).
        read_ids: Vec<usize>,
        /// Whether it reads `date`, so its value can change from day to day.
        reads_date: bool,
        /// The same expression for the native evaluator, if its shape allows.
        native: Option<crate::script::native::Term>,
    },
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub cite: String,
    pub summary: Option<String>,
    pub note: Option<String>,
    pub when: Option<Condition>,
    pub then: Vec<(String, Then)>,
    pub exception_to: Vec<String>,
    /// Rules of the same version this one is an exception to, transitively,
    /// as positions in the version's `rules`.
    pub defeats: Vec<usize>,
    /// What the explanation says the rule rests on: its citation, id,
    /// version and dates. Written once at load, quoted for every case.
    pub grounds: String,
    /// The rule as results cite it, with shared texts (`plan`): cloned
    /// into every result the rule decides, without copying a string.
    pub by: crate::result::By,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub act: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    pub read_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepealInfo {
    pub repeals: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One version of a rule set.
#[derive(Debug, Clone)]
pub struct Version {
    pub rule_set: String,
    pub id: String,
    pub title: String,
    pub file: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub source: SourceInfo,
    pub notes: Vec<String>,
    pub applies_when: Option<Condition>,
    pub scope: BTreeMap<String, Condition>,
    pub silent_on: BTreeMap<String, String>,
    /// Rule sets this one is more specific than.
    pub more_specific_than: Vec<MoreSpecificThan>,
    pub repeal: Option<RepealInfo>,
    pub rules: Vec<Rule>,
    /// Where the version's id and interval were written, for diagnostics
    /// found only once every file is loaded (overlaps, gaps, duplicates).
    pub id_span: miette::SourceSpan,
    /// Why an outcome is undetermined when this version is the reason:
    /// written once the rule set's versions are known.
    pub reasons: Reasons,
    pub in_force_span: miette::SourceSpan,
    /// What the version does for each declared outcome, by the outcome's
    /// number in the tree (`plan`): evaluation reads these by position.
    pub slots: Vec<OutcomeSlot>,
    /// The version as results list it, with shared texts (`plan`).
    pub in_force_entry: crate::result::VersionInForce,
}

/// One outcome as seen by one version, found once at load (`plan`).
#[derive(Debug, Clone, Default)]
pub struct OutcomeSlot {
    /// The version answers the outcome (decides it, scopes it or is silent on it).
    pub answers: bool,
    /// The outcome's `scope` condition, if any.
    pub scope: Option<Condition>,
    /// (rule, position in its `then`) of every rule deciding it.
    pub deciders: Vec<(usize, usize)>,
    /// Why it is undetermined when this version is in force and no rule
    /// of it decides the outcome for the case.
    pub undecided: String,
}

/// The undetermined reasons a version gives, written at load.
#[derive(Debug, Clone, Default)]
pub struct Reasons {
    /// This version is a repeal in force.
    pub repealed: String,
    /// This is the first version and it is not yet in force.
    pub not_yet: String,
    /// This version ended and no other is in force yet (or ever).
    pub lapsed: String,
}

/// `precedence.more_specific_than` entry.
#[derive(Debug, Clone)]
pub struct MoreSpecificThan {
    pub rule_set: String,
    /// Outcomes covered; `None`: every outcome both decide.
    pub outcomes: Option<BTreeSet<String>>,
    pub span: miette::SourceSpan,
}

impl Version {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date < u)
    }
    /// `from 2001-07-26 until 2012-03-28` or `from 2012-03-28`.
    pub fn interval_text(&self) -> String {
        match self.until {
            Some(u) => format!("{} to {} (exclusive)", self.from, u),
            None => format!("from {}", self.from),
        }
    }
}

/// A rule set: its versions sorted by start date, and their index.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub id: String,
    pub versions: Vec<Version>,
    pub index: Index,
}

/// A file of golden tests as loaded (checked for shape, run by `inforce test`).
#[derive(Debug, Clone)]
pub struct TestFile {
    pub path: String,
    pub tests: Vec<GoldenTestDef>,
}

#[derive(Debug, Clone)]
pub struct GoldenTestDef {
    pub name: String,
    pub date: Option<NaiveDate>,
    pub case: serde_json::Value,
    pub expect: BTreeMap<String, serde_json::Value>,
}
