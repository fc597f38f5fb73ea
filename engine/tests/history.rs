//! Tests of `inforce_engine::history`: periods are exact at day resolution
//! (checked against evaluating every day in full), including changes that
//! come from date arithmetic in conditions, not only version boundaries.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use chrono::NaiveDate;
use inforce_engine::Case;
use inforce_engine::RuleTree;
use inforce_engine::evaluate;
use inforce_engine::history;

mod harness;

use harness::shipped_tree as shipped;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Every day's full evaluation equals the outcomes of the period holding it.
fn assert_exact(tree: &RuleTree, case_text: &str, from: &str, to: &str) {
    let case = Case::from_yaml(tree, "case.yaml", case_text).unwrap();
    let h = history(tree, &case, d(from), d(to)).unwrap();
    assert_eq!(h.periods.first().unwrap().from, d(from));
    assert_eq!(h.periods.last().unwrap().until, d(to).succ_opt().unwrap());
    for pair in h.periods.windows(2) {
        assert_eq!(pair[0].until, pair[1].from, "periods are contiguous");
    }
    let mut day = d(from);
    while day <= d(to) {
        let p = h
            .periods
            .iter()
            .find(|p| p.from <= day && day < p.until)
            .unwrap();
        let full = evaluate(tree, &case, day, false).unwrap();
        for (name, o) in &full.outcomes {
            let q = p
                .outcomes
                .get(name)
                .unwrap_or_else(|| panic!("{name} missing in the period of {day}"));
            assert_eq!(
                (o.status, &o.value, &o.needs),
                (q.status, &q.value, &q.needs),
                "{name} on {day}"
            );
        }
        assert_eq!(full.outcomes.len(), p.outcomes.len(), "on {day}");
        day = day.succ_opt().unwrap();
    }
    assert!(
        h.full_evaluations < h.days / 10,
        "{} full evaluations for {} days",
        h.full_evaluations,
        h.days
    );
}

#[test]
fn an_eighteenth_birthday_starts_a_new_period_on_the_day() {
    let tree = shipped();
    let case = "id: minor\ndate: 2008-01-01\nperson: {citizenship: KZ, birth_date: 1990-05-15, married: false, incapacitated: false, secret_holder: false, military_registered: false, alimony_dependants: false}\ntrip: {direction: exit, purpose: permanent_residence, accompanied_by: both_parents}\napplication: {complete_on: null, documents: [questionnaire]}\n";
    let parsed = Case::from_yaml(&tree, "c", case).unwrap();
    let h = history(&tree, &parsed, d("2007-01-01"), d("2009-12-31")).unwrap();
    let starts: Vec<String> = h.periods.iter().map(|p| p.from.to_string()).collect();
    assert!(starts.contains(&"2008-05-15".to_string()), "{starts:?}");
    let before = h
        .periods
        .iter()
        .find(|p| p.until == d("2008-05-15"))
        .unwrap();
    let after = h
        .periods
        .iter()
        .find(|p| p.from == d("2008-05-15"))
        .unwrap();
    assert_ne!(
        before.outcomes["may_petition"].value,
        after.outcomes["may_petition"].value
    );
}

#[test]
fn the_end_of_the_five_year_bar_starts_a_new_period_on_the_day() {
    let tree = shipped();
    let case = "id: secret\ndate: 2006-01-01\nperson: {citizenship: KZ, birth_date: 1960-01-01, secret_holder: true, secret_org_liquidated: false, left_state_service_on: 2003-03-10}\ntrip: {direction: exit, purpose: permanent_residence}\nrestrictions: {criminal_proceedings: false, civil_proceedings: false, sentence_unserved: false, compulsory_military_service: false, false_documents: false}\n";
    let parsed = Case::from_yaml(&tree, "c", case).unwrap();
    let h = history(&tree, &parsed, d("2006-01-01"), d("2010-01-01")).unwrap();
    let after = h
        .periods
        .iter()
        .find(|p| p.from == d("2008-03-10"))
        .unwrap_or_else(|| panic!("{:?}", h.periods.iter().map(|p| p.from).collect::<Vec<_>>()));
    let before = h
        .periods
        .iter()
        .find(|p| p.until == d("2008-03-10"))
        .unwrap();
    assert_eq!(
        before.outcomes["exit_permitted"].value,
        Some(inforce_engine::Value::Bool(false))
    );
    assert_eq!(
        after.outcomes["exit_permitted"].value,
        Some(inforce_engine::Value::Bool(true))
    );
}

#[test]
fn periods_are_exact_for_a_citizen_across_every_version_boundary() {
    let case = "id: c\ndate: 2005-01-01\nperson: {citizenship: KZ, birth_date: 1994-02-28, married: false, incapacitated: false, secret_holder: true, secret_org_liquidated: false, left_state_service_on: 2004-02-29, military_registered: true, alimony_dependants: false}\ntrip: {direction: exit, purpose: permanent_residence, accompanied_by: one_parent}\napplication: {complete_on: 2011-01-31, documents: [questionnaire]}\nrestrictions: {criminal_proceedings: false, civil_proceedings: false, sentence_unserved: false, compulsory_military_service: false, false_documents: false}\n";
    assert_exact(&shipped(), case, "2000-06-01", "2013-06-01");
}

#[test]
fn periods_are_exact_for_a_foreigner_with_a_ban_and_a_sixteenth_birthday() {
    let case = "id: f\ndate: 2023-01-01\nperson: {citizenship: FR, birth_date: 2007-03-01, passport: ordinary}\ntrip: {direction: entry, purpose: tourism, entry_date: 2023-03-01, exit_date: 2023-04-15, visa: none, registered_at_entry: false}\nrestrictions: {expelled_on: 2019-06-30}\n";
    assert_exact(&shipped(), case, "2016-06-01", "2025-06-01");
}
