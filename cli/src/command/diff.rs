//! `inforce diff OLD NEW`: what a change to the rules means, for a reviewer.
//! Loads each side from a directory or a git revision, adds the cases given
//! with `--cases`, asks the engine to compare, and prints the result as
//! text, Markdown or JSON. Not here: the comparison itself (the engine's
//! `diff` module) or its layout (`diff_render`).

use std::path::{Path, PathBuf};

use inforce_engine::diagnostics::{CaseError, RuleProblem};
use inforce_engine::diff::{CaseInput, compare};
use inforce_engine::load::{Loaded, load};
use inforce_engine::source::SourceFile;
use inforce_engine::tree::RuleTree;

use crate::diff_render::{self, Format};
use crate::git::{self, GitError};
use crate::render::{self, Style};
use crate::rules_source::RulesArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The old rules: a directory, or a git revision of this repository
    /// (`main`, `HEAD~1`, a commit id).
    pub old: String,
    /// The new rules: a directory, or a git revision of this repository.
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

pub fn run(args: Args) -> u8 {
    // The cases first: a mistyped path should fail before the slow part.
    let extra = match read_cases(&args.cases) {
        Ok(cases) => cases,
        Err(code) => return code,
    };
    let repo = Path::new(".");
    let Some((old, old_label)) = load_side("OLD", &args.old, &args.rules_path, repo) else {
        return 2;
    };
    let Some((new, new_label)) = load_side("NEW", &args.new, &args.rules_path, repo) else {
        return 2;
    };
    let diff = compare(&old, &old_label, &new, &new_label, &extra);
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&diff) {
            Ok(s) => crate::outln!("{s}"),
            Err(e) => {
                eprintln!("cannot write the diff as JSON: {e}");
                return 2;
            }
        },
        Format::Markdown => crate::out!("{}", diff_render::markdown::render(&diff)),
        Format::Text => {
            let style = Style::stdout();
            let colour = render::stdout_is_terminal().then_some(&style);
            crate::out!("{}", diff_render::text::render(&diff, colour));
        }
    }
    u8::from(args.exit_code && !diff.is_empty())
}

/// Loads one side: `spec` is a directory if one exists by that name, else a
/// git revision. Returns the tree and the label shown in the report; on
/// failure prints why, naming the side, and returns `None`.
fn load_side(side: &str, spec: &str, rules_path: &str, repo: &Path) -> Option<(RuleTree, String)> {
    let (loaded, label) = if Path::new(spec).is_dir() {
        let loaded = RulesArg {
            rules: Some(PathBuf::from(spec)),
        }
        .load();
        (loaded, spec.to_string())
    } else {
        match load_revision(spec, rules_path, repo) {
            Ok(x) => x,
            Err(e) => {
                match e {
                    // The user may have meant a directory: say both readings failed.
                    GitError::NoSuchRevision(_) | GitError::NotARepository(_) => {
                        eprintln!("{side} `{spec}` is not a directory, and {e}");
                    }
                    _ => eprintln!("{side} `{spec}`: {e}"),
                }
                return None;
            }
        }
    };
    match loaded.tree {
        Some(tree) => Some((tree, label)),
        None => {
            render::print_diagnostics(&loaded.problems);
            eprintln!(
                "{side} `{spec}`: the rules do not load ({}); run `inforce check` on them, or compare another side",
                crate::render::count(loaded.errors(), "error", "errors")
            );
            None
        }
    }
}

/// Reads the rule files under `rules_path` in revision `rev`, never the
/// working tree, and loads them. Files are labelled `<rev>:<path>` so a
/// diagnostic says which side it is about.
fn load_revision(rev: &str, rules_path: &str, repo: &Path) -> Result<(Loaded, String), GitError> {
    let commit = git::resolve(repo, rev)?;
    let entries: Vec<git::Entry> = git::list(repo, &commit, rules_path)?
        .into_iter()
        .filter(|e| e.is_file() && is_rule_file(&e.path))
        .collect();
    let oids: Vec<String> = entries.iter().map(|e| e.oid.clone()).collect();
    let blobs = git::read_blobs(repo, &oids)?;
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for (entry, bytes) in entries.iter().zip(blobs) {
        let path = format!("{rev}:{}", entry.path);
        match String::from_utf8(bytes) {
            Ok(text) => files.push(SourceFile { path, text }),
            Err(_) => unreadable.push(RuleProblem::Io {
                path,
                reason: "the file is not UTF-8 text".to_string(),
            }),
        }
    }
    let source = format!("{rev}:{}", rules_path.trim_end_matches('/'));
    let mut loaded = load(files, &source);
    if !unreadable.is_empty() {
        // As for a directory: an unreadable file leaves the tree incomplete.
        unreadable.append(&mut loaded.problems);
        loaded.problems = unreadable;
        loaded.tree = None;
    }
    // A commit id names itself; a branch or `HEAD~1` moves, so the report
    // pins the commit it read.
    let label = if commit.starts_with(&rev.to_ascii_lowercase()) {
        rev.to_string()
    } else {
        format!("{rev} at {}", commit.get(..10).unwrap_or(&commit))
    };
    Ok((loaded, label))
}

/// The files `read_dir` would read from a checkout: YAML, not hidden.
fn is_rule_file(path: &str) -> bool {
    let hidden = path.split('/').any(|part| part.starts_with('.'));
    !hidden && (path.ends_with(".yaml") || path.ends_with(".yml"))
}

/// What a `--cases` file holds.
fn is_case_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "jsonl")
    )
}

/// Every case named by `--cases`, in order; an unreadable file is printed
/// as a diagnostic and exit code 2.
fn read_cases(paths: &[PathBuf]) -> Result<Vec<CaseInput>, u8> {
    let mut out = Vec::new();
    for path in paths {
        let files = if path.is_dir() {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(entries) => entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && is_case_file(p))
                    .collect(),
                Err(e) => return Err(io_error(path, &e.to_string())),
            };
            if files.is_empty() {
                // An empty or mistyped directory must not look like "no behavioural change".
                eprintln!(
                    "--cases `{}`: the directory has no .yaml, .yml, .json or .jsonl case files",
                    path.display()
                );
                return Err(2);
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

fn read_case_file(file: &Path, out: &mut Vec<CaseInput>) -> Result<(), u8> {
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| io_error(file, &e.to_string()))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let e = CaseError::NotUtf8 {
                path: shown,
                offset: e.utf8_error().valid_up_to(),
            };
            eprintln!("{}", render::diagnostic(&e));
            return Err(2);
        }
    };
    if file.extension().and_then(|e| e.to_str()) == Some("jsonl") {
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

fn io_error(path: &Path, reason: &str) -> u8 {
    // Not `CaseError::Io`: its advice (`-` for standard input) is `eval`'s.
    eprintln!(
        "--cases `{}`: cannot read it: {reason}; give case files (.yaml, .yml, .json, .jsonl) or a directory of them",
        path.display()
    );
    2
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn only_visible_yaml_files_of_a_revision_are_rule_files() {
        assert!(is_rule_file("rules/kz/facts.yaml"));
        assert!(is_rule_file("rules/kz/x.yml"));
        assert!(!is_rule_file("rules/kz/README.md"));
        assert!(!is_rule_file("rules/.drafts/x.yaml"));
    }

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
    fn a_missing_cases_file_or_an_empty_cases_directory_is_exit_code_2() {
        assert_eq!(
            read_cases(&[PathBuf::from("/definitely/not/here.yaml")]).err(),
            Some(2)
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_cases(&[dir.path().to_path_buf()]).err(), Some(2));
    }
}
