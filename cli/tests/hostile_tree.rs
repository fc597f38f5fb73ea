//! End-to-end tests of issue 11, points 2, 3, 9a and 9c: what a pull request
//! can put in the file system and in git for a reviewer's CI to read. Rule
//! trees holding links out of the tree, pipes, repositories and huge files;
//! `inforce diff` sides that a directory could shadow, or a link, a
//! submodule or a file name could hide; a `rules` entry that is not a
//! directory; cases without end. Each runs the built binary as CI would and
//! checks that nothing is leaked, nothing hangs and nothing is skipped
//! silently. Not here: hostile scripts (`engine/tests/hostile_scripts.rs`)
//! or random tree shapes (`engine/tests/properties.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]
#![cfg(unix)]

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

mod workspace_support;
use workspace_support::{GIT_VARS, copy_dir, workspace};

// --- helpers -----------------------------------------------------------------

/// A value in the environment of every run: no output may hold it.
const SECRET: &str = "ci-secret-3f9a1c7e2d";

fn case_fixture(name: &str) -> PathBuf {
    workspace()
        .join("tests/fixtures/cases")
        .join(format!("{name}.yaml"))
}

/// What one run of the binary left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn expect_code(&self, code: i32) -> &Self {
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            self.stderr
        );
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Neither output holds the secret, nor anything else of the environment.
    fn leaks_nothing(&self) -> &Self {
        for out in [&self.stdout, &self.stderr] {
            assert!(
                !out.contains(SECRET) && !out.contains("PATH="),
                "the output leaks what the rules tree pointed at:\n{out}"
            );
        }
        self
    }

    fn says(&self, what: &str) -> &Self {
        assert!(
            self.stderr.contains(what),
            "stderr should say {what:?}:\n{}",
            self.stderr
        );
        self
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The binary run in `dir` with the secret in its environment, git's
/// configuration shut out, and a timeout that a hang or an endless read
/// would meet.
fn inforce_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inforce"));
    cmd.current_dir(dir)
        .env_remove("INFORCE_RULES")
        .env("CI_TOKEN", SECRET)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .timeout(Duration::from_secs(60));
    for var in GIT_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// A scratch directory holding a copy of the shipped rules as `rules/`.
fn shipped_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join("rules"), &tmp.path().join("rules"));
    tmp
}

/// `check`, `test` and `eval` on the rules in `dir`: each must refuse them,
/// say `what`, and leak nothing.
fn every_command_refuses(dir: &Path, what: &str) {
    let case = case_fixture("citizen-tourism-2010");
    let check = run(inforce_in(dir).args(["check", "--rules", "rules"]));
    check.expect_code(1).leaks_nothing().says(what);
    assert!(check.stdout.starts_with("failed: "), "{}", check.stdout);
    let test = run(inforce_in(dir).args(["test", "--rules", "rules"]));
    test.expect_code(2).leaks_nothing().says(what);
    let eval = run(inforce_in(dir)
        .args(["eval", "--rules", "rules"])
        .arg(&case));
    eval.expect_code(2).leaks_nothing().says(what);
    assert!(eval.stdout.is_empty(), "{}", eval.stdout);
}

/// A rule set of its own, in force from 2001, that refuses every exit: it
/// changes what `eval` answers for any departure after 2001.
const NOBODY_LEAVES: &str = "rule_set: kz.nobody-leaves
version: 2001-07-26
title: Nobody leaves
in_force: {from: 2001-07-26}
source:
  act: No act
  read_at: nowhere
rules:
  - id: nobody-leaves
    cite: no act
    then:
      exit_permitted: false
";

// --- point 2: the file system of a rules tree --------------------------------

#[test]
fn a_rule_file_linked_to_the_process_environment_is_refused_without_printing_it() {
    let tmp = shipped_copy();
    symlink("/proc/self/environ", tmp.path().join("rules/kz/leak.yaml")).unwrap();
    every_command_refuses(tmp.path(), "`rules/kz/leak.yaml` is a symbolic link");
}

#[test]
fn a_directory_linked_outside_the_tree_is_refused_without_printing_its_files() {
    let tmp = shipped_copy();
    let gh = tmp.path().join("home/.config/gh");
    std::fs::create_dir_all(&gh).unwrap();
    std::fs::write(
        gh.join("hosts.yml"),
        format!("github.com:\n    user: someone\n    oauth_token: {SECRET}\n"),
    )
    .unwrap();
    symlink(&gh, tmp.path().join("rules/kz/gh")).unwrap();
    every_command_refuses(tmp.path(), "`rules/kz/gh` is a symbolic link");
}

