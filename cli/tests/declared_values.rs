//! End-to-end tests of declared values, checks across facts and explicit
//! nulls (issue 10): mistyped codes and values refused with the closest one;
//! an exit before the entry refused by the check `exit-not-before-entry` in
//! `eval`, `history`, `batch` and `inforce test`; the case schema carrying the
//! allowed values; and `null` read as unknown, like a fact left out, except
//! for the event dates that declare `null_means: none`.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

mod workspace_support;
use workspace_support::{copy_dir, workspace};

// --- helpers -----------------------------------------------------------------

/// The binary, run from the workspace root, with no `INFORCE_RULES` leaking
/// in from the environment of whoever runs the tests.
fn inforce() -> Command {
    let mut cmd = Command::cargo_bin("inforce").expect("the inforce binary is built");
    cmd.current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .timeout(Duration::from_secs(60));
    cmd
}

/// What one run of the binary left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            self.stderr
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// A refusal: exit code 2, nothing on stdout, the diagnostic on stderr.
    fn expect_refused(&self) -> &Self {
        self.expect_code(2);
        assert!(
            self.stdout.is_empty(),
            "a refused case gets no answer on stdout:\n{}",
            self.stdout
        );
        self
    }

    fn stderr_says(&self, says: &str) -> &Self {
        assert!(
            self.stderr.contains(says),
            "stderr lacks `{says}`:\n{}",
            self.stderr
        );
        self
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `inforce <command> case.yaml <extra>` on a file holding `text`,
/// named `case.yaml` in a fresh directory the binary runs in, against the
/// shipped rules.
fn on_case_file(command: &str, text: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("case.yaml"), text).unwrap();
    run(inforce()
        .current_dir(dir.path())
        .args([command, "case.yaml", "--rules"])
        .arg(workspace().join("rules"))
        .args(extra))
}

fn eval_case(text: &str) -> Run {
    on_case_file("eval", text, &[])
}

/// `eval --format json` of a case that must be accepted.
fn eval_json(text: &str) -> Value {
    let r = on_case_file("eval", text, &["--format", "json"]);
    r.expect_code(0);
    r.json()
}

fn outcome<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["outcomes"]
        .get(name)
        .unwrap_or_else(|| panic!("no outcome `{name}` in {result:#}"))
}

