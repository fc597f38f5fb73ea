//! End-to-end tests of where inforce's output goes and what happens when it
//! cannot get there (issue 11, point 8): `batch -o` never overwrites its
//! own input, keeps an existing file's permissions, is not stopped by a
//! file squatting on its temporary name, and leaves no temporary file when
//! interrupted; a write error on standard output exits non-zero for every
//! command, while a reader that closes the pipe ends the output quietly.
//! Not here: what the output says (`cli.rs`, `batch.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod workspace_support;
use workspace_support::workspace;

// --- helpers -----------------------------------------------------------------

/// The built binary, run in `dir` on the shipped rules (given by their full
/// path, so that `dir` can be any directory).
fn inforce_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inforce"));
    cmd.current_dir(dir).env_remove("INFORCE_RULES");
    cmd
}

fn rules() -> PathBuf {
    workspace().join("rules")
}

/// `inforce batch --rules <shipped rules>`, run in `dir`.
fn batch_in(dir: &Path) -> Command {
    let mut cmd = inforce_in(dir);
    cmd.arg("batch").arg("--rules").arg(rules());
    cmd
}

/// A valid case on one line; `i` makes its id.
fn case_line(i: usize) -> String {
    format!(
        r#"{{"id": "c{i}", "date": "2010-08-01", "person": {{"citizenship": "KZ", "birth_date": "1984-11-30", "secret_holder": false}}, "trip": {{"direction": "exit", "purpose": "tourism"}}}}"#
    )
}

fn cases(n: usize) -> String {
    (0..n).map(|i| case_line(i) + "\n").collect()
}

/// Runs `inforce ARGS` in the workspace with three cases on standard input
/// (for the commands that read it) and the given output streams.
fn run_fed(
    args: &[impl AsRef<std::ffi::OsStr>],
    stdout: impl Into<Stdio>,
    stderr: impl Into<Stdio>,
) -> Output {
    inforce_in(&workspace())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .and_then(|mut child| {
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(cases(3).as_bytes());
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Waits until `ready` holds, or fails the test after a minute.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// --- batch -o naming its own input -------------------------------------------

/// Runs `batch INPUT -o OUTPUT` in `dir` and asserts it is refused before
/// anything is read or written: exit 2, a message naming both, the cases
/// intact and no other file left.
fn assert_refused_as_same_file(dir: &Path, input: &str, output: &str, original: &str) {
    let before = names(dir);
    let out = batch_in(dir)
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "`{input}` -o `{output}`: {err}");
    assert!(
        err.contains(&format!("`{output}`")) && err.contains("is the input"),
        "the message names the output and says why: {err}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.join("cases.jsonl")).unwrap(),
        original,
        "the cases are untouched"
    );
    assert_eq!(names(dir), before, "no file is created or removed");
}

#[test]
fn batch_refuses_an_output_that_is_its_own_input_under_any_name() {
    let dir = tempfile::tempdir().unwrap();
    let original = cases(3);
    std::fs::write(dir.path().join("cases.jsonl"), &original).unwrap();
    // The same name, another spelling of it, and a full path.
    assert_refused_as_same_file(dir.path(), "cases.jsonl", "cases.jsonl", &original);
    assert_refused_as_same_file(dir.path(), "cases.jsonl", "./cases.jsonl", &original);
    let full = dir.path().join("cases.jsonl").display().to_string();
    assert_refused_as_same_file(dir.path(), "./cases.jsonl", &full, &original);
    // A hard link is the same file under another name.
    std::fs::hard_link(
        dir.path().join("cases.jsonl"),
        dir.path().join("link.jsonl"),
    )
    .unwrap();
    assert_refused_as_same_file(dir.path(), "cases.jsonl", "link.jsonl", &original);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("cases.jsonl", dir.path().join("sym.jsonl")).unwrap();
        assert_refused_as_same_file(dir.path(), "sym.jsonl", "cases.jsonl", &original);
    }
}

#[cfg(unix)]
#[test]
fn batch_refuses_an_output_that_is_the_file_its_standard_input_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let original = cases(3);
    let path = dir.path().join("cases.jsonl");
    std::fs::write(&path, &original).unwrap();
    let out = batch_in(dir.path())
        .args(["-o", "cases.jsonl"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains("`cases.jsonl`") && err.contains("standard input"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    assert_eq!(names(dir.path()), vec!["cases.jsonl"]);
}

#[test]
fn batch_writes_an_output_that_only_looks_like_its_input() {
    // Same name in another directory, and a copy: different files, so the
    // run goes ahead.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("cases.jsonl"), cases(2)).unwrap();
    std::fs::write(dir.path().join("copy.jsonl"), cases(2)).unwrap();
    for output in ["out/cases.jsonl", "copy.jsonl"] {
        let out = batch_in(dir.path())
            .args(["cases.jsonl", "-o", output])
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{output}: {}", stderr(&out));
        let written = std::fs::read_to_string(dir.path().join(output)).unwrap();
        assert_eq!(written.lines().count(), 2);
        assert!(written.contains("\"case\":\"c1\""), "{written}");
    }
}

// --- permissions ---------------------------------------------------------------

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
#[test]
fn batch_keeps_the_permissions_of_the_output_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cases.jsonl"), cases(2)).unwrap();
    for kept in [0o600, 0o640, 0o604, 0o755] {
        let target = dir.path().join("results.jsonl");
        std::fs::write(&target, "previous results\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(kept)).unwrap();
        let out = batch_in(dir.path())
            .args(["cases.jsonl", "-o", "results.jsonl"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 2);
        assert_eq!(mode(&target), kept, "mode {kept:o} is kept");
    }
}

#[cfg(unix)]
#[test]
fn a_new_output_file_gets_the_usual_permissions_under_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cases.jsonl"), cases(2)).unwrap();
    for (umask, expected) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
        let target = dir.path().join(format!("new-{umask}.jsonl"));
        // The shell sets the umask, then becomes inforce.
        let out = Command::new("sh")
            .current_dir(dir.path())
            .env_remove("INFORCE_RULES")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$@\""))
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_inforce"))
            .args(["batch", "cases.jsonl", "-o"])
            .arg(&target)
            .arg("--rules")
            .arg(rules())
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(mode(&target), expected, "umask {umask}");
    }
}

