//! `inforce diff OLD NEW`: what a change to the rules means, for a reviewer.
//! Loads each side from a directory or a git revision (asking which when a
//! name is both; reading a revision as `read_dir` reads a checkout, with
//! the same refusals), adds the cases given
//! with `--cases`, asks the engine to compare, and prints the result as
//! text, Markdown or JSON. Not here: the comparison itself (the engine's
//! `diff` module) or its layout (`diff_render`).

use std::path::{Path, PathBuf};

use inforce_engine::RuleTree;
use inforce_engine::diff::{CaseInput, compare};
use inforce_engine::files::{Kind, Limits, Survey, admit, is_hidden, read_at_most, size_words};
use inforce_engine::{CaseError, RuleProblem};
use inforce_engine::{Golden, Loaded, load};

use crate::diff_render::{self, Format};
use crate::exit::{self, Failure, Finding, Outcome};
use crate::git::{self, GitError};
use crate::render::{self, Style};
use crate::rules_source::RuleFiles;
use crate::text_safe;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The old rules: a directory, or a git revision of this repository
    /// (`main`, `HEAD~1`, a commit id). `dir:PATH` or `rev:REV` says which,
    /// and must when a name is both.
    pub old: String,
    /// The new rules: a directory, or a git revision of this repository
    /// (`dir:PATH` or `rev:REV` to say which).
    pub new: String,
    /// Where the rules are inside a git revision, from the repository's root.
    #[arg(long, value_name = "P", default_value = "rules")]
    pub rules_path: String,
    /// More cases to evaluate under both sides: a case file (.yaml, .yml,
    /// .json), a JSON Lines file (.jsonl, one case a line), or a directory of
    /// such files. Repeatable.
    #[arg(long, value_name = "FILE|DIR")]
    pub cases: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 1 when anything differs, 0 when nothing does.
    #[arg(long)]
    pub exit_code: bool,
}

pub fn run(args: Args) -> Outcome {
    // The cases first: a mistyped path should fail before the slow part.
    let extra = read_cases(&args.cases)?;
    let repo = Path::new(".");
    let (old, old_label) = load_side("OLD", &args.old, &args.rules_path, repo)?;
    let (new, new_label) = load_side("NEW", &args.new, &args.rules_path, repo)?;
    let diff = compare(&old, &old_label, &new, &new_label, &extra);
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&diff) {
            Ok(s) => crate::outln!("{s}"),
            Err(e) => {
                crate::errln!("cannot write the diff as JSON: {e}");
                return Err(Failure::Internal);
            }
        },
        Format::Markdown => crate::out!("{}", diff_render::markdown::render(&diff)),
        Format::Text => {
            let style = Style::stdout();
            let colour = render::stdout_is_terminal().then_some(&style);
            crate::out!("{}", diff_render::text::render(&diff, colour));
        }
    }
    exit::found_if(args.exit_code && !diff.is_empty(), Finding::Differences)
}

/// What a side names: a directory, or a commit of the repository.
enum Side {
    Dir(String),
    /// The revision as the user wrote it, and the commit it names.
    Rev(String, String),
}

/// Which thing `spec` names. `dir:PATH` and `rev:REV` say it outright. A
/// bare name is a directory if something by that name is in the current
/// directory, else a revision; if it is both, the user must say which,
/// since a pull request could commit a directory named like the branch it
/// is compared with. On failure prints why, naming the side.
fn which(side: &str, spec: &str, repo: &Path) -> Option<Side> {
    if let Some(dir) = spec.strip_prefix("dir:") {
        return Some(Side::Dir(dir.to_string()));
    }
    if let Some(rev) = spec.strip_prefix("rev:") {
        return match git::resolve(repo, rev) {
            Ok(commit) => Some(Side::Rev(rev.to_string(), commit)),
            Err(e) => {
                crate::errln!("{side} `{spec}`: {e}");
                None
            }
        };
    }
    // A link is refused when read, but it names a directory all the same.
    let on_disk = std::fs::symlink_metadata(spec)
        .ok()
        .map(|m| m.file_type())
        .filter(|t| t.is_dir() || t.is_symlink());
    match (on_disk, git::resolve(repo, spec)) {
        (Some(t), Ok(_)) => {
            let what = if t.is_symlink() {
                "a symbolic link"
            } else {
                "a directory"
            };
            crate::errln!(
                "{side} `{spec}` is both {what} and a git revision; write `rev:{spec}` for the revision or `dir:{spec}` for the directory"
            );
            None
        }
        (None, Ok(commit)) => Some(Side::Rev(spec.to_string(), commit)),
        (Some(_), Err(_)) => Some(Side::Dir(spec.to_string())),
        (None, Err(e)) => {
            match e {
                // The user may have meant a directory: say both readings failed.
                GitError::NoSuchRevision(_) | GitError::NotARepository(_) => {
                    crate::errln!("{side} `{spec}` is not a directory, and {e}");
                }
                _ => crate::errln!("{side} `{spec}`: {e}"),
            }
            None
        }
    }
}

