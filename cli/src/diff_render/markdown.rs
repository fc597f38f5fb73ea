//! `inforce diff --format markdown`: the diff as a pull-request comment. A
//! reviewer reads the summary table and the behavioural verdict first, and
//! opens a collapsed block only for the rule set or case they care about.
//! GitHub-flavoured Markdown with the few HTML tags GitHub allows
//! (`<details>`, `<summary>`, `<table>`). Not here: text, JSON.

use inforce_engine::diff::{
    CaseChange, CaseProblem, ChangeKind, DeclarationChange, FieldChange, RuleChange, RuleSetChange,
    RulesDiff, VersionChange, Word,
};
use inforce_engine::text::{escape_block, escape_line};
use inforce_engine::{By, OutcomeResult};

use super::{
    behaviour_sentence, count, decided_by, is_whole, nothing_sentence, outcome_value, says,
    short_digest, shown_fields, summary_lines, until, whole_value,
};
use crate::text_safe;

/// Longest value shown in a table cell; longer ones go side by side in
/// code blocks, where they keep their line breaks.
const CELL_MAX: usize = 60;

/// GitHub refuses a comment longer than this many characters.
pub const COMMENT_MAX: usize = 65_536;

/// The whole comment, within GitHub's size limit.
pub fn render(d: &RulesDiff) -> String {
    render_within(d, COMMENT_MAX)
}

/// The whole comment in at most `max` bytes (hence characters). Everything
/// is rendered; when that is too long, collapsed blocks are left out from
/// the end, changed cases kept before rule sets (what a change does matters
/// more to a reviewer than how the files read), each section saying how
/// many it leaves out. The summary, the timeline and the list of cases that
/// could not be evaluated always stay.
fn render_within(d: &RulesDiff, max: usize) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "## Rule changes: {} → {}\n\n",
        code(&d.old.label),
        code(&d.new.label)
    ));
    out.push_str(&format!(
        "OLD {} (digest {}) · NEW {} (digest {})\n\n",
        code(&d.old.label),
        code(short_digest(&d.old.digest)),
        code(&d.new.label),
        code(short_digest(&d.new.digest))
    ));
    if d.is_empty() {
        out.push_str(&format!("**{}**\n", esc(&nothing_sentence(d))));
        return out;
    }
    summary(&mut out, d);
    let mut declarations = String::new();
    for decl in &d.structural.declarations {
        declaration(&mut declarations, decl);
    }
    let sets: Vec<String> = d
        .structural
        .rule_sets
        .iter()
        .map(|set| {
            let mut block = String::new();
            rule_set(&mut block, set);
            block
        })
        .collect();
    let mut time = String::new();
    timeline(&mut time, d);
    let cases: Vec<String> = d
        .behaviour
        .changed
        .iter()
        .map(|c| {
            let mut block = String::new();
            case(&mut block, c);
            block
        })
        .collect();
    let mut errs = String::new();
    if !d.behaviour.errors.is_empty() {
        errors(&mut errs, &d.behaviour.errors);
    }
    // Room for headings, the behaviour line and the notices of what is left out.
    const FIXED: usize = 1_000;
    let mut used = out.len() + declarations.len() + time.len() + errs.len() + FIXED;
    let fits = |blocks: &[String], used: &mut usize| {
        let mut kept = 0;
        for b in blocks {
            if *used + b.len() > max {
                break;
            }
            *used += b.len();
            kept += 1;
        }
        kept
    };
    let cases_kept = fits(&cases, &mut used);
    let sets_kept = if cases_kept == cases.len() {
        fits(&sets, &mut used)
    } else {
        0
    };

    if !declarations.is_empty() || !sets.is_empty() {
        out.push_str("\n### Structural changes\n");
        if !declarations.is_empty() {
            out.push_str("\n#### Facts and outcomes declared\n");
            out.push_str(&declarations);
        }
        for block in sets.iter().take(sets_kept) {
            out.push_str(block);
        }
        left_out(
            &mut out,
            sets.len() - sets_kept,
            sets_kept,
            "rule set",
            "rule sets",
        );
    }
    out.push_str(&time);
    behaviour_intro(&mut out, d);
    for block in cases.iter().take(cases_kept) {
        out.push_str(block);
    }
    left_out(
        &mut out,
        cases.len() - cases_kept,
        cases_kept,
        "changed case",
        "changed cases",
    );
    out.push_str(&errs);
    out
}

