//! End-to-end tests of `inforce batch` against `/work/shared/spec/cli.md`:
//! one output line per input line, in order, each equal to what `eval
//! --format json` says of the same case or an error line naming its line;
//! exit codes; `-o` written whole or not at all; stdin; parallelism that
//! changes nothing in the output; the summary on stderr.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

mod workspace_support;
use workspace_support::workspace;

// --- helpers -----------------------------------------------------------------

/// The binary, run from the workspace root on the shipped rules.
fn inforce() -> Command {
    let mut cmd = Command::cargo_bin("inforce").expect("the inforce binary is built");
    cmd.current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .timeout(Duration::from_secs(120));
    cmd
}

fn batch() -> Command {
    let mut cmd = inforce();
    cmd.args(["batch", "--rules", "rules"]);
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("output line is not JSON ({e}): {l}"))
            })
            .collect()
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs batch on `input` given on stdin.
fn batch_stdin(input: &str, extra: &[&str]) -> Run {
    run(batch().args(extra).write_stdin(input.to_string()))
}

/// The example cases (`tests/fixtures/cases`), each as its file and as one
/// JSON line.
fn example_cases() -> Vec<(PathBuf, String)> {
    let dir = workspace().join("tests/fixtures/cases");
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let json = inforce_engine::internal::yaml::parse(&text)
                .unwrap()
                .to_json();
            (p, serde_json::to_string(&json).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 4, "the example cases are there");
    out
}

fn eval_json(case: &Path, extra: &[&str]) -> Value {
    let r = run(inforce()
        .args(["eval", "--rules", "rules", "--format", "json"])
        .arg(case)
        .args(extra));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

/// Asserts `v` is the error line of line `n` and its message contains `says`.
fn assert_error_line(v: &Value, n: usize, says: &str) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"));
    assert_eq!(
        obj.len(),
        2,
        "an error line has `line` and `error` only: {v}"
    );
    assert_eq!(obj["line"], json!(n), "{v}");
    let message = obj["error"].as_str().unwrap();
    assert!(
        message.contains(says),
        "line {n}: `{message}` lacks `{says}`"
    );
    assert!(
        !message.starts_with(char::is_uppercase),
        "messages are lower-case: {message}"
    );
}

