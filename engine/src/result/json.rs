//! A fast writer of an `EvalResult` as compact JSON: the bytes are exactly
//! those `serde_json::to_vec` gives (same field order, same fields left
//! out), written without serde's per-byte string escaping, because `batch`
//! spends most of its writing time escaping long citations and reasons
//! that almost never need it. Not here: pretty-printed JSON (`eval
//! --format json` keeps serde for that), reading results back, or any other
//! type; the tests check the identity with serde on real results.

use std::io::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::result::{
    By, EvalResult, Interval, OutcomeResult, RulesInfo, TraceEntry, VersionInForce,
};
use crate::rules::model::Value;

/// The result as compact JSON, the same bytes as `serde_json::to_vec`.
pub fn to_json_vec(result: &EvalResult) -> Vec<u8> {
    let mut out = Vec::new();
    write_result(result, &mut out);
    out
}

/// Appends the result as compact JSON to `out`, the same bytes as
/// `serde_json::to_vec`.
pub fn write_result(result: &EvalResult, out: &mut Vec<u8>) {
    // Room for the whole result at once: growing the buffer part way
    // copies what is written so far, which cost `batch` more than the
    // estimate does when it sized buffers after the previous result. Exact,
    // so a buffer kept by the caller is not doubled; the estimate runs a
    // few percent over the real length.
    let need = estimated_len(result);
    if out.is_empty() && out.capacity() < need {
        // Nothing written yet: a fresh buffer spares `realloc` copying
        // the old one's unused bytes.
        *out = Vec::with_capacity(need);
    } else {
        out.reserve_exact(need);
    }
    // Destructured field by field so that a field added to the struct is a
    // compile error here rather than silently missing from the output.
    let EvalResult {
        case,
        date,
        rules,
        rule_sets,
        outcomes,
        explanation,
        trace,
    } = result;
    out.extend_from_slice(b"{\"case\":");
    write_str(out, case);
    out.extend_from_slice(b",\"date\":");
    write_date(out, *date);
    out.extend_from_slice(b",\"rules\":");
    write_rules_info(out, rules);
    out.extend_from_slice(b",\"rule_sets\":[");
    for (i, v) in rule_sets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_version(out, v);
    }
    out.extend_from_slice(b"],\"outcomes\":{");
    for (i, (name, o)) in outcomes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, name);
        out.push(b':');
        write_outcome(out, o);
    }
    out.extend_from_slice(b"},\"explanation\":");
    write_str_list(out, explanation);
    if let Some(trace) = trace {
        out.extend_from_slice(b",\"trace\":[");
        for (i, t) in trace.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_trace_entry(out, t);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// Roughly the length of the result's JSON, from the lengths of its
/// strings and a little for the keys and punctuation around each: a few
/// percent over, so that writing it seldom regrows the buffer. No string
/// is read: escapes are not counted.
pub fn estimated_len(result: &EvalResult) -> usize {
    // Keys and punctuation of each object with every optional field
    // present: a little over what most objects take.
    const VERSION: usize = 130;
    const OUTCOME: usize = 75;
    const BY: usize = 62;
    const TRACE: usize = 100;
    let mut n = 120 + result.case.len() + result.rules.source.len() + result.rules.digest.len();
    for v in &result.rule_sets {
        n += VERSION + v.id.len() + v.version.len() + v.title.len() + v.source.len();
    }
    for (name, o) in &result.outcomes {
        n += OUTCOME + name.len() + o.value.as_ref().map_or(0, val_len);
        n += o.reason.as_ref().map_or(0, |r| r.len()) + list_len(&o.needs);
        for b in &o.by {
            n += BY + b.rule.len() + b.rule_set.len() + b.version.len() + b.cite.len();
            n += b.value.as_ref().map_or(0, val_len);
        }
    }
    n += list_len(&result.explanation);
    for t in result.trace.iter().flatten() {
        n += TRACE + t.rule_set.len() + t.version.len() + t.rule.len() + t.cite.len();
        n += t.condition.len() + t.detail.len();
        n += list_len(&t.needs) + list_len(&t.outcomes) + list_len(&t.overridden_for);
    }
    n
}

/// Roughly the length of a list of strings' JSON. Generic, as
/// `write_str_list` is, for `String` and `Arc<str>` items alike.
fn list_len<S: AsRef<str>>(items: &[S]) -> usize {
    items.iter().map(|s| s.as_ref().len() + 3).sum()
}

/// Roughly the length of a value's JSON.
fn val_len(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len() + 2,
        Value::List(items) => list_len(items) + 2,
        // null, a boolean, a date or up to 20 digits of an integer
        _ => 20,
    }
}