/// Loads one side (see `which`). Returns the tree and the label shown in
/// the report; on failure prints why, naming the side.
fn load_side(
    side: &str,
    spec: &str,
    rules_path: &str,
    repo: &Path,
) -> Result<(RuleTree, String), Failure> {
    let (loaded, label) = match which(side, spec, repo).ok_or(Failure::BadInput)? {
        Side::Dir(dir) => {
            let loaded = RuleFiles::from_dir(Path::new(&dir)).load(Golden::Load);
            (loaded, dir)
        }
        Side::Rev(rev, commit) => match load_revision(&rev, &commit, rules_path, repo) {
            Ok(x) => x,
            Err(e) => {
                crate::errln!("{side} `{spec}`: {e}");
                return Err(Failure::BadInput);
            }
        },
    };
    match loaded.tree {
        Some(tree) => Ok((tree, label)),
        None => {
            render::print_diagnostics(&loaded.problems);
            crate::errln!(
                "{side} `{spec}`: the rules do not load ({}); run `inforce check` on them, or compare another side",
                crate::render::count(loaded.errors(), "error", "errors")
            );
            Err(Failure::BadRules)
        }
    }
}

/// Reads the rule files under `rules_path` in `commit` (which `rev`
/// names), never the working tree, and loads them. Files are labelled
/// `<rev>:<path>` so a diagnostic says which side it is about. What a
/// checkout of the commit would give `read_dir` is read, and what it would
/// refuse is refused in the same words (`source::Survey`): links,
/// submodules, files and trees past the limits, text that is not UTF-8;
/// hidden entries and other files are skipped alike.
fn load_revision(
    rev: &str,
    commit: &str,
    rules_path: &str,
    repo: &Path,
) -> Result<(Loaded, String), GitError> {
    let base = git::normalise(rules_path);
    let source = format!("{rev}:{}", rules_path.trim_end_matches('/'));
    let limits = Limits::DEFAULT;
    let mut survey: Survey<String> = Survey::new(&source, limits);
    for entry in git::list(repo, commit, rules_path)? {
        let rel = if base.is_empty() {
            entry.path.as_str()
        } else {
            entry
                .path
                .strip_prefix(base.as_str())
                .unwrap_or(&entry.path)
                .trim_start_matches('/')
        };
        if is_hidden(rel) {
            continue;
        }
        let name = entry
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let kind = if entry.is_file() {
            Kind::File(entry.size.unwrap_or(u64::MAX))
        } else if entry.is_link() {
            Kind::Link
        } else if entry.is_submodule() {
            Kind::Submodule
        } else {
            Kind::Special("git entry of an unknown kind")
        };
        let shown = format!("{rev}:{}", entry.path);
        if !survey.entry(shown, &name, kind, entry.oid) {
            break;
        }
    }
    let (pending, mut unreadable) = survey.finish();
    let oids: Vec<String> = pending.iter().map(|p| p.handle.clone()).collect();
    let blobs = git::read_blobs(repo, &oids)?;
    let mut files = Vec::new();
    for (p, bytes) in pending.into_iter().zip(blobs) {
        match admit(p.path, bytes, &limits) {
            Ok(f) => files.push(f),
            Err(problem) => unreadable.push(*problem),
        }
    }
    let mut loaded = load(files, &source);
    if !unreadable.is_empty() {
        // As for a directory: an unreadable file leaves the tree incomplete.
        loaded
            .problems
            .retain(|p| !matches!(p, RuleProblem::NoRules { .. }));
        unreadable.append(&mut loaded.problems);
        loaded.problems = unreadable;
        loaded.tree = None;
    }
    // A commit id names itself; a branch or `HEAD~1` moves, so the report
    // pins the commit it read.
    let label = if commit.starts_with(&rev.to_ascii_lowercase()) {
        rev.to_string()
    } else {
        format!("{rev} at {}", commit.get(..10).unwrap_or(commit))
    };
    Ok((loaded, label))
}

/// What a `--cases` file holds.
fn is_case_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "jsonl")
    )
}

/// The most a `--cases` file of JSON Lines may hold; a single case may
/// hold as much as `eval` reads (`eval::MAX_CASE_BYTES`).
const MAX_CASES_FILE_BYTES: u64 = 64 << 20;

