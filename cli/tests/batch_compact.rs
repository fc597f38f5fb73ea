//! End-to-end tests of `batch --output compact`, its legend and `inforce
//! expand` through the built binary: compact lines expanded with the legend
//! are byte for byte the full lines, whichever legend (the sidecar or
//! `timeline --format json`); where the legend goes; `--outcomes`; the old
//! use of `--output` for a file answered with where the file goes now; the
//! bytes written in the summary. Not here: the expansion on every kind of
//! status (engine/tests/compact.rs).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

#[path = "../../tools/gen-cases/src/generator.rs"]
mod generator;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

mod workspace_support;
use workspace_support::workspace;

/// The binary, run in `dir` on the shipped rules.
fn inforce(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("inforce").unwrap();
    cmd.current_dir(dir)
        .env_remove("INFORCE_RULES")
        .timeout(Duration::from_secs(120));
    cmd
}

/// A scratch directory holding `cases.jsonl`: generated cases, a blank
/// line and a line that is not JSON, so error lines are in the output too.
fn scratch(cases: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = generator::json_lines(cases, 21);
    lines.insert(cases / 2, String::new());
    lines.insert(cases / 3, "not json".to_string());
    std::fs::write(dir.path().join("cases.jsonl"), lines.join("\n") + "\n").unwrap();
    dir
}

fn batch(dir: &Path, args: &[&str]) -> std::process::Output {
    let rules = workspace().join("rules");
    let mut cmd = inforce(dir);
    cmd.arg("batch")
        .arg("--rules")
        .arg(&rules)
        .arg("cases.jsonl")
        .args(args);
    cmd.output().unwrap()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn compact_lines_expanded_with_their_legend_are_the_full_lines_byte_for_byte() {
    let dir = scratch(2000);
    let d = dir.path();
    let full = batch(d, &["-o", "full.jsonl"]);
    assert_eq!(full.status.code(), Some(1), "two error lines");
    let compact = batch(d, &["--output", "compact", "-o", "compact.jsonl"]);
    assert_eq!(compact.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&compact.stderr);
    assert!(
        stderr.contains("legend written to `compact.legend.json`"),
        "{stderr}"
    );
    assert!(read(d, "compact.jsonl").len() * 4 < read(d, "full.jsonl").len());

    let expand = inforce(d)
        .args([
            "expand",
            "--legend",
            "compact.legend.json",
            "compact.jsonl",
            "-o",
            "expanded.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(
        expand.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&expand.stderr)
    );
    assert!(
        read(d, "expanded.jsonl") == read(d, "full.jsonl"),
        "the expansion differs"
    );

    // The legend `timeline --format json` gives is the same legend.
    let timeline = inforce(d)
        .args(["timeline", "--format", "json", "--rules"])
        .arg(workspace().join("rules"))
        .output()
        .unwrap();
    std::fs::write(d.join("timeline.json"), &timeline.stdout).unwrap();
    let timeline: Value = serde_json::from_slice(&timeline.stdout).unwrap();
    let sidecar: Value = serde_json::from_slice(&read(d, "compact.legend.json")).unwrap();
    assert_eq!(timeline["legend"], sidecar);
    let expand = inforce(d)
        .args(["expand", "--legend", "timeline.json", "compact.jsonl"])
        .output()
        .unwrap();
    assert!(
        expand.stdout == read(d, "full.jsonl"),
        "the expansion from the timeline differs"
    );
}

#[test]
fn the_legend_goes_beside_the_output_where_asked_and_nowhere_for_standard_output() {
    let dir = scratch(20);
    let d = dir.path();
    batch(d, &["--output", "compact", "-o", "out"]);
    assert!(d.join("out.legend.json").is_file());
    let r = batch(d, &["--output", "compact"]);
    assert_eq!(String::from_utf8_lossy(&r.stdout).lines().count(), 22);
    assert!(!String::from_utf8_lossy(&r.stderr).contains("legend written"));
    batch(
        d,
        &[
            "--output",
            "compact",
            "--legend",
            "elsewhere.json",
            "-o",
            "c.jsonl",
        ],
    );
    assert!(d.join("elsewhere.json").is_file());
    assert!(!d.join("c.legend.json").exists());
    // A full run writes no legend: its lines need none.
    batch(d, &["-o", "f.jsonl"]);
    assert!(!d.join("f.legend.json").exists());
    let r = batch(
        d,
        &[
            "--output",
            "compact",
            "--legend",
            "same.jsonl",
            "-o",
            "same.jsonl",
        ],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("`--legend` and `-o` both name `same.jsonl`")
    );
}

#[test]
fn a_file_given_to_output_is_answered_with_where_the_results_file_goes_now() {
    let dir = scratch(3);
    let r = batch(dir.path(), &["--output", "results.jsonl"]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("`results.jsonl` is not an output shape: give `full` or `compact` (the results file is given with `-o FILE`)"),
        "{stderr}"
    );
    assert!(!dir.path().join("results.jsonl").exists());
}

#[test]
fn outcomes_keeps_only_the_outcomes_named_in_both_shapes() {
    let dir = scratch(200);
    let d = dir.path();
    for shape in ["full", "compact"] {
        let r = batch(
            d,
            &[
                "--output",
                shape,
                "--outcomes",
                "exit_permitted,exit_visa_required",
            ],
        );
        for line in String::from_utf8_lossy(&r.stdout).lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if v.get("error").is_some() {
                continue;
            }
            for name in v["outcomes"].as_object().unwrap().keys() {
                assert!(
                    name == "exit_permitted" || name == "exit_visa_required",
                    "{shape}: {name}"
                );
            }
        }
    }
    let r = batch(d, &["--outcomes", "exit_permited"]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr).trim_end(),
        "no outcome `exit_permited` is declared: did you mean `exit_permitted`?"
    );
}

