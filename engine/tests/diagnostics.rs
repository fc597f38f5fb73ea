//! Every diagnostic `inforce check` can give about a broken rule file,
//! snapshotted as rendered: each fixture under `tests/fixtures/bad/` holds
//! one defect and is loaded together with the valid tree under
//! `tests/fixtures/base/`, so a snapshot shows the exact message, the
//! underlined place and the help line a rule author would see.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::path::{Path, PathBuf};

use inforce_engine::RuleProblem;
use inforce_engine::drawable;
use inforce_engine::{Loaded, load};
use inforce_engine::{SourceFile, read_dir};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

const BASE: &str = "tests/fixtures/base";
const BAD: &str = "tests/fixtures/bad";

/// The workspace root: fixture paths are relative to it.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the engine crate lives inside the workspace")
        .to_path_buf()
}

/// The rule files at `rel` (a file or a directory, relative to the
/// workspace), with paths relative to the workspace so that snapshots do not
/// depend on where the repository is checked out.
fn files(rel: &str) -> Vec<SourceFile> {
    let root = workspace();
    let path = root.join(rel);
    if path.is_dir() {
        let (files, problems) = read_dir(&path);
        assert!(problems.is_empty(), "cannot read {rel}: {problems:?}");
        files
            .into_iter()
            .map(|f| SourceFile {
                path: Path::new(&f.path)
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                text: f.text,
            })
            .collect()
    } else {
        vec![SourceFile {
            path: rel.to_string(),
            text: std::fs::read_to_string(&path).unwrap(),
        }]
    }
}

/// Loads the base tree together with the given fixtures (files or
/// directories under `tests/fixtures/bad/`).
fn load_with(fixtures: &[&str]) -> Loaded {
    let mut all = files(BASE);
    for f in fixtures {
        all.extend(files(&format!("{BAD}/{f}")));
    }
    load(all, "tests/fixtures")
}

/// Renders one problem as `inforce check` shows it (through `Drawable`),
/// without colour.
fn render(problem: &RuleProblem) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, &drawable(problem))
        .unwrap();
    out
}

