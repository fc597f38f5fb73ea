//! Where the rules come from, per `cli.md`: `--rules DIR`, else
//! `$INFORCE_RULES`, else `./rules`, else the copy of the shipped `rules/`
//! embedded in the binary, so the binary works from any directory.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use inforce_engine::diagnostics::RuleProblem;
use inforce_engine::load::{Golden, Loaded, load_with};
use inforce_engine::source::{SourceFile, read_dir};

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
        if Path::new("rules").is_dir() {
            return Chosen::Dir(PathBuf::from("rules"));
        }
        Chosen::Embedded
    }

    /// Reads and loads the rules and their golden tests, with every problem found.
    pub fn load(&self) -> Loaded {
        self.load_golden(Golden::Load)
    }

    /// Reads and loads the rules; `Golden::Skip` leaves the golden tests
    /// unparsed for commands that only evaluate.
    pub fn load_golden(&self, golden: Golden) -> Loaded {
        match self.choose() {
            Chosen::Dir(dir) => {
                let (files, mut io) = read_dir(&dir);
                let mut loaded = load_with(files, &dir.display().to_string(), golden);
                if !io.is_empty() {
                    io.append(&mut loaded.problems);
                    loaded.problems = io;
                    // An unreadable file means the tree is incomplete: never use it.
                    if loaded.problems.iter().any(RuleProblem::is_error) {
                        loaded.tree = None;
                    }
                }
                loaded
            }
            Chosen::Embedded => load_with(embedded_files(), "embedded", golden),
        }
    }
}

impl RulesArg {
    /// The loaded tree, or every problem printed and exit code 2: commands
    /// other than `check` cannot use rules that do not load.
    pub fn tree(&self) -> Result<inforce_engine::tree::RuleTree, u8> {
        self.tree_golden(Golden::Load)
    }

    /// As `tree`, without parsing the golden tests.
    pub fn tree_without_tests(&self) -> Result<inforce_engine::tree::RuleTree, u8> {
        self.tree_golden(Golden::Skip)
    }

    fn tree_golden(&self, golden: Golden) -> Result<inforce_engine::tree::RuleTree, u8> {
        let loaded = self.load_golden(golden);
        match loaded.tree {
            Some(tree) => Ok(tree),
            None => {
                for p in &loaded.problems {
                    eprintln!("{}", crate::render::diagnostic(p));
                }
                eprintln!(
                    "the rules have {}; run `inforce check` for details",
                    crate::render::count(loaded.errors(), "error", "errors")
                );
                Err(2)
            }
        }
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
