//! Broken cases, as old archives hand them over: wrong types, impossible
//! dates, huge numbers, deep nesting, a byte-order mark, empty files and
//! duplicate keys, read by both case readers (the YAML reader of `eval`, the
//! JSON reader of `batch`) against the shipped rules. Each is a clear error
//! with its line, never a panic. Not here: exit codes and non-UTF-8 bytes,
//! which the CLI handles before either reader (`cli/tests/broken_input.rs`).

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

mod harness;

use inforce_engine::Case;

/// Reads `text` with the YAML reader; the errors rendered as `eval` shows
/// them (each names `case.yaml:LINE:COLUMN`).
fn yaml(text: &str) -> Result<Case, Vec<String>> {
    harness::with_shipped(|tree| {
        Case::from_yaml(tree, "case.yaml", text)
            .map_err(|errors| errors.iter().map(|e| harness::render(e)).collect())
    })
}

/// Reads `text` with the JSON reader of `batch`.
fn json(text: &str) -> Result<Case, Vec<String>> {
    harness::with_shipped(|tree| {
        Case::from_json(tree, text, "case")
            .map_err(|errors| errors.iter().map(|e| e.one_line()).collect())
    })
}

/// The YAML reader refuses `text` with one error on `line`, whose message
/// contains `says`.
fn refused_on_line(text: &str, line: usize, says: &str) -> String {
    let errors = yaml(text).expect_err("the case should be refused");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert!(
        e.contains(&format!("case.yaml:{line}:")),
        "line {line}:\n{e}"
    );
    assert!(e.contains(says), "{says}:\n{e}");
    assert!(!e.contains("panicked"), "{e}");
    e.clone()
}

const GOOD: &str = "id: good\ndate: 2005-06-10\nperson: {citizenship: KZ}\n";

#[test]
fn a_case_with_a_byte_order_mark_is_read() {
    let with_bom = format!("\u{feff}{GOOD}");
    assert_eq!(yaml(&with_bom).unwrap(), yaml(GOOD).unwrap());
    let json_text = "\u{feff}{\"id\": \"good\", \"date\": \"2005-06-10\", \"person\": {\"citizenship\": \"KZ\"}}";
    assert_eq!(yaml(json_text).unwrap(), yaml(GOOD).unwrap());
}

#[test]
fn a_byte_order_mark_does_not_shift_the_line_of_an_error() {
    refused_on_line(
        "\u{feff}id: x\ndate: 2005-02-30\n",
        2,
        "`2005-02-30` is not a day of the calendar",
    );
}

#[test]
fn a_thirtieth_of_february_is_refused_with_its_line() {
    refused_on_line(
        "id: x\ndate: 2005-02-30\nperson: {citizenship: KZ}\n",
        2,
        "`2005-02-30` is not a day of the calendar",
    );
    let errors = json("{\"date\": \"2005-02-30\"}").unwrap_err();
    assert!(
        errors[0].contains("`2005-02-30` is not a day of the calendar"),
        "{errors:?}"
    );
}

#[test]
fn a_date_of_month_99_and_day_99_is_refused_with_its_line() {
    refused_on_line(
        "id: x\ndate: 2005-06-10\nperson:\n  citizenship: KZ\n  birth_date: 9999-99-99\n",
        5,
        "`9999-99-99` is not a day of the calendar",
    );
    assert!(json("{\"person\": {\"birth_date\": \"9999-99-99\"}}").is_err());
}

#[test]
fn dates_not_written_yyyy_mm_dd_are_refused() {
    for date in [
        "05-06-2005",
        "2005-6-1",
        "+12345-01-01",
        "-2005-06-10",
        "262144-01-01",
        "2005-06-10T00:00:00",
        "today",
        "20050610",
    ] {
        refused_on_line(
            &format!("id: x\ndate: \"{date}\"\n"),
            2,
            "should be a date (YYYY-MM-DD)",
        );
        assert!(
            json(&format!("{{\"date\": \"{date}\"}}")).is_err(),
            "{date}"
        );
    }
}

#[test]
fn facts_of_the_wrong_type_are_all_refused_each_with_its_line() {
    let text = "id: x\ndate: 2005-06-10\nperson:\n  married: yes\n  birth_date: 1970\n  citizenship: [KZ]\n  secret_holder: \"true\"\ntrip: {purpose: 12}\n";
    let errors = yaml(text).unwrap_err();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    for (line, field) in [
        (4, "person.married"),
        (5, "person.birth_date"),
        (6, "person.citizenship"),
        (7, "person.secret_holder"),
        (8, "trip.purpose"),
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(&format!("case.yaml:{line}:")) && e.contains(field)),
            "{field} on line {line}: {errors:#?}"
        );
    }
}

