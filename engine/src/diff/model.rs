//! The result of comparing two rules trees, as plain serialisable data: what
//! changed in the files' meaning (structural), over which dates the law in
//! force changed (timeline), and which cases now come out differently
//! (behavioural). Its JSON form is the stable `inforce diff --format json`
//! output documented in `docs/reviewing-rule-changes.md`. Rendering is the
//! CLI's job.

use chrono::NaiveDate;
use serde::Serialize;

use crate::result::OutcomeResult;

/// Everything that differs between two rules trees: `inforce diff`'s report.
#[derive(Debug, Clone, Serialize)]
pub struct RulesDiff {
    /// The side compared from.
    pub old: Side,
    /// The side compared to.
    pub new: Side,
    /// How many of each kind of change, for the head of a report.
    pub summary: Summary,
    /// Declarations, rule sets, versions and rules added, removed or changed.
    pub structural: Structural,
    /// The intervals over which the version in force of a rule set differs.
    pub timeline: Vec<TimelineChange>,
    /// The cases that decide differently, and those one side refused.
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

/// The counts of a diff, each named by what it counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rule sets only on the new side.
    pub rule_sets_added: usize,
    /// Rule sets only on the old side.
    pub rule_sets_removed: usize,
    /// Rule sets on both sides with any version changed.
    pub rule_sets_changed: usize,
    /// Versions only on the new side.
    pub versions_added: usize,
    /// Versions only on the old side.
    pub versions_removed: usize,
    /// Versions on both sides whose fields or rules differ.
    pub versions_changed: usize,
    /// Versions under a new id (see [`VersionChange::old_version`]).
    pub versions_renamed: usize,
    /// Rules only on the new side.
    pub rules_added: usize,
    /// Rules only on the old side.
    pub rules_removed: usize,
    /// Rules with the same content under a new id.
    pub rules_renamed: usize,
    /// Rules on both sides whose fields differ.
    pub rules_changed: usize,
    /// Facts, outcomes, checks and code lists added, removed or changed.
    pub declarations_changed: usize,
    /// Entries of [`RulesDiff::timeline`].
    pub timeline_changes: usize,
    /// Cases evaluated on both sides.
    pub cases_compared: usize,
    /// Cases of those that decide differently.
    pub cases_changed: usize,
    /// Cases that could not be evaluated on one side or both, each once.
    pub case_errors: usize,
}

/// What happened to a thing between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, with some field different.
    Changed,
    /// Same citation and content under a new id.
    Renamed,
}

impl ChangeKind {
    /// The word for the change, as the JSON form writes it: `added`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
        }
    }
}

/// What changed in the rule files' meaning.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Structural {
    /// Facts and outcomes declared, removed or changed.
    pub declarations: Vec<DeclarationChange>,
    /// Rule sets with any change, by id.
    pub rule_sets: Vec<RuleSetChange>,
}

/// A fact, outcome, check or code list added, removed or changed.
#[derive(Debug, Clone, Serialize)]
pub struct DeclarationChange {
    /// `fact`, `outcome`, `check` or `code list`.
    pub kind: &'static str,
    /// The fact's or outcome's name, the check's or code list's id.
    pub name: String,
    /// Added, removed or changed (never renamed).
    pub change: ChangeKind,
    /// The fields that differ; for an added or removed one, those it has.
    pub fields: Vec<FieldChange>,
}

/// A rule set with any change, and its versions that changed.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetChange {
    /// The rule set's id.
    pub id: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Its versions added, removed, renamed or changed, by id.
    pub versions: Vec<VersionChange>,
}

/// A version added, removed, renamed or changed.
#[derive(Debug, Clone, Serialize)]
pub struct VersionChange {
    /// The version's id (on the new side, when renamed).
    pub version: String,
    /// Added, removed, renamed or changed.
    pub change: ChangeKind,
    /// For a renamed version (its id changed, usually with its start date,
    /// while its rules stayed mostly the same), its old id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    /// The version's title on the new side (old side when removed).
    pub title: String,
    /// The file it is read from on the old side, if it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_file: Option<String>,
    /// The file it is read from on the new side, if it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_file: Option<String>,
    /// Version-level fields: `in_force.from`, `in_force.until`, `title`,
    /// `source.*`, `notes`, `applies_when`, `scope.<o>`, `silent_on.<o>`,
    /// `precedence`, `repeal`.
    pub fields: Vec<FieldChange>,
    /// Its rules added, removed, renamed or changed.
    pub rules: Vec<RuleChange>,
}

/// A rule added, removed, renamed or changed.
#[derive(Debug, Clone, Serialize)]
pub struct RuleChange {
    /// The rule's id (on the new side, when renamed).
    pub id: String,
    /// Added, removed, renamed or changed.
    pub change: ChangeKind,
    /// For a renamed rule, its old id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Its citation (the new side's, when on both).
    pub cite: String,
    /// Rule fields: `cite`, `summary`, `when`, `then.<outcome>`,
    /// `exception_to`, `note`.
    pub fields: Vec<FieldChange>,
}

/// One field, old and new, as text. Scripts also come word by word, so a
/// renderer can mark what changed inside a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field's name: `when`, `in_force.from`, `then.<outcome>`, ….
    pub field: String,
    /// Its text on the old side; `None`: not set there.
    pub old: Option<String>,
    /// Its text on the new side; `None`: not set there.
    pub new: Option<String>,
    /// For a script set on both sides: old and new word by word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
}

/// A piece of a word-by-word comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Word {
    /// Text on both sides.
    Same(String),
    /// Text only on the old side.
    Removed(String),
    /// Text only on the new side.
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

/// The cases evaluated under both trees, and how they came out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Behaviour {
    /// Cases evaluated on both sides.
    pub cases: usize,
    /// Cases whose outcomes differ, outcome by outcome.
    pub changed: Vec<CaseChange>,
    /// Cases that could not be evaluated on one side (e.g. a fact removed).
    pub errors: Vec<CaseProblem>,
}

/// A case that decides differently under the two trees.
#[derive(Debug, Clone, Serialize)]
pub struct CaseChange {
    /// Case id.
    pub case: String,
    /// Where it came from: `golden test "<name>" (<file>)` or `<file>:<line>`.
    pub origin: String,
    /// The date it was evaluated on.
    pub date: NaiveDate,
    /// The outcomes that differ, by name.
    pub outcomes: Vec<OutcomeChange>,
}

/// One outcome on both sides, each as `eval` gives it (so the JSON of a
/// side is that of the outcome in `eval --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeChange {
    /// The outcome's name.
    pub outcome: String,
    /// The outcome under the old tree; `None`: not answered there.
    pub old: Option<OutcomeResult>,
    /// The outcome under the new tree; `None`: not answered there.
    pub new: Option<OutcomeResult>,
}

/// A case that one side could not read or evaluate.
#[derive(Debug, Clone, Serialize)]
pub struct CaseProblem {
    /// Case id, or its origin when it has none (or could not be read).
    pub case: String,
    /// Where it came from: see [`CaseChange::origin`].
    pub origin: String,
    /// `old` or `new`.
    pub side: &'static str,
    /// What went wrong, in one line.
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
