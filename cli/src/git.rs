//! Reading files of a git revision through the `git` command, for `inforce
//! diff`: resolve a revision to a commit, list the blobs and submodules
//! under a path with their sizes, read blobs in one `git cat-file --batch`
//! process. Never touches the working
//! tree or the index, so comparing `HEAD~1` with uncommitted work is safe.
//! Not here: which files are rules, or loading them (the caller's job).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Why a revision could not be read, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitError {
    /// The `git` program could not be started.
    NotInstalled(String),
    /// The directory is not inside a git repository.
    NotARepository(String),
    /// No commit by that name.
    NoSuchRevision(String),
    /// The revision has nothing at that path.
    PathMissing { commit: String, path: String },
    /// git ran but failed, or answered something unexpected.
    Failed(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::NotInstalled(why) => write!(
                f,
                "cannot run `git` ({why}); install git, or compare two directories instead"
            ),
            GitError::NotARepository(why) => {
                f.write_str("the current directory is not in a git repository")?;
                // git's own words only when they add something.
                if !why.is_empty() && !why.starts_with("not a git repository") {
                    write!(f, " ({why})")?;
                }
                f.write_str("; run the command inside the repository, or compare two directories")
            }
            GitError::NoSuchRevision(rev) => write!(
                f,
                "the repository has no commit named `{rev}`; name a branch, tag, commit id or `HEAD~N`"
            ),
            GitError::PathMissing { commit, path } => write!(
                f,
                "commit {} has nothing at `{path}`; give the rules' place inside the repository with `--rules-path`",
                short(commit)
            ),
            GitError::Failed(why) => write!(f, "git failed: {why}"),
        }
    }
}

/// One entry listed by `git ls-tree -r -l`: a blob (a file or a symbolic
/// link) or a commit (a submodule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub mode: String,
    pub oid: String,
    /// The blob's size; none for a submodule.
    pub size: Option<u64>,
    /// Path from the repository's root. A name that is not UTF-8 is kept,
    /// its bad bytes replaced, never dropped.
    pub path: String,
}

impl Entry {
    /// A regular file (not a symbolic link or submodule): the only kind
    /// whose blob is the file's text.
    pub fn is_file(&self) -> bool {
        self.mode.starts_with("100")
    }

    /// A symbolic link: its blob is the path it points to.
    pub fn is_link(&self) -> bool {
        self.mode == "120000"
    }

    /// A submodule: a commit of another repository.
    pub fn is_submodule(&self) -> bool {
        self.mode == "160000"
    }
}

/// The first 12 characters of a commit id, for messages.
pub fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn git(repo: &Path, args: &[&str]) -> Result<Output, GitError> {
    Command::new("git")
        .current_dir(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| GitError::NotInstalled(e.to_string()))
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().next().unwrap_or("").trim();
    line.strip_prefix("fatal: ").unwrap_or(line).to_string()
}

/// The commit id `rev` names in the repository at `repo`.
pub fn resolve(repo: &Path, rev: &str) -> Result<String, GitError> {
    // A name starting with `-` would be read by git as an option.
    if rev.is_empty() || rev.starts_with('-') {
        return Err(GitError::NoSuchRevision(rev.to_string()));
    }
    // Asked first so "not a repository" is not reported as "no such commit".
    let inside = git(repo, &["rev-parse", "--git-dir"])?;
    if !inside.status.success() {
        return Err(GitError::NotARepository(stderr_line(&inside)));
    }
    let spec = format!("{rev}^{{commit}}");
    let out = git(repo, &["rev-parse", "--verify", "--quiet", &spec])?;
    if !out.status.success() {
        return Err(GitError::NoSuchRevision(rev.to_string()));
    }
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(GitError::Failed(format!(
            "`git rev-parse` answered `{id}` for `{rev}`"
        )));
    }
    Ok(id)
}

