#!/usr/bin/env bash
# The figures of docs/performance.md, "Issue 16": the language server's
# diagnostics latency after an edit and its completion latency on the
# shipped tree (median and p95 over 100 edits and 100 requests, measured
# over the protocol by the ignored test in cli/tests/lsp.rs), and the
# whole-process time of `inforce amend` (hyperfine, on a fresh copy of
# the shipped rules each run). Needs hyperfine for the last part.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== lsp: diagnostics and completion latency (release)"
cargo test --release --locked -p inforce --test lsp -- --ignored --nocapture \
  diagnostics_and_completion_latency 2>&1 | grep -E "median"

echo "== amend: whole process, on a fresh copy of rules/ each run"
bin="${CARGO_TARGET_DIR:-target}/release/inforce"
cargo build --release --locked -p inforce
copy=$(mktemp -d)
hyperfine --warmup 3 --runs 30 \
  --prepare "rm -rf $copy/rules && cp -r rules $copy/rules" \
  "$bin amend kz.foreigners --from 2030-01-01 --rules $copy/rules" \
  "$bin check --rules $copy/rules"
rm -rf "$copy"
