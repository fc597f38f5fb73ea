//! The result of comparing two rules trees, as plain serialisable data: what
//! changed in the files' meaning (structural), over which dates the law in
//! force changed (timeline), and which cases now come out differently
//! (behavioural). Its JSON form is the stable `inforce diff --format json`
//! output documented in `docs/reviewing-rule-changes.md`. Rendering is the
//! CLI's job.

use chrono::NaiveDate;
use serde::Serialize;

use crate::rules::model::Val;
use crate::result::{By, Status};

/// What differs between two rules trees: structure, timeline and behaviour.
#[derive(Debug, Clone, Serialize)]
pub struct RulesDiff {
    /// The tree compared from.
    pub old: Side,
    /// The tree compared to.
    pub new: Side,
    /// How many changes of each kind, for a report's first lines.
    pub summary: Summary,
    /// What changed in the files' meaning.
    pub structural: Structural,
    /// The intervals over which the version in force of a rule set differs.
    pub timeline: Vec<TimelineChange>,
    /// The cases that come out differently.
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

/// How many changes of each kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rule sets only in the new tree.
    pub rule_sets_added: usize,
    /// Rule sets only in the old tree.
    pub rule_sets_removed: usize,
    /// Rule sets in both trees that differ.
    pub rule_sets_changed: usize,
    /// Versions only in the new tree.
    pub versions_added: usize,
    /// Versions only in the old tree.
    pub versions_removed: usize,
    /// Versions in both trees that differ.
    pub versions_changed: usize,
    /// Versions whose id changed while their rules stayed mostly the same.
    pub versions_renamed: usize,
    /// Rules only in the new tree.
    pub rules_added: usize,
    /// Rules only in the old tree.
    pub rules_removed: usize,
    /// Rules with the same citation and content under a new id.
    pub rules_renamed: usize,
    /// Rules in both trees that differ.
    pub rules_changed: usize,
    /// Facts, outcomes, checks and code lists added, removed or changed.
    pub declarations_changed: usize,
    /// Intervals over which the version in force of a rule set differs.
    pub timeline_changes: usize,
    /// Cases evaluated on both sides.
    pub cases_compared: usize,
    /// Cases with an outcome that differs.
    pub cases_changed: usize,
    /// Cases that could not be evaluated on one side.
    pub case_errors: usize,
}

/// How a thing differs between the old tree and the new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the new tree.
    Added,
    /// Only in the old tree.
    Removed,
    /// In both trees, with different content.
    Changed,
    /// Same citation and content under a new id.
    Renamed,
}

impl ChangeKind {
    /// The kind as the JSON report writes it: `added`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
        }
    }
}

/// What changed in the files' meaning: declarations and rule sets.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Structural {
    /// Facts and outcomes declared, removed or changed.
    pub declarations: Vec<DeclarationChange>,
    /// Rule sets with any change, by id.
    pub rule_sets: Vec<RuleSetChange>,
}

/// A fact, outcome, check or code list that differs.
#[derive(Debug, Clone, Serialize)]
pub struct DeclarationChange {
    /// `fact`, `outcome`, `check` or `code list`.
    pub kind: &'static str,
    /// Its name, as declared.
    pub name: String,
    /// Whether it was added, removed or changed.
    pub change: ChangeKind,
    /// Its fields that differ, old and new.
    pub fields: Vec<FieldChange>,
}

/// A rule set that differs.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetChange {
    /// The rule set's id, as written in `rule_set:`.
    pub id: String,
    /// Whether it was added, removed or changed.
    pub change: ChangeKind,
    /// Its versions that differ.
    pub versions: Vec<VersionChange>,
}

/// A version of a rule set that differs.
#[derive(Debug, Clone, Serialize)]
pub struct VersionChange {
    /// The version's id, as written in `version:`.
    pub version: String,
    /// Whether it was added, removed, changed or renamed.
    pub change: ChangeKind,
    /// For a renamed version (its id changed, usually with its start date,
    /// while its rules stayed mostly the same), its old id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    /// The version's title on the new side (old side when removed).
    pub title: String,
    /// The version's rule file in the old tree, if it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_file: Option<String>,
    /// The version's rule file in the new tree, if it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_file: Option<String>,
    /// Version-level fields: `in_force.from`, `in_force.until`, `title`,
    /// `source.*`, `notes`, `applies_when`, `scope.<o>`, `silent_on.<o>`,
    /// `precedence`, `repeal`.
    pub fields: Vec<FieldChange>,
    /// Its rules that differ.
    pub rules: Vec<RuleChange>,
}

/// A rule of a version that differs.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    /// The rule's id.
    pub id: String,
    /// Whether it was added, removed, changed or renamed.
    pub change: ChangeKind,
    /// For a renamed rule, its old id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// The rule's citation, to name it in a report.
    pub cite: String,
    /// Rule fields: `cite`, `summary`, `when`, `then.<outcome>`,
    /// `exception_to`, `note`.
    pub fields: Vec<FieldChange>,
}

/// One field, old and new, as text. Scripts also come word by word, so a
/// renderer can mark what changed inside a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field, by name: `when`, `in_force.from`.
    pub field: String,
    /// Its text in the old tree; `None`: absent there.
    pub old: Option<String>,
    /// Its text in the new tree; `None`: absent there.
    pub new: Option<String>,
    /// For a script, the two texts compared word by word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
}

/// A piece of a word-by-word comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Word {
    /// Words on both sides.
    Same(String),
    /// Words only in the old text.
    Removed(String),
    /// Words only in the new text.
    Added(String),
}

/// An interval over which the version in force of a rule set differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineChange {
    /// The rule set's id.
    pub rule_set: String,
    /// The first day of the interval.
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

/// Which cases come out differently in the new tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Behaviour {
    /// Cases evaluated on both sides.
    pub cases: usize,
    /// Cases whose outcomes differ, outcome by outcome.
    pub changed: Vec<CaseChange>,
    /// Cases that could not be evaluated on one side (e.g. a fact removed).
    pub errors: Vec<CaseProblem>,
}

/// A case with outcomes that differ.
#[derive(Debug, Clone, Serialize)]
pub struct CaseChange {
    /// Case id.
    pub case: String,
    /// Where it came from: `golden test "<name>" (<file>)` or `<file>:<line>`.
    pub origin: String,
    /// The date it was evaluated on.
    pub date: NaiveDate,
    /// The outcomes that differ.
    pub outcomes: Vec<OutcomeChange>,
}

/// One outcome of a case, old and new.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeChange {
    /// The outcome's name.
    pub outcome: String,
    /// `None`: the outcome is not answered on that side.
    pub old: Option<OutcomeSide>,
    /// The outcome in the new tree; `None`: not answered there.
    pub new: Option<OutcomeSide>,
}

/// An outcome's result on one side, as `eval` gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeSide {
    /// How far the outcome is settled.
    pub status: Status,
    /// The decided value, if decided.
    pub value: Option<Val>,
    /// The rules that decided it (or disagreed, in a conflict).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<By>,
    /// The facts that would settle it, if they are missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Why it is undetermined, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A case that could not be evaluated on one side.
#[derive(Debug, Clone, Serialize)]
pub struct CaseProblem {
    /// The case's id.
    pub case: String,
    /// Where it came from, as in `CaseChange::origin`.
    pub origin: String,
    /// `old` or `new`.
    pub side: &'static str,
    /// Why not, in one line.
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