/// Every problem, rendered, separated by a blank line.
fn render_all(loaded: &Loaded) -> String {
    loaded
        .problems
        .iter()
        .map(render)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The file a problem points into, if it points into one.
fn file_of(problem: &RuleProblem) -> Option<String> {
    let label = problem.labels()?.next()?;
    let contents = problem.source_code()?.read_span(label.inner(), 0, 0).ok()?;
    contents.name().map(str::to_string)
}

fn help(problem: &RuleProblem) -> String {
    problem.help().map(|h| h.to_string()).unwrap_or_default()
}

fn label(problem: &RuleProblem) -> String {
    problem
        .labels()
        .and_then(|mut l| l.next())
        .and_then(|l| l.label().map(str::to_string))
        .unwrap_or_default()
}

/// Loads base + one fixture, checks it is refused with errors only in the
/// fixture's file(s), and snapshots what `inforce check` would print.
fn refused(fixture: &str) -> Loaded {
    let loaded = load_with(&[fixture]);
    assert!(
        loaded.tree.is_none(),
        "`{fixture}` should be refused, but the tree loaded; problems:\n{}",
        render_all(&loaded)
    );
    assert!(loaded.errors() > 0, "`{fixture}` gave no error");
    for p in &loaded.problems {
        let file = file_of(p).unwrap_or_default();
        assert!(
            file.starts_with(&format!("{BAD}/{fixture}")),
            "`{fixture}` gave a problem in another file:\n{}",
            render(p)
        );
    }
    insta::assert_snapshot!(fixture.trim_end_matches(".yaml"), render_all(&loaded));
    loaded
}

/// Where a problem's first label points in its file: 1-based line and
/// column, and the text underlined.
fn marked(problem: &RuleProblem) -> (usize, usize, String) {
    let span = problem.labels().unwrap().next().unwrap().inner().to_owned();
    let file = file_of(problem).unwrap();
    let text = std::fs::read_to_string(workspace().join(file)).unwrap();
    let before = &text[..span.offset()];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    let under = text[span.offset()..span.offset() + span.len()].to_string();
    (line, column, under)
}

// --- the base tree ---------------------------------------------------------

#[test]
fn the_base_tree_loads_without_any_problem() {
    let loaded = load(files(BASE), "tests/fixtures");
    assert!(
        loaded.problems.is_empty(),
        "the base tree has problems:\n{}",
        render_all(&loaded)
    );
    let tree = loaded.tree.expect("the base tree loads");
    assert_eq!(tree.groups, vec!["person", "trip"]);
    assert_eq!(tree.rule_sets.len(), 1);
    assert_eq!(tree.rule_sets[0].versions[0].rules.len(), 2);
}

// --- YAML ------------------------------------------------------------------

#[test]
fn a_yaml_syntax_error_points_at_where_the_parser_stopped() {
    let loaded = refused("yaml-syntax-error.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Syntax { .. }));
}

#[test]
fn a_duplicate_key_points_at_its_second_occurrence() {
    let loaded = refused("duplicate-key.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Syntax { .. }));
}

#[test]
fn an_empty_file_is_reported() {
    let loaded = refused("empty.yaml");
    assert_eq!(loaded.problems.len(), 1);
}

#[test]
fn a_file_that_is_neither_a_version_nor_declarations_nor_tests_is_reported() {
    let loaded = refused("unknown-file-kind.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::UnknownFileKind { .. }
    ));
}

#[test]
fn hidden_characters_are_errors_in_scripts_ids_and_citations_and_warnings_in_prose() {
    let loaded = refused("hidden-characters.yaml");
    let found: Vec<(bool, String, String)> = loaded
        .problems
        .iter()
        .map(|p| {
            let (_, _, under) = marked(p);
            (p.is_error(), p.to_string(), under)
        })
        .collect();
    let want = |error: bool, message: &str, under: &str| {
        assert!(
            found
                .iter()
                .any(|(e, m, u)| *e == error && m == message && u == under),
            "no {} `{message}` marking `{under}` in {found:#?}",
            if error { "error" } else { "warning" }
        );
    };
    want(
        true,
        "`rules[0].when` holds a hidden character, U+202E (right-to-left override) and 1 more",
        "\u{202e}",
    );
    want(
        true,
        "`rules[0].id` holds a hidden character, U+200B (zero width space)",
        "\u{200b}",
    );
    want(
        true,
        "`rules[0].cite` holds a hidden character, U+2066 (left-to-right isolate) and 1 more",
        "\u{2066}",
    );
    want(
        false,
        "`title` holds a hidden character, U+202E (right-to-left override)",
        "\u{202e}",
    );
    want(
        false,
        "`notes[0]` holds a hidden character, U+200B (zero width space)",
        "\"A note written with an escape: \\u200B.\"",
    );
    want(
        false,
        "a comment on line 4 holds a hidden character, U+2067 (right-to-left isolate)",
        "\u{2067}",
    );
    assert_eq!(found.len(), 6, "{found:#?}");
    assert_eq!(loaded.errors(), 3);
}

// --- shape -----------------------------------------------------------------

#[test]
fn an_unknown_key_is_reported_with_the_closest_known_key() {
    let loaded = refused("titel.yaml");
    assert!(loaded.problems.iter().any(|p| matches!(
        p,
        RuleProblem::UnknownKey { key, help, .. } if key == "titel" && help.contains("`title`")
    )));
}

#[test]
fn an_unknown_key_inside_a_rule_is_reported_with_the_closest_known_key() {
    let loaded = refused("whne.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UnknownKey { key, help, .. } if key == "whne" && help.contains("`when`")
    ));
}

#[test]
fn every_unknown_key_in_a_file_is_reported_not_just_the_first() {
    let loaded = refused("two-unknown-keys.yaml");
    let keys: Vec<&str> = loaded
        .problems
        .iter()
        .filter_map(|p| match p {
            RuleProblem::UnknownKey { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec!["note", "sumary"]);
}

#[test]
fn a_missing_required_key_is_reported_on_the_mapping_that_lacks_it() {
    let loaded = refused("missing-key.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::MissingKey { key, .. } if key == "cite"
    ));
}

#[test]
fn a_list_where_a_mapping_belongs_is_a_wrong_type() {
    let loaded = refused("wrong-type.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::WrongType { what, .. } if what == "in_force"
    ));
}

// --- dates and intervals ---------------------------------------------------

#[test]
fn a_day_that_is_not_in_the_calendar_is_a_bad_date() {
    let loaded = refused("impossible-date.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::BadDate { reason, .. } if reason.contains("no such day")
    ));
}

