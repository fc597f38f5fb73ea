//! Every text of a result line that depends on the rules alone, prepared
//! once per tree as escaped JSON: each version's `rule_sets` entry up to its
//! `applies`, each rule's `by` object and grounds, each reason's words and
//! code, each outcome's and fact's name. `batch` then writes a case's
//! verdict by copying the fragments it picks (`result::verdict_json`)
//! instead of building strings and scanning them for bytes to escape, which
//! was most of its time per case. Escaping is done byte by byte on
//! characters that never combine, so the escape of joined texts is the
//! join of their escapes: fragments can be put together in any order.
//! Not here: choosing the fragments for a case, or the words themselves
//! (`explain`).

use crate::explain::{Reason, ReasonKind, reason_place};
use crate::result::RulesInfo;
use crate::result::json::{
    write_by_head, write_escaped, write_rules_info, write_str, write_version_head,
};
use crate::rules::model::OutcomeId;
use crate::rules::tree::{Resolved, RuleTree};

/// A tree's texts as escaped JSON.
#[derive(Debug, Default)]
pub(crate) struct Fragments {
    /// `{"source":...,"digest":...}`.
    pub(crate) rules_info: Vec<u8>,
    /// The digest in quotes.
    pub(crate) digest: Vec<u8>,
    /// By version number (`Version::at`).
    pub(crate) versions: Vec<VersionFragments>,
    /// Outcome names, escaped, without quotes, by outcome number.
    pub(crate) outcomes: Vec<Vec<u8>>,
    /// Fact names, escaped, without quotes, by fact number.
    pub(crate) facts: Vec<Vec<u8>>,
}

/// One version's texts.
#[derive(Debug, Default)]
pub(crate) struct VersionFragments {
    /// Its `rule_sets` entry up to and including `"applies":`.
    pub(crate) in_force: Vec<u8>,
    /// `SET@VERSION`, escaped, without quotes.
    pub(crate) key: Vec<u8>,
    pub(crate) repealed: ReasonFragments,
    pub(crate) not_yet: ReasonFragments,
    pub(crate) lapsed: ReasonFragments,
    /// By outcome number.
    pub(crate) undecided: Vec<ReasonFragments>,
    /// By the rule's position (`Rule::at`).
    pub(crate) rules: Vec<RuleFragments>,
}

/// A reason's words and code, escaped, without quotes.
#[derive(Debug, Default)]
pub(crate) struct ReasonFragments {
    pub(crate) text: Vec<u8>,
    pub(crate) code: Vec<u8>,
}

/// One rule's texts.
#[derive(Debug, Default)]
pub(crate) struct RuleFragments {
    /// Its `by` object without the closing brace (a conflict adds the
    /// rule's value before it).
    pub(crate) by: Vec<u8>,
    /// `SET@VERSION#RULE`, escaped, without quotes.
    pub(crate) key: Vec<u8>,
    /// What a decision of the rule rests on, escaped.
    pub(crate) grounds: Vec<u8>,
    /// The rule's id and citation, escaped, for a conflict's words.
    pub(crate) id: Vec<u8>,
    pub(crate) cite: Vec<u8>,
}

fn escaped(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    write_escaped(&mut out, text.as_bytes());
    out
}

fn reason(r: &Reason) -> ReasonFragments {
    ReasonFragments {
        text: escaped(&r.text),
        code: escaped(&r.code),
    }
}

impl Fragments {
    /// The fragments of `tree`, from the same wording results use.
    pub(crate) fn of(tree: &RuleTree) -> Fragments {
        let mut rules_info = Vec::new();
        write_rules_info(
            &mut rules_info,
            &RulesInfo {
                source: tree.source.clone(),
                digest: tree.digest.clone(),
            },
        );
        let mut digest = Vec::new();
        write_str(&mut digest, &tree.digest);
        let versions = tree
            .wording
            .all()
            .map(|w| {
                let mut in_force = Vec::new();
                write_version_head(&mut in_force, w.in_force);
                VersionFragments {
                    in_force,
                    key: escaped(w.key),
                    repealed: reason(w.repealed),
                    not_yet: reason(w.not_yet),
                    lapsed: reason(w.lapsed),
                    undecided: w.undecided.iter().map(reason).collect(),
                    rules: w
                        .rules
                        .iter()
                        .map(|(key, by, grounds)| {
                            let mut head = Vec::new();
                            write_by_head(&mut head, by);
                            RuleFragments {
                                by: head,
                                key: escaped(key),
                                grounds: escaped(grounds),
                                id: escaped(&by.rule),
                                cite: escaped(&by.cite),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Fragments {
            rules_info,
            digest,
            versions,
            outcomes: tree.outcome_names.iter().map(|n| escaped(n)).collect(),
            facts: tree.fact_names.iter().map(|n| escaped(n)).collect(),
        }
    }

    /// Why a rule set, where the date falls as `resolved` says, does not
    /// decide outcome number `oid`: the reason `Wording::reason` words,
    /// chosen by the same `reason_place`.
    #[inline]
    pub(crate) fn reason(&self, oid: OutcomeId, resolved: &Resolved) -> Option<&ReasonFragments> {
        let (at, kind) = reason_place(oid, resolved);
        let w = self.versions.get(at)?;
        match kind {
            ReasonKind::Repealed => Some(&w.repealed),
            ReasonKind::NotYet => Some(&w.not_yet),
            ReasonKind::Lapsed => Some(&w.lapsed),
            ReasonKind::Undecided(o) => w.undecided.get(o),
        }
    }
}