/// Every case named by `--cases`, in order; an unreadable file is printed
/// as a diagnostic and is `Failure::BadInput`. In a directory, a case file that is a
/// link, a pipe or a device is refused, never followed or waited for: a
/// cases directory may come from the pull request under review.
fn read_cases(paths: &[PathBuf]) -> Result<Vec<CaseInput>, Failure> {
    let mut out = Vec::new();
    for path in paths {
        let files = if path.is_dir() {
            let mut files: Vec<PathBuf> = Vec::new();
            let entries = std::fs::read_dir(path).map_err(|e| io_error(path, &e.to_string()))?;
            for entry in entries {
                let entry = entry.map_err(|e| io_error(path, &e.to_string()))?;
                let file = entry.path();
                if !is_case_file(&file) {
                    continue;
                }
                // The entry's own type: a link is not followed.
                let ty = entry
                    .file_type()
                    .map_err(|e| io_error(&file, &e.to_string()))?;
                if ty.is_symlink() {
                    crate::errln!(
                        "--cases `{}` is a symbolic link, which is never followed in a cases directory; copy the case into the directory instead",
                        text_safe::line(&file.display().to_string())
                    );
                    return Err(Failure::BadInput);
                }
                if !ty.is_file() {
                    crate::errln!(
                        "--cases `{}` is not a plain file; give case files (.yaml, .yml, .json, .jsonl)",
                        text_safe::line(&file.display().to_string())
                    );
                    return Err(Failure::BadInput);
                }
                files.push(file);
            }
            if files.is_empty() {
                // An empty or mistyped directory must not look like "no behavioural change".
                crate::errln!(
                    "--cases `{}`: the directory has no .yaml, .yml, .json or .jsonl case files",
                    path.display()
                );
                return Err(Failure::BadInput);
            }
            files.sort();
            files
        } else {
            vec![path.clone()]
        };
        for file in files {
            read_case_file(&file, &mut out)?;
        }
    }
    Ok(out)
}

fn read_case_file(file: &Path, out: &mut Vec<CaseInput>) -> Result<(), Failure> {
    let shown = file.display().to_string();
    let lines = file.extension().and_then(|e| e.to_str()) == Some("jsonl");
    let limit = if lines {
        MAX_CASES_FILE_BYTES
    } else {
        crate::command::eval::MAX_CASE_BYTES
    };
    let opened = std::fs::File::open(file).map_err(|e| io_error(file, &e.to_string()))?;
    let Some(bytes) = read_at_most(opened, limit).map_err(|e| io_error(file, &e.to_string()))?
    else {
        crate::errln!(
            "--cases `{}` is larger than {}, the most a {} may hold; it was not read",
            text_safe::line(&shown),
            size_words(limit),
            if lines { "file of cases" } else { "case" }
        );
        return Err(Failure::BadInput);
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let e = CaseError::NotUtf8 {
                path: shown,
                offset: e.utf8_error().valid_up_to(),
            };
            crate::errln!("{}", render::diagnostic(&e));
            return Err(Failure::BadInput);
        }
    };
    if lines {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            out.push(CaseInput {
                origin: format!("{shown}:{}", n + 1),
                text: line.to_string(),
                date: None,
            });
        }
    } else {
        out.push(CaseInput {
            origin: shown,
            text,
            date: None,
        });
    }
    Ok(())
}

fn io_error(path: &Path, reason: &str) -> Failure {
    // Not `CaseError::Io`: its advice (`-` for standard input) is `eval`'s.
    crate::errln!(
        "--cases `{}`: cannot read it: {reason}; give case files (.yaml, .yml, .json, .jsonl) or a directory of them",
        text_safe::line(&path.display().to_string())
    );
    Failure::BadInput
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cases_directory_gives_every_case_file_in_name_order_and_one_case_per_jsonl_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.yaml"), "date: 2005-01-01\n").unwrap();
        std::fs::write(dir.path().join("a.jsonl"), "{\"id\": 1}\n\n{\"id\": 2}\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a case").unwrap();
        let cases = read_cases(&[dir.path().to_path_buf()]).unwrap();
        let origins: Vec<String> = cases
            .iter()
            .map(|c| {
                Path::new(&c.origin)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string()
            })
            .collect();
        assert_eq!(origins, vec!["a.jsonl:1", "a.jsonl:3", "b.yaml"]);
        assert_eq!(cases[1].text, "{\"id\": 2}");
        assert!(cases.iter().all(|c| c.date.is_none()));
    }

    #[test]
    fn a_missing_cases_file_or_an_empty_cases_directory_is_bad_input() {
        assert_eq!(
            read_cases(&[PathBuf::from("/definitely/not/here.yaml")]).err(),
            Some(Failure::BadInput)
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_cases(&[dir.path().to_path_buf()]).err(),
            Some(Failure::BadInput)
        );
    }
}