#[test]
fn a_date_not_written_yyyy_mm_dd_is_a_bad_date() {
    let loaded = refused("badly-formatted-date.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::BadDate { .. }));
}

#[test]
fn an_interval_that_ends_before_it_starts_is_reported() {
    let loaded = refused("from-not-before-until.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::EmptyInterval { .. }
    ));
}

#[test]
fn a_version_that_overlaps_another_version_of_its_rule_set_is_reported() {
    let loaded = refused("overlap.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Overlap { .. }));
}

#[test]
fn a_gap_between_two_versions_is_a_warning_and_the_tree_still_loads() {
    let loaded = load_with(&["gap"]);
    insta::assert_snapshot!("gap", render_all(&loaded));
    assert_eq!(loaded.errors(), 0, "{}", render_all(&loaded));
    assert_eq!(loaded.warnings(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Gap { .. }));
    assert_eq!(
        file_of(&loaded.problems[0]).as_deref(),
        Some("tests/fixtures/bad/gap/2002-01-01.yaml")
    );
    assert!(loaded.tree.is_some());
}

#[test]
fn two_files_giving_the_same_version_of_a_rule_set_are_reported() {
    let loaded = refused("duplicate-version");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::Duplicate { what, .. } if what == "version"
    ));
}

// --- scripts ---------------------------------------------------------------

#[test]
fn a_rhai_syntax_error_in_a_block_scalar_points_at_its_line_and_column_in_the_yaml() {
    let loaded = refused("rhai-syntax-error.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::ScriptSyntax { .. }
    ));
    // Line 2 of the block, at the second `==`.
    let (line, column, under) = marked(&loaded.problems[0]);
    assert_eq!((line, column), (13, 25));
    assert!(under.starts_with('='), "{under}");
}

#[test]
fn a_condition_reading_an_undeclared_fact_is_reported_with_the_closest_fact() {
    let loaded = refused("undeclared-fact.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UndeclaredFact { fact, help, .. }
            if fact == "person.marrid" && help.contains("`person.married`")
    ));
    assert_eq!(
        marked(&loaded.problems[0]),
        (11, 11, "person.marrid".to_string())
    );
}

#[test]
fn a_fact_compared_with_a_literal_of_another_type_is_reported_as_never_true() {
    let loaded = refused("comparison-wrong-type.yaml");
    assert_eq!(loaded.problems.len(), 1);
    let text = loaded.problems[0].to_string();
    assert!(text.contains("`person.married` is true or false"), "{text}");
    assert_eq!(marked(&loaded.problems[0]).0, 11);
}

#[test]
fn a_fact_compared_with_a_value_it_never_takes_is_reported_with_the_closest_value() {
    let loaded = refused("comparison-value-not-allowed.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::ValueNotAllowed { value, help, .. }
            if value == "permanent_residense" && help.contains("`permanent_residence`")
    ));
    let (line, column, under) = marked(&loaded.problems[0]);
    assert_eq!((line, column), (13, 26));
    assert!(under.starts_with("\"permanent_residense\""), "{under}");
}

#[test]
fn an_unknown_key_does_not_hide_the_other_problems_of_its_file() {
    let loaded = refused("unknown-key-and-undeclared-fact.yaml");
    assert_eq!(loaded.problems.len(), 2, "{}", render_all(&loaded));
    assert!(matches!(&loaded.problems[0], RuleProblem::UnknownKey { key, .. } if key == "notez"));
    assert!(
        matches!(&loaded.problems[1], RuleProblem::UndeclaredFact { fact, .. } if fact == "person.marrid")
    );
    // Blanking the unknown entry keeps every other position where it was.
    assert_eq!(
        marked(&loaded.problems[1]),
        (13, 11, "person.marrid".to_string())
    );
}

