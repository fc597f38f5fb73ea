//! Fuzz target: the bytes describe a small rules tree on disk (rule files,
//! directories, links in and out of it, named pipes, repositories, hidden
//! entries), which is built in a scratch directory and read. Not here: the
//! invariants checked (`inforce_fuzz::check_tree_of_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    inforce_fuzz::check_tree_of_bytes(data);
});
