//! `inforce check`: loads and validates every rule file and prints every
//! problem found, errors and warnings, each pointing into its file.

use crate::render;
use crate::rules_source::RulesArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub rules: RulesArg,
}

pub fn run(args: Args) -> u8 {
    let loaded = args.rules.load();
    for p in &loaded.problems {
        eprintln!("{}", render::diagnostic(p));
    }
    let style = render::Style::stdout();
    match &loaded.tree {
        Some(tree) => {
            let versions: usize = tree.rule_sets.iter().map(|s| s.versions.len()).sum();
            let rules: usize = tree
                .rule_sets
                .iter()
                .flat_map(|s| &s.versions)
                .map(|v| v.rules.len())
                .sum();
            let tests: usize = tree.tests.iter().map(|t| t.tests.len()).sum();
            crate::outln!(
                "{} {}: {} rule sets, {} versions, {} rules, {} facts, {} outcomes, {} golden tests; {} warnings",
                style.green("ok"),
                tree.source,
                tree.rule_sets.len(),
                versions,
                rules,
                tree.facts.len(),
                tree.outcomes.len(),
                tests,
                loaded.warnings()
            );
            0
        }
        None => {
            crate::outln!(
                "{}: {} errors, {} warnings",
                style.red("failed"),
                loaded.errors(),
                loaded.warnings()
            );
            1
        }
    }
}
