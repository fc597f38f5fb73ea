//! Tests of `inforce_engine::diff::compare` on the shipped rules and edited
//! copies of them, in memory: structural, timeline and behavioural parts.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use inforce_engine::RuleTree;
use inforce_engine::SourceFile;
use inforce_engine::diff::{ChangeKind, RulesDiff, Word, compare};
use inforce_engine::load;

mod harness;

use harness::shipped_files as shipped;

fn tree(files: Vec<SourceFile>) -> RuleTree {
    let loaded = load(files, "t");
    let errors: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
    loaded.tree.unwrap_or_else(|| panic!("{errors:?}"))
}

/// The shipped rules with `from` replaced by `to` in the file ending `file`.
fn edited(file: &str, from: &str, to: &str) -> Vec<SourceFile> {
    let mut files = shipped();
    let f = files.iter_mut().find(|f| f.path.ends_with(file)).unwrap();
    assert!(f.text.contains(from), "`{from}` not in {file}");
    f.text = f.text.replacen(from, to, 1);
    files
}

fn diff(new: Vec<SourceFile>) -> RulesDiff {
    compare(&tree(shipped()), "old", &tree(new), "new", &[])
}

#[test]
fn identical_rules_differ_in_nothing() {
    let d = diff(shipped());
    assert!(d.is_empty(), "{d:#?}");
    assert!(d.behaviour.cases > 100);
}

#[test]
fn reordered_keys_and_new_comments_change_nothing_in_meaning() {
    let mut files = shipped();
    let f = files
        .iter_mut()
        .find(|f| f.path.ends_with("citizens-departure/2012-03-28.yaml"))
        .unwrap();
    // Move `title` to the end and add comments.
    let title_line = f
        .text
        .lines()
        .find(|l| l.starts_with("title:"))
        .unwrap()
        .to_string();
    let without: String = f
        .text
        .lines()
        .filter(|l| !l.starts_with("title:"))
        .map(|l| format!("{l}\n"))
        .collect();
    f.text = format!("# a comment\n{without}# another\n{title_line}\n");
    let d = diff(files);
    assert!(d.is_empty(), "{d:#?}");
    assert_ne!(d.old.digest, d.new.digest, "the files did change");
}

#[test]
fn moving_the_repeal_date_shows_the_version_field_the_timeline_interval_and_the_cases_it_changes() {
    let mut files = edited(
        "citizens-departure/2001-07-26.yaml",
        "until: 2012-03-28",
        "until: 2012-06-28",
    );
    let f = files
        .iter_mut()
        .find(|f| f.path.ends_with("citizens-departure/2012-03-28.yaml"))
        .unwrap();
    f.text = f.text.replace("from: 2012-03-28", "from: 2012-06-28");
    let d = diff(files);

    let set = d
        .structural
        .rule_sets
        .iter()
        .find(|s| s.id == "kz.citizens-departure")
        .unwrap();
    let v = set
        .versions
        .iter()
        .find(|v| v.version == "2001-07-26")
        .unwrap();
    let until = v
        .fields
        .iter()
        .find(|f| f.field == "in_force.until")
        .unwrap();
    assert_eq!(
        (until.old.as_deref(), until.new.as_deref()),
        (Some("2012-03-28"), Some("2012-06-28"))
    );

    let t = d
        .timeline
        .iter()
        .find(|t| t.rule_set == "kz.citizens-departure")
        .unwrap();
    assert_eq!(t.from.to_string(), "2012-03-28");
    assert_eq!(
        t.until.map(|u| u.to_string()).as_deref(),
        Some("2012-06-28")
    );
    assert!(
        t.description.contains("Decree No. 1010"),
        "{}",
        t.description
    );
    assert!(
        t.description.contains("now in force, before repealed"),
        "{}",
        t.description
    );

    // The golden test on the day of the repeal now finds the decree in force.
    let changed: Vec<String> = d
        .behaviour
        .changed
        .iter()
        .map(|c| c.date.to_string())
        .collect();
    assert!(changed.iter().any(|d| d == "2012-03-28"), "{changed:?}");
    let case = d
        .behaviour
        .changed
        .iter()
        .find(|c| c.date.to_string() == "2012-03-28")
        .unwrap();
    let o = case
        .outcomes
        .iter()
        .find(|o| o.outcome == "exit_visa_required")
        .unwrap();
    assert_eq!(o.old.as_ref().unwrap().status.as_str(), "undetermined");
    assert_eq!(o.new.as_ref().unwrap().status.as_str(), "decided");
    assert!(
        !o.new.as_ref().unwrap().by.is_empty(),
        "the new side names its rules"
    );
    assert_eq!(d.summary.cases_changed, d.behaviour.changed.len());
}

