#!/usr/bin/env bash
# `inforce batch`'s figures for docs/performance.md: instructions per case
# (callgrind, one worker, 5,000 cases less one case, so that loading the
# rules cancels out) and whole-process wall time, CPU and peak memory on
# a million generated cases, for every output.
#
#   bash bench/batch/measure.sh [BINARY] [CASES.jsonl]
#
# BINARY defaults to target/release/inforce; CASES to /tmp/c1m.jsonl,
# made with `cargo run --release -p inforce-gen-cases -- 1000000 1 > /tmp/c1m.jsonl`
# if it is missing. Needs valgrind, hyperfine and GNU time. Measure on a
# quiet machine: the whole-process figures move with the load.
set -u
cd "$(dirname "$0")/../.."
B=${1:-target/release/inforce}
IN=${2:-/tmp/c1m.jsonl}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
if [ ! -s "$IN" ]; then
  echo "== making $IN"
  cargo run --quiet --release -p inforce-gen-cases -- 1000000 1 > "$IN"
fi
head -5000 "$IN" > "$W/c5k.jsonl"
head -1 "$IN" > "$W/c1.jsonl"
# Cases as Parquet (one column per fact), by the columnar crate's example.
to_parquet() { cargo run --quiet --release -p inforce-columnar --example cases_to_parquet -- rules "$1" "$2"; }
to_parquet "$W/c5k.jsonl" "$W/c5k.parquet"
to_parquet "$W/c1.jsonl" "$W/c1.parquet"
PQ="$W/c1m.parquet"
to_parquet "$IN" "$PQ" || PQ=""

echo "== instructions per case (callgrind, --jobs 1, 5,000 cases minus 1 case)"
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/refs:/ {gsub(",","",$4); print $4}'; }
per_case() {
  local name=$1 five=$2 one=$3; shift 3
  a=$(ir "$B" batch --rules rules "$five" --jobs 1 "$@")
  b=$(ir "$B" batch --rules rules "$one" --jobs 1 "$@")
  echo "$name: $(( (a - b) / 4999 )) instructions/case"
}
per_case "full" "$W/c5k.jsonl" "$W/c1.jsonl" -o /dev/null
per_case "compact" "$W/c5k.jsonl" "$W/c1.jsonl" --output compact -o /dev/null
per_case "jsonl -> parquet" "$W/c5k.jsonl" "$W/c1.jsonl" -o "$W/v.parquet"
per_case "parquet -> parquet" "$W/c5k.parquet" "$W/c1.parquet" -o "$W/v.parquet"
per_case "csv" "$W/c5k.jsonl" "$W/c1.jsonl" -o "$W/v.csv"

echo "== whole process, $(wc -l < "$IN") cases"
run() {
  local name=$1; shift
  /usr/bin/time -f "$name: %e s wall, %U s user, %S s sys, %M KB peak" "$@" 2>&1 >/dev/null | grep -E 'wall'
}
hyperfine -N -w 1 -r 5 "$B batch --rules rules $IN -o /dev/null" 2>/dev/null | grep -E 'Time|Range'
# Each run writes a new file: renaming over the last run's output would
# add the old file's removal (0.27 s for 121 MB on the measuring VM's
# ext4; docs/performance.md, issue 14, fifteenth round).
hyperfine -N -r 3 --prepare "rm -f $W/m.c.jsonl $W/m.c.legend.json" "$B batch --rules rules $IN --output compact -o $W/m.c.jsonl" 2>/dev/null | grep -E 'Time|Range'
run "full -> /dev/null" "$B" batch --rules rules "$IN" -o /dev/null
run "full -> file" "$B" batch --rules rules "$IN" -o "$W/m.full.jsonl"; rm -f "$W/m.full.jsonl"
run "compact -> file" "$B" batch --rules rules "$IN" --output compact -o "$W/m.c.jsonl"
ls -la "$W/m.c.jsonl" | awk '{print "compact size:", $5}'; rm -f "$W"/m.c.*
run "jsonl -> parquet" "$B" batch --rules rules "$IN" -o "$W/m.parquet"
ls -la "$W/m.parquet" | awk '{print "parquet size:", $5}'
[ -n "$PQ" ] && run "parquet -> parquet" "$B" batch --rules rules "$PQ" -o "$W/m2.parquet"
rm -f "$W"/m*.parquet
run "jsonl -> csv" "$B" batch --rules rules "$IN" -o "$W/m.csv"
