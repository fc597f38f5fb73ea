//! The loaded, validated rules tree: declarations, rule sets and their
//! versions with every script compiled. Built only by `load`; read by
//! evaluation, the timeline and the CLI. Nothing here parses or evaluates.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use rhai::AST;
use serde::Serialize;

use crate::rules::format::{Combine, NullMeans, ValueType};
use crate::rules::in_force::Index;
use crate::script::analysis::Cond;

/// A declared fact's number in its tree: its place in the tree's sorted
/// declarations. Made only by the loader, so a number always names a fact
/// of the tree that made it (a case carries its tree's stamp, `Case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactId(usize);

impl FactId {
    pub(crate) fn new(index: usize) -> FactId {
        FactId(index)
    }
    /// The fact's place in the tree's sorted declarations.
    pub(crate) fn index(self) -> usize {
        self.0
    }
}

/// A declared outcome's number in its tree, as `FactId` is a fact's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutcomeId(usize);

impl OutcomeId {
    pub(crate) fn new(index: usize) -> OutcomeId {
        OutcomeId(index)
    }
    /// The outcome's place in the tree's sorted declarations.
    pub(crate) fn index(self) -> usize {
        self.0
    }
}

/// A declared fact: what a case may carry.
#[derive(Debug, Clone, Serialize)]
pub struct FactDef {
    /// The fact's name, `group.name`.
    pub name: String,
    /// The fact's declared type.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// The values the fact may take, if its declaration lists them.
    pub values: Option<Vec<String>>,
    /// A code list whose codes are allowed too.
    #[serde(serialize_with = "code_list_id")]
    pub code_list: Option<Arc<CodeList>>,
    /// A pattern the whole value may match instead.
    pub pattern: Option<Pattern>,
    /// What an explicit `null` means.
    pub null_means: NullMeans,
    /// What the fact means, as declared.
    pub description: String,
}

fn code_list_id<S: serde::Serializer>(c: &Option<Arc<CodeList>>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(&c.id),
        None => s.serialize_none(),
    }
}

/// A list of codes kept as data in the rules tree.
#[derive(Debug, Clone)]
pub struct CodeList {
    /// The list's id, as facts name it in `code_list:`.
    pub id: String,
    /// What the list is.
    pub title: String,
    /// Where the codes come from.
    pub source: String,
    /// Code → what it stands for.
    pub codes: BTreeMap<String, String>,
    /// Other spelling → the code it stands for.
    pub aliases: BTreeMap<String, String>,
    /// Where the list was written (its file), for diagnostics.
    pub file: String,
}

/// A declared pattern: its text and the compiled expression, anchored so
/// that the whole value must match.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as declared.
    pub text: String,
    /// The pattern compiled, anchored so that the whole value must match.
    pub regex: regex::Regex,
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl FactDef {
    /// Whether the fact restricts its (item) values at all.
    pub fn is_restricted(&self) -> bool {
        self.values.is_some() || self.code_list.is_some() || self.pattern.is_some()
    }

    /// Whether `s` is an allowed value (or list item) of the fact: one of
    /// `values`, a code of `code_list`, or a match of `pattern`.
    pub fn allows(&self, s: &str) -> bool {
        !self.is_restricted()
            || self
                .values
                .as_ref()
                .is_some_and(|v| v.iter().any(|x| x == s))
            || self
                .code_list
                .as_ref()
                .is_some_and(|c| c.codes.contains_key(s))
            || self.pattern.as_ref().is_some_and(|p| p.regex.is_match(s))
    }

    /// Every allowed value that is listed (values, then codes), for
    /// suggestions and schemas.
    pub fn listed(&self) -> impl Iterator<Item = &str> + Clone {
        self.values.iter().flatten().map(String::as_str).chain(
            self.code_list
                .iter()
                .flat_map(|c| c.codes.keys().map(String::as_str)),
        )
    }

    /// What the fact accepts, in words: "one of `a`, `b`", "a code of
    /// `iso-3166-1-alpha-2` or `stateless`", "text matching `^…$`".
    pub fn allowed_words(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.code_list {
            parts.push(format!("a code of `{}` ({})", c.id, c.title));
        }
        if let Some(v) = &self.values {
            let listed = v
                .iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ");
            parts.push(if self.code_list.is_some() || v.len() == 1 {
                listed
            } else {
                format!("one of {listed}")
            });
        }
        if let Some(p) = &self.pattern {
            parts.push(format!("text matching the pattern `{}`", p.text));
        }
        parts.join(" or ")
    }

    /// What to do about a value the fact does not allow: the closest
    /// allowed value (the same letters in another case, an alias such as
    /// an alpha-3 code, or a near spelling), else what is allowed.
    pub fn suggestion(&self, s: &str) -> String {
        let named = |code: &str| match self.code_list.as_ref().and_then(|c| c.codes.get(code)) {
            Some(name) => format!("did you mean `{code}` ({name})?"),
            None => format!("did you mean `{code}`?"),
        };
        if let Some(hit) = self.listed().find(|x| x.eq_ignore_ascii_case(s)) {
            return format!("{} codes and values are exact", named(hit));
        }
        if let Some(code) = self.code_list.as_ref().and_then(|c| {
            c.aliases
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(s))
                .map(|(_, code)| code.as_str())
        }) {
            return named(code);
        }
        if let Some(near) = crate::diagnostics::closest(s, self.listed()) {
            return named(near);
        }
        match (&self.code_list, &self.pattern) {
            (None, None) => {
                "write one of the values listed, or leave the fact out if it is unknown".to_string()
            }
            _ => format!("write {}", self.allowed_words()),
        }
    }
}