#[test]
fn a_changed_condition_is_compared_word_by_word() {
    let d = diff(edited(
        "citizens-departure/2001-07-26.yaml",
        "age_on(person.birth_date, date) >= 18",
        "age_on(person.birth_date, date) >= 21",
    ));
    let rule = d
        .structural
        .rule_sets
        .iter()
        .flat_map(|s| &s.versions)
        .flat_map(|v| &v.rules)
        .find(|r| r.change == ChangeKind::Changed)
        .unwrap_or_else(|| panic!("{:#?}", d.structural));
    let when = rule.fields.iter().find(|f| f.field == "when").unwrap();
    let words = when.words.as_ref().unwrap();
    assert!(words.contains(&Word::Removed("18".into())), "{words:?}");
    assert!(words.contains(&Word::Added("21".into())), "{words:?}");
    assert!(d.summary.rules_changed >= 1);
}

#[test]
fn a_rule_under_a_new_id_with_the_same_citation_and_content_is_a_rename() {
    let d = diff(edited(
        "citizens-departure/2001-07-26.yaml",
        "id: decision-term\n",
        "id: decision-within-a-month\n",
    ));
    let rule = d
        .structural
        .rule_sets
        .iter()
        .flat_map(|s| &s.versions)
        .flat_map(|v| &v.rules)
        .find(|r| r.id == "decision-within-a-month")
        .unwrap();
    assert_eq!(rule.change, ChangeKind::Renamed);
    assert_eq!(rule.old_id.as_deref(), Some("decision-term"));
    assert_eq!(d.summary.rules_renamed, 1);
    assert_eq!(d.summary.rules_added + d.summary.rules_removed, 0);
    assert!(
        d.behaviour.changed.is_empty(),
        "a rename changes no decision"
    );
}

#[test]
fn a_new_version_and_a_changed_declaration_are_listed() {
    let mut files = edited("kz/outcomes.yaml", "description:", "description: (edited)");
    let repeal = files
        .iter_mut()
        .find(|f| f.path.ends_with("citizens-departure/2012-03-28.yaml"))
        .unwrap();
    repeal.text = repeal.text.replace(
        "in_force: {from: 2012-03-28}",
        "in_force: {from: 2012-03-28, until: 2030-01-01}",
    );
    files.push(SourceFile {
        path: "rules/kz/citizens-departure/2030-01-01.yaml".into(),
        text: "rule_set: kz.citizens-departure\nversion: 2030-01-01\ntitle: A future act\nin_force: {from: 2030-01-01}\nsource: {act: Future Act No. 1, read_at: nowhere}\napplies_when: person.citizenship == \"KZ\" && trip.direction == \"exit\"\nrules:\n  - {id: free, cite: Art. 1, then: {exit_visa_required: false}}\n".into(),
    });
    let d = diff(files);
    assert_eq!(d.summary.declarations_changed, 1);
    assert_eq!(d.summary.versions_added, 1);
    assert!(
        d.timeline
            .iter()
            .any(|t| t.from.to_string() == "2030-01-01" && t.until.is_none())
    );
}

#[test]
fn a_case_given_besides_the_golden_tests_is_compared_too() {
    let case = inforce_engine::diff::CaseInput {
        origin: "cases.jsonl:1".into(),
        text: r#"{"id": "x", "date": "2012-04-01", "person": {"citizenship": "KZ", "secret_holder": true}, "trip": {"direction": "exit", "purpose": "tourism"}}"#.into(),
        date: None,
    };
    let mut files = edited(
        "citizens-departure/2001-07-26.yaml",
        "until: 2012-03-28",
        "until: 2012-06-28",
    );
    let f = files
        .iter_mut()
        .find(|f| f.path.ends_with("citizens-departure/2012-03-28.yaml"))
        .unwrap();
    f.text = f.text.replace("from: 2012-03-28", "from: 2012-06-28");
    let d = compare(&tree(shipped()), "old", &tree(files), "new", &[case]);
    let c = d
        .behaviour
        .changed
        .iter()
        .find(|c| c.origin == "cases.jsonl:1")
        .unwrap();
    assert_eq!(c.case, "x");
    assert!(c.outcomes.iter().any(|o| o.outcome == "exit_visa_required"));
}

#[test]
fn a_reworded_summary_is_a_structural_change_but_not_a_change_of_the_law_in_force() {
    let d = diff(edited(
        "citizens-departure/2001-07-26.yaml",
        "summary: ",
        "summary: Reworded. ",
    ));
    assert!(d.summary.rules_changed >= 1);
    assert!(d.timeline.is_empty(), "{:#?}", d.timeline);
    assert!(d.behaviour.changed.is_empty());
}

/// The shipped rules with Decree 1010 starting on 1 August 2001 instead of
/// 26 July, its version id moved with its date.
fn decree_1010_starting_later_under_a_new_id() -> Vec<SourceFile> {
    let mut files = edited(
        "citizens-departure/2001-07-26.yaml",
        "version: 2001-07-26",
        "version: 2001-08-01",
    );
    let f = files
        .iter_mut()
        .find(|f| f.path.ends_with("citizens-departure/2001-07-26.yaml"))
        .unwrap();
    f.text = f.text.replace(
        "in_force: {from: 2001-07-26,",
        "in_force: {from: 2001-08-01,",
    );
    files
}

