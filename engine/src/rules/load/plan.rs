//! Load-time numbering that lets evaluation work by position instead of by
//! name: every declared fact and outcome gets a number (its place in the
//! tree's sorted declarations), every fact a script reads is given its
//! number, and each version gets a table of what it does for each outcome
//! (answers it, its `scope`, the rules deciding it, the reason it gives
//! when none does). Names stay in the tree for messages and results.
//! Not here: parsing or validating (`load`), evaluating (`eval`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::result::{By, Interval, VersionInForce};
use crate::rules::model::{OutcomeSlot, Then, Version};
use crate::rules::tree::RuleTree;
use crate::script::analysis::Cond;

/// Numbers the facts, outcomes and rules of a freshly loaded tree.
pub(crate) fn index(tree: &mut RuleTree) {
    let ids: BTreeMap<&str, usize> = tree
        .facts
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let id_of = |name: &str| ids.get(name).copied();
    let outcomes: Vec<&str> = tree.outcomes.keys().map(String::as_str).collect();
    for check in &mut tree.checks {
        number_cond(&mut check.condition.cond, &id_of);
        check.read_ids = check.reads.iter().filter_map(|f| id_of(f)).collect();
    }
    for set in &mut tree.rule_sets {
        for v in &mut set.versions {
            number_version(v, &id_of);
            v.slots = outcomes.iter().map(|o| slot(v, o)).collect();
            share_texts(v);
        }
    }
    tree.fact_names = tree.facts.keys().cloned().collect();
    tree.fact_defs = tree.facts.values().cloned().collect();
    tree.outcome_names = tree.outcomes.keys().cloned().collect();
    tree.group_fields = tree
        .groups
        .iter()
        .map(|g| {
            tree.fact_names
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let (group, field) = name.split_once('.')?;
                    (group == g).then(|| (field.to_string(), i))
                })
                .collect()
        })
        .collect();
}

fn number_version(v: &mut Version, id_of: &dyn Fn(&str) -> Option<usize>) {
    if let Some(c) = &mut v.applies_when {
        number_cond(&mut c.cond, id_of);
    }
    for c in v.scope.values_mut() {
        number_cond(&mut c.cond, id_of);
    }
    for r in &mut v.rules {
        if let Some(c) = &mut r.when {
            number_cond(&mut c.cond, id_of);
        }
        for (_, then) in &mut r.then {
            if let Then::Expr {
                reads,
                read_ids,
                native,
                ..
            } = then
            {
                *read_ids = reads.iter().filter_map(|f| id_of(f)).collect();
                if let Some(n) = native {
                    n.number_facts(id_of);
                }
            }
        }
    }
}

/// The texts results quote, shared: cloning an `Arc` per case instead of
/// copying each string.
fn share_texts(v: &mut Version) {
    let rule_set: Arc<str> = Arc::from(v.rule_set.as_str());
    let version: Arc<str> = Arc::from(v.id.as_str());
    v.in_force_entry = VersionInForce {
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
    };
    for r in &mut v.rules {
        r.by = By {
            rule: Arc::from(r.id.as_str()),
            rule_set: Arc::clone(&rule_set),
            version: Arc::clone(&version),
            cite: Arc::from(r.cite.as_str()),
            value: None,
        };
    }
}

fn number_cond(c: &mut Cond, id_of: &dyn Fn(&str) -> Option<usize>) {
    match c {
        Cond::Leaf(leaf) => {
            leaf.read_ids = leaf.reads.iter().filter_map(|f| id_of(f)).collect();
            if let Some(n) = &mut leaf.native {
                n.number_facts(id_of);
            }
        }
        Cond::And(parts) | Cond::Or(parts) => {
            for p in parts {
                number_cond(p, id_of);
            }
        }
        Cond::Not(inner) => number_cond(inner, id_of),
    }
}

/// What `v` does for `outcome`. The undetermined reason depends only on
/// the version and the outcome, so it is written here once.
fn slot(v: &Version, outcome: &str) -> OutcomeSlot {
    let id = &v.rule_set;
    let deciders: Vec<(usize, usize)> = v
        .rules
        .iter()
        .enumerate()
        .flat_map(|(ri, r)| {
            r.then
                .iter()
                .enumerate()
                .filter(|(_, (o, _))| o == outcome)
                .map(move |(ti, _)| (ri, ti))
        })
        .collect();
    let undecided = match v.silent_on.get(outcome) {
        Some(why) => format!(
            "{} (`{id}` version {}) does not decide it: {why}",
            v.title, v.id
        ),
        None if !deciders.is_empty() => {
            // Name the facts the deciding rules read: the caseworker sees
            // which facts of the case made none of them hold.
            let mut facts: Vec<&str> = Vec::new();
            for &(ri, _) in &deciders {
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
    };
    OutcomeSlot {
        answers: !deciders.is_empty()
            || v.scope.contains_key(outcome)
            || v.silent_on.contains_key(outcome),
        scope: v.scope.get(outcome).cloned(),
        deciders,
        undecided,
    }
}
