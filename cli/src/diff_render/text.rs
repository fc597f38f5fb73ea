//! `inforce diff --format text`: the diff for a reviewer at a terminal or
//! in a log. Colour only on a terminal; off it, words removed from or added
//! to a condition are marked `[-…-]` / `{+…+}` (as `git diff --word-diff`
//! does) so the change survives a pipe. Not here: Markdown, JSON.

use inforce_engine::By;
use inforce_engine::diff::{
    CaseChange, ChangeKind, DeclarationChange, FieldChange, RuleChange, RulesDiff, VersionChange,
    Word,
};

use super::{
    behaviour_sentence, decided_by, is_whole, nothing_sentence, outcome_value, says, short_digest,
    shown_fields, until, whole_value,
};
use crate::render::Style;
use crate::text_safe::{block, line as t};

/// Colours when given a style (stdout is a terminal), word markers when not.
struct Paint<'a>(Option<&'a Style>);

impl Paint<'_> {
    fn with(&self, f: impl Fn(&Style, &str) -> String, s: &str) -> String {
        match self.0 {
            Some(style) => f(style, s),
            None => s.to_string(),
        }
    }
    fn bold(&self, s: &str) -> String {
        self.with(Style::bold, s)
    }
    fn dim(&self, s: &str) -> String {
        self.with(Style::dim, s)
    }
    fn red(&self, s: &str) -> String {
        self.with(Style::red, s)
    }
    fn green(&self, s: &str) -> String {
        self.with(Style::green, s)
    }
    fn yellow(&self, s: &str) -> String {
        self.with(Style::yellow, s)
    }
    fn removed(&self, s: &str) -> String {
        match self.0 {
            Some(style) => style.red(s),
            None => format!("[-{s}-]"),
        }
    }
    fn added(&self, s: &str) -> String {
        match self.0 {
            Some(style) => style.green(s),
            None => format!("{{+{s}+}}"),
        }
    }
    /// `+`, `-`, `~`, `→` for a change, coloured.
    fn mark(&self, c: ChangeKind) -> String {
        match c {
            ChangeKind::Added => self.green("+"),
            ChangeKind::Removed => self.red("-"),
            ChangeKind::Changed => self.yellow("~"),
            ChangeKind::Renamed => self.yellow("→"),
        }
    }
}

/// The whole report. `colour`: the terminal's style, or `None` off a
/// terminal (plain text, word markers).
pub fn render(d: &RulesDiff, colour: Option<&Style>) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    out.push_str(&p.bold(&format!(
        "Comparing OLD {} (digest {}) with NEW {} (digest {})",
        t(&d.old.label),
        short_digest(&d.old.digest),
        t(&d.new.label),
        short_digest(&d.new.digest)
    )));
    out.push_str("\n\n");
    if d.is_empty() {
        out.push_str(&nothing_sentence(d));
        out.push('\n');
        return out;
    }
    summary(&mut out, d, &p);
    structural(&mut out, d, &p);
    if !d.timeline.is_empty() {
        out.push('\n');
        out.push_str(&p.bold("Timeline changes"));
        out.push('\n');
        for change in &d.timeline {
            out.push_str(&format!(
                "  {} {} to {}: {}\n",
                t(&change.rule_set),
                change.from,
                until(change.until),
                t(&change.description)
            ));
        }
    }
    behaviour(&mut out, d, &p);
    out
}

fn summary(out: &mut String, d: &RulesDiff, p: &Paint) {
    out.push_str(&p.bold("Summary"));
    out.push('\n');
    let mut lines = super::summary_lines(&d.summary);
    let verdict = behaviour_sentence(d);
    lines.push(("behaviour", verdict));
    let width = lines.iter().map(|(w, _)| w.len() + 1).max().unwrap_or(0);
    for (what, words) in lines {
        out.push_str(&format!("  {:width$} {words}\n", format!("{what}:")));
    }
}