/// A check across facts that every case must pass.
#[derive(Debug, Clone)]
pub struct CaseCheck {
    /// The check's id, named when a case fails it.
    pub id: String,
    /// What every case must satisfy, as written in `holds:`.
    pub condition: Condition,
    /// What is wrong with a case that fails it.
    pub message: String,
    /// What to do about it, if the declaration says.
    pub help: Option<String>,
    /// The facts the check reads, to point at them in a refused case.
    pub reads: Vec<String>,
    /// The same by number, given as the check is compiled.
    pub read_ids: Vec<FactId>,
    /// The declarations file the check is written in.
    pub file: String,
}

/// A declared outcome: what rules may decide.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeDef {
    /// The outcome's name.
    pub name: String,
    /// The outcome's declared type.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// The values the outcome may take, if its declaration lists them.
    pub values: Option<Vec<String>>,
    /// Whether rules that fire must agree, or their lists are joined.
    pub combine: Combine,
    /// What the outcome means, as declared.
    pub description: String,
}

/// A value of a fact or an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// No value: `null`.
    Null,
    /// True or false.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A date.
    Date(NaiveDate),
    /// A string: text, a code or one of the declared values.
    Str(String),
    /// A list of strings.
    List(Vec<String>),
}

impl Value {
    /// The value's type in words, for messages: "an integer".
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "true or false",
            Value::Int(_) => "an integer",
            Value::Date(_) => "a date",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("none"),
            Value::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Str(s) => f.write_str(s),
            Value::List(items) if items.is_empty() => f.write_str("none"),
            Value::List(items) => f.write_str(&items.join(", ")),
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
    /// The condition as written in the rule file.
    pub text: String,
    /// The condition compiled: its `&&`, `||` and `!` over parts run on their own.
    pub cond: Cond,
    /// Number of the condition in the tree, so evaluation can remember its
    /// result per case in a vector rather than a hash map.
    pub id: usize,
}

/// What a rule gives an outcome.
#[derive(Debug, Clone)]
pub enum Then {
    /// A value written as it is in the rule file.
    Literal(Value),
    /// A value computed by an expression over the facts (`{expr: ...}`).
    Expr {
        /// The expression as written.
        text: String,
        /// The expression compiled.
        ast: AST,
        /// The facts it reads, by name.
        reads: Vec<String>,
        /// The same facts by number, given as the expression is compiled.
        read_ids: Vec<FactId>,
        /// Whether it reads `date`, so its value can change from day to day.
        reads_date: bool,
        /// The same expression for the native evaluator, if its shape allows.
        native: Option<crate::script::native::Term>,
    },
}

/// One rule of a version: when it fires, and what it then decides.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's id, unique within its version.
    pub id: String,
    /// The article, item or paragraph the rule rests on, as cited.
    pub cite: String,
    /// What the rule says, in one sentence, if given.
    pub summary: Option<String>,
    /// A note shown by `eval --explain`, if given.
    pub note: Option<String>,
    /// When the rule fires; `None`: always.
    pub when: Option<Condition>,
    /// What the rule decides, outcome by outcome.
    pub then: Vec<(String, Then)>,
    /// Ids of the rules of the same version this one is an exception to.
    pub exception_to: Vec<String>,
    /// Rules of the same version this one is an exception to, transitively,
    /// as positions in the version's `rules`.
    pub defeats: Vec<usize>,
    /// The rule's position in its version's `rules`: with the version's
    /// `at`, where its wording is found (`explain::Wording`).
    pub at: usize,
}

