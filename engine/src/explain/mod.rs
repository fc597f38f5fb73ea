//! The words results use about the rules themselves: why a version leaves
//! an outcome undetermined (repealed, not yet in force, lapsed, no rule
//! decides it), what a rule's decision rests on, and the versions and rules
//! as results cite them. They depend on the rules alone, not on the case,
//! so they are written once when a tree loads (`Wording::of`) and looked up
//! by position during evaluation; texts results carry are shared (`Arc`),
//! not copied per case. Not here: choosing which words a case gets
//! (`eval`), the result types (`result`) or rendering (the CLI).

mod check;
pub(crate) mod outcome;
mod wording;

use std::sync::Arc;

use crate::result::{By, VersionInForce};
use crate::rules::model::{OutcomeId, Rule, RuleSet, Version};
use crate::rules::tree::Resolved;

/// The wording of every version of a tree, by the version's number
/// (`Version::at`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Wording {
    versions: Vec<VersionWording>,
    /// Where each version's rules start in the numbering of every rule of
    /// the tree (`rule_number`), by the version's number.
    rule_base: Vec<usize>,
    /// Where each version's reasons start in the numbering of every
    /// reason of the tree (`reason_number`): repealed, not yet, lapsed,
    /// then undecided by outcome number.
    reason_base: Vec<usize>,
}

/// What results say about one version.
#[derive(Debug, Clone)]
struct VersionWording {
    /// `SET@VERSION`: how compact output and its legend name the version.
    key: Arc<str>,
    /// The version as results list it among those in force.
    in_force: VersionInForce,
    /// Why it decides nothing, as a repeal in force (empty for a version
    /// that repeals nothing).
    repealed: Reason,
    /// Why its rule set decides nothing before it, the first version.
    not_yet: Reason,
    /// Why its rule set decides nothing once it has ended and no other
    /// version is in force.
    lapsed: Reason,
    /// Why an outcome is undetermined when the version is in force and no
    /// rule of it decides it for the case, by outcome number.
    undecided: Vec<Reason>,
    /// Its rules' wording, by the rule's position (`Rule::at`).
    rules: Vec<RuleWording>,
}

/// One reason an outcome is undetermined, in words and as the code compact
/// output writes for it: a letter for the kind (`n` not yet in force, `r`
/// repealed, `l` lapsed, `u` undecided), the version's number, and for
/// `u` a dot and the outcome's number (`n3`, `u12.4`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Reason {
    pub(crate) code: Arc<str>,
    pub(crate) kind: ReasonKind,
    pub(crate) text: String,
}

/// What results say about one rule.
#[derive(Debug, Clone)]
struct RuleWording {
    /// `SET@VERSION#RULE`: how compact output and its legend name the rule.
    key: Arc<str>,
    /// What the explanation says a decision rests on: the rule's citation,
    /// id, version and dates.
    grounds: String,
    /// The rule as results cite it.
    by: By,
}

impl Wording {
    /// The wording of every version of `rule_sets`, whose outcomes are
    /// numbered as `outcomes` lists them.
    pub(crate) fn of(rule_sets: &[RuleSet], outcomes: &[String]) -> Wording {
        let mut versions: Vec<(usize, VersionWording)> = Vec::new();
        for set in rule_sets {
            for (i, v) in set.versions.iter().enumerate() {
                let next = set.versions.get(i + 1);
                versions.push((v.at, wording::version(v, next, outcomes)));
            }
        }
        // Versions are numbered 0, 1, 2, ... as they compile, so in that
        // order each one's wording sits at its number.
        versions.sort_by_key(|(at, _)| *at);
        let versions: Vec<VersionWording> = versions.into_iter().map(|(_, w)| w).collect();
        let base = |count: fn(&VersionWording) -> usize| {
            let mut next = 0;
            versions
                .iter()
                .map(|w| {
                    let at = next;
                    next += count(w);
                    at
                })
                .collect()
        };
        Wording {
            rule_base: base(|w| w.rules.len()),
            reason_base: base(|w| REASON_SLOTS + w.undecided.len()),
            versions,
        }
    }

    /// Rule `r` of `v`'s number among every rule of the tree: versions in
    /// their order (`Version::at`), each one's rules in theirs. `rule_keys`
    /// gives the keys so numbered.
    #[inline]
    pub(crate) fn rule_number(&self, v: &Version, r: &Rule) -> Option<usize> {
        Some(self.rule_base.get(v.at)? + r.at)
    }

    /// Every rule's key (`SET@VERSION#RULE`), by its `rule_number`.
    pub(crate) fn rule_keys(&self) -> Vec<&str> {
        self.versions
            .iter()
            .flat_map(|w| w.rules.iter().map(|r| &*r.key))
            .collect()
    }