fn structural(out: &mut String, d: &RulesDiff, p: &Paint) {
    let s = &d.structural;
    if s.declarations.is_empty() && s.rule_sets.is_empty() {
        return;
    }
    out.push('\n');
    out.push_str(&p.bold("Structural changes"));
    out.push('\n');
    if !s.declarations.is_empty() {
        out.push_str("  declarations\n");
        for decl in &s.declarations {
            declaration(out, decl, p);
        }
    }
    for set in &s.rule_sets {
        out.push_str(&format!(
            "  {} rule set {}\n",
            p.mark(set.change),
            p.bold(&t(&set.id))
        ));
        for v in &set.versions {
            version(out, v, p);
        }
    }
}

fn declaration(out: &mut String, decl: &DeclarationChange, p: &Paint) {
    out.push_str(&format!(
        "    {} {} {}\n",
        p.mark(decl.change),
        decl.kind,
        t(&decl.name)
    ));
    for f in shown_fields(&decl.fields, decl.change, "") {
        field(out, 8, f, is_whole(decl.change), p);
    }
}

fn version(out: &mut String, v: &VersionChange, p: &Paint) {
    // One place is enough to find the version; the two sides' paths differ
    // by their roots (directory or revision) even when the file did not move.
    let file = v
        .new_file
        .as_ref()
        .or(v.old_file.as_ref())
        .map(|f| format!(" {}", p.dim(&format!("({})", t(f)))))
        .unwrap_or_default();
    let was = v
        .old_version
        .as_ref()
        .map(|o| format!(" (was {})", t(o)))
        .unwrap_or_default();
    out.push_str(&format!(
        "    {} version {}{was}: {}{file}\n",
        p.mark(v.change),
        t(&v.version),
        t(&v.title)
    ));
    for f in shown_fields(&v.fields, v.change, "title") {
        field(out, 8, f, is_whole(v.change), p);
    }
    for r in &v.rules {
        rule(out, r, p);
    }
}

fn rule(out: &mut String, r: &RuleChange, p: &Paint) {
    let renamed = match (&r.old_id, r.change) {
        (Some(old), _) => format!(" (was {})", t(old)),
        _ => String::new(),
    };
    let cite = if r.cite.is_empty() {
        String::new()
    } else {
        format!(" {}", p.dim(&format!("[{}]", t(&r.cite))))
    };
    out.push_str(&format!(
        "      {} rule {}{renamed}{cite}\n",
        p.mark(r.change),
        t(&r.id)
    ));
    for f in shown_fields(&r.fields, r.change, "cite") {
        field(out, 10, f, is_whole(r.change), p);
    }
}

/// One field: `field: old → new` on a line; a condition with the words that
/// changed marked; long texts over several lines. In a `whole` thing added
/// or removed, just `field: value`: an arrow from nothing says nothing.
fn field(out: &mut String, indent: usize, f: &FieldChange, whole: bool, p: &Paint) {
    let pad = " ".repeat(indent);
    let name = t(&f.field);
    if whole {
        let value = whole_value(f).unwrap_or("");
        if value.contains('\n') {
            out.push_str(&format!("{pad}{name}:\n"));
            for line in block(value).lines() {
                out.push_str(&format!("{pad}  {line}\n"));
            }
        } else {
            out.push_str(&format!("{pad}{name}: {}\n", t(value)));
        }
        return;
    }
    if let Some(words) = &f.words {
        let inline: String = words
            .iter()
            // Each piece escaped before it is painted: every line of the
            // result starts with the start of some piece's line.
            .map(|w| match w {
                Word::Same(s) => block(s),
                Word::Removed(s) => p.removed(&block(s)),
                Word::Added(s) => p.added(&block(s)),
            })
            .collect();
        if inline.contains('\n') {
            out.push_str(&format!("{pad}{name}:\n"));
            for line in inline.lines() {
                out.push_str(&format!("{pad}  {line}\n"));
            }
        } else {
            out.push_str(&format!("{pad}{name}: {inline}\n"));
        }
        return;
    }
    // Past this, `old → new` on one line is hard to read: one line each.
    const LINE_MAX: usize = 60;
    let long = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|s| s.contains('\n') || s.chars().count() > LINE_MAX)
    };
    if long(&f.old) || long(&f.new) {
        out.push_str(&format!("{pad}{name}:\n"));
        for line in block(f.old.as_deref().unwrap_or("")).lines() {
            out.push_str(&format!("{pad}  {}\n", p.red(&format!("- {line}"))));
        }
        for line in block(f.new.as_deref().unwrap_or("")).lines() {
            out.push_str(&format!("{pad}  {}\n", p.green(&format!("+ {line}"))));
        }
        return;
    }
    let side = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "(not set)".to_string(), |v| t(v).into_owned())
    };
    out.push_str(&format!(
        "{pad}{name}: {} → {}\n",
        side(&f.old),
        side(&f.new)
    ));
}

