//! Fuzz target: any bytes, as a case read by the YAML reader of `eval` and
//! the JSON reader of `batch` against the shipped rules. Not here: the
//! invariants checked (`inforce_fuzz::check_case_text`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The CLI refuses bytes that are not UTF-8 before either reader.
    if let Ok(text) = std::str::from_utf8(data) {
        inforce_fuzz::check_case_text(text);
    }
});