    /// The number of the reason `reason` gives (for the same outcome and
    /// place) among every reason of the tree; `reason_codes` gives the
    /// codes so numbered.
    #[inline]
    pub(crate) fn reason_number(&self, oid: OutcomeId, resolved: &Resolved) -> Option<usize> {
        let (at, kind) = reason_place(oid, resolved);
        let slot = match kind {
            ReasonKind::Repealed => 0,
            ReasonKind::NotYet => 1,
            ReasonKind::Lapsed => 2,
            ReasonKind::Undecided(o) => REASON_SLOTS + o,
        };
        Some(self.reason_base.get(at)? + slot)
    }

    /// Every reason's code, by its `reason_number` (empty for a reason no
    /// case can be given: the repeal of a version that repeals nothing).
    pub(crate) fn reason_codes(&self) -> Vec<&str> {
        self.versions
            .iter()
            .flat_map(|w| {
                [&w.repealed, &w.not_yet, &w.lapsed]
                    .into_iter()
                    .chain(w.undecided.iter())
                    .map(|r| &*r.code)
            })
            .collect()
    }

    #[inline]
    fn version(&self, v: &Version) -> Option<&VersionWording> {
        self.versions.get(v.at)
    }

    #[inline]
    fn rule(&self, v: &Version, r: &Rule) -> Option<&RuleWording> {
        self.version(v).and_then(|w| w.rules.get(r.at))
    }

    /// `v` as results list it among the versions in force.
    #[inline]
    pub(crate) fn in_force(&self, v: &Version) -> VersionInForce {
        self.version(v)
            .map(|w| w.in_force.clone())
            .unwrap_or_default()
    }

    /// What a decision of rule `r` of `v` rests on, for the explanation.
    #[inline]
    pub(crate) fn grounds(&self, v: &Version, r: &Rule) -> &str {
        self.rule(v, r).map_or("", |w| w.grounds.as_str())
    }

    /// Rule `r` of `v` as compact and columnar output name it:
    /// `SET@VERSION#RULE`.
    #[inline]
    pub(crate) fn key(&self, v: &Version, r: &Rule) -> &str {
        self.rule(v, r).map_or("", |w| &*w.key)
    }

    /// Rule `r` of `v` as results cite it.
    #[inline]
    pub(crate) fn by(&self, v: &Version, r: &Rule) -> By {
        self.rule(v, r).map(|w| w.by.clone()).unwrap_or_default()
    }

    /// Why a rule set, where the date falls as `resolved` says, does not
    /// decide outcome number `oid`.
    #[inline]
    pub(crate) fn reason(&self, oid: OutcomeId, resolved: &Resolved) -> Option<&Reason> {
        let (at, kind) = reason_place(oid, resolved);
        let w = self.versions.get(at)?;
        match kind {
            ReasonKind::Repealed => Some(&w.repealed),
            ReasonKind::NotYet => Some(&w.not_yet),
            ReasonKind::Lapsed => Some(&w.lapsed),
            ReasonKind::Undecided(o) => w.undecided.get(o),
        }
    }

    /// Every version's wording by the version's number (`Version::at`),
    /// for the writers that prepare it as JSON once (`result::fragments`).
    pub(crate) fn all(&self) -> impl Iterator<Item = VersionTexts<'_>> {
        self.versions.iter().map(|w| VersionTexts {
            key: &w.key,
            in_force: &w.in_force,
            repealed: &w.repealed,
            not_yet: &w.not_yet,
            lapsed: &w.lapsed,
            undecided: &w.undecided,
            rules: w
                .rules
                .iter()
                .map(|r| (&*r.key, &r.by, r.grounds.as_str()))
                .collect(),
        })
    }

    /// The wording of `v` as the legend of compact output lists it.
    pub(crate) fn entry(&self, v: &Version) -> Option<VersionEntry<'_>> {
        self.version(v).map(|w| VersionEntry {
            key: &w.key,
            in_force: &w.in_force,
            reasons: [&w.repealed, &w.not_yet, &w.lapsed]
                .into_iter()
                .chain(w.undecided.iter())
                .filter(|r| !r.code.is_empty())
                .collect(),
            rules: w
                .rules
                .iter()
                .map(|r| (&*r.key, &r.by, r.grounds.as_str()))
                .collect(),
        })
    }
}

/// A version's reasons before its undecided ones: repealed, not yet,
/// lapsed.
const REASON_SLOTS: usize = 3;

/// Which of a version's reasons says why a rule set does not decide an
/// outcome (`reason_place`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) enum ReasonKind {
    #[default]
    Repealed,
    NotYet,
    Lapsed,
    /// In force, and no rule decides outcome number `.0`.
    Undecided(usize),
}

impl ReasonKind {
    /// The first letter of the kind's codes.
    pub(crate) fn letter(self) -> char {
        match self {
            ReasonKind::NotYet => 'n',
            ReasonKind::Repealed => 'r',
            ReasonKind::Lapsed => 'l',
            ReasonKind::Undecided(_) => 'u',
        }
    }