/// Every blob under `path` (a file or directory, from the repository's
/// root) in `commit`, recursively.
pub fn list(repo: &Path, commit: &str, path: &str) -> Result<Vec<Entry>, GitError> {
    let path = normalise(path);
    let out = git(
        repo,
        &[
            "ls-tree",
            "-r",
            "-z",
            "-l",
            "--full-tree",
            commit,
            "--",
            &path,
        ],
    )?;
    if !out.status.success() {
        return Err(GitError::Failed(stderr_line(&out)));
    }
    let entries: Vec<Entry> = parse_ls_tree(&out.stdout)
        .into_iter()
        .filter(|e| path.is_empty() || e.path == path || e.path.starts_with(&format!("{path}/")))
        .collect();
    if entries.is_empty() {
        return Err(GitError::PathMissing {
            commit: commit.to_string(),
            path,
        });
    }
    Ok(entries)
}

/// `./rules/` and `rules` name the same place; git wants the latter.
pub fn normalise(path: &str) -> String {
    let mut p = path.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    let p = p.trim_end_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// Parses `git ls-tree -r -z -l` output:
/// `<mode> <type> <oid> <size>\t<path>\0`…, the size padded with spaces and
/// `-` for a submodule. Blobs and submodules are kept; a path that is not
/// UTF-8 is kept with its bad bytes replaced, so that no file is skipped.
fn parse_ls_tree(out: &[u8]) -> Vec<Entry> {
    out.split(|b| *b == 0)
        .filter_map(|rec| {
            let tab = rec.iter().position(|b| *b == b'\t')?;
            let meta = std::str::from_utf8(rec.get(..tab)?).ok()?;
            let path = String::from_utf8_lossy(rec.get(tab + 1..)?).into_owned();
            let mut parts = meta.split_whitespace();
            let mode = parts.next()?;
            let kind = parts.next()?;
            let oid = parts.next()?;
            let size = parts.next().and_then(|s| s.parse().ok());
            (kind == "blob" || kind == "commit").then(|| Entry {
                mode: mode.to_string(),
                oid: oid.to_string(),
                size,
                path,
            })
        })
        .collect()
}

/// The contents of the blobs `oids`, in the same order, read by one
/// `git cat-file --batch` process.
pub fn read_blobs(repo: &Path, oids: &[String]) -> Result<Vec<Vec<u8>>, GitError> {
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .current_dir(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| GitError::NotInstalled(e.to_string()))?;
    let input: String = oids.iter().map(|o| format!("{o}\n")).collect();
    let stdin = child.stdin.take();
    // Written from another thread: git answers while it reads, and a full
    // output pipe would otherwise stall both processes.
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(input.as_bytes());
        }
    });
    let out = child
        .wait_with_output()
        .map_err(|e| GitError::Failed(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(GitError::Failed(stderr_line(&out)));
    }
    parse_batch(&out.stdout, oids)
}

