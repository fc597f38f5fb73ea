//! `inforce check`: loads and validates every rule file and prints every
//! problem found, errors and warnings, each pointing into its file.

use crate::exit::{Failure, Finding, Outcome, Success};
use crate::render;
use crate::rules_source::RulesArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub rules: RulesArg,
}

pub fn run(args: Args) -> Outcome {
    let files = args.rules.read()?;
    // No directory to check: the input cannot be used at all.
    if let Some(p) = files.refused_root() {
        crate::errln!("{}", render::diagnostic(p));
        return Err(Failure::BadRules);
    }
    let loaded = files.load(inforce_engine::Golden::Load);
    render::print_diagnostics(&loaded.problems);
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
                "{} {}: {}, {}, {}, {}, {}, {}, {}, {}; {}",
                style.green("ok"),
                crate::text_safe::line(&tree.source),
                render::count(tree.rule_sets.len(), "rule set", "rule sets"),
                render::count(versions, "version", "versions"),
                render::count(rules, "rule", "rules"),
                render::count(tree.facts.len(), "fact", "facts"),
                render::count(tree.outcomes.len(), "outcome", "outcomes"),
                render::count(tree.checks.len(), "case check", "case checks"),
                render::count(tree.code_lists.len(), "code list", "code lists"),
                render::count(tests, "golden test", "golden tests"),
                render::count(loaded.warnings(), "warning", "warnings")
            );
            Ok(Success)
        }
        None => {
            crate::outln!(
                "{}: {}, {}",
                style.red("failed"),
                render::count(loaded.errors(), "error", "errors"),
                render::count(loaded.warnings(), "warning", "warnings")
            );
            Err(Failure::Found(Finding::RuleErrors))
        }
    }
}