pub(crate) fn write_rules_info(out: &mut Vec<u8>, rules: &RulesInfo) {
    let RulesInfo { source, digest } = rules;
    out.extend_from_slice(b"{\"source\":");
    write_str(out, source);
    out.extend_from_slice(b",\"digest\":");
    write_str(out, digest);
    out.push(b'}');
}

fn write_version(out: &mut Vec<u8>, v: &VersionInForce) {
    write_version_head(out, v);
    out.extend_from_slice(match v.applies {
        None => b"null",
        Some(true) => b"true",
        Some(false) => b"false",
    });
    out.push(b'}');
}

/// A version in force up to and including `"applies":`, the one part of
/// it that depends on the case: `result::fragments` keeps this once per
/// version.
pub(crate) fn write_version_head(out: &mut Vec<u8>, v: &VersionInForce) {
    let VersionInForce {
        id,
        version,
        title,
        in_force,
        source,
        repeal,
        applies: _,
    } = v;
    out.extend_from_slice(b"{\"id\":");
    write_str(out, id);
    out.extend_from_slice(b",\"version\":");
    write_str(out, version);
    out.extend_from_slice(b",\"title\":");
    write_str(out, title);
    out.extend_from_slice(b",\"in_force\":");
    write_interval(out, in_force);
    out.extend_from_slice(b",\"source\":");
    write_str(out, source);
    if *repeal {
        out.extend_from_slice(b",\"repeal\":true");
    }
    out.extend_from_slice(b",\"applies\":");
}

fn write_interval(out: &mut Vec<u8>, interval: &Interval) {
    let Interval { from, until } = interval;
    out.extend_from_slice(b"{\"from\":");
    write_date(out, *from);
    if let Some(until) = until {
        out.extend_from_slice(b",\"until\":");
        write_date(out, *until);
    }
    out.push(b'}');
}

fn write_outcome(out: &mut Vec<u8>, o: &OutcomeResult) {
    let OutcomeResult {
        status,
        value,
        by,
        needs,
        reason,
        // Codes for compact output only; `reason` says the same in words.
        reason_codes: _,
        holds_whatever: _,
    } = o;
    // A status's name is letters and underscores: nothing to escape.
    out.extend_from_slice(b"{\"status\":\"");
    out.extend_from_slice(status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"value\":");
    match value {
        Some(v) => write_val(out, v),
        None => out.extend_from_slice(b"null"),
    }
    if !by.is_empty() {
        out.extend_from_slice(b",\"by\":[");
        for (i, b) in by.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_by(out, b);
        }
        out.push(b']');
    }
    if !needs.is_empty() {
        out.extend_from_slice(b",\"needs\":");
        write_str_list(out, needs);
    }
    if let Some(reason) = reason {
        out.extend_from_slice(b",\"reason\":");
        write_str(out, reason);
    }
    out.push(b'}');
}

fn write_by(out: &mut Vec<u8>, b: &By) {
    write_by_head(out, b);
    if let Some(value) = &b.value {
        out.extend_from_slice(b",\"value\":");
        write_val(out, value);
    }
    out.push(b'}');
}

/// A rule as results cite it, without its value and closing brace: the
/// part `result::fragments` keeps once per rule.
pub(crate) fn write_by_head(out: &mut Vec<u8>, b: &By) {
    let By {
        rule,
        rule_set,
        version,
        cite,
        value: _,
    } = b;
    out.extend_from_slice(b"{\"rule\":");
    write_str(out, rule);
    out.extend_from_slice(b",\"rule_set\":");
    write_str(out, rule_set);
    out.extend_from_slice(b",\"version\":");
    write_str(out, version);
    out.extend_from_slice(b",\"cite\":");
    write_str(out, cite);
}

fn write_trace_entry(out: &mut Vec<u8>, t: &TraceEntry) {
    let TraceEntry {
        rule_set,
        version,
        rule,
        cite,
        condition,
        needs,
        outcomes,
        overridden_for,
        detail,
    } = t;
    out.extend_from_slice(b"{\"rule_set\":");
    write_str(out, rule_set);
    out.extend_from_slice(b",\"version\":");
    write_str(out, version);
    out.extend_from_slice(b",\"rule\":");
    write_str(out, rule);
    if !cite.is_empty() {
        out.extend_from_slice(b",\"cite\":");
        write_str(out, cite);
    }
    out.extend_from_slice(b",\"condition\":");
    write_str(out, condition);
    if !needs.is_empty() {
        out.extend_from_slice(b",\"needs\":");
        write_str_list(out, needs);
    }
    if !outcomes.is_empty() {
        out.extend_from_slice(b",\"outcomes\":");
        write_str_list(out, outcomes);
    }
    if !overridden_for.is_empty() {
        out.extend_from_slice(b",\"overridden_for\":");
        write_str_list(out, overridden_for);
    }
    out.extend_from_slice(b",\"detail\":");
    write_str(out, detail);
    out.push(b'}');
}

