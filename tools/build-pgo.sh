#!/usr/bin/env bash
# Builds `target/pgo/inforce`: the release build, optimized again with a
# profile of its own batch runs (profile-guided optimization, PGO). Same
# source, same results, about an eighth fewer instructions a case: the
# compiler lays out branches and inlines as the runs went, rather than as
# it guesses (docs/decisions.md, decision 59; docs/performance.md, issue 14,
# fourteenth round).
#
#   tools/build-pgo.sh
#
# Three steps, some ten minutes on two cores:
#   1. a build that counts where it goes (-Cprofile-generate), in
#      target/pgo/instrumented;
#   2. training runs of that build: `batch` to every output from generated
#      cases of seed 7 (not seed 1, the corpus docs/performance.md measures
#      on), Parquet cases in, and `check`, `test` and `eval` on the shipped
#      rules, so that no command is left to the compiler's guesses;
#   3. the counts merged (llvm-profdata) and the build made again with them
#      (-Cprofile-use), in target/pgo/optimized, copied to target/pgo/inforce.
#
# Needs the toolchain's llvm-profdata: `rustup component add llvm-tools`
# (this script runs it when rustup is there and the tool is missing). Not
# for debugging: `cargo build --release` gives the same program, a little
# slower.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
work=$top/target/pgo

profdata() {
  find "$(rustc --print sysroot)" -name llvm-profdata -type f 2>/dev/null | head -n 1
}
tool=$(profdata)
if [ -z "$tool" ] && command -v rustup >/dev/null 2>&1; then
  echo "== installing the toolchain's llvm-profdata: rustup component add llvm-tools"
  rustup component add llvm-tools
  tool=$(profdata)
fi
if [ -z "$tool" ]; then
  echo "error: no llvm-profdata in $(rustc --print sysroot)" >&2
  echo "help: install it with \`rustup component add llvm-tools\`" >&2
  exit 1
fi

echo "== 1. the instrumented build (target/pgo/instrumented)"
RUSTFLAGS="-Cprofile-generate=$work/data" \
  cargo build --release --locked -p inforce --target-dir "$work/instrumented"
# Counts start here: not an earlier run's, nor those of the build
# scripts cargo ran while building (they were instrumented too).
rm -rf "$work/data" "$work/train"
mkdir -p "$work/data" "$work/train"

echo "== 2. training runs"
cargo run --quiet --release --locked -p inforce-gen-cases -- 200000 7 > "$work/train/cases.jsonl"
head -n 20000 "$work/train/cases.jsonl" > "$work/train/small.jsonl"
cargo run --quiet --release --locked -p inforce-columnar --example cases_to_parquet -- \
  rules "$work/train/cases.jsonl" "$work/train/cases.parquet"
b=$work/instrumented/release/inforce
t=$work/train
# A batch with errors in it and a status of 1 is part of the training.
run() { "$b" "$@" >/dev/null || [ $? -eq 1 ]; }
run batch --rules rules "$t/cases.jsonl" -o "$t/out.parquet"
run batch --rules rules "$t/cases.jsonl" --output compact -o "$t/out.jsonl"
run batch --rules rules "$t/small.jsonl" -o /dev/null
run batch --rules rules "$t/small.jsonl" -o "$t/out.csv"
run batch --rules rules "$t/cases.parquet" -o "$t/out2.parquet"
run batch --rules rules "$t/cases.parquet" --output compact -o "$t/out2.jsonl"
run check --rules rules
run test --rules rules
for example in examples/*.yaml; do
  run eval --rules rules "$example" --format json
  run eval --rules rules "$example" --explain
done

echo "== 3. the optimized build (target/pgo/optimized)"
"$tool" merge -o "$work/inforce.profdata" "$work/data"
RUSTFLAGS="-Cprofile-use=$work/inforce.profdata" \
  cargo build --release --locked -p inforce --target-dir "$work/optimized"
cp "$work/optimized/release/inforce" "$work/inforce"
# The instrumented build and the training files are of no further use, and
# take about a gigabyte of a shared disk.
rm -rf "$work/train" "$work/instrumented" "$work/data"
echo "built $work/inforce"