/// Parses `git cat-file --batch` output: for each object,
/// `<oid> <type> <size>\n<contents>\n`, or `<oid> missing\n`.
fn parse_batch(out: &[u8], oids: &[String]) -> Result<Vec<Vec<u8>>, GitError> {
    let mut blobs = Vec::with_capacity(oids.len());
    let mut rest = out;
    for oid in oids {
        let bad = |what: &str| GitError::Failed(format!("`git cat-file` {what} for blob {oid}"));
        let nl = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| bad("stopped early"))?;
        let header = std::str::from_utf8(rest.get(..nl).unwrap_or_default())
            .map_err(|_| bad("answered an unreadable header"))?;
        let mut parts = header.split(' ');
        if parts.next() != Some(oid.as_str()) {
            return Err(bad(&format!("answered `{header}`")));
        }
        let size: usize = match (parts.next(), parts.next()) {
            (Some(_kind), Some(size)) => size
                .parse()
                .map_err(|_| bad(&format!("answered `{header}`")))?,
            _ => return Err(bad(&format!("answered `{header}`"))),
        };
        let start = nl + 1;
        let contents = rest
            .get(start..start + size)
            .ok_or_else(|| bad("stopped early"))?;
        blobs.push(contents.to_vec());
        rest = rest.get(start + size + 1..).unwrap_or_default();
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_tree_output_yields_blobs_and_submodules_with_their_paths_and_sizes() {
        let out = b"100644 blob aaa     12\trules/a b.yaml\x00040000 tree bbb      -\trules/sub\x00120000 blob ccc      5\trules/link.yaml\x00160000 commit ddd       -\trules/vendored\x00100644 blob eee 7\trules/caf\xe9.yaml\0";
        let e = parse_ls_tree(out);
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].path, "rules/a b.yaml");
        assert_eq!(e[0].oid, "aaa");
        assert_eq!(e[0].size, Some(12));
        assert!(e[0].is_file());
        assert!(
            !e[1].is_file() && e[1].is_link(),
            "a symbolic link is not a rule file"
        );
        assert!(e[2].is_submodule() && e[2].size.is_none());
        assert_eq!(
            e[3].path, "rules/caf\u{fffd}.yaml",
            "a name that is not UTF-8 is kept"
        );
    }

    #[test]
    fn batch_output_is_split_by_the_sizes_git_gives_even_when_contents_hold_newlines() {
        let out = b"aaa blob 4\nx\ny\n\nbbb blob 0\n\n";
        let blobs = parse_batch(out, &["aaa".into(), "bbb".into()]).unwrap();
        assert_eq!(blobs, vec![b"x\ny\n".to_vec(), Vec::new()]);
    }

    #[test]
    fn a_missing_or_truncated_blob_is_an_error_not_a_panic() {
        assert!(parse_batch(b"aaa missing\n", &["aaa".into()]).is_err());
        assert!(parse_batch(b"aaa blob 10\nxy", &["aaa".into()]).is_err());
        assert!(parse_batch(b"", &["aaa".into()]).is_err());
    }

    #[test]
    fn rules_paths_are_normalised_to_what_git_expects() {
        assert_eq!(normalise("./rules/"), "rules");
        assert_eq!(normalise("rules/kz"), "rules/kz");
        assert_eq!(normalise("."), "");
    }

    #[test]
    fn a_revision_is_read_from_a_real_repository_without_its_working_tree() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            Command::new("git")
                .current_dir(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args(args)
                .output()
        };
        // Without git there is nothing to test here; the parsing tests above still run.
        if run(&["init", "-q"])
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            return;
        }
        std::fs::create_dir_all(dir.path().join("rules")).unwrap();
        std::fs::write(dir.path().join("rules/a.yaml"), "facts: {}\n").unwrap();
        std::fs::write(dir.path().join("rules-not.yaml"), "x").unwrap();
        assert!(run(&["add", "."]).unwrap().status.success());
        assert!(
            run(&["commit", "-q", "-m", "one"])
                .unwrap()
                .status
                .success()
        );
        // The working tree changes afterwards; the revision must not see it.
        std::fs::write(dir.path().join("rules/a.yaml"), "changed").unwrap();

        let commit = resolve(dir.path(), "HEAD").unwrap();
        let entries = list(dir.path(), &commit, "rules").unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].path, "rules/a.yaml");
        let blobs = read_blobs(dir.path(), &[entries[0].oid.clone()]).unwrap();
        assert_eq!(blobs, vec![b"facts: {}\n".to_vec()]);

        assert_eq!(
            resolve(dir.path(), "no-such-branch"),
            Err(GitError::NoSuchRevision("no-such-branch".into()))
        );
        assert!(matches!(
            list(dir.path(), &commit, "nowhere"),
            Err(GitError::PathMissing { .. })
        ));
    }

    #[test]
    fn outside_a_repository_the_error_says_so() {
        let dir = tempfile::tempdir().unwrap();
        match resolve(dir.path(), "HEAD") {
            Err(GitError::NotARepository(_)) | Err(GitError::NotInstalled(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
