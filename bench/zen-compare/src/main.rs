//! inforce against GoRules zen-engine on the same decisions, over the same
//! generated cases, single thread:
//!
//! ```sh
//! cargo run --release --manifest-path bench/zen-compare/Cargo.toml -- [N] [SEED]
//! ```
//!
//! Both engines are loaded once: inforce from the shipped `rules/` (without
//! golden tests), zen from `decisions/kz.json` (read at run time), a JSON
//! Decision Model that encodes four of the outcomes by hand
//! (`exit_visa_required`, `exit_visa_issuers`, `registration_required`,
//! `registration_deadline`, with the 1992 regime, Decree 1010 and its
//! repeal, Decree 136 and its 2022 amendments, and the French regime's
//! precedence): an expression node reduces the case to tokens (a fact left
//! out is `?`, told apart from `null` with `keys()`), and three first-hit
//! decision tables give the answers. N cases (default
//! 100,000) are generated with the generator of `tools/gen-cases`;
//! every one is checked against the declared facts, then both engines
//! answer every case and their answers on the four outcomes are compared
//! (value when decided, else the status: `~undetermined`, `~missing`,
//! `~absent` when the outcome is not answered for the case). Then each
//! engine is timed over the whole corpus, in rounds alternating between
//! them, and the median round is reported.

#[path = "../../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use inforce_engine::Case;
use inforce_engine::evaluate;
use inforce_engine::read_dir;
use inforce_engine::{EvalResult, Status};
use inforce_engine::{Golden, load_with};
use serde_json::Value;
use zen_engine::Decision;
use zen_engine::Variable;
use zen_engine::model::GraphContent;

/// The outcomes both engines decide.
const COMPARED: [&str; 4] = [
    "exit_visa_required",
    "exit_visa_issuers",
    "registration_required",
    "registration_deadline",
];

