//! Timeline comparison: the maximal date intervals over which the version of
//! a rule set in force differs between the two trees, in words a reviewer
//! can check ("2012-03-28 to 2012-06-28: Decree No. 1010 (version
//! 2001-07-26) now in force, before repealed").

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::model::TimelineChange;
use super::structural::{fingerprint, renamed_versions};
use crate::rules::model::{RuleSet, Version};
use crate::rules::tree::{Resolved, RuleTree};

pub fn compare(old: &RuleTree, new: &RuleTree) -> Vec<TimelineChange> {
    let ids: BTreeSet<&String> = old
        .rule_sets
        .iter()
        .chain(new.rule_sets.iter())
        .map(|s| &s.id)
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let a = old.rule_sets.iter().find(|s| &s.id == id);
        let b = new.rule_sets.iter().find(|s| &s.id == id);
        out.extend(rule_set(id, a, b));
    }
    out
}

/// What is in force on a date: (version id, its meaning, words), or nothing.
type State = Option<(String, String, String)>;

fn state(set: Option<&RuleSet>, date: NaiveDate) -> State {
    match set?.resolve(date)? {
        Resolved::InForce(v) => Some((v.id.clone(), fingerprint(v), label(v))),
        _ => None,
    }
}

fn label(v: &Version) -> String {
    match &v.repeal {
        Some(_) => format!("repealed (version {}, {})", v.id, v.source.act),
        None => format!("{} (version {})", v.source.act, v.id),
    }
}

fn rule_set(id: &str, a: Option<&RuleSet>, b: Option<&RuleSet>) -> Vec<TimelineChange> {
    // Between two consecutive boundaries of either side nothing changes on
    // either side, so comparing at each boundary covers every day.
    let mut bounds: BTreeSet<NaiveDate> = BTreeSet::new();
    for set in [a, b].into_iter().flatten() {
        for v in &set.versions {
            bounds.insert(v.from);
            if let Some(u) = v.until {
                bounds.insert(u);
            }
        }
    }
    let bounds: Vec<NaiveDate> = bounds.into_iter().collect();
    // A version renamed (its id moved with its date) that reads the same is
    // the same law in force, not another version.
    let renamed = match (a, b) {
        (Some(a), Some(b)) => renamed_versions(&a.versions, &b.versions),
        _ => Vec::new(),
    };
    let mut out: Vec<TimelineChange> = Vec::new();
    for (i, from) in bounds.iter().enumerate() {
        let until = bounds.get(i + 1).copied();
        let (old, new) = (state(a, *from), state(b, *from));
        let same = match (&old, &new) {
            (Some((ia, fa, _)), Some((ib, fb, _))) => {
                fa == fb
                    && (ia == ib
                        || renamed
                            .iter()
                            .any(|(o, n)| *o == ia.as_str() && *n == ib.as_str()))
            }
            (None, None) => true,
            _ => false,
        };
        if same {
            continue;
        }
        let old_words = old.as_ref().map(|(_, _, w)| w.clone());
        let new_words = new.as_ref().map(|(_, _, w)| w.clone());
        let description = match (&old, &new) {
            (Some((ia, _, _)), Some((ib, _, wb))) if ia == ib => {
                format!("{wb} now reads differently (see the structural changes)")
            }
            (Some((_, _, wa)), Some((_, _, wb))) => format!("{wb} now in force, before {wa}"),
            (None, Some((_, _, wb))) => format!("{wb} now in force, before no version was"),
            (Some((_, _, wa)), None) => format!("no version now in force, before {wa}"),
            (None, None) => continue,
        };
        // Extend the previous interval when the change reads the same.
        if let Some(last) = out.last_mut()
            && last.until == Some(*from)
            && last.description == description
        {
            last.until = until;
            continue;
        }
        out.push(TimelineChange {
            rule_set: id.to_string(),
            from: *from,
            until,
            old: old_words,
            new: new_words,
            description,
        });
    }
    out
}