/// A value as `Value`'s untagged serialisation writes it.
pub fn write_val(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::Date(d) => write_date(out, *d),
        Value::Str(s) => write_str(out, s),
        Value::List(items) => write_str_list(out, items),
    }
}

/// A list of strings as a JSON array. Generic over the item so that a
/// `Vec<String>` and a `Vec<Arc<str>>` are both written.
pub fn write_str_list<S: AsRef<str>>(out: &mut Vec<u8>, items: &[S]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, s.as_ref());
    }
    out.push(b']');
}

/// A date as chrono's serialisation writes it: a string of its `Display`
/// form, `YYYY-MM-DD` for the years 0 to 9999.
pub fn write_date(out: &mut Vec<u8>, d: NaiveDate) {
    let year = d.year();
    let (Ok(y @ 0..=9999), Ok(m), Ok(day)) = (
        u16::try_from(year),
        u8::try_from(d.month()),
        u8::try_from(d.day()),
    ) else {
        // A sign and five or more digits: rare enough for `Display`, which
        // is what chrono's serialisation writes. Writing to a `Vec` cannot
        // fail, so the result is ignored.
        let _ = write!(out, "\"{d}\"");
        return;
    };
    let digit = |n: u16| b'0' + (n % 10) as u8;
    out.extend_from_slice(&[
        b'"',
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        b'0' + m / 10,
        b'0' + m % 10,
        b'-',
        b'0' + day / 10,
        b'0' + day % 10,
        b'"',
    ]);
}

/// A string in quotes, escaped as serde_json escapes it.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_escaped(out, s.as_bytes());
    out.push(b'"');
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of some byte set if any byte of `word` is `"`, `\` or
/// below 0x20: the bytes JSON escapes. Exact for the word as a whole, which
/// is all the callers ask (a borrow can only mark bytes above one that
/// truly matched); which byte matched, `escape_bytes` finds by looking.
/// Byte order does not matter.
pub(crate) fn escape_mask(word: u64) -> u64 {
    // `"` (0x22) xor 0x02 is 0x20 and the bytes below 0x20 stay below it,
    // while no other byte goes below 0x21: one test of "below 0x21" finds
    // both. Subtracting 0x21 borrows into the high bit of such a byte; a
    // byte whose own high bit was set (non-ASCII) is excluded by `!y`.
    let y = word ^ (ONES * 0x02);
    let below = y.wrapping_sub(ONES * 0x21) & !y;
    // A zero byte after xor with the backslash.
    let z = word ^ (ONES * u64::from(b'\\'));
    let backslash = z.wrapping_sub(ONES) & !z;
    (below | backslash) & HIGHS
}

/// The word of eight bytes; none of them escaped if they are fewer, the
/// rest being filled with spaces.
fn word_of(part: &[u8]) -> u64 {
    let mut word = [b' '; 8];
    for (w, b) in word.iter_mut().zip(part) {
        *w = *b;
    }
    u64::from_ne_bytes(word)
}

/// Whether any of `part`'s first eight bytes is escaped.
fn dirty(part: &[u8]) -> bool {
    escape_mask(word_of(part)) != 0
}

/// Appends `bytes` escaped: clean runs are copied whole, and the scan
/// looks at sixteen bytes at a time, byte by byte only in a block that has
/// something to escape.
pub(crate) fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    // Start of the clean run not yet copied.
    let mut start = 0;
    let mut at = 0;
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        // Both words' masks before one branch: most blocks are clean.
        let dirty_block = match (block.first_chunk::<8>(), block.last_chunk::<8>()) {
            (Some(a), Some(b)) => {
                escape_mask(u64::from_ne_bytes(*a)) | escape_mask(u64::from_ne_bytes(*b)) != 0
            }
            // `chunks_exact(16)` gives sixteen bytes; were it ever not so,
            // looking at them one by one is slow but right.
            _ => true,
        };
        if dirty_block {
            escape_bytes(out, bytes, block, at, &mut start);
        }
        at += 16;
    }
    let rest = blocks.remainder();
    // The last fifteen bytes or fewer. In a string of eight bytes or more
    // the last eight are read as one word, overlapping bytes already seen,
    // rather than copied out: a byte of the overlap that was escaped makes
    // the tail look dirty, but `escape_bytes` then looks at `rest` alone,
    // so nothing is escaped twice.
    let tail_dirty = match bytes.last_chunk::<8>() {
        Some(last) => {
            escape_mask(u64::from_ne_bytes(*last)) != 0 || (rest.len() > 8 && dirty(rest))
        }
        None => dirty(rest),
    };
    if tail_dirty {
        escape_bytes(out, bytes, rest, at, &mut start);
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// Escapes the bytes of `part`, which starts at `at` in `bytes`, copying
/// the clean run before each escaped byte and moving `start` past it.
fn escape_bytes(out: &mut Vec<u8>, bytes: &[u8], part: &[u8], at: usize, start: &mut usize) {
    for (k, &b) in part.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x00..=0x1f => 0,
            _ => continue,
        };
        let i = at + k;
        out.extend_from_slice(bytes.get(*start..i).unwrap_or_default());
        *start = i + 1;
        if short == 0 {
            // serde_json writes other control bytes as `\u00XX`, lowercase.
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
    }
}