/// The notice for the blocks left out (`n` of them, after `kept` shown) to
/// stay within the size limit.
fn left_out(out: &mut String, n: usize, kept: usize, one: &str, many: &str) {
    if n > 0 {
        out.push_str(&format!(
            "\n_{n} {}{} not shown: the comment would pass GitHub's limit of 65,536 characters. `inforce diff` with `--format text` or `--format json` shows everything._\n",
            if kept > 0 { "more " } else { "" },
            if n == 1 { one } else { many }
        ));
    }
}

fn summary(out: &mut String, d: &RulesDiff) {
    let s = &d.summary;
    out.push_str("| change | count |\n|---|---|\n");
    for (what, words) in summary_lines(s) {
        out.push_str(&format!("| {what} | {} |\n", esc(&words)));
    }
    out.push_str(&format!("| cases compared | {} |\n", s.cases_compared));
    out.push_str(&format!(
        "| cases deciding differently | {} |\n",
        s.cases_changed
    ));
    if s.case_errors > 0 {
        out.push_str(&format!(
            "| cases not evaluated on one side | {} |\n",
            s.case_errors
        ));
    }
    out.push('\n');
    out.push_str(&format!(
        "**{}.**\n",
        esc(&capitalise(&behaviour_sentence(d)))
    ));
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn declaration(out: &mut String, decl: &DeclarationChange) {
    out.push_str(&format!(
        "\n**{} {}** ({})\n",
        decl.kind,
        code(&decl.name),
        decl.change.as_str()
    ));
    fields(
        out,
        &shown_fields(&decl.fields, decl.change, ""),
        is_whole(decl.change),
    );
}

fn rule_set(out: &mut String, set: &RuleSetChange) {
    const KINDS: [ChangeKind; 4] = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Renamed,
        ChangeKind::Changed,
    ];
    let mut what: Vec<String> = Vec::new();
    // Versions first, then rules: the order a reader goes down the block.
    for kind in KINDS {
        let n = set.versions.iter().filter(|v| v.change == kind).count();
        if n > 0 {
            what.push(format!(
                "{} {}",
                count(n, "version", "versions"),
                kind.as_str()
            ));
        }
    }
    for kind in KINDS {
        let n = set
            .versions
            .iter()
            .flat_map(|v| &v.rules)
            .filter(|r| r.change == kind)
            .count();
        if n > 0 {
            what.push(format!("{} {}", count(n, "rule", "rules"), kind.as_str()));
        }
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(": {}", what.join(", "))
    };
    out.push_str(&format!(
        "\n<details>\n<summary>rule set <code>{}</code> {}{}</summary>\n",
        html(&set.id),
        set.change.as_str(),
        html(&what)
    ));
    for v in &set.versions {
        version(out, v);
    }
    out.push_str("\n</details>\n");
}

fn version(out: &mut String, v: &VersionChange) {
    let change = match &v.old_version {
        Some(old) => format!("{}, was {}", v.change.as_str(), code(old)),
        None => v.change.as_str().to_string(),
    };
    out.push_str(&format!(
        "\n#### Version {} ({change}): {}\n",
        code(&v.version),
        esc(&v.title)
    ));
    if let Some(f) = v.new_file.as_ref().or(v.old_file.as_ref()) {
        out.push_str(&format!("\nFile: {}\n", code(f)));
    }
    fields(
        out,
        &shown_fields(&v.fields, v.change, "title"),
        is_whole(v.change),
    );
    for r in &v.rules {
        rule(out, r);
    }
}

fn rule(out: &mut String, r: &RuleChange) {
    let was = r
        .old_id
        .as_ref()
        .map(|old| format!(", was {}", code(old)))
        .unwrap_or_default();
    let cite = if r.cite.is_empty() {
        String::new()
    } else {
        format!(": {}", esc(&r.cite))
    };
    out.push_str(&format!(
        "\n**Rule {}** ({}{was}){cite}\n",
        code(&r.id),
        r.change.as_str()
    ));
    fields(
        out,
        &shown_fields(&r.fields, r.change, "cite"),
        is_whole(r.change),
    );
}