#[test]
fn a_link_to_an_endless_device_is_refused_without_reading_it() {
    let tmp = shipped_copy();
    symlink("/dev/zero", tmp.path().join("rules/kz/zero.yaml")).unwrap();
    every_command_refuses(tmp.path(), "`rules/kz/zero.yaml` is a symbolic link");
}

#[test]
fn three_links_to_the_parent_directory_are_refused_not_followed() {
    let tmp = shipped_copy();
    for name in ["a", "b", "c"] {
        symlink("..", tmp.path().join("rules/kz").join(name)).unwrap();
    }
    let r = run(inforce_in(tmp.path()).args(["check", "--rules", "rules"]));
    r.expect_code(1);
    for name in ["a", "b", "c"] {
        r.says(&format!("`rules/kz/{name}` is a symbolic link"));
    }
    assert!(r.stdout.starts_with("failed: 3 errors"), "{}", r.stdout);
}

#[test]
fn a_named_pipe_among_the_rule_files_is_refused_without_waiting_for_a_writer() {
    let tmp = shipped_copy();
    let pipe = tmp.path().join("rules/kz/pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // No mkfifo here: nothing to test.
    }
    every_command_refuses(tmp.path(), "`rules/kz/pipe.yaml` is a named pipe");
}

#[test]
fn a_rule_file_over_4_mib_is_refused_by_name_without_echoing_it() {
    let tmp = shipped_copy();
    let line = format!("key: {SECRET}\n");
    let text = line.repeat((4 << 20) / line.len() + 1);
    std::fs::write(tmp.path().join("rules/kz/big.yaml"), text).unwrap();
    every_command_refuses(
        tmp.path(),
        "`rules/kz/big.yaml` is larger than 4 MiB, the most a rule file may hold",
    );
}

#[test]
fn a_tree_of_more_than_64_mib_of_rule_files_is_refused_before_any_is_read() {
    let tmp = shipped_copy();
    // Sparse files: 17 of just under 4 MiB each, written in no time.
    for i in 0..17 {
        let f = std::fs::File::create(tmp.path().join(format!("rules/kz/pad-{i}.yaml"))).unwrap();
        f.set_len((4 << 20) - 1).unwrap();
    }
    every_command_refuses(
        tmp.path(),
        "the rules tree `rules` holds more than 64 MiB of rule files",
    );
}

#[test]
fn a_tree_of_more_than_10000_files_is_refused_before_any_is_read() {
    let tmp = shipped_copy();
    let many = tmp.path().join("rules/kz/many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..10_001 {
        std::fs::write(many.join(format!("{i}.txt")), "").unwrap();
    }
    let r = run(inforce_in(tmp.path()).args(["check", "--rules", "rules"]));
    r.expect_code(1)
        .says("the rules tree `rules` holds more than 10,000 files");
    assert!(r.stdout.starts_with("failed: 1 error,"), "{}", r.stdout);
}

#[test]
fn a_rule_file_that_is_not_utf8_is_named_without_echoing_its_bytes() {
    let tmp = shipped_copy();
    let mut bytes = format!("key: {SECRET}\n").into_bytes();
    bytes.extend_from_slice(b"caf\xe9\n");
    std::fs::write(tmp.path().join("rules/kz/latin1.yaml"), bytes).unwrap();
    every_command_refuses(
        tmp.path(),
        "cannot read `rules/kz/latin1.yaml`: the file is not UTF-8 text",
    );
}

#[test]
fn a_directory_holding_another_repository_is_refused_not_read() {
    let tmp = shipped_copy();
    let vendored = tmp.path().join("rules/kz/vendored");
    std::fs::create_dir_all(&vendored).unwrap();
    std::fs::write(
        vendored.join(".git"),
        "gitdir: ../../../.git/modules/vendored\n",
    )
    .unwrap();
    std::fs::write(vendored.join("nobody-leaves.yaml"), NOBODY_LEAVES).unwrap();
    every_command_refuses(
        tmp.path(),
        "`rules/kz/vendored` is a git submodule or another repository",
    );
}

// --- point 9a: where the rules come from -------------------------------------