/// Timed rounds per engine and variant.
const ROUNDS: usize = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    match run(n, seed) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(n: usize, seed: u64) -> Result<bool, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;

    // --- load both engines once -----------------------------------------
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let t = Instant::now();
    let (files, problems) = read_dir(&rules);
    if !problems.is_empty() {
        return Err(format!("cannot read {}", rules.display()));
    }
    let tree = load_with(files, "rules", Golden::Skip)
        .tree
        .ok_or("the shipped rules do not load")?;
    let inforce_load = t.elapsed();

    let t = Instant::now();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("decisions/kz.json");
    let text = std::fs::read_to_string(&model).map_err(|e| format!("{}: {e}", model.display()))?;
    let mut graph: GraphContent =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", model.display()))?;
    graph.compile();
    let zen = Decision::from(graph);
    let zen_load = t.elapsed();

    // --- the corpus -------------------------------------------------------
    let t = Instant::now();
    let values = generator::cases(n, seed);
    let lines: Vec<String> = values.iter().map(Value::to_string).collect();
    let generated = t.elapsed();
    let mut cases: Vec<Case> = Vec::with_capacity(n);
    let mut invalid = 0usize;
    for (i, line) in lines.iter().enumerate() {
        match Case::from_yaml(&tree, "generated", line) {
            Ok(c) => cases.push(c),
            Err(errors) => {
                invalid += 1;
                if invalid <= 5 {
                    eprintln!("case {i} does not fit the declared facts: {errors:?}\n  {line}");
                }
            }
        }
    }
    if invalid > 0 {
        return Err(format!(
            "{invalid} of {n} generated cases do not fit the declared facts"
        ));
    }
    let inputs: Vec<Variable> = values.iter().cloned().map(Variable::from).collect();

    println!("inforce vs zen-engine: {n} generated cases (seed {seed}), single thread");
    println!(
        "load: inforce {} (4 rule sets, 7 versions, YAML + rhai), zen {} (1 JDM graph)",
        ms(inforce_load),
        ms(zen_load)
    );
    println!("generated in {}", ms(generated));

    // --- agreement ---------------------------------------------------------
    let mut disagreements = [0usize; 4];
    let mut shown = 0;
    let mut statuses: Vec<std::collections::BTreeMap<String, usize>> = vec![Default::default(); 4];
    let mut errors = 0usize;
    runtime.block_on(async {
        for (i, case) in cases.iter().enumerate() {
            let ours = match evaluate(&tree, case, date_of(case), false) {
                Ok(r) => r,
                Err(e) => {
                    errors += 1;
                    eprintln!("inforce failed on case {}: {e:?}", case.id);
                    continue;
                }
            };
            let theirs = match zen
                .evaluate(inputs.get(i).cloned().unwrap_or_default())
                .await
            {
                Ok(r) => serde_json::to_value(&r.result).unwrap_or_default(),
                Err(e) => {
                    errors += 1;
                    eprintln!("zen failed on case {}: {e:?}", case.id);
                    continue;
                }
            };
            for (k, name) in COMPARED.iter().enumerate() {
                let a = inforce_answer(&ours, name);
                let b = theirs.get(*name).cloned().unwrap_or(Value::Null);
                if let Some(s) = statuses.get_mut(k) {
                    *s.entry(kind(&a)).or_default() += 1;
                }
                if a != b {
                    if let Some(d) = disagreements.get_mut(k) {
                        *d += 1;
                    }
                    if shown < 10 {
                        shown += 1;
                        eprintln!(
                            "DISAGREE on {name}: inforce {a}, zen {b}\n  case {}\n  zen facts: {}",
                            lines.get(i).map(String::as_str).unwrap_or(""),
                            theirs
                        );
                    }
                }
            }
        }
    });
    println!();
    println!("agreement on every case ({n} cases):");
    for (k, name) in COMPARED.iter().enumerate() {
        let kinds: Vec<String> = statuses
            .get(k)
            .map(|s| s.iter().map(|(k, v)| format!("{k} {v}")).collect())
            .unwrap_or_default();
        println!(
            "  {name:<22} {} disagreements   ({})",
            disagreements.get(k).copied().unwrap_or(0),
            kinds.join(", ")
        );
    }
    let agreed = disagreements.iter().all(|d| *d == 0) && errors == 0;
    if errors > 0 {
        println!("  {errors} evaluation errors");
    }

    // --- timing ------------------------------------------------------------
    let mut t_inforce = Vec::new();
    let mut t_inforce_explain = Vec::new();
    let mut t_inforce_text = Vec::new();
    let mut t_zen = Vec::new();
    let mut t_zen_text = Vec::new();
    let mut t_inforce_line = Vec::new();
    let mut t_inforce_compact = Vec::new();
    let mut t_inforce_memo = Vec::new();
    let compact = inforce_engine::lines::LineFormat {
        shape: inforce_engine::lines::Shape::Compact,
        outcomes: None,
    };
    for _ in 0..ROUNDS {
        t_inforce.push(time(|| {
            cases
                .iter()
                .filter(|c| evaluate(&tree, c, date_of(c), false).is_ok())
                .count()
        }));
        t_zen.push(time(|| {
            runtime.block_on(async {
                let mut ok = 0;
                for input in &inputs {
                    ok += usize::from(zen.evaluate(input.clone()).await.is_ok());
                }
                ok
            })
        }));
        t_inforce_explain.push(time(|| {
            cases
                .iter()
                .filter(|c| evaluate(&tree, c, date_of(c), true).is_ok())
                .count()
        }));
        t_inforce_text.push(time(|| {
            lines
                .iter()
                .filter_map(|l| Case::from_json(&tree, l, "generated").ok())
                .filter(|c| evaluate(&tree, c, date_of(c), false).is_ok())
                .count()
        }));
        // What `inforce batch` does for a line: read it, decide it, and
        // write its result line (full, and compact).
        t_inforce_line.push(time(|| {
            result_lines(&lines, 16 << 10, |n, l, out| {
                inforce_engine::lines::evaluate_line(&tree, None, n, l, out)
            })
        }));
        t_inforce_compact.push(time(|| {
            result_lines(&lines, 4 << 10, |n, l, out| {
                inforce_engine::lines::evaluate_line_as(&tree, None, n, l, &compact, out)
            })
        }));
        // The same, through a memo of the ways cases go, made afresh for
        // each round as `batch` makes one per run.
        t_inforce_memo.push(time(|| {
            let memo = inforce_engine::memo::Memo::new(&tree, None);
            result_lines(&lines, 4 << 10, |n, l, out| {
                let shape = inforce_engine::lines::Shape::Compact;
                inforce_engine::lines::evaluate_line_memo(&memo, None, n, l, shape, out)
            })
        }));
        t_zen_text.push(time(|| {
            runtime.block_on(async {
                let mut ok = 0;
                for line in &lines {
                    let Ok(value) = serde_json::from_str::<Value>(line) else {
                        continue;
                    };
                    ok += usize::from(zen.evaluate(Variable::from(value)).await.is_ok());
                }
                ok
            })
        }));
    }
    println!();
    println!(
        "throughput, whole corpus, single thread (median of {ROUNDS} rounds, [min, max] seconds):"
    );
    let report = |label: &str, runs: &[Duration]| {
        let med = median(runs);
        let (lo, hi) = spread(runs);
        println!(
            "  {label:<58} {:>9.0} cases/s  {:>7.2} µs/case  [{:.2}, {:.2}] s",
            n as f64 / med.as_secs_f64(),
            med.as_secs_f64() * 1e6 / n as f64,
            lo.as_secs_f64(),
            hi.as_secs_f64()
        );
    };
    report(
        "inforce evaluate, all 25 outcomes (parsed case)",
        &t_inforce,
    );
    report(
        "inforce evaluate + trace (--explain) (parsed case)",
        &t_inforce_explain,
    );
    report(
        "inforce Case::from_json (batch's reader) + evaluate (JSON text)",
        &t_inforce_text,
    );
    report(
        "inforce batch line: JSON text in, full result line out",
        &t_inforce_line,
    );
    report(
        "inforce batch line: JSON text in, compact line out",
        &t_inforce_compact,
    );
    report(
        "inforce batch line, compact, through a run's memo (batch's path)",
        &t_inforce_memo,
    );
    report("zen evaluate, 4 outcomes (Variable input)", &t_zen);
    report("zen serde_json parse + evaluate (JSON text)", &t_zen_text);
    println!();
    println!(
        "inforce's evaluate always builds the citations (`by`) and one explanation line per outcome; \
         --explain adds the trace of every rule considered."
    );
    if agreed {
        println!("result: the engines agree on every compared outcome of every case");
    } else {
        println!("result: the engines DISAGREE (see above)");
    }
    Ok(agreed)
}

