//! Where the rules come from, per `cli.md`: `--rules DIR`, else
//! `$INFORCE_RULES`, else `./rules`, else the copy of the shipped `rules/`
//! embedded in the binary (cargo feature `embedded-rules`, on by default),
//! so the binary works from any directory. A `rules` entry that is not a
//! usable directory is refused, never passed over; a binary built without
//! the embedded rules and given none is refused with where it looked. Not
//! here: what a rules tree may hold (`source::read_dir`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

#[cfg(feature = "embedded-rules")]
use include_dir::{Dir, include_dir};
use inforce_engine::RuleProblem;
use inforce_engine::RuleTree;
use inforce_engine::{Golden, Loaded, load_with};
use inforce_engine::{SourceFile, read_dir};

use crate::exit::Failure;

#[cfg(feature = "embedded-rules")]
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../rules");

/// Whether this binary carries the shipped rules.
const EMBEDDED_RULES: bool = cfg!(feature = "embedded-rules");

/// Common `--rules` flag.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesArg {
    /// Rules directory (default: $INFORCE_RULES, else ./rules, else the rules embedded in the binary).
    #[cfg_attr(
        not(feature = "embedded-rules"),
        arg(help = "Rules directory (default: $INFORCE_RULES, else ./rules)")
    )]
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// The chosen source: a directory, the embedded copy, or none at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Chosen {
    Dir(PathBuf),
    Embedded,
    /// No `--rules`, no `INFORCE_RULES`, no `./rules`, and no rules in the
    /// binary.
    Nowhere,
}

/// Picks the source from `--rules` (`flag`), `INFORCE_RULES` (`variable`),
/// whether anything is called `rules` in the current directory, and
/// whether the binary carries the shipped rules, in that order.
fn choose(
    flag: Option<&Path>,
    variable: Option<OsString>,
    local_rules: bool,
    embedded: bool,
) -> Chosen {
    if let Some(dir) = flag {
        return Chosen::Dir(dir.to_path_buf());
    }
    if let Some(dir) = variable.filter(|v| !v.is_empty()) {
        return Chosen::Dir(PathBuf::from(dir));
    }
    // Anything by that name, not only a directory: a file, a link or a
    // pipe called `rules` is refused when read, never passed over for
    // the embedded rules without a word.
    if local_rules {
        return Chosen::Dir(PathBuf::from("rules"));
    }
    if embedded {
        Chosen::Embedded
    } else {
        Chosen::Nowhere
    }
}

/// What a binary without the embedded rules says when it finds none:
/// where it looked (`cwd`, the current directory), and how to give rules.
fn nowhere_message(cwd: &str) -> String {
    format!(
        "no rules found: `--rules` was not given, `INFORCE_RULES` is not set, and there is no `rules` in the current directory (`{}`); this inforce was built without the shipped rules (cargo feature `embedded-rules`), so give `--rules DIR`, set `INFORCE_RULES=DIR`, or run it where a `rules` directory is",
        crate::text_safe::line(cwd)
    )
}

impl RulesArg {
    pub fn choose(&self) -> Chosen {
        choose(
            self.rules.as_deref(),
            std::env::var_os("INFORCE_RULES"),
            std::fs::symlink_metadata(Path::new("rules")).is_ok(),
            EMBEDDED_RULES,
        )
    }

    /// Reads the rule files without loading them, or says that there are
    /// none to read (`Failure::BadRules`).
    pub fn read(&self) -> Result<RuleFiles, Failure> {
        match self.choose() {
            Chosen::Dir(dir) => Ok(RuleFiles::from_dir(&dir)),
            Chosen::Embedded => Ok(RuleFiles {
                files: embedded_files(),
                label: "embedded".to_string(),
                unreadable: Vec::new(),
            }),
            Chosen::Nowhere => {
                let cwd = std::env::current_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|_| ".".to_string());
                crate::errln!("{}", nowhere_message(&cwd));
                Err(Failure::BadRules)
            }
        }
    }
}

/// Rule files as read, not yet loaded.
pub struct RuleFiles {
    pub files: Vec<SourceFile>,
    /// How results name the source: the directory, or `embedded`.
    pub label: String,
    /// Files that could not be read.
    pub unreadable: Vec<RuleProblem>,
}

impl RuleFiles {
    /// The rule files under `dir`, with those that could not be read.
    pub fn from_dir(dir: &Path) -> RuleFiles {
        let (files, unreadable) = read_dir(dir);
        RuleFiles {
            files,
            label: dir.display().to_string(),
            unreadable,
        }
    }

    /// The problem that makes the source unusable as a whole: the
    /// directory named is missing, not a directory, or reached through a
    /// link. Every command stops on it with exit code 2.
    pub fn refused_root(&self) -> Option<&RuleProblem> {
        self.unreadable
            .iter()
            .find(|p| matches!(p, RuleProblem::RulesRoot { .. }))
    }

