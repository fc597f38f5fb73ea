//! Every problem the engine can report about rule files, cases and
//! evaluation, as miette diagnostics that point into the file the user wrote.
//! Messages are lower-case, quote the user's input in backticks and say what
//! to do; they never name Rust types. Rendering is the CLI's job.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A rule or case file's text, shared by every diagnostic pointing into it.
pub type Src = NamedSource<Arc<str>>;

/// Makes the shared source of a file.
pub fn source(path: &str, text: &str) -> Src {
    NamedSource::new(path, Arc::from(text)).with_language("yaml")
}

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "did you mean" help, or a fallback listing what is allowed.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(word, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            if all.is_empty() {
                "remove it".to_string()
            } else {
                format!("expected one of {}", all.join(", "))
            }
        }
    }
}

/// A problem in the rules tree, found by `load` or `validate`.
#[derive(Debug, Error, Diagnostic)]
pub enum RuleProblem {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(inforce::io),
        help("check that the rules directory exists and is readable")
    )]
    Io { path: String, reason: String },

    #[error("no rule files found in `{path}`")]
    #[diagnostic(
        code(inforce::no_rules),
        help("point `--rules` at a directory holding `*.yaml` rule files")
    )]
    NoRules { path: String },

    #[error("cannot use `{path}` as the rules directory: {reason}")]
    #[diagnostic(code(inforce::io::rules_root))]
    RulesRoot {
        path: String,
        reason: String,
        #[help]
        help: String,
    },

    #[error("`{path}` is a symbolic link, and a rules tree holds only plain files and directories")]
    #[diagnostic(
        code(inforce::io::link),
        help(
            "replace the link with a copy of what it points to, or move it out of the rules tree: a link can point anywhere on the machine that reads the rules, so it is never followed"
        )
    )]
    Link { path: String },

    #[error("`{path}` is a {kind}, not a plain file or directory")]
    #[diagnostic(
        code(inforce::io::special_file),
        help("remove it from the rules tree: only plain files and directories are read")
    )]
    SpecialFile { path: String, kind: String },

    #[error("`{path}` is a git submodule or another repository, not part of the rules tree")]
    #[diagnostic(
        code(inforce::io::submodule),
        help(
            "copy its rule files into the rules tree: a reviewer's `inforce diff` never reads another repository, so its files would change the rules unseen"
        )
    )]
    Submodule { path: String },

    #[error("`{path}` is larger than {limit}, the most a rule file may hold")]
    #[diagnostic(
        code(inforce::io::file_too_large),
        help(
            "split it into smaller rule files, or move what is not a rule file out of the rules tree; it was not read"
        )
    )]
    FileTooLarge { path: String, limit: String },

    #[error("the rules tree `{path}` holds more than {limit}")]
    #[diagnostic(
        code(inforce::io::tree_too_large),
        help(
            "give the directory that holds the rules alone (`--rules`, or `--rules-path` in `inforce diff`); none of its files was read"
        )
    )]
    TreeTooLarge { path: String, limit: String },

    #[error("invalid YAML: {message}")]
    #[diagnostic(code(inforce::yaml), help("fix the YAML syntax at the marked place"))]
    Syntax {
        message: String,
        #[source_code]
        src: Src,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("`{path}` is empty")]
    #[diagnostic(
        code(inforce::empty_file),
        help(
            "write a rule-set version (`rule_set: ...`), declarations (`facts:` / `outcomes:` / `checks:`), a code list (`code_list: ...`) or golden tests (`tests:`), or delete the file"
        )
    )]
    EmptyFile {
        path: String,
        #[source_code]
        src: Src,
        #[label("nothing here")]
        span: SourceSpan,
    },

    #[error("cannot tell what kind of rule file this is")]
    #[diagnostic(
        code(inforce::file_kind),
        help(
            "a rule file starts with `rule_set:` (a version), `facts:`, `outcomes:` or `checks:` (declarations), `code_list:` (a code list), or `tests:` (golden tests)"
        )
    )]
    UnknownFileKind {
        #[source_code]
        src: Src,
        #[label(
            "expected a mapping with `rule_set`, `facts`, `outcomes`, `checks`, `code_list` or `tests`"
        )]
        span: SourceSpan,
    },

    #[error("unknown key `{key}` in {parent}")]
    #[diagnostic(code(inforce::unknown_key))]
    UnknownKey {
        key: String,
        parent: String,
        #[source_code]
        src: Src,
        #[label("not a key of {parent}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("missing key `{key}` in {parent}")]
    #[diagnostic(code(inforce::missing_key))]
    MissingKey {
        key: String,
        parent: String,
        #[source_code]
        src: Src,
        #[label("this mapping needs `{key}`")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{what}` should be {expected}, not {found}")]
    #[diagnostic(code(inforce::wrong_type))]
    WrongType {
        what: String,
        expected: String,
        found: String,
        #[source_code]
        src: Src,
        #[label("expected {expected}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{value}` is not a valid date: {reason}")]
    #[diagnostic(
        code(inforce::bad_date),
        help("write dates as `YYYY-MM-DD`, e.g. `2001-07-26`")
    )]
    BadDate {
        value: String,
        reason: String,
        #[source_code]
        src: Src,
        #[label("not a date")]
        span: SourceSpan,
    },

    #[error("`in_force.from` ({from}) is not before `in_force.until` ({until})")]
    #[diagnostic(
        code(inforce::empty_interval),
        help("`until` is the first day no longer in force, so it must come after `from`")
    )]
    EmptyInterval {
        from: String,
        until: String,
        #[source_code]
        src: Src,
        #[label("ends on or before it starts")]
        span: SourceSpan,
    },

    #[error(
        "version `{version}` of `{rule_set}` overlaps version `{other}` ({other_file}) from {from} to {until}"
    )]
    #[diagnostic(
        code(inforce::overlap),
        help(
            "versions of one rule set must not overlap: end the earlier one (`until`) on the day the later one starts"
        )
    )]
    Overlap {
        rule_set: String,
        version: String,
        other: String,
        other_file: String,
        from: String,
        until: String,
        #[source_code]
        src: Src,
        #[label("overlaps `{other}`")]
        span: SourceSpan,
    },

    #[error("`{rule_set}` has no version in force from {from} to {until}")]
    #[diagnostic(
        code(inforce::gap),
        severity(Warning),
        help(
            "if the rule set was repealed, add a repeal version starting {from}; if the gap is intended, ignore this warning"
        )
    )]
    Gap {
        rule_set: String,
        from: String,
        until: String,
        previous: String,
        #[source_code]
        src: Src,
        #[label("starts on {until}, but the previous version `{previous}` ended on {from}")]
        span: SourceSpan,
    },

    #[error("{what} `{name}` is defined twice")]
    #[diagnostic(code(inforce::duplicate))]
    Duplicate {
        what: String,
        name: String,
        #[source_code]
        src: Src,
        #[label("defined again here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(
        code(inforce::changes_constant),
        help(
            "facts and `date` are the case's, the same for every rule: read them, and keep what you compute in a `let` variable of another name"
        )
    )]
    ChangesConstant {
        message: String,
        #[source_code]
        src: Src,
        #[label("changed here")]
        span: SourceSpan,
    },

    #[error("rhai error in {field}: {message}")]
    #[diagnostic(code(inforce::script_syntax))]
    ScriptSyntax {
        field: String,
        message: String,
        #[source_code]
        src: Src,
        #[label("{message}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{fact}` is not a declared fact")]
    #[diagnostic(code(inforce::undeclared_fact))]
    UndeclaredFact {
        fact: String,
        #[source_code]
        src: Src,
        #[label("read here")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("`{name}` is not a declared outcome")]
    #[diagnostic(code(inforce::undeclared_outcome))]
    UndeclaredOutcome {
        name: String,
        #[source_code]
        src: Src,
        #[label("not declared")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("outcome `{outcome}` is {expected}, but this value is {found}")]
    #[diagnostic(code(inforce::outcome_type))]
    OutcomeType {
        outcome: String,
        expected: String,
        found: String,
        #[source_code]
        src: Src,
        #[label("expected {expected}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error(
        "`{fact}` is compared with `()`, but an explicit `null` of it means unknown, so a script never sees it as `()`"
    )]
    #[diagnostic(
        code(inforce::null_never_seen),
        help(
            "a fact the case leaves out or gives as `null` makes the condition unknown without running it: drop the comparison, or declare `null_means: none` on the fact if `null` says the event has not happened"
        )
    )]
    NullNeverSeen {
        fact: String,
        #[source_code]
        src: Src,
        #[label("never true or never false")]
        span: SourceSpan,
    },

    #[error("`{value}` is not an allowed value of `{name}`")]
    #[diagnostic(code(inforce::value_not_allowed))]
    ValueNotAllowed {
        name: String,
        value: String,
        #[source_code]
        src: Src,
        #[label("not allowed")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("precedence names unknown {what} `{name}`")]
    #[diagnostic(code(inforce::unknown_precedence_target))]
    UnknownPrecedenceTarget {
        what: String,
        name: String,
        #[source_code]
        src: Src,
        #[label("no such {what}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("precedence forms a cycle: {cycle}")]
    #[diagnostic(code(inforce::precedence_cycle))]
    PrecedenceCycle {
        cycle: String,
        #[source_code]
        src: Src,
        #[label("part of the cycle")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{field} holds a hidden character, {character}{more}")]
    #[diagnostic(
        code(inforce::hidden_character),
        help(
            "remove it: in {what}, a character that cannot be seen, or that reorders what is seen, makes the file read differently from what it does"
        )
    )]
    HiddenCharacter {
        /// The string, by its place in the file: "`rules[0].when`".
        field: String,
        /// What kind of text it is, for the help: "a script".
        what: String,
        /// "U+202E (right-to-left override)".
        character: String,
        /// " and 2 more", or empty.
        more: String,
        effect: String,
        #[source_code]
        src: Src,
        #[label("{effect}")]
        span: SourceSpan,
    },

    #[error("{field} holds a hidden character, {character}{more}")]
    #[diagnostic(
        code(inforce::hidden_character_in_prose),
        severity(Warning),
        help(
            "remove it unless the text needs it: it changes how the text reads on screen and in review, where inforce shows it as an escape"
        )
    )]
    HiddenCharacterInProse {
        field: String,
        character: String,
        more: String,
        effect: String,
        #[source_code]
        src: Src,
        #[label("{effect}")]
        span: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(inforce::invalid))]
    Invalid {
        message: String,
        #[source_code]
        src: Src,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: String,
    },
}

