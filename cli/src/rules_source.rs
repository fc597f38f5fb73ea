//! Where the rules come from, per `cli.md`: `--rules DIR`, else
//! `$INFORCE_RULES`, else `./rules`, else the copy of the shipped `rules/`
//! embedded in the binary, so the binary works from any directory. A
//! `rules` entry that is not a usable directory is refused, never passed
//! over. Not here: what a rules tree may hold (`source::read_dir`).

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use inforce_engine::RuleProblem;
use inforce_engine::RuleTree;
use inforce_engine::{Golden, Loaded, load_with};
use inforce_engine::{SourceFile, read_dir};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../rules");

/// Common `--rules` flag.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesArg {
    /// Rules directory (default: $INFORCE_RULES, else ./rules, else the rules embedded in the binary).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// The chosen source: a directory, or the embedded copy.
pub enum Chosen {
    Dir(PathBuf),
    Embedded,
}

impl RulesArg {
    pub fn choose(&self) -> Chosen {
        if let Some(dir) = &self.rules {
            return Chosen::Dir(dir.clone());
        }
        if let Some(dir) = std::env::var_os("INFORCE_RULES").filter(|v| !v.is_empty()) {
            return Chosen::Dir(PathBuf::from(dir));
        }
        // Anything by that name, not only a directory: a file, a link or a
        // pipe called `rules` is refused when read, never passed over for
        // the embedded rules without a word.
        if std::fs::symlink_metadata(Path::new("rules")).is_ok() {
            return Chosen::Dir(PathBuf::from("rules"));
        }
        Chosen::Embedded
    }

    /// Reads and loads the rules and their golden tests, with every problem found.
    pub fn load(&self) -> Loaded {
        self.read().load(Golden::Load)
    }

    /// Reads the rule files without loading them: `batch` loads the same
    /// files once per worker thread, so they must be read only once.
    pub fn read(&self) -> RuleFiles {
        match self.choose() {
            Chosen::Dir(dir) => {
                let (files, unreadable) = read_dir(&dir);
                RuleFiles {
                    files,
                    label: dir.display().to_string(),
                    unreadable,
                }
            }
            Chosen::Embedded => RuleFiles {
                files: embedded_files(),
                label: "embedded".to_string(),
                unreadable: Vec::new(),
            },
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

    /// The loaded tree, or every problem printed and exit code 2.
    pub fn tree(self, golden: Golden) -> Result<RuleTree, u8> {
        if let Some(p) = self.refused_root() {
            crate::errln!("{}", crate::render::diagnostic(p));
            return Err(2);
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
                Err(2)
            }
        }
    }
}

impl RulesArg {
    /// The loaded tree, or every problem printed and exit code 2: commands
    /// other than `check` cannot use rules that do not load.
    pub fn tree(&self) -> Result<RuleTree, u8> {
        self.read().tree(Golden::Load)
    }

    /// As `tree`, without parsing the golden tests.
    pub fn tree_without_tests(&self) -> Result<RuleTree, u8> {
        self.read().tree(Golden::Skip)
    }
}

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