    /// Loads the files, with every problem found.
    pub fn load(self, golden: Golden) -> Loaded {
        let mut loaded = load_with(self.files, &self.label, golden);
        let mut io = self.unreadable;
        if !io.is_empty() {
            // "No rule files" says nothing more when files were refused.
            loaded
                .problems
                .retain(|p| !matches!(p, RuleProblem::NoRules { .. }));
            io.append(&mut loaded.problems);
            loaded.problems = io;
            // An unreadable file means the tree is incomplete: never use it.
            if loaded.problems.iter().any(RuleProblem::is_error) {
                loaded.tree = None;
            }
        }
        loaded
    }

    /// The loaded tree, or every problem printed and `Failure::BadRules`.
    pub fn tree(self, golden: Golden) -> Result<RuleTree, Failure> {
        if let Some(p) = self.refused_root() {
            crate::errln!("{}", crate::render::diagnostic(p));
            return Err(Failure::BadRules);
        }
        let loaded = self.load(golden);
        match loaded.tree {
            Some(tree) => Ok(tree),
            None => {
                crate::render::print_diagnostics(&loaded.problems);
                crate::errln!(
                    "the rules have {}; run `inforce check` for details",
                    crate::render::count(loaded.errors(), "error", "errors")
                );
                Err(Failure::BadRules)
            }
        }
    }
}

impl RulesArg {
    /// The loaded tree, or every problem printed and `Failure::BadRules`:
    /// commands other than `check` cannot use rules that do not load.
    pub fn tree(&self) -> Result<RuleTree, Failure> {
        self.read()?.tree(Golden::Load)
    }

    /// As `tree`, without parsing the golden tests.
    pub fn tree_without_tests(&self) -> Result<RuleTree, Failure> {
        self.read()?.tree(Golden::Skip)
    }
}

/// Without the feature there is nothing to give: `choose` never picks the
/// embedded rules then.
#[cfg(not(feature = "embedded-rules"))]
fn embedded_files() -> Vec<SourceFile> {
    Vec::new()
}

#[cfg(feature = "embedded-rules")]
fn embedded_files() -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut todo = vec![&EMBEDDED];
    while let Some(dir) = todo.pop() {
        for f in dir.files() {
            let path = f.path().to_string_lossy();
            if (path.ends_with(".yaml") || path.ends_with(".yml"))
                && let Some(text) = f.contents_utf8()
            {
                out.push(SourceFile {
                    path: format!("rules/{path}"),
                    text: text.to_string(),
                });
            }
        }
        todo.extend(dir.dirs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_comes_first_then_the_variable_then_a_local_rules_then_the_embedded_copy() {
        let flag = Path::new("mine");
        let variable = || Some(OsString::from("theirs"));
        assert_eq!(
            choose(Some(flag), variable(), true, true),
            Chosen::Dir(PathBuf::from("mine"))
        );
        assert_eq!(
            choose(None, variable(), true, true),
            Chosen::Dir(PathBuf::from("theirs"))
        );
        // An empty variable is no variable.
        assert_eq!(
            choose(None, Some(OsString::new()), true, true),
            Chosen::Dir(PathBuf::from("rules"))
        );
        assert_eq!(choose(None, None, false, true), Chosen::Embedded);
    }

    #[test]
    fn without_the_embedded_rules_and_no_other_source_nothing_is_chosen() {
        assert_eq!(choose(None, None, false, false), Chosen::Nowhere);
        // Any other source is used as in a binary with the embedded rules.
        assert_eq!(
            choose(None, None, true, false),
            Chosen::Dir(PathBuf::from("rules"))
        );
        assert_eq!(
            choose(None, Some(OsString::from("theirs")), false, false),
            Chosen::Dir(PathBuf::from("theirs"))
        );
    }

    #[test]
    fn finding_no_rules_says_where_it_looked_and_how_to_give_rules() {
        let message = nowhere_message("/home/someone/cases");
        for needle in [
            "no rules found",
            "`--rules`",
            "`INFORCE_RULES`",
            "no `rules` in the current directory (`/home/someone/cases`)",
            "cargo feature `embedded-rules`",
            "give `--rules DIR`, set `INFORCE_RULES=DIR`",
        ] {
            assert!(message.contains(needle), "{needle}: {message}");
        }
    }

    #[cfg(feature = "embedded-rules")]
    #[test]
    fn the_embedded_copy_holds_the_shipped_rule_files() {
        let files = embedded_files();
        assert!(files.len() > 10, "{} files", files.len());
        assert!(files.iter().all(|f| f.path.starts_with("rules/")));
    }

    #[cfg(not(feature = "embedded-rules"))]
    #[test]
    fn a_binary_without_the_embedded_rules_finds_none_of_its_own() {
        const { assert!(!EMBEDDED_RULES) };
        assert!(embedded_files().is_empty());
    }
}
