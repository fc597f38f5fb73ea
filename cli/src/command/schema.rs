//! `inforce schema rules|case`: prints a JSON Schema for editors. The case
//! schema is built from the facts the rules declare, so it needs the rules.

use inforce_engine::{case_schema, rules_schema};

use crate::exit::{Outcome, Success};
use crate::rules_source::RulesArg;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Which {
    /// Rule files: versions, declarations, golden tests.
    Rules,
    /// Case files, under the declared facts.
    Case,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(value_enum)]
    pub which: Which,
    #[command(flatten)]
    pub rules: RulesArg,
}

pub fn run(args: Args) -> Outcome {
    let schema = match args.which {
        Which::Rules => rules_schema(),
        Which::Case => case_schema(&args.rules.tree_without_tests()?),
    };
    crate::outln!(
        "{}",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    );
    Ok(Success)
}
