//! Where the rules come from, per `cli.md`: `--rules DIR`, else
//! `$INFORCE_RULES`, else `./rules`, else the copy of the shipped `rules/`
//! embedded in the binary (cargo feature `embedded-rules`, on by default),
//! so the binary works from any directory. A `rules` entry that is not a
//! usable directory is refused, never passed over; a binary built without
//! the embedded rules and given none is refused with where it looked. Not
//! here: what a rules tree may hold (`source::read_dir`).

use std::path::PathBuf;

use inforce_engine::{Golden, RuleTree};
// The choice and the reading are shared with the Python module
// (`discovery/`), so both find the same law.
pub use inforce_discovery::{Chosen, RuleFiles};

use crate::exit::Failure;

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
        inforce_discovery::choose_here(self.rules.as_deref(), EMBEDDED_RULES)
    }

    /// Reads the rule files without loading them, or says that there are
    /// none to read (`Failure::BadRules`).
    pub fn read(&self) -> Result<RuleFiles, Failure> {
        match self.choose() {
            Chosen::Dir(dir) => Ok(RuleFiles::from_dir(&dir)),
            Chosen::Embedded => Ok(RuleFiles::embedded()),
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

/// Loading the files read, as every command but `check` needs them.
pub trait LoadOrSay {
    /// The loaded tree, or every problem printed and `Failure::BadRules`.
    fn tree(self, golden: Golden) -> Result<RuleTree, Failure>;
}

impl LoadOrSay for RuleFiles {
    fn tree(self, golden: Golden) -> Result<RuleTree, Failure> {
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

#[cfg(test)]
mod tests {
    use super::*;

    // Which source is chosen is `inforce-discovery`'s, tested there.

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
        let files = RuleFiles::embedded().files;
        assert!(files.len() > 10, "{} files", files.len());
        assert!(files.iter().all(|f| f.path.starts_with("rules/")));
    }

    #[cfg(not(feature = "embedded-rules"))]
    #[test]
    fn a_binary_without_the_embedded_rules_finds_none_of_its_own() {
        const { assert!(!EMBEDDED_RULES) };
        assert_eq!(
            inforce_discovery::choose_here(None, EMBEDDED_RULES),
            inforce_discovery::choose_here(None, false)
        );
    }
}
