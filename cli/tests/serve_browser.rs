//! Runs the browser tests of the web page (`tests/browser`: node's test runner, playwright-core and
//! Debian's headless Chromium) against this build's `inforce`, so that `cargo test` covers the page.
//! Not here: the browser tests themselves (`tests/browser/*.test.mjs`) or the API tests (server crate).
#![cfg(test)]

use std::path::Path;
use std::process::Command;

#[test]
fn the_web_page_passes_its_browser_tests_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the cli crate sits in the workspace");
    let chromium = Path::new("/usr/bin/chromium");
    let playwright = root.join("tests/browser/node_modules/playwright-core");
    let node = Command::new("node").arg("--version").output();
    if !chromium.exists() || !playwright.exists() || !node.is_ok_and(|o| o.status.success()) {
        let why = "the browser tests need node, /usr/bin/chromium and tests/browser/node_modules/playwright-core \
                   (install chromium and run `npm ci` in tests/browser)";
        // CI installs them and sets INFORCE_REQUIRE_BROWSER, so that there a missing install fails.
        assert!(
            std::env::var_os("INFORCE_REQUIRE_BROWSER").is_none(),
            "INFORCE_REQUIRE_BROWSER is set but {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let out = Command::new("node")
        .args(["--test", "tests/browser/"])
        .current_dir(root)
        .env("INFORCE_BIN", env!("CARGO_BIN_EXE_inforce"))
        .output()
        .expect("node starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The summary always; the whole report when a browser test failed.
    let summary = ["# tests ", "# pass ", "# fail ", "# skipped "];
    for line in stdout
        .lines()
        .filter(|l| summary.iter().any(|s| l.starts_with(s)))
    {
        eprintln!("browser tests {line}");
    }
    assert!(
        out.status.success(),
        "the browser tests failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}