#[test]
fn a_number_too_large_for_64_bits_is_refused_quoting_it_as_written() {
    let e = refused_on_line(
        "id: x\ndate: 2005-06-10\nperson: {birth_date: 99999999999999999999999}\n",
        3,
        "`99999999999999999999999`",
    );
    assert!(e.contains("should be a date"), "{e}");
    refused_on_line(
        "id: -99999999999999999999999\n",
        1,
        "`-99999999999999999999999`",
    );
    assert!(json("{\"id\": 99999999999999999999999}").is_err());
}

#[test]
fn a_number_too_large_for_any_float_is_refused_with_its_line() {
    refused_on_line(
        "id: x\ndate: 2005-06-10\nperson: {birth_date: 1e400}\n",
        3,
        "`1e400` is not a finite number",
    );
    refused_on_line("id: .inf\n", 1, "not a finite number");
    let errors = json("{\"person\": {\"birth_date\": 1e400}}").unwrap_err();
    assert!(errors[0].contains("number out of range"), "{errors:?}");
}

#[test]
fn a_fraction_where_a_whole_number_belongs_is_refused() {
    harness::with_shipped(|tree| {
        let int_fact = tree
            .facts
            .values()
            .find(|f| f.ty == inforce_engine::internal::format::ValueType::Int)
            .map(|f| f.name.clone());
        if let Some(name) = int_fact {
            let (group, field) = name.split_once('.').unwrap();
            refused_on_line(&format!("id: x\n{group}:\n  {field}: 1.5\n"), 3, &name);
            assert!(json(&format!("{{\"{group}\": {{\"{field}\": 1.5}}}}")).is_err());
        }
    });
}

#[test]
fn a_deeply_nested_case_is_refused_with_its_line_not_a_stack_overflow() {
    for depth in [30, 1_000, 100_000] {
        let text = format!(
            "id: x\ndate: 2005-06-10\nperson: {}1{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        refused_on_line(&text, 3, "nested too deeply");
        let line = format!(
            "{{\"person\": {}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(json(&line).is_err());
    }
}

#[test]
fn a_duplicate_key_is_refused_at_its_second_occurrence() {
    refused_on_line(
        "id: x\ndate: 2005-06-10\nperson: {citizenship: KZ}\nperson: {married: true}\n",
        4,
        "`person` is given twice in the same mapping",
    );
    refused_on_line(
        "id: x\nperson:\n  married: true\n  married: false\n",
        4,
        "`married` is given twice",
    );
    let errors = json("{\"person\": {\"married\": true, \"married\": false}}").unwrap_err();
    assert!(errors[0].contains("married"), "{errors:?}");
}

#[test]
fn an_empty_or_blank_case_is_refused_as_empty() {
    for text in ["", "\n\n", "   \n\t\n", "\u{feff}"] {
        let errors = yaml(text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("is empty"), "{text:?}: {errors:?}");
    }
    assert!(json("").is_err());
}

#[test]
fn a_case_of_comments_only_or_null_is_refused() {
    for text in ["# nothing but a comment\n", "null\n", "~\n", "---\n"] {
        let errors = yaml(text).unwrap_err();
        assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
    }
}

#[test]
fn a_case_that_is_a_list_a_string_or_a_number_is_refused_on_line_1() {
    for text in ["- a\n- b\n", "just words\n", "42\n", "true\n"] {
        refused_on_line(text, 1, "should be a mapping of fact groups");
    }
}

#[test]
fn several_yaml_documents_in_one_case_are_refused() {
    assert!(yaml("id: a\n---\nid: b\n").is_err());
}

#[test]
fn an_alias_that_contains_itself_is_refused_in_plain_words() {
    refused_on_line(
        "id: x\nperson: &p {married: *p}\n",
        2,
        "refers to the value that contains it",
    );
}

#[test]
fn a_billion_laughs_case_is_refused_quickly() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    assert!(yaml(&text).is_err());
}

#[test]
fn a_complex_key_or_a_tagged_value_is_refused_not_mistaken() {
    assert!(yaml("? [a, b]\n: 1\n").is_err());
    let errors = yaml("id: x\nperson: {married: !!binary aGVsbG8=}\n").unwrap_err();
    assert!(errors[0].contains("person.married"), "{errors:?}");
}

#[test]
fn a_very_long_string_fact_is_read_or_refused_without_trouble() {
    let long = "ü".repeat(1_000_000);
    let text = format!("id: x\ndate: 2005-06-10\nperson: {{citizenship: \"{long}\"}}\n");
    let _ = yaml(&text);
    let _ = json(&format!("{{\"person\": {{\"citizenship\": \"{long}\"}}}}"));
}

#[test]
fn control_characters_and_odd_unicode_in_a_case_give_an_error_not_a_panic() {
    for text in [
        "id: \u{0}\n",
        "id: x\u{7}\n",
        "id: \"\\u0000\"\ndate: 2005-06-10\n",
        "\u{202e}id: x\n",
        "id: x\r\ndate: 2005-02-30\r\n",
        "id:\tx\n",
    ] {
        if let Err(errors) = yaml(text) {
            assert!(!errors.is_empty());
        }
        harness::check_case_text(text);
    }
}
