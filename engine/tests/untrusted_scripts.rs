//! Rule scripts from an untrusted pull request (issue 11): one script must
//! not change the facts or `date` another script sees, nor leave variables
//! behind; a script must not call a function that does not exist; and one
//! case's scripts together are held to a budget of operations, with each
//! list element compared or copied counted, and a deadline. Each test is an
//! attack as a hostile contributor would write it. Not here: the limits of a
//! single script (`hostile_scripts.rs`), the file system (`source.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use chrono::NaiveDate;
use inforce_engine::Case;
use inforce_engine::RuleProblem;
use inforce_engine::SourceFile;
use inforce_engine::evaluate;
use inforce_engine::{EvalResult, Status};
use inforce_engine::{Loaded, load};

const DECLARATIONS: &str = "
facts:
  person.citizenship: {type: string, description: c}
  person.secret: {type: bool, description: s}
outcomes:
  rewritten: {type: bool, description: a script saw a rewritten fact}
  future: {type: bool, description: a script saw a rewritten date}
  leaked: {type: bool, description: a script saw another script's variable}
  ok: {type: bool, description: ok}
";

fn version(set: &str, rules: &str) -> String {
    format!(
        "rule_set: {set}\nversion: \"2000-01-01\"\ntitle: Title of {set}\n\
         in_force: {{from: 2000-01-01}}\n\
         source: {{act: Act, read_at: the test}}\nrules:\n{rules}"
    )
}

fn loaded(versions: &[(&str, String)]) -> Loaded {
    let mut files = vec![SourceFile {
        path: "rules/declarations.yaml".into(),
        text: DECLARATIONS.into(),
    }];
    for (path, text) in versions {
        files.push(SourceFile {
            path: (*path).into(),
            text: text.clone(),
        });
    }
    load(files, "rules")
}

fn messages(l: &Loaded) -> Vec<String> {
    l.problems.iter().map(|p| p.to_string()).collect()
}

/// The day every test evaluates on.
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2010, 6, 15).unwrap()
}

fn eval(l: &Loaded, case: &str) -> EvalResult {
    let tree = l
        .tree
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", messages(l)));
    let case = Case::from_yaml(tree, "case.yaml", case).unwrap();
    evaluate(tree, &case, day(), false).unwrap()
}

/// Where a problem points: 1-based line and column in its file.
fn place(p: &RuleProblem, text: &str) -> (usize, usize) {
    use miette::Diagnostic;
    let offset = p.labels().unwrap().next().unwrap().offset();
    let before = &text[..offset];
    (
        before.matches('\n').count() + 1,
        offset - before.rfind('\n').map_or(0, |i| i + 1) + 1,
    )
}

#[test]
fn a_script_assigning_to_a_fact_or_to_date_is_refused_by_check_at_the_assignment() {
    let attack = version(
        "kz.aaa",
        "  - id: rewrite\n    cite: x\n    when: 'date = ymd(2099, 1, 1); person.citizenship = \"XX\"; true'\n    then: {ok: true}\n",
    );
    let l = loaded(&[("rules/aaa/2000-01-01.yaml", attack.clone())]);
    assert!(l.tree.is_none(), "the attack loaded");
    let m = messages(&l);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].contains("`date`") && m[0].contains("cannot be changed"),
        "{m:?}"
    );
    assert!(m[1].contains("`person.citizenship`"), "{m:?}");
    assert_eq!(place(&l.problems[0], &attack), (9, 12));
    assert_eq!(place(&l.problems[1], &attack), (9, 36));
}

#[test]
fn every_way_of_changing_a_fact_or_date_is_refused_and_a_local_variable_is_not() {
    for script in [
        "date += 1; true",
        "person.citizenship += \"X\"; true",
        "person[\"citizenship\"] = \"XX\"; true",
        "let date = ymd(2099, 1, 1); true",
        "let person = 1; true",
        "const date = 1; true",
    ] {
        let v = version(
            "kz.aaa",
            &format!(
                "  - id: rewrite\n    cite: x\n    when: '{script}'\n    then: {{ok: true}}\n"
            ),
        );
        let l = loaded(&[("rules/aaa/2000-01-01.yaml", v)]);
        assert!(l.tree.is_none(), "`{script}` loaded");
    }
    let fine = version(
        "kz.aaa",
        "  - id: local\n    cite: x\n    when: 'let c = person.citizenship; c = c + \"\"; c == \"KZ\"'\n    then: {ok: true}\n",
    );
    let l = loaded(&[("rules/aaa/2000-01-01.yaml", fine)]);
    assert!(l.tree.is_some(), "{:?}", messages(&l));
}

#[test]
fn a_fact_changed_in_place_by_a_method_is_an_error_naming_the_rule_never_a_changed_fact() {
    // `trim` and `clear` change their string in place: on a fact, rhai
    // refuses it because facts are constants; the other rule set must see
    // the case's value.
    let attack = version(
        "kz.aaa",
        "  - id: rewrite\n    cite: x\n    when: 'person.citizenship.clear(); true'\n    then: {ok: true}\n",
    );
    let reader = version(
        "kz.bbb",
        "  - id: reader\n    cite: x\n    when: 'let c = person.citizenship; c == \"\"'\n    then: {rewritten: true}\n",
    );
    let l = loaded(&[
        ("rules/aaa/2000-01-01.yaml", attack),
        ("rules/bbb/2000-01-01.yaml", reader),
    ]);
    let tree = l
        .tree
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", messages(&l)));
    let case = Case::from_yaml(tree, "case.yaml", "person: {citizenship: KZ}").unwrap();
    let err = evaluate(tree, &case, day(), false).unwrap_err();
    assert_eq!(err.rule(), Some("rewrite"), "{err:?}");
}

