//! The public handle on a loaded rules tree: declarations, rule sets, the
//! compiled scripts' engine, the result wording written from them, and the
//! golden tests kept beside them. Built once, complete, by `load`;
//! everything else only reads it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rhai::Engine;

use crate::explain::Wording;
use crate::rules::in_force::Position;
use crate::rules::model::{CaseCheck, CodeList, FactDef, OutcomeDef, RuleSet, TestFile, Version};

/// Which loaded tree a case was numbered against: unique among the trees
/// built in this process, so a case read against one tree is never
/// evaluated, facts misplaced, against another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeStamp(u64);

impl TreeStamp {
    pub(crate) fn new() -> TreeStamp {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        TreeStamp(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// A loaded, validated rules tree: what `load` builds and everything else reads.
pub struct RuleTree {
    /// Where the rules came from: a path, or `embedded`.
    pub source: String,
    /// SHA-256 of the rule files' paths and texts.
    pub digest: String,
    /// Every declared fact, by name (`person.birth_date`).
    pub facts: BTreeMap<String, FactDef>,
    /// Fact groups (`person`, `trip`, ...), sorted.
    pub groups: Vec<String>,
    /// Every declared outcome, by name.
    pub outcomes: BTreeMap<String, OutcomeDef>,
    /// The rule sets, each with its versions.
    pub rule_sets: Vec<RuleSet>,
    /// Checks across facts every case must pass.
    pub checks: Vec<CaseCheck>,
    /// Code lists kept in the tree, by id.
    pub code_lists: Vec<std::sync::Arc<CodeList>>,
    /// The files of golden tests kept beside the rules.
    pub tests: Vec<TestFile>,
    pub(crate) engine: Engine,
    /// How many conditions the tree has (their `id`s are below this).
    pub(crate) conditions: usize,
    /// How many distinct leaves the conditions have (their `id`s are
    /// below this; `LeafNumbers`).
    pub(crate) leaves: usize,
    /// This tree among those loaded in the process (see `Case`).
    pub(crate) stamp: TreeStamp,
    /// Fact names by number: the keys of `facts`, in order (a fact's
    /// number is its place among them, given before any script compiles).
    pub(crate) fact_names: Vec<String>,
    /// Fact declarations by number: the values of `facts`, in order.
    pub(crate) fact_defs: Vec<FactDef>,
    /// Outcome names by number: the keys of `outcomes`, in order.
    pub(crate) outcome_names: Vec<String>,
    /// For each of `groups`, its facts' field names (without the group)
    /// and numbers, sorted by name: the JSON case reader's index.
    pub(crate) group_fields: Vec<Vec<(String, usize)>>,
    /// What results say about the rules (reasons, grounds, the versions and
    /// rules as results cite them), written once from the finished model.
    pub(crate) wording: Wording,
    /// The same texts as escaped JSON, for `batch`'s writers: prepared on
    /// first use, so that trees loaded only to be checked never build them.
    pub(crate) fragments: std::sync::OnceLock<crate::result::fragments::Fragments>,
    /// What evaluation knows from the date alone, per epoch (see
    /// `eval::plan`): built on first use, like `fragments`.
    pub(crate) plans: std::sync::OnceLock<crate::eval::plan::Plans>,
    /// The JSON case scanner's keys and allowed values, prepared on first
    /// use like `fragments`.
    pub(crate) json_keys: std::sync::OnceLock<crate::case::JsonKeys>,
}

/// Where a date falls for one rule set.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// A version is in force (it may be a repeal version).
    InForce(&'a Version),
    /// Before the first version.
    NotYet(&'a Version),
    /// After `ended` ended and before `next` (if any) starts.
    Lapsed {
        ended: &'a Version,
        next: Option<&'a Version>,
    },
}

impl RuleSet {
    /// Which version is in force on `date`, or where the date falls; `None` without versions.
    pub fn resolve(&self, date: NaiveDate) -> Option<Resolved<'_>> {
        Some(match self.index.resolve(date) {
            Position::In(i) => Resolved::InForce(self.versions.get(i)?),
            Position::Before => Resolved::NotYet(self.versions.first()?),
            Position::After(i) => Resolved::Lapsed {
                ended: self.versions.get(i)?,
                next: self.versions.get(i + 1),
            },
        })
    }

    /// The version a repeal version ends: the one before it.
    pub fn repealed_by<'a>(&'a self, repeal: &'a Version) -> Option<&'a Version> {
        let pos = self.versions.iter().position(|v| std::ptr::eq(v, repeal))?;
        self.versions.get(pos.checked_sub(1)?)
    }
}

impl RuleTree {
    /// The evaluation plans of the tree's epochs (see `eval::plan`).
    pub(crate) fn plans(&self) -> &crate::eval::plan::Plans {
        self.plans
            .get_or_init(|| crate::eval::plan::Plans::of(self))
    }

    /// The tree's texts as escaped JSON (see `result::fragments`).
    pub(crate) fn fragments(&self) -> &crate::result::fragments::Fragments {
        self.fragments
            .get_or_init(|| crate::result::fragments::Fragments::of(self))
    }

    /// The keys and allowed values as the JSON case scanner looks them up
    /// (see `case::json_scan`).
    pub(crate) fn json_keys(&self) -> &crate::case::JsonKeys {
        self.json_keys
            .get_or_init(|| crate::case::JsonKeys::of(self))
    }

    /// The number of fact `name`: its place in the sorted declarations.
    pub(crate) fn fact_number(&self, name: &str) -> Option<usize> {
        self.fact_names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
    }

    /// The number and declaration of fact `name`, as both case readers
    /// look a field up.
    pub(crate) fn declared_fact(&self, name: &str) -> Option<(usize, &FactDef)> {
        let number = self.fact_number(name)?;
        Some((number, self.fact_defs.get(number)?))
    }

    /// The earliest date any version takes effect.
    pub fn earliest(&self) -> Option<NaiveDate> {
        self.rule_sets
            .iter()
            .filter_map(|s| s.versions.first())
            .map(|v| v.from)
            .min()
    }
}