fn hex(n: u8) -> u8 {
    if n < 10 { b'0' + n } else { b'a' + n - 10 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    fn val_json(v: &Value) -> String {
        let mut out = Vec::new();
        write_val(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn date_json(d: NaiveDate) -> String {
        let mut out = Vec::new();
        write_date(&mut out, d);
        String::from_utf8(out).unwrap()
    }

    /// Strings built mostly of the bytes that matter: escapes, the bytes
    /// next to them, multi-byte characters, at lengths around a word.
    fn tricky_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just('"'),
            Just('\\'),
            Just('\u{0}'),
            Just('\u{1f}'),
            Just('\u{20}'),
            Just('\u{21}'),
            Just('\u{23}'),
            Just('\u{5b}'),
            Just('\u{5d}'),
            Just('\u{7f}'),
            Just('\u{80}'),
            Just('\u{a0}'),
            Just('\u{2028}'),
            Just('é'),
            Just('ә'),
            Just('😀'),
            (0u8..0x20).prop_map(char::from),
            any::<char>(),
            "[a-z ]".prop_map(|s| s.chars().next().unwrap_or('a')),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|cs| cs.into_iter().collect())
    }

    #[test]
    fn every_byte_alone_and_in_every_position_of_a_word_is_escaped_as_serde_escapes_it() {
        for c in (0u32..0x100).filter_map(char::from_u32) {
            for before in 0..18 {
                for after in [0, 1, 7, 8, 9] {
                    let s = format!("{}{c}{}", "a".repeat(before), "é".repeat(after));
                    assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn control_bytes_other_than_the_short_ones_are_written_as_lowercase_u_escapes() {
        assert_eq!(escaped("\u{1}\u{1b}\u{1f}"), r#""\u0001\u001b\u001f""#);
        assert_eq!(escaped("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(escaped("\u{7f}/é"), "\"\u{7f}/é\"");
    }

    #[test]
    fn the_word_test_finds_exactly_the_words_with_a_byte_to_escape() {
        let needs_escape = |word| escape_mask(word) != 0;
        for b in 0u8..=255 {
            for pos in 0..8 {
                for fill in [b'a', 0xff, 0x20, 0x80, b'"' + 1, b'\\' + 1] {
                    let mut word = [fill; 8];
                    word[pos] = b;
                    let want = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(needs_escape(u64::from_ne_bytes(word)), want, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn dates_of_every_year_shape_are_written_as_serde_writes_them() {
        for (y, m, d) in [
            (0, 1, 1),
            (9, 2, 3),
            (99, 12, 31),
            (999, 6, 30),
            (2024, 2, 29),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 1, 1),
            (-9999, 5, 5),
            (262_000, 1, 1),
            (-262_000, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(date_json(date), serde_json::to_string(&date).unwrap());
        }
    }

    #[test]
    fn values_of_every_variant_are_written_as_serde_writes_them() {
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(0),
            Value::Int(-1),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Date(NaiveDate::from_ymd_opt(2008, 2, 29).unwrap()),
            Value::Str(String::new()),
            Value::Str("say \"no\"\n".to_string()),
            Value::List(Vec::new()),
            Value::List(vec!["a".to_string(), "b\\c".to_string()]),
        ];
        for v in &values {
            assert_eq!(val_json(v), serde_json::to_string(v).unwrap());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_strings_are_escaped_as_serde_escapes_them(s in tricky_string()) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn arbitrary_unicode_strings_are_escaped_as_serde_escapes_them(s in any::<String>()) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn arbitrary_dates_are_written_as_serde_writes_them(
            days in NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce()
        ) {
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            prop_assert_eq!(date_json(date), serde_json::to_string(&date).unwrap());
        }

        #[test]
        fn arbitrary_values_are_written_as_serde_writes_them(v in arbitrary_val()) {
            prop_assert_eq!(val_json(&v), serde_json::to_string(&v).unwrap());
        }
    }

    fn arbitrary_val() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            (-400_000i32..400_000)
                .prop_filter_map("a date", |d| NaiveDate::from_num_days_from_ce_opt(d)
                    .map(Value::Date)),
            tricky_string().prop_map(Value::Str),
            prop::collection::vec(tricky_string(), 0..5).prop_map(Value::List),
        ]
    }
}
