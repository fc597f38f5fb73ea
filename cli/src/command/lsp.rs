//! `inforce lsp`: the language server for rule files, speaking the Language
//! Server Protocol on standard input and output until the editor shuts it
//! down. Only parses the flags; the server is the `inforce-lsp` crate.
//! Nothing may be printed on standard output here: it is the protocol's.

use std::path::PathBuf;
use std::time::Duration;

use crate::exit::{Failure, Outcome, Success};
use crate::render;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rules directory (default: the editor's `initializationOptions.rules`, else $INFORCE_RULES, else `rules` in the workspace folder, else the workspace folder).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// How long the editor must be quiet, in milliseconds, before the tree is checked again.
    #[arg(long, value_name = "MS", default_value_t = 30)]
    pub debounce_ms: u64,
}

pub fn run(args: Args) -> Outcome {
    let options = inforce_lsp::Options {
        rules: args.rules,
        debounce: Duration::from_millis(args.debounce_ms),
    };
    match inforce_lsp::serve_stdio(options) {
        Ok(()) => Ok(Success),
        Err(e) => {
            crate::errln!("{}", render::diagnostic(&e));
            Err(Failure::BadInput)
        }
    }
}