#[test]
fn a_rules_file_in_the_current_directory_is_refused_not_replaced_by_the_embedded_rules() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("rules"), "not a directory\n").unwrap();
    let case = case_fixture("citizen-tourism-2010");
    let said = "cannot use `rules` as the rules directory: it is a file, not a directory";
    for args in [vec!["check"], vec!["test"], vec!["timeline"]] {
        let r = run(inforce_in(tmp.path()).args(&args));
        r.expect_code(2).says(said);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let r = run(inforce_in(tmp.path()).arg("eval").arg(&case));
    r.expect_code(2).says(said);
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    // Named by the variable or the flag, a file is refused the same way.
    let file = tmp.path().join("rules");
    let shown = file.display().to_string();
    let r = run(inforce_in(tmp.path())
        .env("INFORCE_RULES", &file)
        .arg("check"));
    r.expect_code(2).says(&format!(
        "cannot use `{shown}` as the rules directory: it is a file, not a directory"
    ));
    let r = run(inforce_in(tmp.path())
        .arg("check")
        .arg("--rules")
        .arg(&file));
    r.expect_code(2).says(&format!("cannot use `{shown}`"));
}

#[test]
fn a_rules_directory_reached_through_a_link_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    symlink(workspace().join("rules"), tmp.path().join("rules")).unwrap();
    let r = run(inforce_in(tmp.path())
        .arg("eval")
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(2).says(
        "cannot use `rules` as the rules directory: it is a symbolic link, which is never followed",
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    // A link on the way to the directory named.
    std::fs::create_dir_all(tmp.path().join("real")).unwrap();
    copy_dir(&workspace().join("rules"), &tmp.path().join("real/rules"));
    symlink("real", tmp.path().join("via")).unwrap();
    let r = run(inforce_in(tmp.path()).args(["check", "--rules", "via/rules"]));
    r.expect_code(2)
        .says("`via` on the way to it is a symbolic link, which is never followed");
    let r = run(inforce_in(tmp.path()).args(["check", "--rules", "real/rules/"]));
    r.expect_code(0);
}

#[test]
fn a_missing_rules_directory_is_exit_code_2_for_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [vec!["check"], vec!["test"], vec!["timeline"]] {
        let r = run(inforce_in(tmp.path())
            .env("INFORCE_RULES", tmp.path().join("nowhere"))
            .args(&args));
        r.expect_code(2).says("there is no such directory");
    }
}

// --- point 9c: cases without end -----------------------------------------------

#[test]
fn a_case_larger_than_1_mib_is_refused_without_reading_on() {
    let tmp = tempfile::tempdir().unwrap();
    for command in ["eval", "history"] {
        let r = run(inforce_in(tmp.path())
            .args([command, "/dev/zero", "--rules"])
            .arg(workspace().join("rules")));
        r.expect_code(2)
            .says("the case `/dev/zero` is larger than 1 MiB");
    }
    // Standard input too.
    let mut big = String::from("date: 2005-06-10\n");
    while big.len() <= 1 << 20 {
        big.push_str("# padding padding padding padding padding padding\n");
    }
    let r = run(inforce_in(tmp.path())
        .args(["eval", "-", "--rules"])
        .arg(workspace().join("rules"))
        .write_stdin(big));
    r.expect_code(2)
        .says("the case `stdin` is larger than 1 MiB");
}

#[test]
fn a_cases_directory_holding_a_link_out_is_refused_without_reading_it() {
    let repo = Repo::with_shipped_rules();
    let cases = repo.root().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::copy(
        case_fixture("citizen-tourism-2010"),
        cases.join("tourism.yaml"),
    )
    .unwrap();
    symlink("/proc/self/environ", cases.join("leak.yaml")).unwrap();
    let r = repo.diff(&["HEAD", "HEAD", "--cases", "cases"]);
    r.expect_code(2)
        .leaks_nothing()
        .says("`cases/leak.yaml` is a symbolic link");
    // A case file past the limit, named directly.
    let r = repo.diff(&["HEAD", "HEAD", "--cases", "/dev/zero"]);
    r.expect_code(2).says("`/dev/zero` is larger than 1 MiB");
}

// --- point 3: what `inforce diff` reads ------------------------------------------

/// A git repository in a temporary directory (`<tmp>/repo`).
struct Repo {
    tmp: tempfile::TempDir,
}

