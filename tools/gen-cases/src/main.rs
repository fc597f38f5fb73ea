//! Writes a deterministic corpus of generated Kazakhstan cases as JSON Lines
//! (compact JSON, one case a line), for `inforce batch` and benchmarks:
//!
//! ```sh
//! cargo run --release -p inforce-gen-cases -- COUNT [SEED] [--check] > cases.jsonl
//! ```
//!
//! The same COUNT and SEED (default 1) give the same file. `--check` also
//! parses every case against the shipped rules (`rules/` of this repository)
//! and fails, naming the case and the problem, if any does not fit the
//! declared facts. The generator itself is `generator.rs`, shared with the
//! engine's benchmarks and tests and `bench/zen-compare`. Not a part of the
//! engine: the cases are Kazakh, the engine knows no law.

mod generator;

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use inforce_engine::Case;
use inforce_engine::read_dir;
use inforce_engine::{Golden, load_with};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let numbers: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let usage = "usage: gen-cases COUNT [SEED] [--check] > cases.jsonl";
    let (count, seed) = match numbers.as_slice() {
        [count] => (count.parse::<usize>().ok(), Some(1)),
        [count, seed] => (count.parse::<usize>().ok(), seed.parse::<u64>().ok()),
        _ => (None, None),
    };
    let (Some(count), Some(seed)) = (count, seed) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };

    let lines = generator::json_lines(count, seed);

    if check {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let (files, problems) = read_dir(&rules);
        let loaded = load_with(files, "rules", Golden::Skip);
        let Some(tree) = loaded.tree.filter(|_| problems.is_empty()) else {
            eprintln!("the shipped rules at {} do not load", rules.display());
            return ExitCode::FAILURE;
        };
        let mut bad = 0usize;
        for (i, line) in lines.iter().enumerate() {
            if let Err(errors) = Case::from_yaml(&tree, &format!("case {}", i + 1), line) {
                bad += 1;
                for e in errors {
                    eprintln!("case {}: {e}\n  {line}", i + 1);
                }
            }
        }
        if bad > 0 {
            eprintln!("{bad} of {count} generated cases do not fit the declared facts");
            return ExitCode::FAILURE;
        }
        eprintln!("all {count} generated cases fit the declared facts");
    }

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for line in &lines {
        if writeln!(out, "{line}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