fn assert_decided(result: &Value, name: &str, expected: &Value) {
    let o = outcome(result, name);
    assert_eq!(o["status"], "decided", "{name}: {o:#}");
    assert_eq!(&o["value"], expected, "{name}: {o:#}");
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

// --- the cases of the issue ----------------------------------------------------

/// Finding 1: a Kazakh secret-holder leaving as a tourist in 2005, the
/// citizenship written `code` (line 3, column 23).
fn secret_holder_2005(code: &str) -> String {
    format!(
        "id: secret-holder-tourism-2005\n\
         date: 2005-06-10\n\
         person: {{citizenship: {code}, birth_date: 1960-01-01, secret_holder: true, secret_org_liquidated: false}}\n\
         trip: {{direction: exit, purpose: tourism}}\n\
         restrictions: {{criminal_proceedings: false, civil_proceedings: false, sentence_unserved: false, compulsory_military_service: false, false_documents: false}}\n"
    )
}

/// Finding 1: a French visitor staying 10 days in 2019, the citizenship
/// written `code` (line 3, column 23).
fn french_ten_days_2019(code: &str) -> String {
    format!(
        "id: french-ten-days-2019\n\
         date: 2019-06-10\n\
         person: {{citizenship: {code}, birth_date: 1980-01-01, passport: ordinary}}\n\
         trip: {{direction: stay, purpose: tourism, entry_date: 2019-06-01, exit_date: 2019-06-10, visa: none, registered_at_entry: false}}\n"
    )
}

/// Finding 2: a foreigner who entered on 2023-06-10, leaving on `exit_date`
/// (entry date at line 4, column 55).
fn stay_2023(exit_date: &str) -> String {
    format!(
        "id: stay-2023\n\
         date: 2023-06-10\n\
         person: {{citizenship: US, birth_date: 1980-01-01, passport: ordinary}}\n\
         trip: {{direction: stay, purpose: tourism, entry_date: 2023-06-10, exit_date: {exit_date}, visa: none, registered_at_entry: false}}\n"
    )
}

// --- finding 1: codes are exact --------------------------------------------------

#[test]
fn a_kazakh_citizenship_written_kz_kz_or_kaz_is_refused_offering_kz() {
    for code in ["kz", "Kz", "KAZ"] {
        let r = eval_case(&secret_holder_2005(code));
        r.expect_refused()
            .stderr_says("case.yaml:3:23")
            .stderr_says(&format!(
                "`{code}` is not an allowed value of `person.citizenship`"
            ))
            .stderr_says("did you mean `KZ` (Kazakhstan)?");
    }
}

#[test]
fn a_french_citizenship_written_fr_or_fra_is_refused_offering_fr() {
    for code in ["fr", "FRA"] {
        let r = eval_case(&french_ten_days_2019(code));
        r.expect_refused()
            .stderr_says("case.yaml:3:23")
            .stderr_says(&format!(
                "`{code}` is not an allowed value of `person.citizenship`"
            ))
            .stderr_says("did you mean `FR` (France)?");
    }
}

#[test]
fn a_mistyped_code_in_a_json_case_on_stdin_is_refused_the_same_way() {
    let r = run(inforce()
        .args(["eval", "-", "--rules", "rules"])
        .write_stdin(
            r#"{"id": "json-kaz", "date": "2005-06-10", "person": {"citizenship": "KAZ", "secret_holder": true}, "trip": {"direction": "exit", "purpose": "tourism"}}"#,
        ));
    r.expect_refused()
        .stderr_says("stdin:1:")
        .stderr_says("person.citizenship")
        .stderr_says("did you mean `KZ` (Kazakhstan)?");
}

#[test]
fn the_secret_holder_written_kz_needs_the_exit_visa_from_the_organisation_head() {
    let r = eval_json(&secret_holder_2005("KZ"));
    assert_decided(&r, "exit_visa_required", &json!(true));
    assert_decided(&r, "exit_visa_issuers", &json!(["organization_head"]));
    assert_decided(&r, "exit_permitted", &json!(true));
    // A citizen gets none of the foreigners' outcomes.
    assert!(r["outcomes"].get("visa_required").is_none(), "{r:#}");
}

#[test]
fn the_french_visitor_written_fr_staying_ten_days_needs_neither_a_visa_nor_registration() {
    let r = eval_json(&french_ten_days_2019("FR"));
    assert_decided(&r, "visa_required", &json!(false));
    assert_decided(&r, "visa_free_days", &json!(30));
    assert_decided(&r, "registration_required", &json!(false));
    assert_decided(&r, "registration_deadline", &Value::Null);
    assert_decided(&r, "overstay_days", &json!(0));
}

#[test]
fn a_stateless_person_is_accepted_and_stateless_in_capitals_is_refused_offering_the_exact_word() {
    let text = french_ten_days_2019("stateless");
    let r = eval_json(&text);
    assert_decided(&r, "visa_required", &json!(true));
    let r = eval_case(&french_ten_days_2019("Stateless"));
    r.expect_refused()
        .stderr_says("person.citizenship")
        .stderr_says("did you mean `stateless`?");
}

#[test]
fn a_value_outside_an_enumeration_is_refused_with_the_closest_value() {
    let r = eval_case(
        "id: direction-typo\ndate: 2005-06-10\nperson: {citizenship: KZ}\ntrip: {direction: exitt, purpose: tourism}\n",
    );
    r.expect_refused()
        .stderr_says("case.yaml:4:19")
        .stderr_says("`exitt` is not an allowed value of `trip.direction`")
        .stderr_says("did you mean `exit`?");
}

// --- finding 2: exit not before entry ----------------------------------------------

#[test]
fn an_exit_before_the_entry_is_refused_naming_the_check_and_pointing_at_both_dates() {
    let r = eval_case(&stay_2023("2023-05-01"));
    r.expect_refused()
        .stderr_says("exit-not-before-entry")
        .stderr_says("case.yaml:4:55")
        .stderr_says("`trip.exit_date`")
        .stderr_says("`trip.entry_date`");
    // The two dates are both underlined, each labelled with its fact.
    let labels: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("╰── `trip."))
        .collect();
    assert_eq!(labels.len(), 2, "{}", r.stderr);
}