/// inforce's answer on `name`, shaped as the zen model gives it.
fn inforce_answer(r: &EvalResult, name: &str) -> Value {
    match r.outcomes.get(name) {
        None => "~absent".into(),
        Some(o) => match o.status {
            Status::Decided => serde_json::to_value(&o.value).unwrap_or_default(),
            Status::Undetermined => "~undetermined".into(),
            Status::MissingFacts => "~missing".into(),
            Status::Conflict => "~conflict".into(),
        },
    }
}

/// A label for the statistics: the status, or `decided`.
fn kind(v: &Value) -> String {
    match v.as_str() {
        Some(s) if s.starts_with('~') => s.trim_start_matches('~').to_string(),
        _ => "decided".to_string(),
    }
}

fn date_of(case: &Case) -> chrono::NaiveDate {
    case.date.unwrap_or_default()
}

/// Each line written as its result line by `write` (given its number from
/// 1, its bytes and a buffer of `room` bytes, emptied for each line), as
/// `inforce batch` does: how many gave a result.
fn result_lines(
    lines: &[String],
    room: usize,
    write: impl Fn(u64, &[u8], &mut Vec<u8>) -> Result<(), String>,
) -> usize {
    let mut out = Vec::with_capacity(room);
    let mut ok = 0;
    for (i, l) in lines.iter().enumerate() {
        out.clear();
        ok += usize::from(write(i as u64 + 1, l.as_bytes(), &mut out).is_ok());
    }
    ok
}

fn time(f: impl FnOnce() -> usize) -> Duration {
    let t = Instant::now();
    std::hint::black_box(f());
    t.elapsed()
}

fn median(runs: &[Duration]) -> Duration {
    let mut v = runs.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn spread(runs: &[Duration]) -> (Duration, Duration) {
    (
        runs.iter().min().copied().unwrap_or_default(),
        runs.iter().max().copied().unwrap_or_default(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
