//! What `amend` and `repeal` share: finding the rule set and the version a
//! new one follows, refusing dates that cannot start one, editing the YAML
//! text in place (so comments and layout stay), writing a golden-test
//! skeleton straddling the date from the tree's answers, and the closing
//! `check`. Not here: the content of the new version (each command's own).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use inforce_engine::model::{RuleSet, Version};
use inforce_engine::outline::{Named, outline};
use inforce_engine::{Case, Golden, RuleTree, Status, Value, evaluate, load_with, read_dir};
use miette::Diagnostic;
use thiserror::Error;

use crate::exit::{Failure, Finding, Outcome, Success};
use crate::render;

/// Why a new version cannot be written.
#[derive(Debug, Error, Diagnostic)]
pub enum EditError {
    #[error("`{0}` is not a date")]
    #[diagnostic(
        code(inforce::edit::bad_date),
        help("write the date as `YYYY-MM-DD`, e.g. `2024-01-01`")
    )]
    BadDate(String),

    #[error("there is no rule set `{id}` in `{rules}`")]
    #[diagnostic(code(inforce::edit::unknown_rule_set))]
    UnknownRuleSet {
        id: String,
        rules: String,
        #[help]
        help: String,
    },

    #[error(
        "{date} is not after the start of the last version of `{rule_set}` (`{last}`, in force {interval})"
    )]
    #[diagnostic(
        code(inforce::edit::not_after_last),
        help(
            "a new version starts after the last one; to change what the last version says, edit its file (`{file}`)"
        )
    )]
    NotAfterLast {
        date: NaiveDate,
        rule_set: String,
        last: String,
        interval: String,
        file: String,
    },

    #[error(
        "{date} falls inside version `{version}` of `{rule_set}`, in force {interval}, which a later version (`{later}`) follows"
    )]
    #[diagnostic(
        code(inforce::edit::inside_later_version),
        help(
            "a new version starts after the last one; to change what `{version}` says, edit its file (`{file}`)"
        )
    )]
    InsideEarlier {
        date: NaiveDate,
        rule_set: String,
        version: String,
        interval: String,
        later: String,
        file: String,
    },

    #[error("no version of `{rule_set}` is in force on {date}: the last one ended on {until}")]
    #[diagnostic(
        code(inforce::edit::lapsed),
        help("write the new version's file by hand, or pick a date before {until}")
    )]
    Lapsed {
        rule_set: String,
        date: NaiveDate,
        until: NaiveDate,
    },

    #[error("`{rule_set}` is repealed from {from} (version `{version}`)")]
    #[diagnostic(
        code(inforce::edit::repealed),
        help(
            "a repealed rule set has nothing in force to amend or repeal; write a new version's file by hand if the law was re-enacted"
        )
    )]
    Repealed {
        rule_set: String,
        from: NaiveDate,
        version: String,
    },

    #[error("`{0}` exists already")]
    #[diagnostic(code(inforce::edit::exists), help("remove it, or pick another date"))]
    Exists(String),

    #[error("cannot {what} `{path}`: {reason}")]
    #[diagnostic(
        code(inforce::edit::io),
        help("check that the rules directory is writable")
    )]
    Io {
        what: &'static str,
        path: String,
        reason: String,
    },

    #[error("cannot find `{what}` in `{path}`")]
    #[diagnostic(
        code(inforce::edit::layout),
        help(
            "the version file must be valid YAML with `version:` and `in_force: {{from: ...}}`; run `inforce check`"
        )
    )]
    Layout { what: &'static str, path: String },

    #[error("`{0}` is not a directory of rules")]
    #[diagnostic(
        code(inforce::edit::no_directory),
        help(
            "give the rules tree to edit with `--rules DIR` (the rules inside the binary cannot be edited)"
        )
    )]
    NoDirectory(String),
}

/// Prints a refusal and gives the exit code of unusable input.
pub fn refuse(e: EditError) -> Failure {
    crate::errln!("{}", render::diagnostic(&e));
    Failure::BadInput
}

/// Reads a date argument.
pub fn date(s: &str) -> Result<NaiveDate, EditError> {
    inforce_engine::parse_date(s).ok_or_else(|| EditError::BadDate(s.to_string()))
}

/// The rules directory to edit: `--rules`, else `$INFORCE_RULES`, else
/// `./rules`. Never the rules inside the binary.
pub fn rules_dir(flag: Option<&Path>) -> Result<PathBuf, EditError> {
    let dir = flag
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("INFORCE_RULES")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("rules"));
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(EditError::NoDirectory(dir.display().to_string()))
    }
}

