//! One rules tree shared by several threads at once, as `inforce batch`
//! shares it between its workers: a compiled tree is `Send + Sync` (checked
//! when this file compiles), and evaluating from many threads together
//! gives exactly what one thread gives, on the shipped law (native
//! conditions) and on a small tree whose conditions only rhai runs. Not
//! here: whether those answers are right (`eval.rs`, the golden tests).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use inforce_engine::internal::result_json::to_json_vec;
use inforce_engine::{Case, RuleTree, SourceFile, evaluate, read_dir};
use inforce_engine::{Golden, load, load_with};

/// Fails to compile, rather than to run, if a tree cannot be shared.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<RuleTree>();
    shareable::<Arc<RuleTree>>();
};

/// Threads evaluating at once: more than the machines that run the tests
/// have cores, so that they interleave.
const THREADS: usize = 4;

/// One evaluation: a case's text and the date to evaluate it on, if not
/// its own.
struct Job {
    text: String,
    date: Option<NaiveDate>,
}

/// Every result of `jobs` as bytes, both ways a case is read (`from_yaml`
/// evaluated with the explanation, as `eval --explain`; `from_json` without
/// it, as `batch`), or the refusal or error.
fn results(tree: &RuleTree, jobs: &[Job]) -> Vec<String> {
    let json = |r: &inforce_engine::EvalResult| String::from_utf8(to_json_vec(r)).unwrap();
    jobs.iter()
        .map(|job| {
            // A golden case may fail a check across facts: its refusal is
            // then the result to compare.
            let case = match Case::from_yaml(tree, "case", &job.text) {
                Ok(case) => case,
                Err(errors) => return format!("refused: {errors:?}"),
            };
            let date = case.date_on(job.date).unwrap();
            let explained = match evaluate(tree, &case, date, true) {
                Ok(r) => json(&r),
                Err(e) => format!("error: {e}"),
            };
            let plain = match Case::from_json(tree, &job.text, "case") {
                Ok(case) => match evaluate(tree, &case, date, false) {
                    Ok(r) => json(&r),
                    Err(e) => format!("error: {e}"),
                },
                Err(errors) => format!("refused: {errors:?}"),
            };
            format!("{explained}\n{plain}")
        })
        .collect()
}

/// What `THREADS` threads get evaluating every job at once, each starting
/// at a different job, from one tree behind a plain reference and behind
/// an `Arc`; each thread's results put back in the jobs' order.
fn results_on_threads(tree: RuleTree, jobs: &[Job]) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let tree = &tree;
                s.spawn(move || {
                    let start = t * jobs.len() / THREADS;
                    let mut order: Vec<usize> = (start..jobs.len()).chain(0..start).collect();
                    let rotated: Vec<Job> = order
                        .iter()
                        .map(|&i| Job {
                            text: jobs[i].text.clone(),
                            date: jobs[i].date,
                        })
                        .collect();
                    let got = results(tree, &rotated);
                    let mut back = vec![String::new(); jobs.len()];
                    for (i, r) in order.drain(..).zip(got) {
                        back[i] = r;
                    }
                    back
                })
            })
            .collect();
        all.extend(handles.into_iter().map(|h| h.join().unwrap()));
    });
    let tree = Arc::new(tree);
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let tree = Arc::clone(&tree);
            let jobs: Vec<Job> = jobs
                .iter()
                .map(|j| Job {
                    text: j.text.clone(),
                    date: j.date,
                })
                .collect();
            std::thread::spawn(move || results(&tree, &jobs))
        })
        .collect();
    all.extend(handles.into_iter().map(|h| h.join().unwrap()));
    all
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn the_shipped_rules_evaluated_from_several_threads_at_once_give_what_one_thread_gives() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let (files, problems) = read_dir(&rules);
    assert!(problems.is_empty(), "cannot read {}", rules.display());
    let tree = load_with(files, "rules", Golden::Load).tree.unwrap();
    // Every golden case on its own date and on dates across the law's
    // history: before it, under each decree, after the repeals.
    let mut jobs = Vec::new();
    for file in &tree.tests {
        for t in &file.tests {
            let mut case = t.case.clone();
            if let (Some(date), Some(obj)) = (t.date, case.as_object_mut()) {
                obj.insert("date".into(), date.to_string().into());
            }
            let text = serde_json::to_string(&case).unwrap();
            for date in [
                None,
                Some(day(1991, 1, 1)),
                Some(day(2009, 6, 1)),
                Some(day(2023, 1, 1)),
            ] {
                jobs.push(Job {
                    text: text.clone(),
                    date,
                });
            }
        }
    }
    assert!(jobs.len() > 400, "only {} evaluations", jobs.len());
    let alone = results(&tree, &jobs);
    let together = results_on_threads(tree, &jobs);
    assert_eq!(together.len(), 2 * THREADS);
    for (t, got) in together.iter().enumerate() {
        for (i, (a, b)) in alone.iter().zip(got).enumerate() {
            assert_eq!(a, b, "thread {t}, evaluation {i}: {}", jobs[i].text);
        }
    }
}

const DECLARATIONS: &str = "
facts:
  f.n: {type: int, description: n}
  f.s: {type: string, description: s}
outcomes:
  sum_large: {type: bool, description: the sum up to n is large}
  label: {type: string, description: a label computed from s}
";

/// Conditions and a computed value the native evaluator does not take
/// (a loop, a local variable, a string function), so that only rhai's
/// shared engine and compiled scripts run them.
const VERSION: &str = r#"
rule_set: test.scripts
version: "2000-01-01"
title: Scripts only rhai runs
in_force: {from: 2000-01-01}
source: {act: none, read_at: the test}
rules:
  - id: large-sum
    cite: none
    when: |
      let total = 0;
      for i in 0..f.n { total += i; }
      total > 100
    then:
      sum_large: true
  - id: small-sum
    cite: none
    when: |
      let total = 0;
      for i in 0..f.n { total += i; }
      total <= 100
    then:
      sum_large: false
  - id: label
    cite: none
    when: |
      let length = f.s.len();
      length > 0
    then:
      label: {expr: "let n = f.n; f.s + \"-\" + n"}
"#;

#[test]
fn scripts_only_rhai_runs_evaluated_from_several_threads_at_once_give_what_one_thread_gives() {
    let loaded = load(
        vec![
            SourceFile {
                path: "rules/test/declarations.yaml".to_string(),
                text: DECLARATIONS.to_string(),
            },
            SourceFile {
                path: "rules/test/scripts/2000-01-01.yaml".to_string(),
                text: VERSION.to_string(),
            },
        ],
        "memory",
    );
    let errors: Vec<String> = loaded
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.to_string())
        .collect();
    let tree = loaded
        .tree
        .unwrap_or_else(|| panic!("the test rules load: {errors:?}"));
    let jobs: Vec<Job> = (0..300)
        .map(|i| Job {
            text: format!(
                r#"{{"id": "c{i}", "date": "2010-01-01", "f": {{"n": {}, "s": "x{}"}}}}"#,
                i % 40,
                i % 7
            ),
            date: None,
        })
        .collect();
    let alone = results(&tree, &jobs);
    // The scripts ran and decided, both ways.
    assert!(alone[30].contains(r#""sum_large":{"status":"decided","value":true"#));
    assert!(alone[3].contains(r#""sum_large":{"status":"decided","value":false"#));
    assert!(alone[3].contains(r#""value":"x3-3""#), "{}", alone[3]);
    let together = results_on_threads(tree, &jobs);
    for (t, got) in together.iter().enumerate() {
        assert_eq!(&alone, got, "thread {t}");
    }
}