fn behaviour(out: &mut String, d: &RulesDiff, p: &Paint) {
    let b = &d.behaviour;
    if !b.changed.is_empty() {
        out.push('\n');
        out.push_str(&p.bold("Behavioural changes"));
        out.push('\n');
        for c in &b.changed {
            case(out, c, p);
        }
    }
    if !b.errors.is_empty() {
        out.push('\n');
        out.push_str(&p.bold("Cases that could not be evaluated"));
        out.push('\n');
        for e in &b.errors {
            let side = if e.side == "old" { "OLD" } else { "NEW" };
            out.push_str(&format!(
                "  case {}{} under {side}: {}\n",
                t(&e.case),
                origin(&e.case, &e.origin),
                p.red(&t(&e.error))
            ));
        }
    }
}

/// ` (<origin>)`, unless the case has no id of its own and is named by it.
fn origin(case: &str, origin: &str) -> String {
    if case == origin {
        String::new()
    } else {
        format!(" ({})", t(origin))
    }
}

fn case(out: &mut String, c: &CaseChange, p: &Paint) {
    out.push_str(&format!(
        "  case {}{} on {}\n",
        p.bold(&t(&c.case)),
        origin(&c.case, &c.origin),
        c.date
    ));
    let rule = |b: &By| format!("rule {}{}, {}", t(&b.rule), says(b), t(&b.cite));
    for o in &c.outcomes {
        out.push_str(&format!(
            "    {}: {} → {}\n",
            t(&o.outcome),
            p.red(&outcome_value(o.old.as_ref())),
            p.green(&outcome_value(o.new.as_ref()))
        ));
        let old = decided_by(o.old.as_ref(), rule);
        let new = decided_by(o.new.as_ref(), rule);
        // Nothing to say when neither side was decided by a rule or has a
        // reason: the values already said "not answered" or what is missing.
        if old.is_some() || new.is_some() {
            let none = || "—".to_string();
            // The same rules on both sides are named once.
            let text = if old == new {
                format!("(both: {})", old.unwrap_or_else(none))
            } else {
                format!(
                    "(old: {}; new: {})",
                    old.unwrap_or_else(none).trim_end_matches('.'),
                    new.unwrap_or_else(none)
                )
            };
            out.push_str(&format!("      {}\n", p.dim(&text)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{empty_diff, sample_diff};
    use super::*;

    #[test]
    fn the_header_names_both_sides_with_their_short_digests() {
        let t = render(&sample_diff(), None);
        assert!(
            t.starts_with(
                "Comparing OLD HEAD~1 (digest aaaaaaaaaaaa) with NEW HEAD (digest bbbbbbbbbbbb)\n"
            ),
            "{t}"
        );
    }

    #[test]
    fn the_summary_comes_before_every_section() {
        let t = render(&sample_diff(), None);
        let summary = t.find("Summary").unwrap();
        for section in [
            "Structural changes",
            "Timeline changes",
            "Behavioural changes",
        ] {
            assert!(summary < t.find(section).unwrap(), "{section} in {t}");
        }
        assert!(t.contains("  rules:        1 changed\n"), "{t}");
    }

    #[test]
    fn off_a_terminal_changed_words_of_a_condition_are_marked() {
        let t = render(&sample_diff(), None);
        assert!(t.contains("          when: age >= [-18-]{+16+}\n"), "{t}");
        assert!(!t.contains('\x1b'), "no colour off a terminal: {t}");
    }

    #[test]
    fn fields_read_old_arrow_new_under_their_rule_and_version() {
        let t = render(&sample_diff(), None);
        assert!(t.contains("  ~ rule set kz.citizens-departure\n"), "{t}");
        assert!(
            t.contains("    ~ version 2001-07-26: Decree No. 1010 (HEAD:rules/kz/d/2001.yaml)\n"),
            "{t}"
        );
        assert!(
            t.contains("        in_force.until: 2012-03-28 → 2012-04-01\n"),
            "{t}"
        );
        assert!(t.contains("      ~ rule minor-exit [item 4]\n"), "{t}");
        assert!(t.contains("    + version 2012-04-01: Law of 2012"), "{t}");
        assert!(t.contains("    ~ fact person.age\n"), "{t}");
    }

    #[test]
    fn a_changed_case_shows_each_outcome_and_the_rules_deciding_it_on_each_side() {
        let t = render(&sample_diff(), None);
        assert!(
            t.contains(
                "  case teen-traveller (golden test \"teen\" (rules/kz/d/tests.yaml)) on 2005-03-01\n"
            ),
            "{t}"
        );
        assert!(t.contains("    exit_visa_required: yes → no\n"), "{t}");
        assert!(
            t.contains("      (old: rule minor-exit, item 4; new: rule adult-exit, item 5)\n"),
            "{t}"
        );
    }

    #[test]
    fn the_timeline_line_gives_the_rule_set_and_the_interval() {
        let t = render(&sample_diff(), None);
        assert!(
            t.contains("  kz.citizens-departure 2012-03-28 to 2012-04-01: Decree No. 1010"),
            "{t}"
        );
    }

    #[test]
    fn an_empty_diff_says_nothing_differs_and_nothing_else() {
        let t = render(&empty_diff(), None);
        assert!(t.contains("Nothing differs"), "{t}");
        assert!(t.contains("42 cases decide the same under both"), "{t}");
        assert!(!t.contains("Summary"), "{t}");
    }

    #[test]
    fn a_structural_change_without_changed_cases_says_no_behavioural_change() {
        let mut d = sample_diff();
        d.behaviour.changed.clear();
        d.summary.cases_changed = 0;
        let t = render(&d, None);
        assert!(
            t.contains(
                "behaviour:    no behavioural change: 42 cases decide the same under both\n"
            ),
            "{t}"
        );
        assert!(!t.contains("Behavioural changes"), "{t}");
    }

    #[test]
    fn an_added_rule_lists_its_fields_as_values_without_repeating_its_citation() {
        let mut d = sample_diff();
        let rule = &mut d.structural.rule_sets[0].versions[0].rules[0];
        rule.change = ChangeKind::Added;
        rule.fields = vec![
            FieldChange {
                field: "cite".into(),
                old: None,
                new: Some("item 4".into()),
                words: None,
            },
            FieldChange {
                field: "then.visa_required".into(),
                old: None,
                new: Some("true".into()),
                words: None,
            },
        ];
        let t = render(&d, None);
        assert!(
            t.contains("      + rule minor-exit [item 4]\n          then.visa_required: true\n"),
            "{t}"
        );
    }

    #[test]
    fn a_long_prose_field_shows_old_and_new_on_lines_of_their_own() {
        let mut out = String::new();
        let f = FieldChange {
            field: "summary".into(),
            old: Some(
                "A citizen aged 18 or more who is not recognised by a court as incapacitated."
                    .into(),
            ),
            new: Some("A citizen of 18 or older.".into()),
            words: None,
        };
        field(&mut out, 2, &f, false, &Paint(None));
        assert_eq!(
            out,
            "  summary:\n    - A citizen aged 18 or more who is not recognised by a court as incapacitated.\n    + A citizen of 18 or older.\n"
        );
    }

    #[test]
    fn a_multi_line_field_without_words_shows_old_and_new_lines() {
        let mut out = String::new();
        let f = FieldChange {
            field: "notes".into(),
            old: Some("a\nb".into()),
            new: None,
            words: None,
        };
        field(&mut out, 2, &f, false, &Paint(None));
        assert_eq!(out, "  notes:\n    - a\n    - b\n");
    }
}