#[test]
fn a_variable_a_script_declares_is_gone_when_the_next_script_runs() {
    // `leak` declares `c` (its outcome, `future`, is resolved first);
    // `reader` asks whether a `c` exists before it runs: only a scope
    // shared between scripts would say yes.
    let writer = version(
        "kz.aaa",
        "  - id: leak\n    cite: x\n    when: 'let c = \"XX\"; person.citizenship == \"KZ\"'\n    then: {future: true}\n",
    );
    let reader = version(
        "kz.bbb",
        "  - id: reader\n    cite: x\n    when: 'is_def_var(\"c\") && person.citizenship == \"KZ\"'\n    then: {leaked: true}\n",
    );
    let l = loaded(&[
        ("rules/aaa/2000-01-01.yaml", writer),
        ("rules/bbb/2000-01-01.yaml", reader),
    ]);
    let r = eval(&l, "person: {citizenship: KZ}");
    assert_eq!(r.outcomes["future"].status, Status::Decided);
    assert_eq!(
        r.outcomes["leaked"].status,
        Status::Undetermined,
        "{:?}",
        r.outcomes["leaked"]
    );
}

#[test]
fn a_call_of_a_function_that_does_not_exist_is_refused_by_check_not_left_to_evaluation() {
    for (script, expected) in [
        ("env(\"HOME\") == \"\"", "no function `env` exists"),
        ("sleep(10); true", "no function `sleep` exists"),
        ("age_on(date) > 3", "`age_on` takes 2 arguments, not 1"),
        ("ymd(2001, 7) < date", "`ymd` takes 3 arguments, not 2"),
        ("agee_on(date, date) > 3", "did you mean `age_on`?"),
    ] {
        let v = version(
            "kz.aaa",
            &format!("  - id: call\n    cite: x\n    when: '{script}'\n    then: {{ok: true}}\n"),
        );
        let l = loaded(&[("rules/aaa/2000-01-01.yaml", v)]);
        assert!(l.tree.is_none(), "`{script}` loaded");
        let m = messages(&l).join("\n");
        assert!(m.contains(expected), "`{script}`: {m}");
    }
    // Methods count their object: `x.len()` is `len(x)`.
    let v = version(
        "kz.aaa",
        "  - id: call\n    cite: x\n    when: 'person.citizenship.contains(\"K\") && \"KZ\".len() == 2'\n    then: {ok: true}\n",
    );
    let l = loaded(&[("rules/aaa/2000-01-01.yaml", v)]);
    assert!(l.tree.is_some(), "{:?}", messages(&l));
}

#[test]
fn scripts_that_compare_long_lists_over_and_over_run_out_of_the_case_budget_naming_the_rule() {
    // 16,000 comparisons of two lists of 1,000 numbers: each comparison is
    // one rhai operation, so the per-script limit lets it through; counted
    // element by element it is 16 million, past the case's budget.
    let script = "let a = []; for i in 0..1000 { a.push(i) } let b = a + []; let n = 0; for i in 0..16000 { if a == b { n += 1 } } n > 0";
    let v = version(
        "kz.aaa",
        &format!("  - id: slow\n    cite: x\n    when: '{script}'\n    then: {{ok: true}}\n"),
    );
    let l = loaded(&[("rules/aaa/2000-01-01.yaml", v)]);
    let tree = l
        .tree
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", messages(&l)));
    let case = Case::from_yaml(tree, "case.yaml", "person: {citizenship: KZ}").unwrap();
    let err = evaluate(tree, &case, day(), false).unwrap_err();
    assert_eq!(err.rule(), Some("slow"));
    assert!(
        err.message()
            .unwrap_or_default()
            .starts_with("the case ran past its budget of 1000000 operations"),
        "{err:?}"
    );
}

#[test]
fn many_rules_each_within_the_limits_share_one_budget_per_case() {
    // Twenty rules, each comparing lists 100 times (200,000 elements): each
    // alone is well inside the budget, together they are not.
    let rule = |i: usize| {
        format!(
            "  - id: slow-{i:02}\n    cite: x\n    when: 'let a = []; for i in 0..1000 {{ a.push(i) }} let b = a + []; let n = 0; for i in 0..100 {{ if a == b {{ n += 1 }} }} n > 0'\n    then: {{ok: true}}\n"
        )
    };
    let one = version("kz.aaa", &rule(0));
    let l = loaded(&[("rules/aaa/2000-01-01.yaml", one)]);
    let r = eval(&l, "person: {citizenship: KZ}");
    assert_eq!(r.outcomes["ok"].status, Status::Decided);
    let many = version("kz.aaa", &(0..20).map(rule).collect::<String>());
    let l = loaded(&[("rules/aaa/2000-01-01.yaml", many)]);
    let tree = l.tree.as_ref().unwrap();
    let case = Case::from_yaml(tree, "case.yaml", "person: {citizenship: KZ}").unwrap();
    let err = evaluate(tree, &case, day(), false).unwrap_err();
    assert!(
        err.rule().unwrap_or_default().starts_with("slow-"),
        "{err:?}"
    );
    assert!(err.to_string().contains("across all its rules"), "{err:?}");
    // The next case starts with the whole budget again.
    let l2 = loaded(&[("rules/aaa/2000-01-01.yaml", version("kz.aaa", &rule(0)))]);
    let r = eval(&l2, "person: {citizenship: KZ}");
    assert_eq!(r.outcomes["ok"].status, Status::Decided);
}
