//! The result of evaluating a case, shaped as `cli.md` fixes it for
//! `eval --format json` and each line of `batch`. Plain data: built by
//! `eval`, rendered by the CLI.

pub mod compact;
pub(crate) mod fragments;
pub mod json;
pub mod lines;
pub(crate) mod verdict_json;
pub mod verdict_view;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::rules::model::Value;

/// What a case comes to on a date: every outcome, and what it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    /// The case's id.
    pub case: String,
    /// The date the case was evaluated on.
    pub date: NaiveDate,
    /// The rules tree the case was evaluated against.
    pub rules: RulesInfo,
    /// The rule-set versions in force on the date.
    pub rule_sets: Vec<VersionInForce>,
    /// Every declared outcome's result, by name.
    pub outcomes: BTreeMap<String, OutcomeResult>,
    /// The result in words, line by line, as `eval --explain` shows it.
    pub explanation: Vec<String>,
    /// What every rule did for the case, when a trace was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
}

/// Which rules tree gave a result.
#[derive(Debug, Clone, Serialize)]
pub struct RulesInfo {
    /// Where the rules came from: a path, or `embedded`.
    pub source: String,
    /// SHA-256 of the rule files' paths and texts.
    pub digest: String,
}

/// A rule-set version in force on the date (a repeal version included).
/// The texts are shared with the loaded rules (`Arc`), not copied per case.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VersionInForce {
    /// The rule set's id, as written in `rule_set:`.
    pub id: Arc<str>,
    /// The version's id, as written in `version:`.
    pub version: Arc<str>,
    /// The version's title.
    pub title: Arc<str>,
    /// The days the version is in force.
    pub in_force: Interval,
    /// The act the version encodes, as cited.
    pub source: Arc<str>,
    /// Whether the version is a repeal.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeal: bool,
    /// Whether the case is one this rule set is about (its `applies_when`);
    /// `null` when that depends on facts the case lacks.
    pub applies: Option<bool>,
}

/// Days in force: from a first day up to, but not including, an end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Interval {
    /// The first day in force.
    pub from: NaiveDate,
    /// The first day no longer in force; `None`: still in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

/// How far an outcome is settled for a case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A rule in force decides it.
    Decided,
    /// No version in force decides it: not yet in force, repealed, lapsed or silent.
    #[default]
    Undetermined,
    /// The case lacks facts that would settle it.
    MissingFacts,
    /// Rules in force give it different values.
    Conflict,
}

impl Status {
    /// The status as the JSON result writes it: `missing_facts`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Decided => "decided",
            Status::Undetermined => "undetermined",
            Status::MissingFacts => "missing_facts",
            Status::Conflict => "conflict",
        }
    }
}

/// The result for one outcome.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutcomeResult {
    /// How far the outcome is settled.
    pub status: Status,
    /// The decided value; `null` for every other status.
    pub value: Option<Value>,
    /// Decided: the rules it rests on. Conflict: every rule that disagreed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<By>,
    /// Missing facts: the facts that would settle it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Undetermined: why no version in force decides it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Undetermined: the codes of the parts of `reason`, one per rule set
    /// that answers the outcome (`n3`, `u5.12`, ...), whose texts
    /// the legend of compact output gives. Not in the full JSON result.
    #[serde(skip)]
    pub reason_codes: Vec<Arc<str>>,
    /// Undetermined: facts the case lacks that would not change the
    /// answer (`reason` ends "This holds whatever ... is"). Not in the
    /// full JSON result.
    #[serde(skip)]
    pub holds_whatever: Vec<String>,
}

/// A rule an outcome rests on. The texts are shared with the loaded rules
/// (`Arc`), not copied per case.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct By {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The id of the rule's rule set.
    pub rule_set: Arc<str>,
    /// The id of the rule's version.
    pub version: Arc<str>,
    /// What the rule rests on, as its `cite:` says.
    pub cite: Arc<str>,
    /// In a conflict, the value this rule gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// What one rule, or one gate of a version, did for the case.
#[derive(Debug, Clone, Serialize)]
pub struct TraceEntry {
    /// The rule set's id.
    pub rule_set: String,
    /// The version's id.
    pub version: String,
    /// The rule, or `applies_when` / `scope.<outcome>` for the gates.
    pub rule: String,
    /// The rule's citation; empty for the gates.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cite: String,
    /// `held`, `false`, `unknown`, `out of scope` (none of the rule's
    /// outcomes is answered for this case), or `not in force` (for a rule
    /// set with no version with rules in force on the date).
    pub condition: String,
    /// The missing facts that left the condition unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// The outcomes the rule decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
    /// Outcomes for which the rule fired but a rule of higher precedence won.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden_for: Vec<String>,
    /// Why, in words.
    pub detail: String,
}