#[test]
fn a_version_whose_id_moves_with_its_start_date_is_a_rename_not_a_removal_and_an_addition() {
    let d = diff(decree_1010_starting_later_under_a_new_id());
    assert_eq!(d.summary.versions_renamed, 1, "{:#?}", d.summary);
    assert_eq!(d.summary.versions_added, 0);
    assert_eq!(d.summary.versions_removed, 0);
    assert_eq!(d.summary.rules_added + d.summary.rules_removed, 0);
    let set = d
        .structural
        .rule_sets
        .iter()
        .find(|s| s.id == "kz.citizens-departure")
        .unwrap();
    assert_eq!(set.versions.len(), 1, "{:#?}", set.versions);
    let v = &set.versions[0];
    assert_eq!(v.change, ChangeKind::Renamed);
    assert_eq!(v.version, "2001-08-01");
    assert_eq!(v.old_version.as_deref(), Some("2001-07-26"));
    let from = v
        .fields
        .iter()
        .find(|f| f.field == "in_force.from")
        .unwrap();
    assert_eq!(from.old.as_deref(), Some("2001-07-26"));
    assert_eq!(from.new.as_deref(), Some("2001-08-01"));
    assert!(
        v.rules.is_empty(),
        "the rules did not change: {:#?}",
        v.rules
    );
}

#[test]
fn a_new_version_with_other_rules_in_place_of_an_old_one_is_not_a_rename() {
    let mut files: Vec<SourceFile> = shipped()
        .into_iter()
        .filter(|f| !f.path.ends_with("citizens-departure/2001-07-26.yaml"))
        .collect();
    files.push(SourceFile {
        path: "rules/kz/citizens-departure/2001-08-01.yaml".into(),
        text: "rule_set: kz.citizens-departure\nversion: 2001-08-01\ntitle: Another act\nin_force: {from: 2001-07-26, until: 2012-03-28}\nsource: {act: Another Act No. 1, read_at: nowhere}\napplies_when: person.citizenship == \"KZ\" && trip.direction == \"exit\"\nrules:\n  - {id: free, cite: Art. 1, then: {exit_visa_required: false}}\n".into(),
    });
    let d = diff(files);
    assert_eq!(d.summary.versions_renamed, 0);
    assert_eq!(d.summary.versions_added, 1);
    assert_eq!(d.summary.versions_removed, 1);
}

#[test]
fn a_renamed_version_that_reads_the_same_changes_the_timeline_only_where_its_dates_moved() {
    let d = diff(decree_1010_starting_later_under_a_new_id());
    let intervals: Vec<(String, Option<String>)> = d
        .timeline
        .iter()
        .map(|t| (t.from.to_string(), t.until.map(|u| u.to_string())))
        .collect();
    assert_eq!(
        intervals,
        vec![("2001-07-26".to_string(), Some("2001-08-01".to_string()))],
        "{:#?}",
        d.timeline
    );
}

#[test]
fn a_changed_check_a_renamed_code_and_a_fact_whose_null_now_means_none_are_listed_as_declaration_changes()
 {
    let mut files = edited(
        "kz/facts.yaml",
        "holds: trip.exit_date >= trip.entry_date",
        "holds: trip.exit_date > trip.entry_date",
    );
    let facts = files
        .iter_mut()
        .find(|f| f.path.ends_with("kz/facts.yaml"))
        .unwrap();
    facts.text = facts.text.replacen(
        "  person.birth_date:\n    type: date\n",
        "  person.birth_date:\n    type: date\n    null_means: none\n",
        1,
    );
    let codes = files
        .iter_mut()
        .find(|f| f.path.ends_with("code-lists/iso-3166-1-alpha-2.yaml"))
        .unwrap();
    assert!(codes.text.contains("name: Kazakhstan,"));
    codes.text = codes
        .text
        .replacen("name: Kazakhstan,", "name: Kazakstan,", 1);
    let d = diff(files);
    let decl = |kind: &str, name: &str| {
        d.structural
            .declarations
            .iter()
            .find(|c| c.kind == kind && c.name == name)
            .unwrap_or_else(|| panic!("no {kind} {name} in {:#?}", d.structural.declarations))
    };
    let check = decl("check", "exit-not-before-entry");
    assert_eq!(check.change, ChangeKind::Changed);
    assert_eq!(check.fields[0].field, "holds");
    assert!(
        check.fields[0].words.is_some(),
        "a check is a script, diffed word by word"
    );
    let fact = decl("fact", "person.birth_date");
    assert_eq!(fact.fields[0].field, "null_means");
    assert_eq!(fact.fields[0].new.as_deref(), Some("none"));
    let list = decl("code list", "iso-3166-1-alpha-2");
    assert_eq!(list.fields.len(), 1, "only the renamed code: {list:#?}");
    assert_eq!(list.fields[0].field, "code KZ");
    assert_eq!(
        list.fields[0].new.as_deref(),
        Some("Kazakstan (aliases: KAZ)")
    );
    assert_eq!(d.summary.declarations_changed, 3);
    // A stay of one day (exit on the day of entry) is now refused: the
    // behaviour part shows every golden case that became unusable.
    assert!(!d.behaviour.errors.is_empty() || !d.behaviour.changed.is_empty());
}