/// Whether a field holds a script (shown as code) rather than prose
/// (shown as text, which wraps). The model does not say, so the field's
/// name does: conditions, scopes and outcome values are scripts.
fn is_script(f: &FieldChange) -> bool {
    f.words.is_some()
        || f.field == "when"
        || f.field == "applies_when"
        || f.field.starts_with("scope.")
        || f.field.starts_with("then.")
}

/// A value in a table cell: code for a script, text for prose.
fn cell(f: &FieldChange, v: Option<&str>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) if is_script(f) => cell_code(v),
        Some(v) => esc(v),
    }
}

/// A value on its own: a code block for a script, a paragraph for prose.
fn value_block(f: &FieldChange, v: Option<&str>) -> String {
    match v {
        None => "—\n".to_string(),
        Some(v) if is_script(f) => block(Some(v)),
        Some(v) => format!("{}\n", esc(v.trim_end_matches('\n'))),
    }
}

/// Fields in one old/new table; conditions with their changed words
/// marked; scripts too long or too many lines for a cell side by side in
/// code blocks. In a `whole` thing added or removed there is one side: a
/// field/value table and a code block per long script.
fn fields(out: &mut String, fields: &[&FieldChange], whole: bool) {
    let is_long = |f: &FieldChange| {
        [&f.old, &f.new].iter().any(|v| {
            v.as_deref()
                .is_some_and(|s| s.contains('\n') || (is_script(f) && s.chars().count() > CELL_MAX))
        })
    };
    let (long, short): (Vec<&FieldChange>, Vec<&FieldChange>) =
        fields.iter().copied().partition(|f| is_long(f));
    if !short.is_empty() {
        if whole {
            out.push_str("\n| field | value |\n|---|---|\n");
        } else {
            out.push_str("\n| field | old | new |\n|---|---|---|\n");
        }
        for f in &short {
            if whole {
                out.push_str(&format!(
                    "| {} | {} |\n",
                    cell_code(&f.field),
                    cell(f, whole_value(f))
                ));
            } else {
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    cell_code(&f.field),
                    cell(f, f.old.as_deref()),
                    cell(f, f.new.as_deref())
                ));
            }
        }
    }
    let marked: Vec<&FieldChange> = fields
        .iter()
        .copied()
        .filter(|f| f.words.is_some() && !whole)
        .collect();
    if !marked.is_empty() {
        out.push('\n');
        for f in marked {
            if let Some(words) = &f.words {
                out.push_str(&format!("- {}: {}\n", code(&f.field), inline_words(words)));
            }
        }
    }
    for f in long {
        if whole {
            out.push_str(&format!(
                "\n{}:\n\n{}",
                code(&f.field),
                value_block(f, whole_value(f))
            ));
        } else {
            out.push_str(&format!(
                "\n{} in full:\n\n<table><tr><th>old</th><th>new</th></tr><tr><td>\n\n{}\n</td><td>\n\n{}\n</td></tr></table>\n",
                code(&f.field),
                value_block(f, f.old.as_deref()),
                value_block(f, f.new.as_deref())
            ));
        }
    }
}

/// A condition as text with removed words struck through and added words
/// in bold. Emphasis cannot start or end on a space, so spaces at the edges
/// of a piece stay outside its markers.
fn inline_words(words: &[Word]) -> String {
    let mut out = String::new();
    for w in words {
        let (text, marker) = match w {
            Word::Same(s) => {
                out.push_str(&esc(s));
                continue;
            }
            Word::Removed(s) => (s, "~~"),
            Word::Added(s) => (s, "**"),
        };
        let core = text.trim();
        if core.is_empty() {
            // Only spaces: an added space still separates words; a removed
            // one is simply gone.
            if marker == "**" {
                out.push_str(&esc(text));
            }
            continue;
        }
        let lead = text.len() - text.trim_start().len();
        let trail = text.len() - text.trim_end().len();
        out.push_str(&esc(text.get(..lead).unwrap_or("")));
        out.push_str(&format!("{marker}{}{marker}", esc(core)));
        out.push_str(&esc(text.get(text.len() - trail..).unwrap_or("")));
    }
    out
}

fn timeline(out: &mut String, d: &RulesDiff) {
    if d.timeline.is_empty() {
        return;
    }
    out.push_str("\n### Timeline\n\n| rule set | from | until | change |\n|---|---|---|---|\n");
    for t in &d.timeline {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell_code(&t.rule_set),
            t.from,
            until(t.until),
            esc(&t.description)
        ));
    }
}