/// Loads the tree to edit; a tree with errors is refused, with them.
pub fn load(dir: &Path) -> Result<RuleTree, Failure> {
    let (files, mut unreadable) = read_dir(dir);
    let loaded = load_with(files, &dir.display().to_string(), Golden::Load);
    unreadable.extend(loaded.problems);
    match loaded.tree {
        Some(tree) if unreadable.iter().all(|p| !p.is_error()) => Ok(tree),
        _ => {
            render::print_diagnostics(&unreadable);
            crate::errln!(
                "the rules have errors; fix them (`inforce check`) before adding a version"
            );
            Err(Failure::BadRules)
        }
    }
}

/// The rule set `id`, or a refusal naming the closest id.
pub fn rule_set<'a>(tree: &'a RuleTree, id: &str, dir: &Path) -> Result<&'a RuleSet, EditError> {
    tree.rule_sets.iter().find(|s| s.id == id).ok_or_else(|| {
        let ids: Vec<&str> = tree.rule_sets.iter().map(|s| s.id.as_str()).collect();
        let near = ids
            .iter()
            .map(|c| (strsim::jaro_winkler(id, c), *c))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c);
        EditError::UnknownRuleSet {
            id: id.to_string(),
            rules: dir.display().to_string(),
            help: match near {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!(
                    "the rule sets are {}",
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    })
}

/// The version a new one starting on `date` follows: the last one, which
/// must be in force on that date.
pub fn last_in_force(set: &RuleSet, date: NaiveDate) -> Result<&Version, EditError> {
    let Some(last) = set.versions.last() else {
        return Err(EditError::Layout {
            what: "a version",
            path: set.id.clone(),
        });
    };
    if date < last.from
        && let Some(v) = set.versions.iter().find(|v| v.contains(date))
    {
        return Err(EditError::InsideEarlier {
            date,
            rule_set: set.id.clone(),
            version: v.id.clone(),
            interval: v.interval_text(),
            later: last.id.clone(),
            file: v.file.clone(),
        });
    }
    if date <= last.from {
        return Err(EditError::NotAfterLast {
            date,
            rule_set: set.id.clone(),
            last: last.id.clone(),
            interval: last.interval_text(),
            file: last.file.clone(),
        });
    }
    if let Some(until) = last.until
        && date >= until
    {
        return Err(EditError::Lapsed {
            rule_set: set.id.clone(),
            date,
            until,
        });
    }
    if last.repeal.is_some() {
        return Err(EditError::Repealed {
            rule_set: set.id.clone(),
            from: last.from,
            version: last.id.clone(),
        });
    }
    Ok(last)
}

/// `DIR/DATE.yaml` beside `previous`'s file, refused if it exists.
pub fn new_file(previous: &Version, date: NaiveDate) -> Result<PathBuf, EditError> {
    let dir = Path::new(&previous.file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = dir.join(format!("{date}.yaml"));
    if path.exists() {
        return Err(EditError::Exists(path.display().to_string()));
    }
    Ok(path)
}

pub fn read(path: &str) -> Result<String, EditError> {
    std::fs::read_to_string(path).map_err(|e| EditError::Io {
        what: "read",
        path: path.to_string(),
        reason: e.to_string(),
    })
}

pub fn write(path: &Path, text: &str) -> Result<(), EditError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| EditError::Io {
            what: "create",
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    std::fs::write(path, text).map_err(|e| EditError::Io {
        what: "write",
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Text edits, applied from the end so earlier offsets stay right.
#[derive(Default)]
pub struct Edits(Vec<(usize, usize, String)>);

impl Edits {
    /// Replaces the text of `n` with `with`.
    pub fn replace(&mut self, n: &Named, with: impl Into<String>) {
        self.0.push((n.span.offset(), n.span.len(), with.into()));
    }
    /// Replaces `len` bytes at `at`.
    pub fn splice(&mut self, at: usize, len: usize, with: impl Into<String>) {
        self.0.push((at, len, with.into()));
    }
    pub fn apply(mut self, text: &str) -> String {
        self.0.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
        let mut out = text.to_string();
        for (at, len, with) in self.0 {
            if at + len <= out.len() && out.is_char_boundary(at) && out.is_char_boundary(at + len) {
                out.replace_range(at..at + len, &with);
            }
        }
        out
    }
}

/// The previous version's text with `until: DATE` set: the value replaced
/// if written, else added after `from` (in the flow or block style used).
pub fn close(text: &str, path: &str, date: NaiveDate) -> Result<String, EditError> {
    let o = outline(text).ok_or(EditError::Layout {
        what: "in_force",
        path: path.to_string(),
    })?;
    let mut e = Edits::default();
    match (&o.until, &o.from) {
        (Some(until), _) => e.replace(until, date.to_string()),
        (None, Some(from)) => {
            let end = from.span.offset() + from.span.len();
            let key = o.in_force.map_or(0, |k| k.offset());
            let flow = text
                .get(key..from.span.offset())
                .is_some_and(|s| s.contains('{'));
            if flow {
                e.splice(end, 0, format!(", until: {date}"));
            } else {
                // Block style: a line of its own, indented as `from:`.
                let line_start = text
                    .get(..from.span.offset())
                    .and_then(|t| t.rfind('\n'))
                    .map_or(0, |i| i + 1);
                let indent: String = text
                    .get(line_start..)
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| *c == ' ')
                    .collect();
                let line_end = text
                    .get(end..)
                    .and_then(|t| t.find('\n'))
                    .map_or(text.len(), |i| end + i);
                e.splice(line_end, 0, format!("\n{indent}until: {date}"));
            }
        }
        (None, None) => {
            return Err(EditError::Layout {
                what: "in_force.from",
                path: path.to_string(),
            });
        }
    }
    Ok(e.apply(text))
}

/// The byte range of a top-level key's block (`source:` and the lines
/// indented under it), to replace as a whole.
pub fn top_level_block(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let is_top = !line.starts_with([' ', '#', '\n', '\r', '\t']) && !line.trim().is_empty();
        if let Some(s) = start {
            if is_top {
                return Some((s, at));
            }
        } else if is_top && line.starts_with(&format!("{key}:")) {
            start = Some(at);
        }
        at += line.len();
    }
    start.map(|s| (s, text.len()))
}

/// A YAML scalar for `s`: plain when it reads back as the same text,
/// double-quoted (JSON escapes are YAML's) otherwise.
pub fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || " _.-/()',".contains(c))
        && !s.starts_with([' ', '-', '\''])
        && !s.ends_with(' ')
        && !matches!(s, "true" | "false" | "null" | "~" | "yes" | "no")
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

/// The outcomes a version answers: decided by a rule, scoped or silent on.
fn answered(v: &Version) -> Vec<String> {
    let mut out: Vec<String> = v
        .rules
        .iter()
        .flat_map(|r| r.then.iter().map(|(o, _)| o.clone()))
        .chain(v.scope.keys().cloned())
        .chain(v.silent_on.keys().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The golden tests to straddle the date with: cases of the rule set's
/// own tests evaluated within `previous`'s interval (at most `limit`).
fn sample_cases(
    tree: &RuleTree,
    set_dir: &Path,
    previous: &Version,
    limit: usize,
) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for file in tree
        .tests
        .iter()
        .filter(|f| Path::new(&f.path).starts_with(set_dir))
    {
        for t in &file.tests {
            let date = t.date.or_else(|| {
                t.case
                    .get("date")
                    .and_then(|d| d.as_str())
                    .and_then(inforce_engine::parse_date)
            });
            if date.is_some_and(|d| previous.contains(d)) && out.len() < limit {
                out.push((t.name.clone(), t.case.clone()));
            }
        }
    }
    if out.is_empty() {
        out.push(("an empty case".to_string(), serde_json::json!({})));
    }
    out
}

/// The golden-test skeleton straddling `date`: for each sample case, a
/// test the day before and one the day of, expecting what `tree` answers
/// (the tree with the new version written).
pub fn skeleton(
    tree: &RuleTree,
    set: &RuleSet,
    previous: &Version,
    new: &Version,
    date: NaiveDate,
    what: &str,
) -> String {
    let set_dir = Path::new(&previous.file).parent().unwrap_or(Path::new(""));
    let before = date.pred_opt().unwrap_or(date);
    let mut outcomes = answered(previous);
    outcomes.extend(answered(new));
    outcomes.sort();
    outcomes.dedup();
    let mut out = format!(
        "# Golden tests straddling {date}, when {what} of `{}` takes effect:\n\
         # the day before and the day of, expecting what the rules answered when\n\
         # they were written. Edit the expectations of the day of to what the new\n\
         # version says, then run `inforce test`.\ntests:\n",
        set.id
    );
    for (i, (name, case)) in sample_cases(tree, set_dir, previous, 3).iter().enumerate() {
        for (day, words) in [(before, "the day before"), (date, "the day of")] {
            let mut case = case.clone();
            if let Some(obj) = case.as_object_mut() {
                obj.remove("date");
                let id = obj
                    .get("id")
                    .and_then(|v| v.as_str())
                    .map_or_else(|| format!("case-{}", i + 1), str::to_string);
                obj.insert("id".into(), serde_json::json!(format!("{id}-{day}")));
            }
            let _ = writeln!(
                out,
                "  - name: {}",
                scalar(&format!("On {day}, {words} {what} of {}: {name}", set.id))
            );
            let _ = writeln!(out, "    date: {day}");
            let _ = writeln!(out, "    case:");
            for (k, v) in case.as_object().into_iter().flatten() {
                let _ = writeln!(out, "      {k}: {}", flow(v));
            }
            let _ = writeln!(out, "    expect:");
            let result = Case::from_json_value(tree, &case, "skeleton")
                .ok()
                .and_then(|c| evaluate(tree, &c, day, false).ok());
            for o in &outcomes {
                let expect = match result.as_ref().map(|r| r.outcomes.get(o)) {
                    None => continue,
                    Some(None) => "absent".to_string(),
                    Some(Some(r)) => expectation(r),
                };
                let _ = writeln!(out, "      {o}: {expect}");
            }
        }
    }
    out
}

/// A JSON value of a case as YAML flow text.
fn flow(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        serde_json::Value::String(s) if inforce_engine::parse_date(s).is_some() => s.clone(),
        serde_json::Value::String(s) => scalar(s),
        other => other.to_string(),
    }
}

/// What a golden test expects to see `r`, in the words of `expect:`.
fn expectation(r: &inforce_engine::OutcomeResult) -> String {
    match r.status {
        Status::Decided => {
            let v = match &r.value {
                None | Some(Value::Null) => "null".to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Int(i)) => i.to_string(),
                Some(Value::Date(d)) => d.to_string(),
                Some(Value::Str(s)) => scalar(s),
                Some(Value::List(items)) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|s| scalar(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            if matches!(
                v.as_str(),
                "undetermined" | "missing_facts" | "conflict" | "absent"
            ) {
                format!("{{status: decided, value: {v}}}")
            } else {
                v
            }
        }
        Status::MissingFacts => {
            format!("{{status: missing_facts, needs: [{}]}}", r.needs.join(", "))
        }
        Status::Undetermined => "undetermined".to_string(),
        Status::Conflict => "conflict".to_string(),
    }
}

/// What both edits start from: the date, the rules directory, the version
/// in force to be closed, the files to write (refused if they exist) and
/// the previous version's text.
pub struct Target<'a> {
    pub date: NaiveDate,
    pub dir: &'a Path,
    pub previous: &'a Version,
    pub new_path: PathBuf,
    pub tests_path: PathBuf,
    pub old_text: String,
}

/// Loads the rules of `--rules` (or the default) and finds what an edit
/// named `what` (`amend`, `repeal`) of `rule_set` from `date` starts
/// from, refusing as the user is told; then runs `edit` on it. A closure
/// rather than a returned value: the target borrows the loaded tree.
pub fn with_target(
    date: &str,
    rules: Option<&Path>,
    rule_set: &str,
    what: &str,
    edit: impl FnOnce(Target<'_>) -> Outcome,
) -> Outcome {
    let date = self::date(date).map_err(refuse)?;
    let dir = rules_dir(rules).map_err(refuse)?;
    let tree = load(&dir)?;
    let set = self::rule_set(&tree, rule_set, &dir).map_err(refuse)?;
    let previous = last_in_force(set, date).map_err(refuse)?;
    edit(Target {
        date,
        dir: &dir,
        previous,
        new_path: new_file(previous, date).map_err(refuse)?,
        tests_path: tests_file(previous, what, date).map_err(refuse)?,
        old_text: read(&previous.file).map_err(refuse)?,
    })
}

/// `DIR/tests/WHAT-DATE.yaml` beside the rule set's versions.
pub fn tests_file(previous: &Version, what: &str, date: NaiveDate) -> Result<PathBuf, EditError> {
    let dir = Path::new(&previous.file).parent().unwrap_or(Path::new(""));
    let path = dir.join("tests").join(format!("{what}-{date}.yaml"));
    if path.exists() {
        return Err(EditError::Exists(path.display().to_string()));
    }
    Ok(path)
}

/// Checks the tree as edited and prints what to do next.
pub fn finish(dir: &Path, written: &[(&Path, &str)], next: &[String]) -> Outcome {
    let (files, mut problems) = read_dir(dir);
    let loaded = load_with(files, &dir.display().to_string(), Golden::Load);
    problems.extend(loaded.problems);
    render::print_diagnostics(&problems);
    for (path, what) in written {
        crate::outln!(
            "{} {}",
            what,
            crate::text_safe::line(&path.display().to_string())
        );
    }
    let Some(tree) = loaded.tree else {
        crate::outln!("check: the rules have errors now; fix them, then run `inforce check`");
        return Err(Failure::Found(Finding::RuleErrors));
    };
    let runs = inforce_engine::run_golden_tests(&tree, None);
    let failed = runs.iter().filter(|r| !r.passed).count();
    crate::outln!(
        "check: ok; golden tests: {} passed, {} failed",
        runs.len() - failed,
        failed
    );
    crate::outln!("Next:");
    for (i, step) in next.iter().enumerate() {
        crate::outln!("  {}. {}", i + 1, step);
    }
    if failed > 0 {
        return Err(Failure::Found(Finding::FailedTests));
    }
    Ok(Success)
}

/// What both edits write: the new version's file, the previous version
/// closed in its own file, then, from the tree loaded again with both, the
/// golden-test skeleton straddling `date` (`what` names the edit in it).
pub struct Written<'a> {
    pub dir: &'a Path,
    pub previous: &'a Version,
    pub new_path: &'a Path,
    pub new_text: &'a str,
    pub closed: &'a str,
    pub tests_path: &'a Path,
    pub date: NaiveDate,
    pub what: &'a str,
}

impl Written<'_> {
    pub fn write(&self) -> Result<(), Failure> {
        write(self.new_path, self.new_text).map_err(refuse)?;
        write(Path::new(&self.previous.file), self.closed).map_err(refuse)?;
        // The tests expect what the tree with the new version answers.
        let edited = load(self.dir)?;
        let set_id = &self.previous.rule_set;
        let skeleton = match (
            version_in(&edited, set_id, &self.previous.id),
            version_in(&edited, set_id, &self.date.to_string()),
        ) {
            (Some((set, prev)), Some((_, new))) => {
                skeleton(&edited, set, prev, new, self.date, self.what)
            }
            _ => String::new(),
        };
        write(self.tests_path, &skeleton).map_err(refuse)
    }
}

/// The version `id` of `set` in a freshly loaded tree.
pub fn version_in<'a>(
    tree: &'a RuleTree,
    set: &str,
    id: &str,
) -> Option<(&'a RuleSet, &'a Version)> {
    let s = tree.rule_sets.iter().find(|s| s.id == set)?;
    Some((s, s.versions.iter().find(|v| v.id == id)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        date(s).unwrap()
    }

    #[test]
    fn closing_a_version_adds_until_in_the_style_written_and_keeps_the_rest() {
        let flow = "# keep me\nrule_set: a\nversion: 2001-01-01\nin_force: {from: 2001-01-01}  # open\nrules: []\n";
        assert_eq!(
            close(flow, "f", d("2005-05-05")).unwrap(),
            "# keep me\nrule_set: a\nversion: 2001-01-01\nin_force: {from: 2001-01-01, until: 2005-05-05}  # open\nrules: []\n"
        );
        let block = "rule_set: a\nin_force:\n  from: 2001-01-01\nrules: []\n";
        assert_eq!(
            close(block, "f", d("2005-05-05")).unwrap(),
            "rule_set: a\nin_force:\n  from: 2001-01-01\n  until: 2005-05-05\nrules: []\n"
        );
        let until = "rule_set: a\nin_force: {from: 2001-01-01, until: 2009-01-01}\n";
        assert_eq!(
            close(until, "f", d("2005-05-05")).unwrap(),
            "rule_set: a\nin_force: {from: 2001-01-01, until: 2005-05-05}\n"
        );
    }

    #[test]
    fn a_top_level_block_runs_to_the_next_top_level_key() {
        let text = "a: 1\nsource:\n  act: x\n  # note\n  read_at: y\nnotes: []\n";
        let (s, e) = top_level_block(text, "source").unwrap();
        assert_eq!(&text[s..e], "source:\n  act: x\n  # note\n  read_at: y\n");
    }

    #[test]
    fn scalars_are_quoted_only_when_plain_text_would_read_otherwise() {
        assert_eq!(
            scalar("Decree No. 7 of 20 June 2024"),
            "Decree No. 7 of 20 June 2024"
        );
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("42"), "\"42\"");
        assert_eq!(scalar("Law \"X\""), "\"Law \\\"X\\\"\"");
    }
}
