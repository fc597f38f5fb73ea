//! `inforce schema rules|case`: prints a JSON Schema for editors. The case
//! schema is built from the facts the rules declare, so it needs the rules.

use inforce_engine::{case_schema, rules_schema};

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

pub fn run(args: Args) -> u8 {
    let schema = match args.which {
        Which::Rules => rules_schema(),
        Which::Case => {
            let tree = match args.rules.tree_without_tests() {
                Ok(tree) => tree,
                Err(code) => return code,
            };
            case_schema(&tree)
        }
    };
    crate::outln!(
        "{}",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    );
    0
}