impl RuleProblem {
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            RuleProblem::Gap { .. } | RuleProblem::HiddenCharacterInProse { .. }
        )
    }
}

pub use crate::case::CaseError;

/// Evaluation stopped. A script failed at run time: the rules are at
/// fault, not the case, so the message names the rule and its file.
#[derive(Debug, Error, Diagnostic)]
pub enum EvalError {
    /// A condition or computed value failed when run.
    #[error("{place} in `{rule_set}` version `{version}` ({file}) failed: {message}")]
    #[diagnostic(code(inforce::eval))]
    ScriptFailed {
        /// Which script of the version.
        place: ScriptPlace,
        rule_set: String,
        version: String,
        file: String,
        /// Why, by kind (what to do depends on it).
        kind: FailureKind,
        /// Why, in words.
        message: String,
        #[help]
        help: String,
    },

    /// The case was read against another rules tree, whose facts are
    /// numbered differently.
    #[error("the case `{case}` was read against another rules tree than the one evaluating it")]
    #[diagnostic(
        code(inforce::eval::other_tree),
        help("read the case with the rules tree that evaluates it")
    )]
    OtherTree { case: String },
}

/// Which script of a version failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptPlace {
    /// A field of the version itself: `applies_when`, `scope.<outcome>`.
    Version { field: String },
    /// A field of a rule: `when`, `then.<outcome>`.
    Rule { rule: String, field: String },
}