/// The legal source a version encodes.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// The act, as cited.
    pub act: String,
    /// The act's number, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The act's date, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Where the text was read: a publication, a database, a file.
    pub read_at: String,
    /// Web address of the text, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What a repeal version repeals.
#[derive(Debug, Clone, Serialize)]
pub struct RepealInfo {
    /// The act repealed, as cited.
    pub repeals: String,
    /// Why nothing is decided from now on, or what replaces it, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One version of a rule set.
#[derive(Debug, Clone)]
pub struct Version {
    /// The rule set's id, as written in `rule_set:`.
    pub rule_set: String,
    /// The version's id, as written in `version:`.
    pub id: String,
    /// The version's title.
    pub title: String,
    /// The version's rule file, relative to the rules root.
    pub file: String,
    /// The first day in force.
    pub from: NaiveDate,
    /// The first day no longer in force; `None`: still in force.
    pub until: Option<NaiveDate>,
    /// The legal source the version encodes.
    pub source: SourceInfo,
    /// Notes shown by `eval --explain`: doubts, conflicting sources.
    pub notes: Vec<String>,
    /// Which cases the rule set is about; `None`: every case.
    pub applies_when: Option<Condition>,
    /// Outcome → the condition under which the version answers it.
    pub scope: BTreeMap<String, Condition>,
    /// Outcome → why the source does not decide it.
    pub silent_on: BTreeMap<String, String>,
    /// Rule sets this one is more specific than.
    pub more_specific_than: Vec<MoreSpecificThan>,
    /// What the version repeals, if it is a repeal (it then has no rules).
    pub repeal: Option<RepealInfo>,
    /// The version's rules, in the order written.
    pub rules: Vec<Rule>,
    /// Where the version's id and interval were written, for diagnostics
    /// found only once every file is loaded (overlaps, gaps, duplicates).
    pub id_span: miette::SourceSpan,
    /// Where the version's `in_force` was written, for diagnostics.
    pub in_force_span: miette::SourceSpan,
    /// What the version does for each declared outcome, by the outcome's
    /// number in the tree: evaluation reads these by position.
    pub by_outcome: Vec<VersionOutcome>,
    /// The version's number in the tree (versions are numbered as they are
    /// compiled), by which its wording is found (`explain::Wording`).
    pub at: usize,
}

/// One outcome as seen by one version, found as the version is compiled.
#[derive(Debug, Clone)]
pub struct VersionOutcome {
    /// The version answers the outcome (decides it, scopes it or is silent on it).
    pub answers: bool,
    /// The outcome's `scope` condition, if any.
    pub scope: Option<Condition>,
    /// (rule, position in its `then`) of every rule deciding it.
    pub deciders: Vec<(usize, usize)>,
}

/// `precedence.more_specific_than` entry.
#[derive(Debug, Clone)]
pub struct MoreSpecificThan {
    /// The id of the less specific rule set.
    pub rule_set: String,
    /// Outcomes covered; `None`: every outcome both decide.
    pub outcomes: Option<BTreeSet<String>>,
    /// Where the entry was written, for diagnostics.
    pub span: miette::SourceSpan,
}

impl Version {
    /// Whether the version is in force on `date`, repeal or not.
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
    /// The rule set's id, as written in `rule_set:`.
    pub id: String,
    /// Its versions, sorted by start date.
    pub versions: Vec<Version>,
    /// The versions' intervals, to find the one in force on a date.
    pub index: Index,
}

/// A file of golden tests as loaded (checked for shape, run by `inforce test`).
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The file, relative to the rules root.
    pub path: String,
    /// Its golden tests, in the order written.
    pub tests: Vec<GoldenTestDef>,
}

/// One golden test: a case, a date, and the outcomes it should come to.
#[derive(Debug, Clone)]
pub struct GoldenTestDef {
    /// A sentence naming what the case shows.
    pub name: String,
    /// The date to evaluate on; `None`: the case's own `date`.
    pub date: Option<NaiveDate>,
    /// The case, in the vocabulary the facts declare.
    pub case: serde_json::Value,
    /// Expected results by outcome: a value, a status, or `{status, needs}`.
    pub expect: BTreeMap<String, serde_json::Value>,
}
