//! `inforce diff`: what a change to the rules means. Compares two loaded
//! rules trees structurally (rule sets, versions, rules, declarations, field
//! by field), over time (the intervals where the law in force differs), and
//! by behaviour (golden and given cases evaluated under both). Loading the
//! two sides (directories or git revisions) is the caller's job.

mod behaviour;
pub mod model;
mod structural;
mod timeline;
pub mod words;

pub use model::*;

use crate::rules::tree::RuleTree;

/// Compares `old` with `new`. Every golden test of either tree, and every
/// case in `extra`, is evaluated under both.
pub fn compare(
    old: &RuleTree,
    old_label: &str,
    new: &RuleTree,
    new_label: &str,
    extra: &[CaseInput],
) -> RulesDiff {
    let structural = structural::compare(old, new);
    let timeline = timeline::compare(old, new);
    let behaviour = behaviour::compare(old, new, extra);
    let mut summary = Summary::default();
    for set in &structural.rule_sets {
        match set.change {
            ChangeKind::Added => summary.rule_sets_added += 1,
            ChangeKind::Removed => summary.rule_sets_removed += 1,
            _ => summary.rule_sets_changed += 1,
        }
        for v in &set.versions {
            match v.change {
                ChangeKind::Added => summary.versions_added += 1,
                ChangeKind::Removed => summary.versions_removed += 1,
                ChangeKind::Renamed => summary.versions_renamed += 1,
                _ => summary.versions_changed += 1,
            }
            for r in &v.rules {
                match r.change {
                    ChangeKind::Added => summary.rules_added += 1,
                    ChangeKind::Removed => summary.rules_removed += 1,
                    ChangeKind::Renamed => summary.rules_renamed += 1,
                    ChangeKind::Changed => summary.rules_changed += 1,
                }
            }
        }
    }
    summary.declarations_changed = structural.declarations.len();
    summary.timeline_changes = timeline.len();
    summary.cases_compared = behaviour.cases;
    summary.cases_changed = behaviour.changed.len();
    // One case refused by both sides is one case that could not be compared.
    let refused: std::collections::BTreeSet<&str> =
        behaviour.errors.iter().map(|e| e.origin.as_str()).collect();
    summary.case_errors = refused.len();
    RulesDiff {
        old: Side {
            label: old_label.to_string(),
            digest: old.digest.clone(),
        },
        new: Side {
            label: new_label.to_string(),
            digest: new.digest.clone(),
        },
        summary,
        structural,
        timeline,
        behaviour,
    }
}