// --- the temporary file's name -------------------------------------------------

/// The temporary name used to be `.NAME.inforce-PID.tmp`: anyone who could
/// write to the directory could guess it and make every run fail with "File
/// exists". Process ids are handed out in order on Linux, so the names the
/// next few thousand processes would use are squatted here.
#[cfg(target_os = "linux")]
#[test]
fn temporary_names_squatted_in_advance_do_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cases.jsonl"), cases(2)).unwrap();
    let next = Command::new("true").spawn().unwrap();
    let pid = next.id();
    let mut child = next;
    child.wait().unwrap();
    for p in pid..pid + 3000 {
        std::fs::write(
            dir.path().join(format!(".results.jsonl.inforce-{p}.tmp")),
            "squatter\n",
        )
        .unwrap();
    }
    let squatted = names(dir.path());
    let out = batch_in(dir.path())
        .args(["cases.jsonl", "-o", "results.jsonl"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("results.jsonl")).unwrap();
    assert_eq!(written.lines().count(), 2);
    let mut expected = squatted;
    expected.push("results.jsonl".to_string());
    expected.sort();
    assert_eq!(
        names(dir.path()),
        expected,
        "the squatters' files are left alone and no temporary file is left"
    );
    let squatter = dir.path().join(format!(".results.jsonl.inforce-{pid}.tmp"));
    assert_eq!(std::fs::read_to_string(squatter).unwrap(), "squatter\n");
}

// --- interrupted runs ----------------------------------------------------------