/// The head of the behaviour section: counts, and the verdict when no case
/// changed.
fn behaviour_intro(out: &mut String, d: &RulesDiff) {
    let b = &d.behaviour;
    out.push_str("\n### Behaviour\n\n");
    out.push_str(&format!(
        "{} compared, {} deciding differently",
        count(b.cases, "case", "cases"),
        b.changed.len()
    ));
    if b.errors.is_empty() {
        out.push_str(".\n");
    } else {
        out.push_str(&format!(
            ", {} not evaluated on one side.\n",
            b.errors.len()
        ));
    }
    if b.changed.is_empty() {
        out.push_str(&format!(
            "\n{}.\n",
            esc(&capitalise(&behaviour_sentence(d)))
        ));
    }
}

fn case(out: &mut String, c: &CaseChange) {
    out.push_str(&format!(
        "\n<details>\n<summary>case <code>{}</code> on {}: {} differ{}</summary>\n\n",
        html(&c.case),
        c.date,
        count(c.outcomes.len(), "outcome", "outcomes"),
        if c.outcomes.len() == 1 { "s" } else { "" }
    ));
    // A case without an id of its own is named by its origin already.
    if c.origin != c.case {
        out.push_str(&format!("From {}.\n\n", esc(&c.origin)));
    }
    out.push_str(
        "| outcome | old | new | decided by (old) | decided by (new) |\n|---|---|---|---|---|\n",
    );
    let rule = |b: &By| {
        format!(
            "rule {} ({} {}){}: {}",
            cell_code(&b.rule),
            esc(&b.rule_set),
            esc(&b.version),
            esc(&says(b)),
            esc(&b.cite)
        )
    };
    for o in &c.outcomes {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell_code(&o.outcome),
            esc(&outcome_value(o.old.as_ref())),
            esc(&outcome_value(o.new.as_ref())),
            decided_by_cell(o.old.as_ref(), &rule),
            decided_by_cell(o.new.as_ref(), &rule)
        ));
    }
    out.push_str("\n</details>\n");
}

/// `decided_by` for a table cell: the rules come rendered; a reason in
/// words needs escaping; nothing to add is a dash.
fn decided_by_cell(side: Option<&OutcomeResult>, rule: &impl Fn(&By) -> String) -> String {
    match side {
        Some(o) if !o.by.is_empty() => decided_by(side, rule).unwrap_or_default(),
        _ => decided_by(side, |_| String::new())
            .map(|reason| esc(&reason))
            .unwrap_or_else(|| "—".to_string()),
    }
}

fn errors(out: &mut String, errors: &[CaseProblem]) {
    out.push_str(
        "\n#### Cases that could not be evaluated\n\n| case | from | side | error |\n|---|---|---|---|\n",
    );
    // A broken archive can refuse thousands of cases; the first rows show
    // the mistake, and a comment must stay under GitHub's size limit.
    const SHOWN: usize = 20;
    for e in errors.iter().take(SHOWN) {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell_code(&e.case),
            esc(&e.origin),
            e.side.to_uppercase(),
            esc(&e.error)
        ));
    }
    if errors.len() > SHOWN {
        out.push_str(&format!(
            "\n_{} more not shown: `--format text` or `--format json` lists them all._\n",
            errors.len() - SHOWN
        ));
    }
}

