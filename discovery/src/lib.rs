//! inforce-discovery: where the rules come from, shared by the CLI and the
//! Python module so both find the same law. A directory given (`--rules
//! DIR`, `Rules.load(path)`), else `$INFORCE_RULES`, else `./rules`, else
//! the copy of the shipped `rules/` embedded in the front end (cargo
//! feature `embedded-rules`). A `rules` entry that is not a usable
//! directory is refused when read, never passed over. Not here: what a
//! rules tree may hold (the engine's `read_dir`), and any wording or
//! printing of problems (each front end says them its own way).

#![deny(missing_docs)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

#[cfg(feature = "embedded-rules")]
use include_dir::{Dir, include_dir};
use inforce_engine::{Golden, Loaded, RuleProblem, SourceFile, load_with, read_dir};

#[cfg(feature = "embedded-rules")]
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../rules");

/// Whether this build carries the shipped rules.
pub const EMBEDDED_RULES: bool = cfg!(feature = "embedded-rules");

/// The chosen source: a directory, the embedded copy, or none at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Chosen {
    /// A rules directory, as given or found.
    Dir(PathBuf),
    /// The copy of the shipped rules inside the front end.
    Embedded,
    /// No directory given, no `INFORCE_RULES`, no `./rules`, and no rules
    /// embedded.
    Nowhere,
}

/// Picks the source from the directory given (`given`), `INFORCE_RULES`
/// (`variable`), whether anything is called `rules` in the current
/// directory, and whether the front end offers the shipped rules
/// (`embedded`), in that order.
pub fn choose(
    given: Option<&Path>,
    variable: Option<OsString>,
    local_rules: bool,
    embedded: bool,
) -> Chosen {
    if let Some(dir) = given {
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

/// [`choose`] with this process's environment and current directory;
/// `embedded` says whether the front end offers the shipped rules (a
/// front end built without them passes `false` even when this crate
/// carries them for another).
pub fn choose_here(given: Option<&Path>, embedded: bool) -> Chosen {
    choose(
        given,
        std::env::var_os("INFORCE_RULES"),
        std::fs::symlink_metadata(Path::new("rules")).is_ok(),
        embedded && EMBEDDED_RULES,
    )
}

/// Rule files as read, not yet loaded.
pub struct RuleFiles {
    /// The rule files read.
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

    /// The shipped rules embedded in this build (none without the cargo
    /// feature `embedded-rules`), labelled `embedded`.
    pub fn embedded() -> RuleFiles {
        RuleFiles {
            files: embedded_files(),
            label: "embedded".to_string(),
            unreadable: Vec::new(),
        }
    }

    /// The problem that makes the source unusable as a whole: the
    /// directory named is missing, not a directory, or reached through a
    /// link.
    pub fn refused_root(&self) -> Option<&RuleProblem> {
        self.unreadable
            .iter()
            .find(|p| matches!(p, RuleProblem::RulesRoot { .. }))
    }

    /// Loads the files, with every problem found: those of reading first,
    /// then those of loading. A tree with a file that could not be read is
    /// incomplete, and never given.
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
            if loaded.problems.iter().any(RuleProblem::is_error) {
                loaded.tree = None;
            }
        }
        loaded
    }
}

/// Without the feature there is nothing to give: `choose_here` never picks
/// the embedded rules then.
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
    fn the_directory_given_comes_first_then_the_variable_then_a_local_rules_then_the_embedded_copy()
    {
        let given = Path::new("mine");
        let variable = || Some(OsString::from("theirs"));
        assert_eq!(
            choose(Some(given), variable(), true, true),
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
        // Any other source is used as with the embedded rules.
        assert_eq!(
            choose(None, None, true, false),
            Chosen::Dir(PathBuf::from("rules"))
        );
        assert_eq!(
            choose(None, Some(OsString::from("theirs")), false, false),
            Chosen::Dir(PathBuf::from("theirs"))
        );
    }

    #[cfg(feature = "embedded-rules")]
    #[test]
    fn the_embedded_copy_holds_the_shipped_rule_files_and_loads() {
        let files = RuleFiles::embedded();
        assert!(files.files.len() > 10, "{} files", files.files.len());
        assert!(files.files.iter().all(|f| f.path.starts_with("rules/")));
        assert!(files.load(Golden::Skip).tree.is_some());
    }

    #[test]
    fn a_missing_directory_is_refused_as_a_whole() {
        let files = RuleFiles::from_dir(Path::new("/no/such/inforce/rules"));
        assert!(files.refused_root().is_some());
        assert!(files.load(Golden::Skip).tree.is_none());
    }
}
