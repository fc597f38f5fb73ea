//! How much of the shipped law the native evaluator covers: a guard that a
//! change to the analysis does not silently send every leaf back to rhai
//! (a performance regression no functional test would notice).

use std::path::Path;

use inforce_engine::internal::analysis::Cond;
use inforce_engine::read_dir;
use inforce_engine::{Golden, load_with};

fn leaves<'a>(c: &'a Cond, out: &mut Vec<&'a inforce_engine::internal::analysis::Leaf>) {
    match c {
        Cond::Leaf(l) => out.push(l),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| leaves(p, out)),
        Cond::Not(inner) => leaves(inner, out),
    }
}

#[test]
fn nearly_every_condition_leaf_of_the_shipped_rules_is_evaluated_natively() {
    let (files, _) = read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules"));
    let tree = load_with(files, "rules", Golden::Skip).tree.unwrap();
    let mut all = Vec::new();
    for v in tree.rule_sets.iter().flat_map(|s| &s.versions) {
        let conditions = v
            .rules
            .iter()
            .filter_map(|r| r.when.as_ref())
            .chain(v.applies_when.as_ref())
            .chain(v.scope.values());
        for c in conditions {
            leaves(&c.cond, &mut all);
        }
    }
    // The checks across facts run on every case read, `batch` included.
    for check in &tree.checks {
        leaves(&check.condition.cond, &mut all);
    }
    let native = all.iter().filter(|l| l.native.is_some()).count();
    let rhai: Vec<String> = all
        .iter()
        .filter(|l| l.native.is_none())
        .map(|l| format!("{:?}", l.reads))
        .collect();
    println!(
        "{native} of {} leaves native; with rhai: {rhai:?}",
        all.len()
    );
    assert!(all.len() > 100);
    assert!(
        native * 100 >= all.len() * 95,
        "{native} of {} native; with rhai: {rhai:?}",
        all.len()
    );
}
