//! The result of comparing two rules trees, as plain serialisable data: what
//! changed in the files' meaning (structural), over which dates the law in
//! force changed (timeline), and which cases now come out differently
//! (behavioural). Its JSON form is the stable `inforce diff --format json`
//! output documented in `docs/reviewing-rule-changes.md`. Rendering is the
//! CLI's job.

use chrono::NaiveDate;
use serde::Serialize;

use crate::result::OutcomeResult;

#[derive(Debug, Clone, Serialize)]
pub struct RulesDiff {
    pub old: Side,
    pub new: Side,
    pub summary: Summary,
    pub structural: Structural,
    pub timeline: Vec<TimelineChange>,
    pub behaviour: Behaviour,
}

impl RulesDiff {
    /// Whether anything differs: structure, timeline or behaviour.
    pub fn is_empty(&self) -> bool {
        self.structural.declarations.is_empty()
            && self.structural.rule_sets.is_empty()
            && self.timeline.is_empty()
            && self.behaviour.changed.is_empty()
            && self.behaviour.errors.is_empty()
    }
}

/// One side of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// What the user named: a directory, or a git revision.
    pub label: String,
    /// The rules digest of that side (as in `eval` results).
    pub digest: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub rule_sets_added: usize,
    pub rule_sets_removed: usize,
    pub rule_sets_changed: usize,
    pub versions_added: usize,
    pub versions_removed: usize,
    pub versions_changed: usize,
    pub versions_renamed: usize,
    pub rules_added: usize,
    pub rules_removed: usize,
    pub rules_renamed: usize,
    pub rules_changed: usize,
    pub declarations_changed: usize,
    pub timeline_changes: usize,
    pub cases_compared: usize,
    pub cases_changed: usize,
    pub case_errors: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    /// Same citation and content under a new id.
    Renamed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Structural {
    /// Facts and outcomes declared, removed or changed.
    pub declarations: Vec<DeclarationChange>,
    /// Rule sets with any change, by id.
    pub rule_sets: Vec<RuleSetChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeclarationChange {
    /// `fact`, `outcome`, `check` or `code list`.
    pub kind: &'static str,
    pub name: String,
    pub change: ChangeKind,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSetChange {
    pub id: String,
    pub change: ChangeKind,
    pub versions: Vec<VersionChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionChange {
    pub version: String,
    pub change: ChangeKind,
    /// For a renamed version (its id changed, usually with its start date,
    /// while its rules stayed mostly the same), its old id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    /// The version's title on the new side (old side when removed).
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_file: Option<String>,
    /// Version-level fields: `in_force.from`, `in_force.until`, `title`,
    /// `source.*`, `notes`, `applies_when`, `scope.<o>`, `silent_on.<o>`,
    /// `precedence`, `repeal`.
    pub fields: Vec<FieldChange>,
    pub rules: Vec<RuleChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    pub id: String,
    pub change: ChangeKind,
    /// For a renamed rule, its old id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    pub cite: String,
    /// Rule fields: `cite`, `summary`, `when`, `then.<outcome>`,
    /// `exception_to`, `note`.
    pub fields: Vec<FieldChange>,
}

/// One field, old and new, as text. Scripts also come word by word, so a
/// renderer can mark what changed inside a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
}

/// A piece of a word-by-word comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Word {
    Same(String),
    Removed(String),
    Added(String),
}

/// An interval over which the version in force of a rule set differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineChange {
    pub rule_set: String,
    pub from: NaiveDate,
    /// Exclusive; absent: open-ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// What was in force before the change, in words (`None`: nothing).
    pub old: Option<String>,
    /// What is in force after it.
    pub new: Option<String>,
    /// One sentence: "Decree No. 1010 (version 2001-07-26) now in force, before repealed".
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Behaviour {
    /// Cases evaluated on both sides.
    pub cases: usize,
    /// Cases whose outcomes differ, outcome by outcome.
    pub changed: Vec<CaseChange>,
    /// Cases that could not be evaluated on one side (e.g. a fact removed).
    pub errors: Vec<CaseProblem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseChange {
    /// Case id.
    pub case: String,
    /// Where it came from: `golden test "<name>" (<file>)` or `<file>:<line>`.
    pub origin: String,
    pub date: NaiveDate,
    pub outcomes: Vec<OutcomeChange>,
}

/// One outcome on both sides, each as `eval` gives it (so the JSON of a
/// side is that of the outcome in `eval --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeChange {
    pub outcome: String,
    /// `None`: the outcome is not answered on that side.
    pub old: Option<OutcomeResult>,
    pub new: Option<OutcomeResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseProblem {
    pub case: String,
    pub origin: String,
    /// `old` or `new`.
    pub side: &'static str,
    pub error: String,
}

/// A case to compare, from a golden test or a cases file.
#[derive(Debug, Clone)]
pub struct CaseInput {
    /// Shown in the report: see `CaseChange::origin`.
    pub origin: String,
    /// The case text (YAML or JSON).
    pub text: String,
    /// Evaluation date overriding the case's own.
    pub date: Option<NaiveDate>,
}