/// `inforce expand --legend LEGEND c.jsonl -o x.jsonl` in `d`.
fn expand_to_x(d: &Path, legend: &str) -> std::process::Output {
    inforce(d)
        .args(["expand", "--legend", legend, "c.jsonl", "-o", "x.jsonl"])
        .output()
        .unwrap()
}

#[test]
fn a_line_that_is_not_compact_stops_expand_naming_its_line_and_writes_nothing() {
    let dir = scratch(5);
    let d = dir.path();
    batch(d, &["--output", "compact", "-o", "c.jsonl"]);
    let mut text = String::from_utf8(read(d, "c.jsonl")).unwrap();
    text.push_str("{\"case\": 1}\n");
    std::fs::write(d.join("c.jsonl"), text).unwrap();
    let r = expand_to_x(d, "c.legend.json");
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.starts_with("line 8 of `c.jsonl`: the line is not a compact result"),
        "{stderr}"
    );
    assert!(!d.join("x.jsonl").exists());
}

#[test]
fn a_legend_of_another_format_is_refused_by_name_and_nothing_is_written() {
    let dir = scratch(5);
    let d = dir.path();
    batch(d, &["--output", "compact", "-o", "c.jsonl"]);
    // The first format's legend, as an older inforce wrote it: its
    // reasons were texts by code.
    let mut legend: serde_json::Value = serde_json::from_slice(&read(d, "c.legend.json")).unwrap();
    legend["legend"] = "inforce-compact-legend/1".into();
    legend["reason"] = serde_json::json!({"repealed:kz.x@2012-03-28": "words"});
    std::fs::write(d.join("old.legend.json"), legend.to_string()).unwrap();
    let r = expand_to_x(d, "old.legend.json");
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr).trim_end(),
        "cannot read the legend `old.legend.json`: it is a legend of format `inforce-compact-legend/1`, and this inforce reads `inforce-compact-legend/2`: expand the lines with the inforce that wrote them, or write them again with this one"
    );
    assert!(!d.join("x.jsonl").exists());
}

#[test]
fn the_summary_says_how_many_bytes_each_shape_wrote() {
    let dir = scratch(100);
    let d = dir.path();
    for (shape, file) in [("full", "f.jsonl"), ("compact", "c.jsonl")] {
        let r = batch(d, &["--output", shape, "-o", file]);
        let stderr = String::from_utf8_lossy(&r.stderr);
        let size = std::fs::metadata(d.join(file)).unwrap().len();
        let summary = stderr.lines().next().unwrap();
        let written = summary.rsplit(", ").next().unwrap();
        let (number, unit) = written
            .trim_end_matches(" written")
            .split_once(' ')
            .unwrap();
        let number: f64 = number.parse().unwrap();
        let scale = match unit {
            "bytes" => 1.0,
            "kB" => 1e3,
            "MB" => 1e6,
            other => panic!("{other}"),
        };
        let said = number * scale;
        assert!(
            (said - size as f64).abs() <= size as f64 * 0.01,
            "{shape}: said {written}, wrote {size} bytes"
        );
    }
}
