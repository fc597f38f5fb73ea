#!/usr/bin/env bash
# Captures every user-visible output of an `inforce` binary into a folder,
# so that two builds can be compared byte for byte (`diff -r A B`): eval
# (text, json, --explain) and history of every example and golden case,
# timeline, schema, check of every broken fixture, test, diff in every
# format, error messages of broken cases through eval and batch, and batch
# over a generated corpus. Used to show a refactor changes no output.
# Usage: tools/compat/capture.sh BINARY GEN_CASES OUTDIR [CORPUS_SIZE]
# GEN_CASES is the case generator's binary: `cargo build --release -p
# inforce-gen-cases` builds it as target/release/gen-cases.
set -uo pipefail
bin=$(realpath "$1"); gen=$(realpath "$2"); out=$3; n=${4:-200000}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"; out=$(realpath "$out")
cd "$root"
export INFORCE_RULES="$root/rules" NO_COLOR=1 COLUMNS=100
run() { # name, then the command
  local name=$1; shift
  "$@" >"$out/$name.out" 2>"$out/$name.err"; echo "$?" >"$out/$name.rc"
}
# One capture at a time (the work folder is fixed, since outputs name its files).
exec 9>/tmp/inforce-compat.lock; flock 9
work=/tmp/inforce-compat-work; rm -rf "$work"; mkdir -p "$work"
# Golden cases as JSON files, one per test.
python3 - "$work/cases" <<'PY'
import json, os, sys, yaml, glob
out = sys.argv[1]; os.makedirs(out)
for f in sorted(glob.glob("rules/**/tests/*.yaml", recursive=True)):
    doc = yaml.safe_load(open(f))
    for i, t in enumerate(doc.get("tests", [])):
        case = dict(t["case"])
        if "date" not in case and t.get("date"): case["date"] = t["date"]
        name = f.replace("/", "_")[:-5] + f"-{i}"
        json.dump(case, open(os.path.join(out, name + ".json"), "w"), default=str)
PY
cp ../shared/spec/examples/*.yaml tests/fixtures/cases/*.yaml "$work/cases/" 2>/dev/null
for c in "$work"/cases/*; do
  b=$(basename "$c")
  run "eval-$b-text" "$bin" eval "$c"
  run "eval-$b-json" "$bin" eval "$c" --format json
  run "eval-$b-explain" "$bin" eval "$c" --explain
  run "eval-$b-explain-json" "$bin" eval "$c" --explain --format json
  run "eval-$b-date" "$bin" eval "$c" --date 2013-01-01 --format json
done
for c in ../shared/spec/examples/*.yaml tests/fixtures/cases/*.yaml; do
  b=$(basename "$c")
  run "history-$b-text" "$bin" history "$c" --to 2026-12-31
  run "history-$b-json" "$bin" history "$c" --to 2026-12-31 --format json
  run "history-$b-range" "$bin" history "$c" --from 2012-01-01 --to 2012-12-31
done
run timeline-text "$bin" timeline; run timeline-json "$bin" timeline --format json
run schema-rules "$bin" schema rules; run schema-case "$bin" schema case
run check "$bin" check; run test "$bin" test; run test-coverage "$bin" test --coverage
run test-filter "$bin" test french
for b in tests/fixtures/bad/*; do
  d="$work/bad-$(basename "$b")"; mkdir -p "$d"; cp -r tests/fixtures/base/. "$d/"; cp -r "$b" "$d/"
  run "check-bad-tree-$(basename "$b")" "$bin" check --rules "$d"
done
# A changed copy of the rules for diff.
cp -r rules "$work/new"
sed -i 's/>= 18/>= 16/' $(grep -rl '>= 18' "$work/new" | head -2) 2>/dev/null
f=$(ls "$work"/new/kz/citizens-departure/2012-03-28.yaml); sed -i 's/^title: /title: Changed /' "$f"
for fmt in text markdown json; do
  run "diff-$fmt" "$bin" diff rules "$work/new" --format "$fmt"
  run "diff-cases-$fmt" "$bin" diff rules "$work/new" --format "$fmt" --cases ../shared/spec/examples
done
run diff-same "$bin" diff rules rules
# Broken cases through eval (YAML and JSON) and batch.
mkdir -p "$work/broken"
printf 'id: x\ndate: 2005-02-30\nperson: {citizenship: kz, age: "x"}\nwhat: 1\n' >"$work/broken/a.yaml"
printf 'id: y\ndate: 2005-06-01\nperson: {citizenship: KAZ}\ntrip: {entry_date: 2005-06-10, exit_date: 2005-06-01}\n' >"$work/broken/b.yaml"
printf '{"id": "z", "date": "2005-06-01", "person": {"citizenship": "FRA", "birth_date": 5}}' >"$work/broken/c.json"
printf '{"id": "z", "date": ' >"$work/broken/d.json"
printf 'id: n\nperson: {citizenship: KZ}\n' >"$work/broken/e.yaml"
for c in "$work"/broken/*; do
  b=$(basename "$c")
  run "broken-eval-$b" "$bin" eval "$c"; run "broken-eval-$b-json" "$bin" eval "$c" --format json
  run "broken-history-$b" "$bin" history "$c" --to 2020-01-01
done
run broken-eval-e-date "$bin" eval "$work/broken/e.yaml" --date 2005-01-01
{ cat "$work"/cases/*.json | head -c 100000 | tr '\n' ' '; echo; } >/dev/null
for c in "$work"/cases/*.json; do cat "$c"; echo; done >"$work/lines.jsonl"
tr -d '\n' <"$work/broken/c.json" >>"$work/lines.jsonl"; echo >>"$work/lines.jsonl"
echo '{"id": 5}' >>"$work/lines.jsonl"; echo 'not json' >>"$work/lines.jsonl"; echo >>"$work/lines.jsonl"
echo '{"id":"q","date":"2005-06-01","person":{"citizenship":"KZ"},"trip":{"entry_date":"2005-06-10","exit_date":"2005-06-01"}}' >>"$work/lines.jsonl"
run batch-lines "$bin" batch "$work/lines.jsonl"
run batch-lines-date "$bin" batch "$work/lines.jsonl" --date 2013-01-01
run batch-lines-j1 "$bin" batch "$work/lines.jsonl" --jobs 1
"$gen" "$n" 7 >"$work/corpus.jsonl"
"$bin" batch "$work/corpus.jsonl" 2>"$out/batch-corpus.err" | sha256sum >"$out/batch-corpus.sha256"
sed -i "s|$work|WORK|g" "$out"/*
# The speed a run reports varies from run to run.
sed -i -E 's|[0-9]+ cases/s|N cases/s|' "$out"/batch-*.err
echo "captured $(ls "$out" | wc -l) files in $out"
