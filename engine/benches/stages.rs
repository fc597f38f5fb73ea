//! What one line of `inforce batch` costs, stage by stage, on the shipped
//! rules: reading the JSON line into a `Case` (`Case::from_json`),
//! evaluating it (`evaluate`), and writing the full result JSON
//! (`write_json`), each timed alone over the same 2,000 generated cases
//! (`gen-cases 2000 11`). Not for whole-process figures (threads, I/O):
//! `docs/performance.md` measures those with `hyperfine`.
//!
//! ```sh
//! cargo bench -p inforce-engine --bench stages
//! ```
//!
//! Instructions per case, robust to a busy machine: run one stage alone
//! under callgrind (`STAGE=read|evaluate|write`, `ROUNDS` rounds over the
//! cases, nothing timed) and divide by the cases, less a run with
//! `STAGE=none` (set-up only):
//!
//! ```sh
//! B=$(ls -t target/release/deps/stages-* | grep -v '\.d$' | head -1)
//! STAGE=read valgrind --tool=callgrind --callgrind-out-file=/dev/null $B --bench 2>&1 | grep refs
//! ```
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark that cannot set itself up should stop loudly"
)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use inforce_engine::{
    Case, EvalResult, Golden, RuleTree, evaluate, load_with, read_dir, write_json,
};

// The allocator of `inforce batch`: a result is a few hundred small
// allocations, and the system allocator would count them differently.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CASES: usize = 2_000;
const SEED: u64 = 11;

fn tree() -> RuleTree {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, problems) = read_dir(&rules);
    assert!(problems.is_empty(), "cannot read {}", rules.display());
    load_with(files, "rules", Golden::Skip)
        .tree
        .expect("the shipped rules load")
}

fn read(tree: &RuleTree, line: &str) -> Case {
    Case::from_json(tree, line, "bench").unwrap_or_else(|e| panic!("invalid case {line}: {e:?}"))
}

fn eval(tree: &RuleTree, case: &Case) -> EvalResult {
    let date = case.date.expect("every generated case has a date");
    evaluate(tree, case, date, false).expect("generated cases evaluate")
}

struct Corpus {
    tree: RuleTree,
    lines: Vec<String>,
    cases: Vec<Case>,
    results: Vec<EvalResult>,
}

fn corpus() -> Corpus {
    let tree = tree();
    let lines = generator::json_lines(CASES, SEED);
    let cases: Vec<Case> = lines.iter().map(|l| read(&tree, l)).collect();
    let results = cases.iter().map(|c| eval(&tree, c)).collect();
    Corpus {
        tree,
        lines,
        cases,
        results,
    }
}

fn read_all(c: &Corpus) -> usize {
    c.lines
        .iter()
        .map(|l| black_box(read(&c.tree, black_box(l))).id.len())
        .sum()
}

fn evaluate_all(c: &Corpus) -> usize {
    c.cases
        .iter()
        .map(|case| black_box(eval(&c.tree, black_box(case))).outcomes.len())
        .sum()
}

fn write_all(c: &Corpus, out: &mut Vec<u8>) -> usize {
    let mut n = 0;
    for r in &c.results {
        out.clear();
        write_json(black_box(r), out);
        n += out.len();
    }
    n
}

fn stages(crit: &mut Criterion, c: &Corpus) {
    let mut g = crit.benchmark_group("stages");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(CASES as u64));
    g.bench_function("read", |b| b.iter(|| read_all(c)));
    g.bench_function("evaluate", |b| b.iter(|| evaluate_all(c)));
    let mut out = Vec::new();
    g.bench_function("write", |b| b.iter(|| write_all(c, &mut out)));
    g.finish();
}

fn main() {
    let c = corpus();
    // One stage alone, untimed, for an instruction count under callgrind.
    if let Ok(stage) = std::env::var("STAGE") {
        let rounds: usize = std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(1);
        let mut out = Vec::new();
        let mut n = 0;
        for _ in 0..rounds {
            n += match stage.as_str() {
                "read" => read_all(&c),
                "evaluate" => evaluate_all(&c),
                "write" => write_all(&c, &mut out),
                _ => 0,
            };
        }
        println!("{stage}: {rounds} x {CASES} cases ({n})");
        return;
    }
    let mut crit = Criterion::default().configure_from_args();
    stages(&mut crit, &c);
    crit.final_summary();
}
