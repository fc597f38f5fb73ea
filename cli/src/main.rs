//! The `inforce` binary: parses arguments, hands each subcommand to its
//! module under `command/`, and turns what it returns into the exit code
//! (`exit`), here and nowhere else. No legal logic lives here; that is the
//! engine's.

mod allocator;
mod command;
mod diff_render;
mod direct_write;
mod exit;
mod git;
mod output_file;
mod render;
mod rules_source;
mod text_safe;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: `batch` builds and drops a few
/// hundred small strings per case over millions of cases, from several
/// threads, and glibc's malloc spent more on that than the evaluation did
/// (see `docs/performance.md` and `docs/decisions.md`). Through
/// `allocator`, which asks it for plain blocks where Rust's alignment
/// allows.
#[global_allocator]
static ALLOCATOR: allocator::Mimalloc = allocator::Mimalloc;

/// What did the law in force on a date say about this case?
#[derive(Parser)]
#[command(name = "inforce", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load and validate every rule set; print every problem found.
    Check(command::check::Args),
    /// Evaluate one case against the rule-set versions in force on a date.
    Eval(command::eval::Args),
    /// Evaluate JSON Lines cases in parallel: one JSON result line per input line, in order.
    Batch(command::batch::Args),
    /// Expand the compact lines of `batch --output compact` to full results with their legend.
    Expand(command::expand::Args),
    /// Evaluate one case on every day of a range; print when its outcomes change.
    History(command::history::Args),
    /// Run the golden cases kept beside the rule sets.
    Test(command::test::Args),
    /// Show which version of each rule set is in force over which interval.
    Timeline(command::timeline::Args),
    /// Print the JSON Schema of rule files or case files, for editors.
    Schema(command::schema::Args),
    /// Compare two rule trees (directories or git revisions): structure, timeline, behaviour.
    Diff(command::diff::Args),
    /// Serve the HTTP API and the caseworker's web page; reload the rules when they change.
    Serve(command::serve::Args),
    /// Add the next version of a rule set from a date: a copy of the one in force, to edit.
    Amend(command::amend::Args),
    /// Add a repeal version of a rule set from a date.
    Repeal(command::repeal::Args),
    /// Language server for rule files (LSP on standard input and output), for editors.
    Lsp(command::lsp::Args),
}

fn main() -> ExitCode {
    allocator::release_freed_lazily();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(a) => command::check::run(a),
        Command::Eval(a) => command::eval::run(a),
        Command::Batch(a) => command::batch::run(a),
        Command::Expand(a) => command::expand::run(a),
        Command::History(a) => command::history::run(a),
        Command::Test(a) => command::test::run(a),
        Command::Timeline(a) => command::timeline::run(a),
        Command::Schema(a) => command::schema::run(a),
        Command::Diff(a) => command::diff::run(a),
        Command::Serve(a) => command::serve::run(a),
        Command::Amend(a) => command::amend::run(a),
        Command::Repeal(a) => command::repeal::run(a),
        Command::Lsp(a) => command::lsp::run(a),
    };
    // Whatever the command found, output that was lost fails the run.
    ExitCode::from(exit::code(render::finish().and(outcome)))
}