/// Text for Markdown (paragraphs and table cells): hidden characters
/// become visible escapes (`\u{1b}`), punctuation that would format is
/// escaped, HTML characters become entities, line breaks `<br>`, and a
/// leading `::` (a GitHub Actions workflow command, were the comment
/// printed to a CI log) is escaped.
fn esc(s: &str) -> String {
    let s = escape_block(s);
    let mut out = String::with_capacity(s.len());
    if s.trim_start().starts_with("::") {
        out.push('\\');
    }
    let mut line_start = false;
    for c in s.chars() {
        if line_start && c == ' ' {
            // Keeps the indentation of a multi-line condition.
            out.push_str("&nbsp;");
            continue;
        }
        line_start = false;
        match c {
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => {
                out.push_str("<br>");
                line_start = true;
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element (`<summary>`).
fn html(s: &str) -> String {
    escape_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An inline code span that holds any text: the fence is longer than any
/// run of backticks inside.
fn code(s: &str) -> String {
    let s = escape_line(s);
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A code span inside a table row, where `|` must be escaped even in code.
fn cell_code(s: &str) -> String {
    code(s).replace('|', "\\|")
}

/// A fenced code block for a whole value; `—` for none. Its lines are
/// printed as they are, so hidden characters are escaped and no line can
/// be a workflow command (`text_safe::block`).
fn block(s: Option<&str>) -> String {
    let Some(s) = s else {
        return "—\n".to_string();
    };
    let s = &text_safe::block(s);
    let fence = "`".repeat((longest_backtick_run(s) + 1).max(3));
    format!("{fence}\n{}\n{fence}\n", s.trim_end_matches('\n'))
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_diff, sample_diff};
    use super::*;

    #[test]
    fn the_summary_table_comes_before_any_collapsed_block() {
        let m = render(&sample_diff());
        let table = m.find("| change | count |").unwrap();
        let details = m.find("<details>").unwrap();
        assert!(table < details, "{m}");
        assert!(m.contains("| rules | 1 changed |\n"), "{m}");
        assert!(m.contains("| cases deciding differently | 1 |\n"), "{m}");
        assert!(m.starts_with("## Rule changes: `HEAD~1` → `HEAD`\n"), "{m}");
    }

    #[test]
    fn removed_words_are_struck_through_and_added_words_are_bold() {
        let m = render(&sample_diff());
        assert!(m.contains("- `when`: age &gt;= ~~18~~**16**\n"), "{m}");
        assert!(
            m.contains("| `when` | `age >= 18` | `age >= 16` |\n"),
            "the full old and new sit side by side too: {m}"
        );
    }

    #[test]
    fn each_changed_rule_set_is_one_collapsed_block_with_its_versions() {
        let m = render(&sample_diff());
        assert!(
            m.contains("<details>\n<summary>rule set <code>kz.citizens-departure</code> changed: 1 version added, 1 version changed, 1 rule changed</summary>\n"),
            "{m}"
        );
        assert!(
            m.contains("#### Version `2001-07-26` (changed): Decree No. 1010\n"),
            "{m}"
        );
        assert!(
            m.contains("#### Version `2012-04-01` (added): Law of 2012\n"),
            "{m}"
        );
    }

    #[test]
    fn the_timeline_is_a_table_of_intervals() {
        let m = render(&sample_diff());
        assert!(
            m.contains("| `kz.citizens-departure` | 2012-03-28 | 2012-04-01 | Decree No. 1010 (version 2001-07-26) now in force, before lapsed |\n"),
            "{m}"
        );
    }

    #[test]
    fn a_changed_case_is_a_collapsed_table_of_outcomes_with_the_deciding_rules() {
        let m = render(&sample_diff());
        assert!(
            m.contains("<summary>case <code>teen-traveller</code> on 2005-03-01: 1 outcome differs</summary>"),
            "{m}"
        );
        assert!(
            m.contains("| `exit_visa_required` | yes | no | rule `minor-exit` (kz.citizens-departure 2001-07-26): item 4 | rule `adult-exit` (kz.citizens-departure 2001-07-26): item 5 |\n"),
            "{m}"
        );
    }

    #[test]
    fn an_empty_diff_says_plainly_that_nothing_differs() {
        let m = render(&empty_diff());
        assert!(
            m.contains("**Nothing differs: the rule files are identical"),
            "{m}"
        );
        assert!(!m.contains("<details>"), "{m}");
    }

    #[test]
    fn a_structural_change_without_changed_cases_says_no_behavioural_change() {
        let mut d = sample_diff();
        d.behaviour.changed.clear();
        d.summary.cases_changed = 0;
        let m = render(&d);
        assert!(
            m.contains("**No behavioural change: 42 cases decide the same under both.**"),
            "{m}"
        );
    }

    #[test]
    fn multi_line_scripts_go_side_by_side_in_code_blocks() {
        let mut out = String::new();
        let f = FieldChange {
            field: "when".into(),
            old: Some("a\n  && b == `x`".into()),
            new: Some("a".into()),
            words: None,
        };
        fields(&mut out, &[&f], false);
        assert!(
            out.contains("`when` in full:\n\n<table><tr><th>old</th><th>new</th></tr>"),
            "{out}"
        );
        assert!(out.contains("```\na\n  && b == `x`\n```\n"), "{out}");
        assert!(!out.contains("| field |"), "{out}");
    }

    #[test]
    fn an_added_version_shows_its_fields_as_values_without_its_title_again() {
        let mut d = sample_diff();
        d.structural.rule_sets[0].versions[1].fields = vec![
            FieldChange {
                field: "title".into(),
                old: None,
                new: Some("Law of 2012".into()),
                words: None,
            },
            FieldChange {
                field: "in_force.from".into(),
                old: None,
                new: Some("2012-04-01".into()),
                words: None,
            },
        ];
        let m = render(&d);
        let added = &m[m.find("#### Version `2012-04-01`").unwrap()..];
        assert!(
            added.contains("| field | value |\n|---|---|\n| `in_force.from` | 2012-04-01 |\n"),
            "{added}"
        );
        assert!(!added.contains("`title`"), "{added}");
    }

    #[test]
    fn prose_stays_text_that_wraps_and_scripts_are_code() {
        let note = FieldChange {
            field: "notes[0]".into(),
            old: None,
            new: Some(
                "A long note about *this* rule that goes on and on well past sixty characters."
                    .into(),
            ),
            words: None,
        };
        let then = FieldChange {
            field: "then.visa_required".into(),
            old: Some("true".into()),
            new: Some("false".into()),
            words: None,
        };
        let mut out = String::new();
        fields(&mut out, &[&note, &then], false);
        assert!(
            out.contains("| `notes[0]` | — | A long note about \\*this\\* rule that goes on and on well past sixty characters. |\n"),
            "{out}"
        );
        assert!(
            out.contains("| `then.visa_required` | `true` | `false` |\n"),
            "{out}"
        );
    }

    #[test]
    fn a_comment_too_long_for_github_leaves_out_blocks_and_says_how_many() {
        let mut d = sample_diff();
        let one = d.behaviour.changed[0].clone();
        d.behaviour.changed = vec![one; 50];
        d.summary.cases_changed = 50;
        let full = render_within(&d, usize::MAX);
        assert!(!full.contains("not shown"), "{full}");
        assert_eq!(full.matches("<summary>case").count(), 50);

        let cut = render_within(&d, full.len() - 5_000);
        assert!(cut.len() < full.len());
        assert!(cut.contains("| cases deciding differently | 50 |"), "{cut}");
        assert!(cut.contains("### Timeline"), "{cut}");
        // Cases matter more than how the files read: the rule set goes first.
        assert!(cut.contains("_1 rule set not shown"), "{cut}");
        let kept = cut.matches("<summary>case").count();
        assert!(kept > 0 && kept < 49, "{kept}");
        assert!(
            cut.contains(&format!("_{} more changed cases not shown", 50 - kept)),
            "{cut}"
        );
    }

    #[test]
    fn markdown_and_html_characters_in_text_cannot_break_the_layout() {
        assert_eq!(
            esc("a | b_c <x> && *"),
            "a \\| b\\_c &lt;x&gt; &amp;&amp; \\*"
        );
        assert_eq!(cell_code("a || b"), "`a \\|\\| b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(esc("a\n  b"), "a<br>&nbsp;&nbsp;b");
    }

    #[test]
    fn control_characters_and_workflow_commands_in_text_and_code_are_escaped() {
        assert_eq!(esc("::error::x\u{1b}"), "\\::error::x\\\\u{1b}");
        assert_eq!(esc("a\n::error::x"), "a<br>::error::x");
        assert_eq!(code("a\nb\u{202e}"), "`a\\nb\\u{202e}`");
        assert_eq!(html("<x>\u{7}"), "&lt;x&gt;\\u{7}");
        assert_eq!(
            block(Some("x\n::error::y\r")),
            "```\nx\n\\u{3a}:error::y\\r\n```\n"
        );
    }

    #[test]
    fn spaces_at_the_edges_of_a_marked_piece_stay_outside_the_markers() {
        let w = vec![Word::Same("a && b".into()), Word::Added(" && c".into())];
        assert_eq!(inline_words(&w), "a &amp;&amp; b **&amp;&amp; c**");
    }
}