#[test]
fn a_script_using_an_unknown_variable_is_reported() {
    let loaded = refused("unknown-variable.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::ScriptSyntax { .. }
    ));
}

#[test]
fn a_script_reading_a_whole_fact_group_is_reported() {
    let loaded = refused("whole-group.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::ScriptSyntax { message, .. } if message.contains("one by one")
    ));
}

#[test]
fn a_rhai_syntax_error_in_a_folded_scalar_is_reported() {
    let loaded = refused("rhai-syntax-error-in-folded-scalar.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::ScriptSyntax { .. }
    ));
}

#[test]
fn an_undeclared_fact_in_a_folded_scalar_is_reported() {
    let loaded = refused("undeclared-fact-in-folded-scalar.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UndeclaredFact { fact, .. } if fact == "person.marrid"
    ));
}

// --- outcomes --------------------------------------------------------------

#[test]
fn a_rule_deciding_an_undeclared_outcome_is_reported_with_the_closest_outcome() {
    let loaded = refused("undeclared-outcome.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UndeclaredOutcome { name, help, .. }
            if name == "exit_permited" && help.contains("`exit_permitted`")
    ));
}

#[test]
fn a_literal_of_the_wrong_type_for_an_outcome_is_reported() {
    let loaded = refused("outcome-literal-of-wrong-type.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::OutcomeType { .. }
    ));
}

#[test]
fn a_value_outside_an_outcomes_allowed_values_is_reported_with_the_closest_one() {
    let loaded = refused("value-not-allowed.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::ValueNotAllowed { value, help, .. }
            if value == "diplomatc" && help.contains("`diplomatic`")
    ));
}

#[test]
fn a_misspelt_expr_key_in_a_computed_value_is_reported() {
    let loaded = refused("then-expr-misspelt.yaml");
    assert!(loaded.problems.iter().any(|p| matches!(
        p,
        RuleProblem::UnknownKey { key, .. } if key == "exp"
    )));
}

// --- precedence ------------------------------------------------------------

#[test]
fn an_exception_to_an_unknown_rule_is_reported_with_the_closest_rule() {
    let loaded = refused("unknown-exception-target.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UnknownPrecedenceTarget { name, help, .. }
            if name == "maried-may-leave" && help.contains("`married-may-leave`")
    ));
}

#[test]
fn rules_that_are_exceptions_to_each_other_are_a_cycle() {
    let loaded = refused("exception-cycle.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::PrecedenceCycle { .. }
    ));
}

#[test]
fn a_rule_set_more_specific_than_an_unknown_rule_set_is_reported_with_the_closest_one() {
    let loaded = refused("unknown-more-specific-than.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UnknownPrecedenceTarget { name, help, .. }
            if name == "test.bse" && help.contains("`test.base`")
    ));
}

#[test]
fn a_rule_set_more_specific_than_itself_is_reported() {
    let loaded = refused("more-specific-than-itself.yaml");
    assert!(!loaded.problems.is_empty());
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::PrecedenceCycle { .. }
    ));
}

#[test]
fn an_unknown_rule_set_also_named_earlier_in_the_file_is_reported() {
    let loaded = refused("unknown-more-specific-than-also-in-the-title.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::UnknownPrecedenceTarget { name, .. } if name == "test.national"
    ));
}

#[test]
fn rule_sets_more_specific_than_each_other_are_a_cycle() {
    let loaded = refused("rule-set-cycle");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        loaded.problems[0],
        RuleProblem::PrecedenceCycle { .. }
    ));
}

// --- rules and versions ----------------------------------------------------

#[test]
fn two_rules_with_the_same_id_in_one_version_are_reported() {
    let loaded = refused("duplicate-rule-id.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::Duplicate { what, .. } if what == "rule"
    ));
}

