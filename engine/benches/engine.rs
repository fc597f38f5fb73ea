//! Criterion benchmarks of the engine on the shipped Kazakhstan rules:
//! loading (with and without the golden tests), one evaluation (a citizen,
//! a foreigner; with and without the explanation trace), parsing a case,
//! and a batch of 1,000 generated cases evaluated one after the other.
//!
//! ```sh
//! cargo bench -p inforce-engine
//! ```
//!
//! Sample sizes are kept small so the whole run takes about a minute and a
//! half on the development machine (2 cores). The batch uses the generator
//! of `tools/gen-cases` (seed 1), so it is the corpus `gen-cases 1000 1`
//! writes.
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

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use inforce_engine::Case;
use inforce_engine::RuleTree;
use inforce_engine::evaluate;
use inforce_engine::{Golden, load_with};
use inforce_engine::{SourceFile, read_dir};

/// A citizen emigrating in 2008 (Decree 1010 and the 2009 restrictions in
/// force): every departure outcome, the petition and its documents.
const CITIZEN: &str = r#"{"id": "citizen", "date": "2008-02-29",
  "person": {"citizenship": "KZ", "birth_date": "1990-02-28", "married": false,
    "incapacitated": false, "secret_holder": true, "secret_org_liquidated": false,
    "left_state_service_on": "2005-03-01", "military_registered": true,
    "alimony_dependants": false},
  "trip": {"direction": "exit", "purpose": "permanent_residence", "exit_date": "2008-03-15",
    "accompanied_by": null},
  "restrictions": {"criminal_proceedings": false, "civil_proceedings": false,
    "sentence_unserved": false, "compulsory_military_service": false, "false_documents": false},
  "application": {"complete_on": "2008-01-31", "documents": ["questionnaire"]}}"#;

/// A French national leaving after an overstay in 2023 (Decree 136 as
/// amended in 2022 and the French regime, with precedence between them).
const FOREIGNER: &str = r#"{"id": "foreigner", "date": "2023-05-10",
  "person": {"citizenship": "FR", "birth_date": "1980-06-01", "passport": "ordinary"},
  "trip": {"direction": "exit", "purpose": "tourism", "entry_date": "2023-04-01",
    "exit_date": "2023-05-10", "visa": "none", "registered_at_entry": false},
  "restrictions": {"criminal_proceedings": false, "sentence_unserved": false, "probation": false,
    "deferred_sentence": false, "evading_court_obligations": false,
    "property_obligations": true, "expelled_by_court": false, "expelled_on": null}}"#;

fn rule_files() -> Vec<SourceFile> {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, problems) = read_dir(&rules);
    assert!(problems.is_empty(), "cannot read {}", rules.display());
    files
}

fn tree() -> RuleTree {
    load_with(rule_files(), "rules", Golden::Skip)
        .tree
        .expect("the shipped rules load")
}

fn date_of(case: &Case) -> NaiveDate {
    case.date.expect("every benchmark case has a date")
}

fn parse(tree: &RuleTree, text: &str) -> Case {
    Case::from_yaml(tree, "bench", text).unwrap_or_else(|e| panic!("invalid case {text}: {e:?}"))
}

fn loading(c: &mut Criterion) {
    let files = rule_files();
    let mut g = c.benchmark_group("load");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (name, golden) in [
        ("with_golden_tests", Golden::Load),
        ("without_golden_tests", Golden::Skip),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || files.clone(),
                |files| load_with(files, "rules", golden).tree.is_some(),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn one_case(c: &mut Criterion) {
    let tree = tree();
    let mut g = c.benchmark_group("eval");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, text) in [("citizen", CITIZEN), ("foreigner", FOREIGNER)] {
        let case = parse(&tree, text);
        let date = date_of(&case);
        g.bench_function(name, |b| {
            b.iter(|| evaluate(&tree, black_box(&case), date, false).is_ok())
        });
        g.bench_function(format!("{name}_explain"), |b| {
            b.iter(|| evaluate(&tree, black_box(&case), date, true).is_ok())
        });
        g.bench_function(format!("{name}_parse_case"), |b| {
            b.iter(|| Case::from_yaml(&tree, "bench", black_box(text)).is_ok())
        });
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    const N: usize = 1_000;
    let tree = tree();
    let lines = generator::json_lines(N, 1);
    let cases: Vec<Case> = lines.iter().map(|l| parse(&tree, l)).collect();
    for case in &cases {
        if let Err(e) = evaluate(&tree, case, date_of(case), false) {
            panic!("case {} does not evaluate: {e:?}", case.id);
        }
    }
    let mut g = c.benchmark_group("batch_1000");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Elements(N as u64));
    g.bench_function("evaluate", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|case| evaluate(&tree, case, date_of(case), false).is_ok())
                .count()
        })
    });
    g.bench_function("evaluate_explain", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|case| evaluate(&tree, case, date_of(case), true).is_ok())
                .count()
        })
    });
    // What a batch run does per line, short of printing: parse the JSON
    // line into a case, evaluate it, serialise the result as JSON.
    g.bench_function("parse_evaluate_serialise", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for line in &lines {
                let case = parse(&tree, line);
                let result = evaluate(&tree, &case, date_of(&case), false)
                    .expect("generated cases evaluate");
                bytes += serde_json::to_string(&result).map_or(0, |s| s.len());
            }
            bytes
        })
    });
    g.finish();
}

criterion_group!(benches, loading, one_case, batch);
criterion_main!(benches);