impl Repo {
    /// A repository whose one commit, on `main`, holds the shipped rules.
    fn with_shipped_rules() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("repo")).unwrap();
        let repo = Repo { tmp };
        repo.git(&["init", "-q", "-b", "main"]);
        copy_dir(&workspace().join("rules"), &repo.root().join("rules"));
        repo.commit("the shipped rules");
        repo
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn git(&self, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(self.root())
            .args([
                "-c",
                "user.name=Rule Author",
                "-c",
                "user.email=author@example.org",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "core.autocrlf=false",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        for var in GIT_VARS {
            cmd.env_remove(var);
        }
        let out = cmd.output().expect("git is installed");
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn diff(&self, args: &[&str]) -> Run {
        run(inforce_in(&self.root()).arg("diff").args(args))
    }

    /// Moves the repeal of Decree No. 1010 from 28 March to 28 June 2012
    /// in the rules at `rules`.
    fn move_repeal(rules: &Path) {
        for (file, from, to) in [
            (
                "kz/citizens-departure/2001-07-26.yaml",
                "in_force: {from: 2001-07-26, until: 2012-03-28}",
                "in_force: {from: 2001-07-26, until: 2012-06-28}",
            ),
            (
                "kz/citizens-departure/2012-03-28.yaml",
                "in_force: {from: 2012-03-28}",
                "in_force: {from: 2012-06-28}",
            ),
        ] {
            let path = rules.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(text.matches(from).count(), 1);
            std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        }
    }
}

#[test]
fn a_directory_named_like_the_base_branch_is_an_error_asking_which_is_meant() {
    let repo = Repo::with_shipped_rules();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["update-ref", "refs/remotes/origin/main", &base]);
    repo.git(&["checkout", "-q", "-b", "pull-request"]);
    Repo::move_repeal(&repo.root().join("rules"));
    // The pull request also commits copies of its own rules under the base
    // branch's names, so that a directory would stand in for the revision.
    copy_dir(&repo.root().join("rules"), &repo.root().join("main"));
    copy_dir(&repo.root().join("rules"), &repo.root().join("origin/main"));
    repo.commit("move the repeal, and shadow the base branch");

    for base in ["main", "origin/main"] {
        let r = repo.diff(&["--exit-code", base, "HEAD"]);
        r.expect_code(2).says(&format!(
            "OLD `{base}` is both a directory and a git revision; write `rev:{base}` for the revision or `dir:{base}` for the directory"
        ));
        assert!(r.stdout.is_empty(), "{}", r.stdout);

        let rev = format!("rev:{base}");
        let r = repo.diff(&["--exit-code", &rev, "rev:HEAD"]);
        r.expect_code(1);
        assert!(
            r.stdout.contains("in_force.until: 2012-03-28 → 2012-06-28"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.starts_with(&format!("Comparing OLD {base} at ")),
            "{}",
            r.stdout
        );
        let dir = format!("dir:{base}");
        let r = repo.diff(&["--exit-code", &dir, "HEAD"]);
        r.expect_code(0);
        assert!(
            r.stdout
                .starts_with(&format!("Comparing OLD {base} (digest")),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn a_linked_rule_file_in_a_revision_is_an_error_not_skipped() {
    let repo = Repo::with_shipped_rules();
    repo.git(&["checkout", "-q", "-b", "pull-request"]);
    std::fs::create_dir_all(repo.root().join("docs")).unwrap();
    std::fs::write(repo.root().join("docs/notes.yaml"), NOBODY_LEAVES).unwrap();
    symlink(
        "../../docs/notes.yaml",
        repo.root().join("rules/kz/notes.yaml"),
    )
    .unwrap();
    repo.commit("a rule set through a link");

    let r = repo.diff(&["--exit-code", "main", "HEAD"]);
    r.expect_code(2)
        .says("`HEAD:rules/kz/notes.yaml` is a symbolic link")
        .says("NEW `HEAD`: the rules do not load");
    // The checkout refuses it too: what eval would use is what diff shows.
    let r = run(inforce_in(&repo.root()).arg("check"));
    r.expect_code(1)
        .says("`rules/kz/notes.yaml` is a symbolic link");
    let r = run(inforce_in(&repo.root())
        .arg("eval")
        .arg(case_fixture("citizen-tourism-2010")));
    r.expect_code(2);
}

#[test]
fn a_rules_folder_replaced_by_a_link_is_refused_in_the_revision_and_the_checkout() {
    let repo = Repo::with_shipped_rules();
    std::fs::rename(repo.root().join("rules"), repo.root().join("elsewhere")).unwrap();
    symlink("elsewhere", repo.root().join("rules")).unwrap();
    repo.commit("the rules through a link");
    let r = repo.diff(&["--exit-code", "HEAD~1", "HEAD"]);
    r.expect_code(2)
        .says("`HEAD:rules` is a symbolic link")
        .says("NEW `HEAD`: the rules do not load");
    let r = run(inforce_in(&repo.root()).arg("check"));
    r.expect_code(2).says(
        "cannot use `rules` as the rules directory: it is a symbolic link, which is never followed",
    );
}

#[test]
fn a_submodule_in_a_revision_is_an_error_not_skipped() {
    let repo = Repo::with_shipped_rules();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{base},rules/kz/vendored"),
    ]);
    repo.git(&["commit", "-q", "-m", "a submodule among the rules"]);
    let r = repo.diff(&["--exit-code", "HEAD~1", "HEAD"]);
    r.expect_code(2)
        .says("`HEAD:rules/kz/vendored` is a git submodule or another repository");
}

#[test]
fn a_rule_file_over_4_mib_in_a_revision_is_refused_before_it_is_read() {
    let repo = Repo::with_shipped_rules();
    let line = format!("key: {SECRET}\n");
    std::fs::write(
        repo.root().join("rules/kz/big.yaml"),
        line.repeat((4 << 20) / line.len() + 1),
    )
    .unwrap();
    repo.commit("a big file");
    let r = repo.diff(&["--exit-code", "HEAD~1", "HEAD"]);
    r.expect_code(2)
        .leaks_nothing()
        .says("`HEAD:rules/kz/big.yaml` is larger than 4 MiB");
}

#[test]
fn a_rule_file_whose_name_is_not_utf8_is_read_from_a_revision_not_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::with_shipped_rules();
    let name = std::ffi::OsStr::from_bytes(b"nobody-leaves-\xff.yaml");
    std::fs::write(repo.root().join("rules/kz").join(name), NOBODY_LEAVES).unwrap();
    repo.commit("a file name that is not UTF-8");
    let r = repo.diff(&["--exit-code", "HEAD~1", "HEAD"]);
    r.expect_code(1);
    assert!(r.stdout.contains("kz.nobody-leaves"), "{}", r.stdout);
}

/// The headlines of the diagnostics in `stderr`, with the revision's
/// prefix taken off the paths.
fn headlines(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("× "))
        .map(|l| l.replace("HEAD:rules", "rules"))
        .collect()
}

#[test]
fn the_directory_and_git_readers_see_the_same_files_and_refuse_the_same_entries() {
    let repo = Repo::with_shipped_rules();
    let rules = repo.root().join("rules");
    std::fs::create_dir_all(rules.join(".drafts")).unwrap();
    std::fs::write(rules.join(".drafts/broken.yaml"), "tittle: x\n").unwrap();
    std::fs::write(rules.join("kz/.hidden.yaml"), "tittle: x\n").unwrap();
    std::fs::write(rules.join("kz/README.md"), "notes\n").unwrap();
    std::fs::write(rules.join("kz/nobody-leaves.yml"), NOBODY_LEAVES).unwrap();
    symlink("facts.yaml", rules.join("kz/link.yaml")).unwrap();
    symlink("citizens-departure", rules.join("kz/linked-dir")).unwrap();
    std::fs::write(rules.join("kz/latin1.yaml"), b"title: caf\xe9\n").unwrap();
    let line = "key: value\n";
    std::fs::write(
        rules.join("kz/big.yaml"),
        line.repeat((4 << 20) / line.len() + 1),
    )
    .unwrap();
    repo.commit("every kind of entry");
    // A submodule: a gitlink in the commit, a directory holding `.git` in
    // the checkout (as `git submodule update` leaves it).
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{base},rules/kz/vendored"),
    ]);
    repo.git(&["commit", "-q", "-m", "a submodule"]);
    std::fs::create_dir_all(rules.join("kz/vendored")).unwrap();
    std::fs::write(rules.join("kz/vendored/.git"), "gitdir: elsewhere\n").unwrap();
    std::fs::write(rules.join("kz/vendored/x.yaml"), NOBODY_LEAVES).unwrap();

    let from_git = repo.diff(&["HEAD", "HEAD"]);
    from_git.expect_code(2);
    let from_dir = repo.diff(&["rules", "rules"]);
    from_dir.expect_code(2);
    let git = headlines(&from_git.stderr);
    let dir = headlines(&from_dir.stderr);
    assert_eq!(
        git, dir,
        "git:\n{}\ndirectory:\n{}",
        from_git.stderr, from_dir.stderr
    );
    for refused in [
        "`rules/kz/link.yaml` is a symbolic link",
        "`rules/kz/linked-dir` is a symbolic link",
        "`rules/kz/vendored` is a git submodule",
        "`rules/kz/big.yaml` is larger than 4 MiB",
        "cannot read `rules/kz/latin1.yaml`: the file is not UTF-8 text",
    ] {
        assert!(
            dir.iter().any(|h| h.starts_with(refused)),
            "{refused}: {dir:#?}"
        );
    }
    assert!(
        !dir.iter()
            .any(|h| h.contains("tittle") || h.contains("README")),
        "hidden files and other files are not read: {dir:#?}"
    );
}