/// The summary on stderr: `N cases, E errors, R cases/s, B written`
/// (singular for 1; B such as `812 bytes` or `1.50 GB`).
fn summary(stderr: &str) -> (u64, u64) {
    let last = stderr.lines().last().unwrap_or_default();
    let words: Vec<&str> = last.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    assert_eq!(words.len(), 9, "summary line: {last}");
    assert!(matches!(words[1], "case" | "cases"), "{last}");
    assert!(matches!(words[3], "error" | "errors"), "{last}");
    assert_eq!(words[5], "cases/s", "{last}");
    assert!(
        matches!(words[7], "byte" | "bytes" | "kB" | "MB" | "GB"),
        "{last}"
    );
    assert_eq!(words[8], "written", "{last}");
    words[4].parse::<u64>().unwrap();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

/// A small deterministic generator (xorshift*): the mixes are random but
/// the same on every run, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What an input line must give.
#[derive(Clone)]
enum Expect {
    /// A result with this `case` id.
    Case(String),
    /// An error line whose message contains this.
    Error(&'static str),
}

/// One random line: a valid case with a unique id, garbage, an invalid
/// case or a blank line.
fn random_line(rng: &mut Rng, cases: &[Value], serial: usize) -> (String, Expect) {
    match rng.below(10) {
        0..=4 => {
            let mut case = cases[rng.below(cases.len())].clone();
            let id = format!("mix-{serial}");
            case["id"] = json!(id);
            (case.to_string(), Expect::Case(id))
        }
        5 => {
            let garbage = ["garbage", "{", "{\"person\":", "[1, 2", "tru", "{'a': 1}"];
            (
                garbage[rng.below(garbage.len())].to_string(),
                Expect::Error("the line is not JSON"),
            )
        }
        6 => {
            let mut case = cases[rng.below(cases.len())].clone();
            case["person"]["marrid"] = json!(true);
            (
                case.to_string(),
                Expect::Error("unknown field `person.marrid`"),
            )
        }
        7 => {
            let (text, says) = [
                (
                    r#"{"date": "2005-02-30", "person": {"citizenship": "KZ"}}"#,
                    "`date` should be a date",
                ),
                (
                    r#"{"date": "2005-06-10", "trip": {"purpose": "tourismm"}}"#,
                    "did you mean `tourism`?",
                ),
                (r#"[1, 2, 3]"#, "the case should be an object"),
                (
                    r#"{"date": "2005-06-10", "person": {"married": "yes"}}"#,
                    "`person.married` should be true or false",
                ),
                (
                    r#"{"person": {"married": true}, "person": {"married": false}}"#,
                    "is given twice",
                ),
                (r#"{"person": {"married": true}}"#, "no date to evaluate"),
            ][rng.below(6)];
            (text.to_string(), Expect::Error(says))
        }
        _ => {
            let blank = ["", "   ", "\t"];
            (
                blank[rng.below(blank.len())].to_string(),
                Expect::Error("the line is empty"),
            )
        }
    }
}

/// `count` mixes of 1 to 60 random lines each.
fn random_mixes(seed: u64, count: usize) -> Vec<Vec<(String, Expect)>> {
    let cases: Vec<Value> = example_cases()
        .iter()
        .map(|(_, line)| serde_json::from_str(line).unwrap())
        .collect();
    let mut rng = Rng(seed);
    let mut serial = 0;
    (0..count)
        .map(|_| {
            let len = 1 + rng.below(60);
            (0..len)
                .map(|_| {
                    serial += 1;
                    random_line(&mut rng, &cases, serial)
                })
                .collect()
        })
        .collect()
}

fn input_of(lines: &[(String, Expect)]) -> String {
    lines.iter().map(|(l, _)| format!("{l}\n")).collect()
}

fn assert_lines_match(run: &Run, expected: &[(String, Expect)]) {
    let got = run.lines();
    assert_eq!(
        got.len(),
        expected.len(),
        "one output line per input line\nstderr: {}",
        run.stderr
    );
    for (i, (v, (_, want))) in got.iter().zip(expected).enumerate() {
        match want {
            Expect::Case(id) => {
                assert_eq!(v["case"], json!(id), "line {}: {v}", i + 1);
                assert!(v["outcomes"].is_object(), "line {}: {v}", i + 1);
            }
            Expect::Error(says) => assert_error_line(v, i + 1, says),
        }
    }
    let failed = expected
        .iter()
        .filter(|(_, e)| matches!(e, Expect::Error(_)))
        .count();
    assert_eq!(summary(&run.stderr), (expected.len() as u64, failed as u64));
    assert_eq!(run.code, if failed > 0 { 1 } else { 0 }, "{}", run.stderr);
}

// --- tests -------------------------------------------------------------------

#[test]
fn three_hundred_random_mixes_give_one_line_per_input_line_in_input_order() {
    let mixes = random_mixes(0x5EED_1234, 300);
    // All the mixes in one run: thousands of lines, so several chunks.
    let all: Vec<(String, Expect)> = mixes.iter().flatten().cloned().collect();
    assert!(all.len() > 5000, "enough lines for several chunks");
    assert_lines_match(&batch_stdin(&input_of(&all), &[]), &all);
    // And a few of them alone, from the first line on.
    for mix in mixes.iter().step_by(30) {
        assert_lines_match(&batch_stdin(&input_of(mix), &[]), mix);
    }
}

#[test]
fn each_valid_line_gives_exactly_what_eval_gives_for_the_same_case() {
    let cases = example_cases();
    let input: String = cases.iter().map(|(_, l)| format!("{l}\n")).collect();
    let r = batch_stdin(&input, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = r.lines();
    assert_eq!(got.len(), cases.len());
    for ((path, _), line) in cases.iter().zip(&got) {
        assert_eq!(line, &eval_json(path, &[]), "{}", path.display());
    }
}

#[test]
fn each_result_line_is_compact_json_on_one_line() {
    let (_, line) = &example_cases()[0];
    let r = batch_stdin(&format!("{line}\n"), &[]);
    let out = r.stdout.strip_suffix('\n').unwrap();
    assert!(!out.contains('\n'));
    // Compact: re-serialised without spaces it is as long (keys may move).
    let v: Value = serde_json::from_str(out).unwrap();
    assert_eq!(serde_json::to_string(&v).unwrap().len(), out.len());
}

#[test]
fn the_date_flag_overrides_every_cases_date() {
    let cases = example_cases();
    let input: String = cases.iter().map(|(_, l)| format!("{l}\n")).collect();
    let r = batch_stdin(&input, &["--date", "2014-05-05"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for ((path, _), line) in cases.iter().zip(r.lines()) {
        assert_eq!(line["date"], json!("2014-05-05"));
        assert_eq!(line, eval_json(path, &["--date", "2014-05-05"]));
    }
}

#[test]
fn the_date_flag_lets_a_case_without_a_date_be_evaluated() {
    let line = r#"{"person": {"citizenship": "KZ"}, "trip": {"direction": "exit"}}"#;
    let without = batch_stdin(&format!("{line}\n"), &[]);
    assert_eq!(without.code, 1);
    assert_error_line(&without.lines()[0], 1, "no date to evaluate the case on");
    let with = batch_stdin(&format!("{line}\n"), &["--date", "2010-01-01"]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert_eq!(with.lines()[0]["date"], json!("2010-01-01"));
}

#[test]
fn a_case_without_an_id_is_named_after_its_line() {
    let line = r#"{"date": "2010-01-01", "person": {"citizenship": "KZ"}}"#;
    let r = batch_stdin(&format!("\n{line}\n"), &[]);
    assert_eq!(r.lines()[1]["case"], json!("line-2"));
}

#[test]
fn all_lines_evaluated_exits_0_and_any_failed_line_exits_1() {
    let (_, line) = &example_cases()[0];
    let ok = batch_stdin(&format!("{line}\n{line}\n"), &[]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(summary(&ok.stderr), (2, 0));
    let bad = batch_stdin(&format!("{line}\nnot json\n{line}\n"), &[]);
    assert_eq!(bad.code, 1);
    assert_eq!(bad.lines().len(), 3);
    assert_eq!(summary(&bad.stderr), (3, 1));
}

#[test]
fn rules_that_do_not_load_exit_2_before_any_case_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "rule_set: x\ntitel: oops\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let (_, line) = &example_cases()[0];
    let r = run(inforce()
        .arg("batch")
        .arg("--rules")
        .arg(dir.path())
        .arg("-o")
        .arg(&out)
        .write_stdin(format!("{line}\n")));
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("inforce check"), "{}", r.stderr);
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_unreadable_input_exits_2_and_leaves_an_existing_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "previous results\n").unwrap();
    let r = run(batch()
        .arg(dir.path().join("no-such-cases.jsonl"))
        .arg("-o")
        .arg(&out));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read") && r.stderr.contains("no-such-cases.jsonl"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous results\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_output_that_cannot_be_written_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (_, line) = &example_cases()[0];
    let r = run(batch()
        .arg("-o")
        .arg(dir.path().join("no/such/dir/out.jsonl"))
        .write_stdin(format!("{line}\n")));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
    let r = run(batch()
        .arg("-o")
        .arg(dir.path())
        .write_stdin(format!("{line}\n")));
    assert_eq!(r.code, 2);
}

#[test]
fn the_output_file_is_written_whole_and_no_temporary_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let cases = example_cases();
    let text: String = cases.iter().map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&input, format!("{text}oops\n")).unwrap();
    let out = dir.path().join("results.jsonl");
    let r = run(batch().arg(&input).arg("-o").arg(&out));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "results go to the file only");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), cases.len() + 1);
    assert!(written.ends_with('\n'));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, vec!["cases.jsonl", "results.jsonl"]);
    // Same results as on standard output.
    let to_stdout = run(batch().arg(&input));
    assert_eq!(to_stdout.stdout, written);
}