#[test]
fn an_exit_one_day_before_the_entry_is_refused() {
    let r = eval_case(&stay_2023("2023-06-09"));
    r.expect_refused().stderr_says("exit-not-before-entry");
}

#[test]
fn an_exit_on_the_day_of_entry_is_accepted_as_a_one_day_stay() {
    let r = eval_json(&stay_2023("2023-06-10"));
    assert_decided(&r, "registration_required", &json!(false));
    assert_decided(&r, "residence_permit_required", &json!(false));
}

#[test]
fn the_check_cannot_fail_while_one_of_its_dates_is_unknown() {
    let r = eval_json(&stay_2023("null"));
    let o = outcome(&r, "registration_required");
    assert_eq!(o["status"], "missing_facts", "{o:#}");
    assert_eq!(o["needs"], json!(["trip.exit_date"]), "{o:#}");
}

#[test]
fn the_history_of_a_case_whose_exit_is_before_its_entry_is_refused() {
    let r = on_case_file(
        "history",
        &stay_2023("2023-05-01"),
        &["--from", "2022-01-01", "--to", "2023-12-31"],
    );
    r.expect_refused().stderr_says("exit-not-before-entry");
}

#[test]
fn the_history_of_a_case_with_a_mistyped_citizenship_is_refused() {
    let r = on_case_file(
        "history",
        &secret_holder_2005("kz"),
        &["--from", "2000-01-01", "--to", "2013-12-31"],
    );
    r.expect_refused()
        .stderr_says("person.citizenship")
        .stderr_says("did you mean `KZ` (Kazakhstan)?");
}

// --- batch ----------------------------------------------------------------------------

#[test]
fn batch_gives_an_error_line_for_a_mistyped_code_and_for_an_exit_before_entry_and_goes_on() {
    let good_1 = json!({
        "id": "good-secret-holder-2005", "date": "2005-06-10",
        "person": {"citizenship": "KZ", "secret_holder": true, "secret_org_liquidated": false},
        "trip": {"direction": "exit", "purpose": "tourism"}
    });
    let mut lower_kz = good_1.clone();
    lower_kz["id"] = json!("lower-case-kz");
    lower_kz["person"]["citizenship"] = json!("kz");
    let backwards = json!({
        "id": "exit-before-entry-2023", "date": "2023-06-10",
        "person": {"citizenship": "US", "birth_date": "1980-01-01", "passport": "ordinary"},
        "trip": {"direction": "stay", "purpose": "tourism", "entry_date": "2023-06-10", "exit_date": "2023-05-01", "visa": "none"}
    });
    let good_4 = json!({
        "id": "good-french-2019", "date": "2019-06-10",
        "person": {"citizenship": "FR", "birth_date": "1980-01-01", "passport": "ordinary"},
        "trip": {"direction": "stay", "purpose": "tourism", "entry_date": "2019-06-01", "exit_date": "2019-06-10", "visa": "none", "registered_at_entry": false}
    });
    let input = format!("{good_1}\n{lower_kz}\n{backwards}\n{good_4}\n");

    let r = run(inforce()
        .args(["batch", "--rules", "rules"])
        .write_stdin(input));
    r.expect_code(1);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);

    assert_eq!(lines[0]["case"], "good-secret-holder-2005", "{}", lines[0]);
    assert_decided(&lines[0], "exit_visa_required", &json!(true));

    for (i, says) in [(1, "person.citizenship"), (2, "exit-not-before-entry")] {
        let obj = lines[i]
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {}", lines[i]));
        assert_eq!(
            obj.len(),
            2,
            "an error line has `line` and `error` only: {}",
            lines[i]
        );
        assert_eq!(obj["line"], json!(i + 1), "{}", lines[i]);
        let message = obj["error"].as_str().unwrap();
        assert!(
            message.contains(says),
            "line {}: `{message}` lacks `{says}`",
            i + 1
        );
    }
    let kz_message = lines[1]["error"].as_str().unwrap();
    assert!(kz_message.contains("`KZ`"), "{kz_message}");

    assert_eq!(lines[3]["case"], "good-french-2019", "{}", lines[3]);
    assert_decided(&lines[3], "visa_required", &json!(false));
    assert_decided(&lines[3], "registration_required", &json!(false));
}

