//! End-to-end tests of `inforce history` through the built binary: periods
//! in text and JSON, the default and given ranges, and bad input.

// Helpers outside `#[test]` are test code to clippy.toml only under cfg(test) (rust-clippy#11119).
#![cfg(test)]

use assert_cmd::Command;

fn inforce() -> Command {
    let mut c = Command::cargo_bin("inforce").unwrap();
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_remove("INFORCE_RULES");
    c
}

#[test]
fn the_json_history_of_the_leap_year_emigrant_has_contiguous_periods_at_the_version_boundaries() {
    let out = inforce()
        .args([
            "history",
            "examples/emigration-2008-leap-year.yaml",
            "--from",
            "1995-01-01",
            "--to",
            "2015-12-31",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let periods = h["periods"].as_array().unwrap();
    let starts: Vec<&str> = periods
        .iter()
        .map(|p| p["from"].as_str().unwrap())
        .collect();
    assert_eq!(starts, vec!["1995-01-01", "2001-07-26", "2012-03-28"]);
    assert_eq!(periods.last().unwrap()["until"], "2016-01-01");
    for pair in periods.windows(2) {
        assert_eq!(pair[0]["until"], pair[1]["from"]);
    }
    assert_eq!(
        periods[1]["outcomes"]["decision_due_by"]["value"],
        "2008-02-29"
    );
    assert_eq!(
        periods[2]["outcomes"]["exit_visa_required"]["status"],
        "undetermined"
    );
    assert_eq!(h["rules"]["digest"].as_str().unwrap().len(), 64);
}

#[test]
fn the_text_history_marks_the_outcomes_that_changed_and_names_the_versions() {
    let out = inforce()
        .args([
            "history",
            "examples/emigration-2008-leap-year.yaml",
            "--from",
            "2000-01-01",
            "--to",
            "2013-01-01",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("3 periods"), "{text}");
    assert!(
        text.contains("2001-07-26 to 2012-03-27 (until 2012-03-28, exclusive)"),
        "{text}"
    );
    assert!(
        text.contains("in force: kz.citizens-departure 2001-07-26"),
        "{text}"
    );
    assert!(text.contains("* decision_due_by"), "{text}");
    assert!(!text.contains('\x1b'), "no colour on a pipe");
}

#[test]
fn the_default_range_starts_with_the_earliest_version() {
    let out = inforce()
        .args([
            "history",
            "examples/secret-holder-tourism-2005.yaml",
            "--to",
            "2000-01-01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["from"], "1992-09-29");
}

#[test]
fn a_range_that_ends_before_it_starts_and_a_bad_case_exit_2_without_panicking() {
    let out = inforce()
        .args([
            "history",
            "examples/secret-holder-tourism-2005.yaml",
            "--from",
            "2010-01-01",
            "--to",
            "2009-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("before"), "{err}");
    let out = inforce()
        .args(["history", "-"])
        .write_stdin("person: {marrid: true}\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `person.married`"), "{err}");
    assert!(!err.contains("panicked"));
}