/// `-o /dev/null` once renamed a temporary file over `/dev/null`, turning
/// the device into a plain file: an output that is not a regular file is
/// written to directly. A named pipe stands in for the device here.
#[cfg(unix)]
#[test]
fn an_output_that_is_a_named_pipe_is_written_to_and_stays_a_pipe() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let cases = example_cases();
    let text: String = cases.iter().map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let fifo = dir.path().join("results.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let r = run(batch().arg(&input).arg("-o").arg(&fifo));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Checked before waiting for the reader, which would wait forever on a
    // pipe nobody wrote to.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let read = reader.join().unwrap();
    assert_eq!(read.lines().count(), cases.len());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
}

#[test]
fn standard_input_is_read_without_an_input_or_with_a_dash() {
    let (_, line) = &example_cases()[0];
    let input = format!("{line}\n\n");
    let without = batch_stdin(&input, &[]);
    let dash = batch_stdin(&input, &["-"]);
    assert_eq!(without.stdout, dash.stdout);
    assert_eq!(without.lines().len(), 2);
    assert_error_line(&without.lines()[1], 2, "the line is empty");
}

#[test]
fn one_worker_and_four_workers_give_byte_identical_output() {
    let all: Vec<(String, Expect)> = random_mixes(42, 150).into_iter().flatten().collect();
    let input = input_of(&all);
    let one = batch_stdin(&input, &["--jobs", "1"]);
    let four = batch_stdin(&input, &["--jobs", "4"]);
    assert_eq!(one.code, four.code);
    assert!(one.stdout == four.stdout, "outputs differ");
    assert_lines_match(&four, &all);
}