// --- inforce test -----------------------------------------------------------------------

/// Runs `inforce test --rules rules` on a copy of the shipped rules with one
/// more golden-test file, `extra`, beside the foreigners' tests.
fn test_with_extra_golden_file(extra: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&workspace().join("rules"), &rules);
    std::fs::write(
        rules.join("kz/foreigners/tests/zz-refused-case.yaml"),
        extra,
    )
    .unwrap();
    run(inforce()
        .current_dir(dir.path())
        .args(["test", "--rules", "rules"]))
}

#[test]
fn a_golden_case_failing_the_exit_not_before_entry_check_is_a_test_failure_naming_the_check() {
    let r = test_with_extra_golden_file(
        "tests:\n\
         \x20 - name: A stay whose exit date is before its entry date\n\
         \x20   case:\n\
         \x20     id: golden-exit-before-entry\n\
         \x20     date: 2023-06-10\n\
         \x20     person: {citizenship: US}\n\
         \x20     trip: {direction: stay, entry_date: 2023-06-10, exit_date: 2023-05-01}\n\
         \x20   expect:\n\
         \x20     registration_required: false\n",
    );
    r.expect_code(1);
    let output = format!("{}{}", r.stdout, r.stderr);
    assert!(output.contains("exit-not-before-entry"), "{output}");
    assert!(
        output.contains("A stay whose exit date is before its entry date"),
        "{output}"
    );
    assert!(
        last_line(&r.stdout).ends_with(" passed, 1 failed"),
        "{}",
        r.stdout
    );
}

/// A mistyped code in a golden case is a mistake in the rules tree, like a
/// misspelt fact there: `inforce check` reports it, and `inforce test` refuses
/// the tree (exit 2) with the same diagnostic, rather than running the tests.
#[test]
fn a_golden_case_with_a_lower_case_citizenship_is_refused_naming_the_field_and_its_line() {
    let r = test_with_extra_golden_file(
        "tests:\n\
         \x20 - name: A secret-holder whose citizenship is written in lower case\n\
         \x20   case:\n\
         \x20     id: golden-lower-case-kz\n\
         \x20     date: 2005-06-10\n\
         \x20     person: {citizenship: kz, secret_holder: true, secret_org_liquidated: false}\n\
         \x20     trip: {direction: exit, purpose: tourism}\n\
         \x20   expect:\n\
         \x20     exit_visa_required: true\n",
    );
    r.expect_code(2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    r.stderr_says("A secret-holder whose citizenship is written in lower case")
        .stderr_says("`kz` is not an allowed value of `person.citizenship`")
        .stderr_says("zz-refused-case.yaml:6:29")
        .stderr_says("did you mean `KZ` (Kazakhstan)?");
}

// --- schema ------------------------------------------------------------------------------

/// The allowed values of a property of the case schema: its `enum`, or the
/// `enum`s found under its `anyOf` / `oneOf` branches (a branch also
/// allowing `null`).
fn allowed_values(property: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut collect = |v: &Value| {
        if let Some(values) = v.get("enum").and_then(Value::as_array) {
            out.extend(values.iter().filter_map(Value::as_str).map(str::to_string));
        }
    };
    collect(property);
    for key in ["anyOf", "oneOf"] {
        for branch in property
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(branch);
        }
    }
    out
}

#[test]
fn the_case_schema_lists_the_allowed_codes_and_values() {
    let r = run(inforce().args(["schema", "case", "--rules", "rules"]));
    r.expect_code(0);
    let schema = r.json();
    let citizenship = &schema["properties"]["person"]["properties"]["citizenship"];
    let codes = allowed_values(citizenship);
    for code in ["KZ", "FR", "US", "stateless"] {
        assert!(
            codes.iter().any(|c| c == code),
            "`{code}` missing: {citizenship:#}"
        );
    }
    for code in ["kz", "Kz", "KAZ", "fr", "FRA"] {
        assert!(
            !codes.iter().any(|c| c == code),
            "`{code}` allowed: {citizenship:#}"
        );
    }
    let direction = &schema["properties"]["trip"]["properties"]["direction"];
    let mut values = allowed_values(direction);
    values.sort();
    assert_eq!(values, ["entry", "exit", "stay"], "{direction:#}");
}