impl std::fmt::Display for ScriptPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptPlace::Version { field } => write!(f, "`{field}`"),
            ScriptPlace::Rule { rule, field } => write!(f, "`{field}` of rule `{rule}`"),
        }
    }
}

/// Why a script failed, as far as what to do about it differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The case's scripts together ran past the case's budget.
    CaseBudget,
    /// One script ran past its operations limit.
    OperationsLimit,
    /// Any other run-time error: a type error, an overflow, a bad date.
    Script,
}

impl FailureKind {
    /// What the maintainer of the rules should do.
    pub fn help(self) -> &'static str {
        match self {
            FailureKind::CaseBudget => {
                "the rules' scripts together did too much work for one case (long lists compared or copied over and over?); rewrite the rule as a plain condition"
            }
            FailureKind::OperationsLimit => {
                "the script ran past its operations limit (an endless loop?); rewrite it as a plain condition"
            }
            FailureKind::Script => {
                "fix the script in the rule file; `inforce check` catches syntax but not every run-time error"
            }
        }
    }
}

impl EvalError {
    /// The rule whose script failed, if a rule's (not a version's).
    pub fn rule(&self) -> Option<&str> {
        match self {
            EvalError::ScriptFailed {
                place: ScriptPlace::Rule { rule, .. },
                ..
            } => Some(rule),
            _ => None,
        }
    }

    /// The error as one line, as `batch` writes it: the message and what
    /// to do, in parentheses.
    pub fn one_line(&self) -> String {
        match miette::Diagnostic::help(self) {
            Some(help) => format!("{self} ({help})"),
            None => self.to_string(),
        }
    }

    /// Which script of its version failed.
    pub fn place(&self) -> Option<&ScriptPlace> {
        match self {
            EvalError::ScriptFailed { place, .. } => Some(place),
            EvalError::OtherTree { .. } => None,
        }
    }

    /// Where the failing script is written: its rule set, version and file.
    pub fn location(&self) -> Option<(&str, &str, &str)> {
        match self {
            EvalError::ScriptFailed {
                rule_set,
                version,
                file,
                ..
            } => Some((rule_set, version, file)),
            EvalError::OtherTree { .. } => None,
        }
    }

    /// Why a script failed, in words (the run-time error).
    pub fn message(&self) -> Option<&str> {
        match self {
            EvalError::ScriptFailed { message, .. } => Some(message),
            EvalError::OtherTree { .. } => None,
        }
    }

    /// Why a script failed, by kind; `None` for a case of another tree.
    pub fn kind(&self) -> Option<FailureKind> {
        match self {
            EvalError::ScriptFailed { kind, .. } => Some(*kind),
            EvalError::OtherTree { .. } => None,
        }
    }

    pub(crate) fn other_tree(case: &str) -> EvalError {
        EvalError::OtherTree {
            case: case.to_string(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_is_suggested() {
        assert_eq!(
            closest("in_forse", ["in_force", "rules", "title"]),
            Some("in_force")
        );
        assert_eq!(closest("xyz", ["in_force", "rules"]), None);
    }

    #[test]
    fn without_a_near_miss_the_allowed_words_are_listed() {
        assert_eq!(suggest("xyz", ["a", "b"]), "expected one of `a`, `b`");
        assert_eq!(suggest("whne", ["when", "then"]), "did you mean `when`?");
    }
}