#[test]
fn zero_jobs_is_refused() {
    let r = batch_stdin("", &["--jobs", "0"]);
    assert_eq!(r.code, 2);
}

#[test]
fn on_a_pipe_stderr_has_the_summary_and_no_progress_bar() {
    let (_, line) = &example_cases()[0];
    let r = batch_stdin(&format!("{line}\nbad\n"), &[]);
    assert_eq!(r.stderr.lines().count(), 1, "stderr: {:?}", r.stderr);
    assert!(!r.stderr.contains('\r') && !r.stderr.contains('\x1b'));
    assert!(r.stderr.starts_with("2 cases, 1 error, "), "{}", r.stderr);
    assert!(r.stderr.contains(" cases/s, "), "{}", r.stderr);
    assert!(r.stderr.trim_end().ends_with(" written"), "{}", r.stderr);
}

#[test]
fn windows_line_endings_and_a_missing_final_newline_are_read_as_lines() {
    let (_, line) = &example_cases()[0];
    let r = batch_stdin(&format!("{line}\r\n{line}"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.lines().len(), 2);
}

#[test]
fn an_empty_input_gives_an_empty_output_and_exits_0() {
    let r = batch_stdin("", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(summary(&r.stderr), (0, 0));
}

#[test]
fn a_line_that_is_not_utf8_is_an_error_line_and_the_run_goes_on() {
    let (_, line) = &example_cases()[0];
    let mut input = b"\xff\xfe\n".to_vec();
    input.extend(format!("{line}\n").as_bytes());
    let r = run(batch().write_stdin(input));
    assert_eq!(r.code, 1);
    let lines = r.lines();
    assert_error_line(&lines[0], 1, "not UTF-8");
    assert!(lines[1]["outcomes"].is_object());
}