    /// The kind as the legend names it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ReasonKind::NotYet => "not_yet",
            ReasonKind::Repealed => "repealed",
            ReasonKind::Lapsed => "lapsed",
            ReasonKind::Undecided(_) => "undecided",
        }
    }
}

/// Why a rule set, where the date falls as `resolved` says, does not
/// decide outcome number `oid`: the number of the version whose reason it
/// is (`Version::at`) and which of its reasons. Wording and the prepared
/// JSON fragments (`result::fragments`) both choose by this, so the words
/// and the codes cannot be chosen differently.
#[inline]
pub(crate) fn reason_place(oid: OutcomeId, resolved: &Resolved) -> (usize, ReasonKind) {
    match resolved {
        Resolved::InForce(v) if v.repeal.is_some() => (v.at, ReasonKind::Repealed),
        Resolved::NotYet(first) => (first.at, ReasonKind::NotYet),
        Resolved::Lapsed { ended, .. } => (ended.at, ReasonKind::Lapsed),
        Resolved::InForce(v) => (v.at, ReasonKind::Undecided(oid.index())),
    }
}

/// One version's wording, every part of it, as `Wording::all` gives it.
pub(crate) struct VersionTexts<'a> {
    pub(crate) key: &'a str,
    pub(crate) in_force: &'a VersionInForce,
    pub(crate) repealed: &'a Reason,
    pub(crate) not_yet: &'a Reason,
    pub(crate) lapsed: &'a Reason,
    pub(crate) undecided: &'a [Reason],
    /// Each rule by its position: its key, how results cite it, and its
    /// grounds.
    pub(crate) rules: Vec<(&'a str, &'a By, &'a str)>,
}

/// One version's wording as the legend of compact output lists it.
pub(crate) struct VersionEntry<'a> {
    pub(crate) key: &'a str,
    pub(crate) in_force: &'a VersionInForce,
    pub(crate) reasons: Vec<&'a Reason>,
    /// Each rule: its key, how results cite it, and its grounds.
    pub(crate) rules: Vec<(&'a str, &'a By, &'a str)>,
}

/// An undetermined outcome's reason as results give it: the reasons of the
/// rule sets that answer it, joined, then the facts that would not change
/// it. Evaluation and the expansion of compact output both word it here,
/// so the two cannot drift apart.
pub(crate) fn compose_reason<'t>(
    parts: impl IntoIterator<Item = &'t str>,
    whatever: &[String],
) -> String {
    let mut reason = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            // Reasons are sentences; joined, only the last keeps its stop.
            while reason.ends_with('.') {
                reason.pop();
            }
            reason.push_str("; ");
        }
        reason.push_str(part);
    }
    // Unknown facts that decide only whether a rule set answers: no value
    // of them would decide the outcome, and the reason says so, so that
    // nobody goes after them.
    if !whatever.is_empty() {
        while reason.ends_with('.') {
            reason.pop();
        }
        reason.push_str(". This holds whatever ");
        for (i, n) in whatever.iter().enumerate() {
            if i > 0 {
                reason.push_str(if i + 1 == whatever.len() {
                    " and "
                } else {
                    ", "
                });
            }
            reason.push('`');
            reason.push_str(n);
            reason.push('`');
        }
        reason.push_str(if whatever.len() == 1 { " is." } else { " are." });
    }
    reason
}

#[cfg(test)]
mod tests {
    use crate::rules::tree::RuleTree;

    fn shipped() -> RuleTree {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, problems) = crate::rules::source::read_dir(&root);
        assert!(problems.is_empty(), "{problems:?}");
        crate::rules::load::load(files, "rules").tree.unwrap()
    }

    #[test]
    fn every_version_and_rule_of_the_shipped_rules_finds_its_own_wording() {
        let tree = shipped();
        let w = &tree.wording;
        for set in &tree.rule_sets {
            for v in &set.versions {
                let entry = w.in_force(v);
                assert_eq!((&*entry.id, &*entry.version), (&*v.rule_set, &*v.id));
                for r in &v.rules {
                    let by = w.by(v, r);
                    assert_eq!((&*by.rule, &*by.version), (&*r.id, &*v.id));
                    assert!(w.grounds(v, r).starts_with(&r.cite), "{}", r.id);
                }
            }
        }
    }

    #[test]
    fn every_fact_a_shipped_script_reads_is_numbered_as_it_is_compiled() {
        let tree = shipped();
        for set in &tree.rule_sets {
            for v in &set.versions {
                let conds = v.applies_when.iter().chain(v.scope.values());
                let whens = v.rules.iter().filter_map(|r| r.when.as_ref());
                for c in conds.chain(whens) {
                    for leaf in c.cond.leaves() {
                        let names: Vec<&str> = leaf
                            .read_ids
                            .iter()
                            .map(|&i| tree.fact_names[i.index()].as_str())
                            .collect();
                        assert_eq!(names, leaf.reads, "{}", c.text);
                    }
                }
            }
        }
    }
}
