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

use crate::result::{By, VersionInForce};
use crate::rules::model::{OutcomeId, Rule, RuleSet, Version};
use crate::rules::tree::Resolved;

/// The wording of every version of a tree, by the version's number
/// (`Version::at`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Wording {
    versions: Vec<VersionWording>,
}

/// What results say about one version.
#[derive(Debug, Clone)]
struct VersionWording {
    /// The version as results list it among those in force.
    in_force: VersionInForce,
    /// Why it decides nothing, as a repeal in force (empty for a version
    /// that repeals nothing).
    repealed: String,
    /// Why its rule set decides nothing before it, the first version.
    not_yet: String,
    /// Why its rule set decides nothing once it has ended and no other
    /// version is in force.
    lapsed: String,
    /// Why an outcome is undetermined when the version is in force and no
    /// rule of it decides it for the case, by outcome number.
    undecided: Vec<String>,
    /// Its rules' wording, by the rule's position (`Rule::at`).
    rules: Vec<RuleWording>,
}

/// What results say about one rule.
#[derive(Debug, Clone)]
struct RuleWording {
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
        Wording {
            versions: versions.into_iter().map(|(_, w)| w).collect(),
        }
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

    /// Rule `r` of `v` as results cite it.
    #[inline]
    pub(crate) fn by(&self, v: &Version, r: &Rule) -> By {
        self.rule(v, r).map(|w| w.by.clone()).unwrap_or_default()
    }

    /// Why a rule set, where the date falls as `resolved` says, does not
    /// decide outcome number `oid`.
    #[inline]
    pub(crate) fn reason(&self, oid: OutcomeId, resolved: &Resolved) -> &str {
        let text = match resolved {
            Resolved::InForce(v) if v.repeal.is_some() => {
                self.version(v).map(|w| w.repealed.as_str())
            }
            Resolved::NotYet(first) => self.version(first).map(|w| w.not_yet.as_str()),
            Resolved::Lapsed { ended, .. } => self.version(ended).map(|w| w.lapsed.as_str()),
            Resolved::InForce(v) => self
                .version(v)
                .and_then(|w| w.undecided.get(oid.index()))
                .map(String::as_str),
        };
        text.unwrap_or("")
    }
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