// --- null is unknown, as a fact left out -------------------------------------------------

/// The `outcomes` of `eval --format json` of `text`.
fn outcomes_of(text: &str) -> Value {
    eval_json(text)["outcomes"].clone()
}

#[test]
fn a_null_birth_date_gives_exactly_the_outcomes_of_a_birth_date_left_out() {
    let case = |birth: &str| {
        format!(
            "id: emigration-2005\n\
             date: 2005-06-10\n\
             person: {{citizenship: KZ,{birth} married: false, incapacitated: false, secret_holder: false, alimony_dependants: false, military_registered: false, left_state_service_on: null}}\n\
             trip: {{direction: exit, purpose: permanent_residence, accompanied_by: both_parents}}\n\
             restrictions: {{criminal_proceedings: false, civil_proceedings: false, sentence_unserved: false, compulsory_military_service: false, false_documents: false}}\n\
             application: {{complete_on: null, documents: [questionnaire, identity_documents]}}\n"
        )
    };
    let with_null = outcomes_of(&case(" birth_date: null,"));
    let left_out = outcomes_of(&case(""));
    assert_eq!(with_null, left_out);
    for name in ["may_petition", "documents_required", "documents_missing"] {
        let o = &with_null[name];
        assert_eq!(o["status"], "missing_facts", "{name}: {o:#}");
        assert_eq!(o["needs"], json!(["person.birth_date"]), "{name}: {o:#}");
    }
}

#[test]
fn a_null_citizenship_or_direction_gives_exactly_the_outcomes_of_one_left_out() {
    let case = |person: &str, trip: &str| {
        format!(
            "id: unknowns-2015\n\
             date: 2015-06-10\n\
             person: {{birth_date: 1970-01-01, secret_holder: false{person}}}\n\
             trip: {{purpose: tourism, entry_date: 2015-06-01, exit_date: 2015-06-10{trip}}}\n"
        )
    };
    assert_eq!(
        outcomes_of(&case(", citizenship: null", ", direction: exit")),
        outcomes_of(&case("", ", direction: exit"))
    );
    assert_eq!(
        outcomes_of(&case(", citizenship: US", ", direction: null")),
        outcomes_of(&case(", citizenship: US", ""))
    );
}

#[test]
fn a_departure_in_2015_with_the_citizenship_left_out_has_the_exit_visa_undetermined_whatever_the_citizenship()
 {
    let r = eval_json(
        "id: citizenship-unknown-2015\ndate: 2015-06-10\nperson: {secret_holder: false}\ntrip: {direction: exit, purpose: tourism}\n",
    );
    let o = outcome(&r, "exit_visa_required");
    assert_eq!(o["status"], "undetermined", "{o:#}");
    let reason = o["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("repealed on 2012-03-28"), "{reason}");
    assert!(reason.contains("whatever `person.citizenship`"), "{reason}");
}

#[test]
fn a_null_event_date_declared_none_differs_from_one_left_out() {
    let case = |application: &str| {
        format!(
            "id: petition-2005\n\
             date: 2005-06-10\n\
             person: {{citizenship: KZ, birth_date: 1960-01-01, married: true, incapacitated: false, secret_holder: false, alimony_dependants: false, military_registered: false}}\n\
             trip: {{direction: exit, purpose: permanent_residence}}\n\
             application: {{documents: [questionnaire]{application}}}\n"
        )
    };
    let with_null = eval_json(&case(", complete_on: null"));
    assert_decided(&with_null, "decision_due_by", &Value::Null);
    let left_out = eval_json(&case(""));
    let o = outcome(&left_out, "decision_due_by");
    assert_eq!(o["status"], "missing_facts", "{o:#}");
    assert_eq!(o["needs"], json!(["application.complete_on"]), "{o:#}");
}
