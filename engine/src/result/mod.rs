//! The result of evaluating a case, shaped as `cli.md` fixes it for
//! `eval --format json` and each line of `batch`. Plain data: built by
//! `eval`, rendered by the CLI.

pub mod json;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::rules::model::Val;

#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    pub case: String,
    pub date: NaiveDate,
    pub rules: RulesInfo,
    pub rule_sets: Vec<VersionInForce>,
    pub outcomes: BTreeMap<String, OutcomeResult>,
    pub explanation: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RulesInfo {
    pub source: String,
    pub digest: String,
}

/// A rule-set version in force on the date (a repeal version included).
/// The texts are shared with the loaded rules (`Arc`), not copied per case.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VersionInForce {
    pub id: Arc<str>,
    pub version: Arc<str>,
    pub title: Arc<str>,
    pub in_force: Interval,
    pub source: Arc<str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeal: bool,
    /// Whether the case is one this rule set is about (its `applies_when`);
    /// `null` when that depends on facts the case lacks.
    pub applies: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Interval {
    pub from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Decided,
    Undetermined,
    MissingFacts,
    Conflict,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Decided => "decided",
            Status::Undetermined => "undetermined",
            Status::MissingFacts => "missing_facts",
            Status::Conflict => "conflict",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeResult {
    pub status: Status,
    /// The decided value; `null` for every other status.
    pub value: Option<Val>,
    /// Decided: the rules it rests on. Conflict: every rule that disagreed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<By>,
    /// Missing facts: the facts that would settle it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Undetermined: why no version in force decides it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A rule an outcome rests on. The texts are shared with the loaded rules
/// (`Arc`), not copied per case.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct By {
    pub rule: Arc<str>,
    pub rule_set: Arc<str>,
    pub version: Arc<str>,
    pub cite: Arc<str>,
    /// In a conflict, the value this rule gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Val>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceEntry {
    pub rule_set: String,
    pub version: String,
    /// The rule, or `applies_when` / `scope.<outcome>` for the gates.
    pub rule: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cite: String,
    /// `held`, `false`, `unknown`, `out of scope` (none of the rule's
    /// outcomes is answered for this case), or `not in force` (for a rule
    /// set with no version with rules in force on the date).
    pub condition: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
    /// Outcomes for which the rule fired but a rule of higher precedence won.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden_for: Vec<String>,
    /// Why, in words.
    pub detail: String,
}
