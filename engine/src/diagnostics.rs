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
    /// A file or directory of the rules tree could not be read.
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(inforce::io),
        help("check that the rules directory exists and is readable")
    )]
    Io {
        /// The file or directory.
        path: String,
        /// Why not, as the system said.
        reason: String,
    },

    /// The rules directory holds no rule files.
    #[error("no rule files found in `{path}`")]
    #[diagnostic(
        code(inforce::no_rules),
        help("point `--rules` at a directory holding `*.yaml` rule files")
    )]
    NoRules {
        /// The rules directory.
        path: String,
    },

    /// The path given as the rules directory cannot be one.
    #[error("cannot use `{path}` as the rules directory: {reason}")]
    #[diagnostic(code(inforce::io::rules_root))]
    RulesRoot {
        /// The path as given.
        path: String,
        /// Why it cannot be used.
        reason: String,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A symbolic link in the rules tree: never followed.
    #[error("`{path}` is a symbolic link, and a rules tree holds only plain files and directories")]
    #[diagnostic(
        code(inforce::io::link),
        help(
            "replace the link with a copy of what it points to, or move it out of the rules tree: a link can point anywhere on the machine that reads the rules, so it is never followed"
        )
    )]
    Link {
        /// The link, in the rules tree.
        path: String,
    },

    /// A file in the rules tree that is neither a plain file nor a directory.
    #[error("`{path}` is a {kind}, not a plain file or directory")]
    #[diagnostic(
        code(inforce::io::special_file),
        help("remove it from the rules tree: only plain files and directories are read")
    )]
    SpecialFile {
        /// The file, in the rules tree.
        path: String,
        /// What kind of file it is, in words: "socket".
        kind: String,
    },

    /// A git submodule or another repository inside the rules tree.
    #[error("`{path}` is a git submodule or another repository, not part of the rules tree")]
    #[diagnostic(
        code(inforce::io::submodule),
        help(
            "copy its rule files into the rules tree: a reviewer's `inforce diff` never reads another repository, so its files would change the rules unseen"
        )
    )]
    Submodule {
        /// Its directory, in the rules tree.
        path: String,
    },

    /// A rule file larger than a rule file may be: it was not read.
    #[error("`{path}` is larger than {limit}, the most a rule file may hold")]
    #[diagnostic(
        code(inforce::io::file_too_large),
        help(
            "split it into smaller rule files, or move what is not a rule file out of the rules tree; it was not read"
        )
    )]
    FileTooLarge {
        /// The file, in the rules tree.
        path: String,
        /// The most a rule file may hold, in words.
        limit: String,
    },

    /// A rules tree that holds more than a tree may: none of it was read.
    #[error("the rules tree `{path}` holds more than {limit}")]
    #[diagnostic(
        code(inforce::io::tree_too_large),
        help(
            "give the directory that holds the rules alone (`--rules`, or `--rules-path` in `inforce diff`); none of its files was read"
        )
    )]
    TreeTooLarge {
        /// The rules directory.
        path: String,
        /// The most a rules tree may hold, in words.
        limit: String,
    },

    /// A rule file that is not valid YAML.
    #[error("invalid YAML: {message}")]
    #[diagnostic(code(inforce::yaml), help("fix the YAML syntax at the marked place"))]
    Syntax {
        /// What the YAML reader said is wrong.
        message: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where in the file the reader stopped.
        #[label("here")]
        span: SourceSpan,
    },

    /// A rule file with nothing in it.
    #[error("`{path}` is empty")]
    #[diagnostic(
        code(inforce::empty_file),
        help(
            "write a rule-set version (`rule_set: ...`), declarations (`facts:` / `outcomes:` / `checks:`), a code list (`code_list: ...`) or golden tests (`tests:`), or delete the file"
        )
    )]
    EmptyFile {
        /// The file, in the rules tree.
        path: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// The start of the file.
        #[label("nothing here")]
        span: SourceSpan,
    },

    /// A rule file whose top-level keys name no kind of rule file.
    #[error("cannot tell what kind of rule file this is")]
    #[diagnostic(
        code(inforce::file_kind),
        help(
            "a rule file starts with `rule_set:` (a version), `facts:`, `outcomes:` or `checks:` (declarations), `code_list:` (a code list), or `tests:` (golden tests)"
        )
    )]
    UnknownFileKind {
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// The file's top level.
        #[label(
            "expected a mapping with `rule_set`, `facts`, `outcomes`, `checks`, `code_list` or `tests`"
        )]
        span: SourceSpan,
    },

    /// A key that no mapping of its kind has, in a rule file.
    #[error("unknown key `{key}` in {parent}")]
    #[diagnostic(code(inforce::unknown_key))]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The mapping it is in, in words: "a rule".
        parent: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the key is written.
        #[label("not a key of {parent}")]
        span: SourceSpan,
        /// What to do about it, e.g. the key of a near name.
        #[help]
        help: String,
    },

    /// A mapping in a rule file that lacks a key it needs.
    #[error("missing key `{key}` in {parent}")]
    #[diagnostic(code(inforce::missing_key))]
    MissingKey {
        /// The key that is missing.
        key: String,
        /// The mapping that lacks it, in words: "a rule".
        parent: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the mapping is written.
        #[label("this mapping needs `{key}`")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A value in a rule file of another type than its key takes.
    #[error("`{what}` should be {expected}, not {found}")]
    #[diagnostic(code(inforce::wrong_type))]
    WrongType {
        /// The value, by its place in the file: "`rules[0].cite`".
        what: String,
        /// What it should be, in words: "a string".
        expected: String,
        /// What it is instead, in words.
        found: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the value is written.
        #[label("expected {expected}")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A date in a rule file that is not a valid `YYYY-MM-DD` date.
    #[error("`{value}` is not a valid date: {reason}")]
    #[diagnostic(
        code(inforce::bad_date),
        help("write dates as `YYYY-MM-DD`, e.g. `2001-07-26`")
    )]
    BadDate {
        /// The date as written.
        value: String,
        /// Why it is not a date.
        reason: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the date is written.
        #[label("not a date")]
        span: SourceSpan,
    },

    /// A version whose `in_force.until` is not after its `in_force.from`.
    #[error("`in_force.from` ({from}) is not before `in_force.until` ({until})")]
    #[diagnostic(
        code(inforce::empty_interval),
        help("`until` is the first day no longer in force, so it must come after `from`")
    )]
    EmptyInterval {
        /// The first day in force, as written.
        from: String,
        /// The first day no longer in force, as written.
        until: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the interval is written.
        #[label("ends on or before it starts")]
        span: SourceSpan,
    },

    /// Two versions of one rule set in force on the same days.
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
        /// The rule set's id.
        rule_set: String,
        /// The id of the later version.
        version: String,
        /// The id of the version it overlaps.
        other: String,
        /// The rule file of the version it overlaps.
        other_file: String,
        /// The first day both are in force.
        from: String,
        /// The first day they no longer both are, or "open end".
        until: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the later version's interval is written.
        #[label("overlaps `{other}`")]
        span: SourceSpan,
    },

    /// Days between two versions of a rule set when none is in force: a warning.
    #[error("`{rule_set}` has no version in force from {from} to {until}")]
    #[diagnostic(
        code(inforce::gap),
        severity(Warning),
        help(
            "if the rule set was repealed, add a repeal version starting {from}; if the gap is intended, ignore this warning"
        )
    )]
    Gap {
        /// The rule set's id.
        rule_set: String,
        /// The first day no version is in force.
        from: String,
        /// The first day the next version is in force.
        until: String,
        /// The id of the version that ended.
        previous: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the next version's interval is written.
        #[label("starts on {until}, but the previous version `{previous}` ended on {from}")]
        span: SourceSpan,
    },

    /// A name defined twice: a version, a rule, a fact, a check, a code.
    #[error("{what} `{name}` is defined twice")]
    #[diagnostic(code(inforce::duplicate))]
    Duplicate {
        /// What kind of thing, in words: "code list".
        what: String,
        /// The name defined twice.
        name: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where it is defined again.
        #[label("defined again here")]
        span: SourceSpan,
        /// What to do about it, e.g. where it was defined first.
        #[help]
        help: String,
    },

    /// A script that would change a fact or `date`, which are the case's.
    #[error("{message}")]
    #[diagnostic(
        code(inforce::changes_constant),
        help(
            "facts and `date` are the case's, the same for every rule: read them, and keep what you compute in a `let` variable of another name"
        )
    )]
    ChangesConstant {
        /// What the script would change, in words.
        message: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where in the script the change is written.
        #[label("changed here")]
        span: SourceSpan,
    },

    /// A script that does not compile, or calls a function that does not exist.
    #[error("rhai error in {field}: {message}")]
    #[diagnostic(code(inforce::script_syntax))]
    ScriptSyntax {
        /// The script, by its place in the file: "`rules[0].when`".
        field: String,
        /// What is wrong with the script.
        message: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where in the script the problem is.
        #[label("{message}")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A script reads a fact that no declaration names.
    #[error("`{fact}` is not a declared fact")]
    #[diagnostic(code(inforce::undeclared_fact))]
    UndeclaredFact {
        /// The fact as the script writes it.
        fact: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the script reads it.
        #[label("read here")]
        span: SourceSpan,
        /// What to do about it, e.g. the declared fact of a near name.
        #[help]
        help: String,
    },

    /// A rule file names an outcome that no declaration names.
    #[error("`{name}` is not a declared outcome")]
    #[diagnostic(code(inforce::undeclared_outcome))]
    UndeclaredOutcome {
        /// The outcome as written.
        name: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the outcome is named.
        #[label("not declared")]
        span: SourceSpan,
        /// What to do about it, e.g. the declared outcome of a near name.
        #[help]
        help: String,
    },

    /// A rule gives an outcome a value of another type than the outcome's.
    #[error("outcome `{outcome}` is {expected}, but this value is {found}")]
    #[diagnostic(code(inforce::outcome_type))]
    OutcomeType {
        /// The outcome.
        outcome: String,
        /// The outcome's declared type, in words.
        expected: String,
        /// The type of the value given, in words.
        found: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the value is written.
        #[label("expected {expected}")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A script compares with `()` a fact whose `null` means unknown, which it never sees as `()`.
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
        /// The fact compared.
        fact: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the comparison is written.
        #[label("never true or never false")]
        span: SourceSpan,
    },

    /// A value in a rule file that the fact or outcome it is for never takes.
    #[error("`{value}` is not an allowed value of `{name}`")]
    #[diagnostic(code(inforce::value_not_allowed))]
    ValueNotAllowed {
        /// The fact or outcome.
        name: String,
        /// The value as written.
        value: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the value is written.
        #[label("not allowed")]
        span: SourceSpan,
        /// What to do about it, e.g. the allowed value of a near spelling.
        #[help]
        help: String,
    },

    /// A `precedence` entry names a rule set or an outcome that does not exist.
    #[error("precedence names unknown {what} `{name}`")]
    #[diagnostic(code(inforce::unknown_precedence_target))]
    UnknownPrecedenceTarget {
        /// What kind of thing, in words: "rule set".
        what: String,
        /// The name as written.
        name: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the name is written.
        #[label("no such {what}")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// Rule sets each more specific than the next, round in a circle.
    #[error("precedence forms a cycle: {cycle}")]
    #[diagnostic(code(inforce::precedence_cycle))]
    PrecedenceCycle {
        /// The rule sets of the cycle, in words.
        cycle: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where one `precedence` entry of the cycle is written.
        #[label("part of the cycle")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// A hidden character in text that decides what the rules do (a script, an id).
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
        /// What the character does to the text, for the label: "invisible on screen".
        effect: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the character is.
        #[label("{effect}")]
        span: SourceSpan,
    },

    /// A hidden character in prose (a title, a note): a warning.
    #[error("{field} holds a hidden character, {character}{more}")]
    #[diagnostic(
        code(inforce::hidden_character_in_prose),
        severity(Warning),
        help(
            "remove it unless the text needs it: it changes how the text reads on screen and in review, where inforce shows it as an escape"
        )
    )]
    HiddenCharacterInProse {
        /// The string, by its place in the file: "`notes[0]`".
        field: String,
        /// The character: "U+202E (right-to-left override)".
        character: String,
        /// " and 2 more", or empty.
        more: String,
        /// What the character does to the text, for the label: "invisible on screen".
        effect: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the character is.
        #[label("{effect}")]
        span: SourceSpan,
    },

    /// Any other problem with a rule file, in words.
    #[error("{message}")]
    #[diagnostic(code(inforce::invalid))]
    Invalid {
        /// What is wrong.
        message: String,
        /// The rule file's text, to show around the problem.
        #[source_code]
        src: Src,
        /// Where the problem is.
        #[label("here")]
        span: SourceSpan,
        /// What to do about it.
        #[help]
        help: String,
    },
}