/// Starts `batch -o results.jsonl` on standard input, feeds it cases but
/// never closes its input, waits until its temporary file holds results,
/// sends `signal` and checks that the temporary file is gone, the previous
/// results are untouched and the exit code is 128 + the signal's number.
#[cfg(unix)]
fn interrupted_run_cleans_up(signal: &str, expected_code: i32) {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("results.jsonl");
    std::fs::write(&target, "previous results\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut child = batch_in(dir.path())
        .args(["-o", "results.jsonl", "--jobs", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // More than two chunks of cases: two are evaluated and written while
    // the reader waits for the rest of the third, which never comes.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(cases(2500).as_bytes());
        let _ = stdin.flush();
        stdin
    });
    let temp_file = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.file_name() != "results.jsonl")
            .map(|e| (e.path(), e.metadata().map(|m| m.len()).unwrap_or(0)))
    };
    wait_for("the temporary file to hold results", || {
        temp_file().is_some_and(|(_, len)| len > 0)
    });
    let (temp, _) = temp_file().unwrap();
    assert!(
        temp.file_name().unwrap().to_string_lossy().starts_with('.'),
        "the temporary file is hidden: {}",
        temp.display()
    );
    let killed = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let stdin = feeder.join().unwrap();
    drop(stdin);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        !temp.exists(),
        "SIG{signal}: the temporary file is removed ({status:?}, {err})"
    );
    assert_eq!(names(dir.path()), vec!["results.jsonl"]);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous results\n"
    );
    assert_eq!(mode(&target), 0o600);
    assert_eq!(
        status.code(),
        Some(expected_code),
        "SIG{signal} exits {expected_code}: {status:?} {err}"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_in_the_middle_of_a_run_removes_the_temporary_file_and_exits_143() {
    interrupted_run_cleans_up("TERM", 143);
}

#[cfg(unix)]
#[test]
fn sigint_in_the_middle_of_a_run_removes_the_temporary_file_and_exits_130() {
    interrupted_run_cleans_up("INT", 130);
}

#[cfg(unix)]
#[test]
fn sighup_in_the_middle_of_a_run_removes_the_temporary_file_and_exits_129() {
    interrupted_run_cleans_up("HUP", 129);
}

/// `nohup inforce batch … -o results.jsonl &` must survive the hangup it
/// asked to ignore: a signal ignored when inforce starts stays ignored.
#[cfg(unix)]
#[test]
fn a_hangup_ignored_as_nohup_does_stays_ignored_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("sh")
        .current_dir(dir.path())
        .env_remove("INFORCE_RULES")
        .arg("-c")
        .arg("trap '' HUP && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_inforce"))
        .arg("batch")
        .arg("--rules")
        .arg(rules())
        .args(["-o", "results.jsonl", "--jobs", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(cases(10).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The temporary file exists once the run has started, and with it the
    // handling of signals.
    wait_for("the temporary file", || names(dir.path()).len() == 1);
    let sent = Command::new("kill")
        .arg("-HUP")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the hangup was ignored and the run goes on"
    );
    stdin.write_all(cases(5).as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(names(dir.path()), vec!["results.jsonl"]);
    let written = std::fs::read_to_string(dir.path().join("results.jsonl")).unwrap();
    assert_eq!(written.lines().count(), 15);
}

// --- write errors on standard output -------------------------------------------

/// Every command with output, as run in the workspace on the shipped rules.
fn every_command() -> Vec<(&'static str, Vec<String>)> {
    let case = workspace()
        .join("tests/fixtures/cases/emigration-2008-leap-year.yaml")
        .display()
        .to_string();
    let rules = rules().display().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        ("eval", s(&["eval", &case, "--rules", &rules])),
        (
            "eval --format json",
            s(&["eval", &case, "--rules", &rules, "--format", "json"]),
        ),
        (
            "history",
            s(&[
                "history",
                &case,
                "--rules",
                &rules,
                "--from",
                "2008-01-01",
                "--to",
                "2009-01-01",
            ]),
        ),
        ("timeline", s(&["timeline", "--rules", &rules])),
        ("test", s(&["test", "--rules", &rules])),
        ("diff", s(&["diff", &rules, &rules])),
        ("check", s(&["check", "--rules", &rules])),
        ("schema rules", s(&["schema", "rules"])),
        ("schema case", s(&["schema", "case", "--rules", &rules])),
        ("batch", s(&["batch", "--rules", &rules])),
    ]
}

#[cfg(target_os = "linux")]
#[test]
fn a_write_error_on_standard_output_exits_2_for_every_command() {
    let mut wrong = Vec::new();
    for (name, args) in every_command() {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run_fed(&args, full, Stdio::piped());
        let err = stderr(&out);
        // Exit 2, saying it could not write to standard output, and why.
        let says = err.contains("cannot write")
            && err.contains("standard output")
            && err.contains("No space left on device")
            && !err.contains("panicked");
        if code(&out) != 2 || !says {
            wrong.push(format!(
                "`inforce {name} > /dev/full` exits {}: {err}",
                code(&out)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `inforce eval x | head -1`: the reader has all it wants, so the rest of
/// the output is dropped without a word, and the exit code is the one the
/// command would have given (no failure of the command).
#[cfg(unix)]
#[test]
fn a_reader_that_closes_the_pipe_ends_the_output_quietly_with_the_commands_own_code() {
    for (name, args) in every_command() {
        let expected = {
            let out = run_fed(&args, Stdio::null(), Stdio::null());
            code(&out)
        };
        let mut child = inforce_in(&workspace())
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the command writes anything.
        drop(child.stdout.take());
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(cases(3).as_bytes());
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), expected, "`inforce {name} | head`: {err}");
        assert!(
            !err.contains("cannot write") && !err.contains("panicked"),
            "`inforce {name} | head` is quiet: {err}"
        );
    }
}

/// `2>/dev/full`: a command whose messages go to standard error cannot say
/// that they were lost, but it must not panic (exit 101, or an abort in
/// `batch`), and must not exit 0 either: it exits 2.
#[cfg(unix)]
#[test]
fn a_write_error_on_standard_error_exits_2_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.jsonl");
    let bad_case = dir.path().join("bad.yaml");
    std::fs::write(&bad_case, "date: 2005-06-10\nperson: {citizenship: kz}\n").unwrap();
    let runs: Vec<(&str, Vec<String>)> = vec![
        (
            "batch with its summary on stderr",
            vec![
                "batch".into(),
                "-".into(),
                "-o".into(),
                out_file.display().to_string(),
            ],
        ),
        (
            "eval of a refused case",
            vec!["eval".into(), bad_case.display().to_string()],
        ),
    ];
    for (what, args) in runs {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run_fed(&args, Stdio::piped(), full);
        assert_eq!(
            code(&out),
            2,
            "{what}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
