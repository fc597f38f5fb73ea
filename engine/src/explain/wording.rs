//! The sentences of `Wording`, written from one finished version: its
//! undetermined reasons, each rule's grounds, and the shared texts results
//! cite. Not here: looking them up (`explain`), or any text that depends
//! on a case (`eval`).

use std::sync::Arc;

use super::{Reason, ReasonKind, RuleWording, VersionWording};
use crate::result::{By, Interval, VersionInForce};
use crate::rules::model::{OutcomeId, Rule, Version};

/// The wording of `v`, followed in its rule set by `next` (if any), whose
/// outcomes are numbered as `outcomes` lists them.
pub(super) fn version(v: &Version, next: Option<&Version>, outcomes: &[String]) -> VersionWording {
    // One copy of the ids for the version and all its rules: results clone
    // the `Arc`, never the text.
    let rule_set: Arc<str> = Arc::from(v.rule_set.as_str());
    let version: Arc<str> = Arc::from(v.id.as_str());
    let key = format!("{}@{}", v.rule_set, v.id);
    // Codes are short (a letter for the kind, the version's number, and
    // for `undecided` the outcome's): reasons were a quarter of every
    // compact line's bytes when they spelled out `SET@VERSION:OUTCOME`
    // (docs/decisions.md 50). The legend gives each one's words.
    let at = v.at;
    let reason = |kind: ReasonKind, text: String| Reason {
        code: Arc::from(format!("{}{at}", kind.letter())),
        kind,
        text,
    };
    VersionWording {
        in_force: VersionInForce {
            id: Arc::clone(&rule_set),
            version: Arc::clone(&version),
            title: Arc::from(v.title.as_str()),
            in_force: Interval {
                from: v.from,
                until: v.until,
            },
            source: Arc::from(v.source.act.as_str()),
            repeal: v.repeal.is_some(),
            applies: None,
        },
        // A version that repeals nothing has no repeal reason, and no code.
        repealed: if v.repeal.is_some() {
            reason(ReasonKind::Repealed, repealed(v))
        } else {
            Reason::default()
        },
        not_yet: reason(
            ReasonKind::NotYet,
            format!(
                "`{}` is not yet in force: its first version ({}) takes effect on {}",
                v.rule_set, v.title, v.from
            ),
        ),
        lapsed: reason(ReasonKind::Lapsed, lapsed(v, next)),
        undecided: outcomes
            .iter()
            .enumerate()
            .map(|(oid, o)| Reason {
                code: Arc::from(format!("u{at}.{oid}")),
                kind: ReasonKind::Undecided(oid),
                text: undecided(v, OutcomeId::new(oid), o),
            })
            .collect(),
        rules: v
            .rules
            .iter()
            .map(|r| RuleWording {
                key: Arc::from(format!("{key}#{}", r.id)),
                grounds: grounds(v, r),
                by: By {
                    rule: Arc::from(r.id.as_str()),
                    rule_set: Arc::clone(&rule_set),
                    version: Arc::clone(&version),
                    cite: Arc::from(r.cite.as_str()),
                    value: None,
                },
            })
            .collect(),
        key: Arc::from(key.as_str()),
    }
}

/// Why a repeal version in force decides nothing; empty for a version that
/// repeals nothing.
fn repealed(v: &Version) -> String {
    let Some(r) = &v.repeal else {
        return String::new();
    };
    let mut out = format!(
        "`{}` ({}) was repealed on {} by {}",
        v.rule_set, r.repeals, v.from, v.source.act
    );
    if let Some(note) = &r.note {
        out.push_str(&format!(". {note}"));
    }
    out
}

/// Why nothing is decided once `v` has ended and `next` (if any) has not begun.
fn lapsed(v: &Version, next: Option<&Version>) -> String {
    let mut out = format!(
        "`{}` has no version in force: {} ceased to apply on {}",
        v.rule_set,
        v.title,
        v.until.map(|u| u.to_string()).unwrap_or_default()
    );
    if let Some(n) = next {
        out.push_str(&format!(" and the next version takes effect on {}", n.from));
    }
    out
}

/// What a decision of `r` rests on: its citation, id, version and dates.
fn grounds(v: &Version, r: &Rule) -> String {
    format!(
        "{} (rule `{}`, {} version {}, in force {})",
        r.cite,
        r.id,
        v.rule_set,
        v.id,
        v.interval_text()
    )
}

/// Why `outcome` (number `oid`) is undetermined when `v` is in force and
/// none of its rules decides it for the case.
fn undecided(v: &Version, oid: OutcomeId, outcome: &str) -> String {
    let id = &v.rule_set;
    let deciders = v
        .by_outcome
        .get(oid.index())
        .map_or(&[][..], |s| s.deciders.as_slice());
    match v.silent_on.get(outcome) {
        Some(why) => format!(
            "{} (`{id}` version {}) does not decide it: {why}",
            v.title, v.id
        ),
        None if !deciders.is_empty() => {
            // Name the facts the deciding rules read: the caseworker sees
            // which facts of the case made none of them hold.
            let mut facts: Vec<&str> = Vec::new();
            for &(ri, _) in deciders {
                if let Some(c) = v.rules.get(ri).and_then(|r| r.when.as_ref()) {
                    facts.extend(
                        c.cond
                            .leaves()
                            .into_iter()
                            .flat_map(|l| l.reads.iter().map(String::as_str)),
                    );
                }
            }
            facts.sort_unstable();
            facts.dedup();
            if facts.is_empty() {
                format!(
                    "no rule of `{id}` version {} decides it for this case",
                    v.id
                )
            } else {
                format!(
                    "no rule of `{id}` version {} decides it for this case's {}",
                    v.id,
                    facts
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
        None => format!("`{id}` version {} does not decide it", v.id),
    }
}