impl RuleProblem {
    /// Whether the problem keeps the tree from loading; a warning does not.
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            RuleProblem::Gap { .. } | RuleProblem::HiddenCharacterInProse { .. }
        )
    }
}

pub use crate::case::CaseError;

/// rhai's messages start with a capital; ours are lower-case throughout.
/// One function for both places rhai's words reach the user (a script
/// refused at load, a script failing at run time).
pub(crate) fn lower_first(message: String) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => c.to_lowercase().chain(chars).collect(),
        _ => message,
    }
}

/// Evaluation stopped. A script failed at run time: the rules are at
/// fault, not the case, so the message names the rule and its file.
#[derive(Debug, Error, Diagnostic)]
pub enum EvalError {
    /// A condition or computed value failed when run.
    #[error("{place} in `{rule_set}` version `{version}` ({file}) failed: {message}")]
    #[diagnostic(code(inforce::eval), help("{}", kind.help()))]
    ScriptFailed {
        /// Which script of the version.
        place: ScriptPlace,
        /// The id of the rule set whose script failed.
        rule_set: String,
        /// The id of the version whose script failed.
        version: String,
        /// The version's rule file, relative to the rules root.
        file: String,
        /// Why, by kind (what to do depends on it).
        kind: FailureKind,
        /// Why, in words.
        message: String,
    },

    /// The case was read against another rules tree, whose facts are
    /// numbered differently.
    #[error("the case `{case}` was read against another rules tree than the one evaluating it")]
    #[diagnostic(
        code(inforce::eval::other_tree),
        help("read the case with the rules tree that evaluates it")
    )]
    OtherTree {
        /// The case's id.
        case: String,
    },
}

/// Which script of a version failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptPlace {
    /// A field of the version itself: `applies_when`, `scope.<outcome>`.
    Version {
        /// The field: `applies_when` or `scope.<outcome>`.
        field: String,
    },
    /// A field of a rule: `when`, `then.<outcome>`.
    Rule {
        /// The rule's id.
        rule: String,
        /// The field: `when` or `then.<outcome>`.
        field: String,
    },
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