#[test]
fn a_repeal_version_with_rules_is_reported() {
    let loaded = refused("repeal-with-rules.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Invalid { .. }));
}

// --- declarations ----------------------------------------------------------

#[test]
fn combining_a_non_list_outcome_by_union_is_reported() {
    let loaded = refused("combine-union-on-non-list.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Invalid { .. }));
}

#[test]
fn a_fact_name_without_a_group_is_reported() {
    let loaded = refused("fact-without-group.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(loaded.problems[0], RuleProblem::Invalid { .. }));
}

// --- known engine bugs ----------------------------------------------------
//
// Each fixture above is detected and its snapshot pins what is printed
// today. The tests below state what the diagnostic should be where today's
// is wrong or weak; they are ignored until the engine is fixed.

#[test]
fn an_undeclared_fact_in_a_folded_scalar_is_underlined_where_it_is_read() {
    let loaded = load_with(&["undeclared-fact-in-folded-scalar.yaml"]);
    assert_eq!(
        marked(&loaded.problems[0]),
        (13, 10, "person.marrid".to_string())
    );
}

#[test]
fn a_rhai_syntax_error_in_a_folded_scalar_points_at_the_offending_token() {
    let loaded = load_with(&["rhai-syntax-error-in-folded-scalar.yaml"]);
    assert_eq!(marked(&loaded.problems[0]).0, 13);
    assert_eq!(marked(&loaded.problems[0]).1, 26);
}

#[test]
fn an_unknown_rule_set_is_underlined_where_precedence_names_it() {
    let loaded = load_with(&["unknown-more-specific-than-also-in-the-title.yaml"]);
    assert_eq!(
        marked(&loaded.problems[0]),
        (10, 17, "test.national".to_string())
    );
}

#[test]
fn an_unknown_rule_set_is_never_corrected_to_the_rule_set_itself() {
    let loaded = load_with(&["unknown-more-specific-than-also-in-the-title.yaml"]);
    let help = help(&loaded.problems[0]);
    assert!(!help.contains("`test.local`"), "{help}");
}

#[test]
fn a_rule_set_more_specific_than_itself_is_reported_once() {
    let loaded = load_with(&["more-specific-than-itself.yaml"]);
    assert_eq!(loaded.problems.len(), 1, "{}", render_all(&loaded));
}

#[test]
fn a_cycle_of_rule_sets_is_explained_in_terms_of_rule_sets() {
    for fixture in ["rule-set-cycle", "more-specific-than-itself.yaml"] {
        let loaded = load_with(&[fixture]);
        for p in &loaded.problems {
            let help = help(p);
            assert!(!help.contains("exception"), "{fixture}: {help}");
        }
    }
}

#[test]
fn a_duplicate_key_is_explained_without_naming_rust_types() {
    let loaded = load_with(&["duplicate-key.yaml"]);
    let message = loaded.problems[0].to_string();
    assert!(!message.contains("DuplicateKeyPolicy"), "{message}");
    assert!(!message.contains("Options"), "{message}");
}

#[test]
fn a_script_error_names_its_rule_and_field_readably() {
    let loaded = load_with(&["rhai-syntax-error.yaml"]);
    let message = loaded.problems[0].to_string();
    assert!(!message.contains("`rule `"), "{message}");
}

#[test]
fn an_unknown_variable_is_answered_with_the_fact_groups() {
    let loaded = load_with(&["unknown-variable.yaml"]);
    let help = help(&loaded.problems[0]);
    assert!(help.contains("`person`"), "{help}");
}

#[test]
fn a_gap_is_labelled_without_confusing_the_two_versions() {
    let loaded = load_with(&["gap"]);
    let label = label(&loaded.problems[0]);
    assert!(!label.contains("this one ends"), "{label}");
}

#[test]
fn a_duplicate_version_is_underlined_on_its_version_line() {
    let loaded = load_with(&["duplicate-version"]);
    assert_eq!(marked(&loaded.problems[0]).0, 2);
}

#[test]
fn an_empty_file_is_told_what_to_do() {
    let loaded = load_with(&["empty.yaml"]);
    let help = help(&loaded.problems[0]);
    assert!(!help.contains("marked place"), "{help}");
}

// --- all at once -----------------------------------------------------------

#[test]
fn a_check_reports_every_problem_in_one_run() {
    let root = workspace();
    let mut fixtures: Vec<String> = std::fs::read_dir(root.join(BAD))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 25, "only {} fixtures", fixtures.len());
    let names: Vec<&str> = fixtures.iter().map(String::as_str).collect();
    let loaded = load_with(&names);
    assert!(loaded.tree.is_none());
    let reported: Vec<String> = loaded.problems.iter().filter_map(file_of).collect();
    let silent: Vec<&str> = names
        .iter()
        .copied()
        .filter(|f| !reported.contains(&format!("{BAD}/{f}")))
        .collect();
    assert!(
        silent.is_empty(),
        "no problem reported for {silent:?} when loaded with the others"
    );
}

// --- declared values, null and checks ----------------------------------------

#[test]
fn comparing_with_unit_a_fact_whose_null_means_unknown_is_reported_where_the_unit_is() {
    let loaded = refused("null-compared-with-unit.yaml");
    // Only the birth date: `left_service_on` declares `null_means: none`.
    assert_eq!(loaded.problems.len(), 1);
    assert!(matches!(
        &loaded.problems[0],
        RuleProblem::NullNeverSeen { fact, .. } if fact == "person.birth_date"
    ));
    let (line, column, under) = marked(&loaded.problems[0]);
    assert_eq!((line, column, under.as_str()), (12, 32, "()"));
    assert!(help(&loaded.problems[0]).contains("null_means: none"));
}

#[test]
fn a_code_a_fact_never_takes_is_reported_with_the_code_its_alias_stands_for() {
    let loaded = refused("comparison-code-not-allowed.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(help(&loaded.problems[0]), "did you mean `KZ` (Kazakhstan)?");
    let (line, column, _) = marked(&loaded.problems[0]);
    assert_eq!((line, column), (11, 33));
}

#[test]
fn a_fact_naming_an_undeclared_code_list_is_reported_with_the_closest_list() {
    let loaded = refused("unknown-code-list.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(help(&loaded.problems[0]), "did you mean `countries`?");
    let (line, column, under) = marked(&loaded.problems[0]);
    assert_eq!((line, column, under.as_str()), (4, 16, "countrys"));
}

#[test]
fn a_code_listed_twice_in_a_code_list_is_reported_at_its_second_entry() {
    let loaded = refused("duplicate-code.yaml");
    assert_eq!(loaded.problems.len(), 1);
    let (line, _, under) = marked(&loaded.problems[0]);
    assert_eq!((line, under.as_str()), (7, "\"KZT\""));
}

#[test]
fn a_pattern_that_is_not_a_regular_expression_is_reported_with_why() {
    let loaded = refused("bad-pattern.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(
        loaded.problems[0]
            .to_string()
            .ends_with("is not a valid regular expression: unclosed character class"),
        "{}",
        loaded.problems[0]
    );
}

#[test]
fn a_check_reading_the_date_of_the_case_is_reported() {
    let loaded = refused("check-reads-date.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(help(&loaded.problems[0]).contains("before the date it is assessed on is known"));
}

#[test]
fn restricting_the_values_of_a_date_is_reported() {
    let loaded = refused("values-on-a-date.yaml");
    assert_eq!(loaded.problems.len(), 1);
    assert!(help(&loaded.problems[0]).contains("`values`, `code_list` and `pattern`"));
}

#[test]
fn every_mistake_in_a_code_list_is_reported_where_it_is_written() {
    let loaded = refused("code-list-mistakes.yaml");
    let messages: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        vec![
            "unknown key `nmae` in a code",
            "`code` of a code should be text, not an integer",
            "`AB` is both a code and an alias in code list `regions`",
        ]
    );
    assert_eq!(help(&loaded.problems[0]), "did you mean `name`?");
}
