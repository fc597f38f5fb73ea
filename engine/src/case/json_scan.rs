//! The quickest reading of a JSON case line: a scanner for the shape nearly
//! every line of an archive has (an object of an id, a date and groups of
//! facts whose values are `null`, booleans, integers, strings without
//! escapes and lists of such strings), straight from the bytes into the
//! case's slots (`json::DirectCase`), each value converted by the same
//! function as the other readers' (`convert`). Anything else (an escape, a
//! number with a fraction or an exponent, a nested object, a key given
//! twice, an unknown key, a value refused, bad JSON) makes it give up and
//! leave the line to the serde reader, which reads it or says precisely
//! what is wrong: so this accepts a subset of what that one accepts and
//! reads it the same way, which `tests` check on generated and mangled
//! lines. It exists because serde's general machinery, then looking each
//! key up, was most of the cost of reading a case. Keys are matched as
//! bytes against the one expected next, learnt from the lines before
//! (archives repeat one order of keys on every line), before any search;
//! allowed values are found by number (`Listed`), and plain dates read
//! without a string between.
//! Not here: messages, YAML, checks across facts.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::NaiveDate;

use crate::case::convert::{Given, convert_given, date_text};
use crate::case::json::DirectCase;
use crate::result::json::escape_mask;
use crate::rules::format::{NullMeans, ValueType};
use crate::rules::model::{FactDef, Value};
use crate::rules::tree::RuleTree;

/// A tree's keys and allowed values as the scanner looks them up: built
/// once per tree (`RuleTree::json_keys`).
pub(crate) struct JsonKeys {
    /// The keys of a case: `id`, `date` and the groups.
    top: Keys<Top>,
    /// By group number: the group's field names, to fact numbers.
    groups: Vec<Keys<usize>>,
    /// By fact number: the listed allowed values short enough to pack.
    listed: Vec<Listed>,
}

/// A fact's listed allowed values (its `values:` and its code list's
/// codes) of up to 15 bytes: found by one number each (`pack`) in a table
/// of at least twice as many places, not by comparing strings, and known
/// to be UTF-8 when found.
#[derive(Default)]
struct Listed {
    /// By `place`, then the next places along: a value packed and its
    /// place in `texts`, or `EMPTY`. Empty for a fact with no such values.
    table: Vec<(u128, usize)>,
    /// 64 less the bits of a place.
    shift: u32,
    texts: Vec<Box<str>>,
}

/// An empty place of `Listed::table`: no text packs to it (its length
/// byte would be 255).
const EMPTY: u128 = u128::MAX;

impl Listed {
    fn of(values: &[&str]) -> Listed {
        let mut texts: Vec<&str> = values.iter().copied().filter(|v| v.len() < 16).collect();
        texts.sort_unstable();
        texts.dedup();
        if texts.is_empty() {
            return Listed::default();
        }
        let bits = (texts.len() * 2).next_power_of_two().trailing_zeros();
        let mut listed = Listed {
            table: vec![(EMPTY, 0); 1 << bits],
            shift: 64 - bits,
            texts: texts.iter().map(|t| Box::from(*t)).collect(),
        };
        for (at, text) in texts.iter().enumerate() {
            let Some(packed) = pack(text.as_bytes()) else {
                continue;
            };
            let mut place = listed.place(packed);
            while let Some((key, value)) = listed.table.get_mut(place) {
                if *key == EMPTY {
                    (*key, *value) = (packed, at);
                    break;
                }
                place = (place + 1) % (1 << bits);
            }
        }
        listed
    }

    /// Where in `table` to look for `packed` first.
    #[inline]
    fn place(&self, packed: u128) -> usize {
        // Both halves folded and multiplied by a large odd number, whose
        // top bits are spread well (Fibonacci hashing).
        let folded = (packed as u64) ^ ((packed >> 64) as u64);
        (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The value `packed` packs, if it is one.
    #[inline]
    fn find(&self, packed: u128) -> Option<&str> {
        let mut place = self.place(packed);
        // The table is at most half full: an empty place ends the search.
        loop {
            let &(key, at) = self.table.get(place)?;
            if key == packed {
                return self.texts.get(at).map(AsRef::as_ref);
            }
            if key == EMPTY {
                return None;
            }
            place = (place + 1) % self.table.len();
        }
    }
}

/// What a key of a case is.
#[derive(Debug, Clone, Copy)]
enum Top {
    Id,
    Date,
    Group(usize),
}

/// Keys of one object, sorted by their bytes, each with the key expected
/// after it: a hint, never trusted without matching the bytes, so that
/// lines read at once by several threads only ever cost each other a
/// search.
struct Keys<T> {
    entries: Vec<Key<T>>,
    /// The entry expected first.
    first: AtomicU32,
}

struct Key<T> {
    /// The entry expected after this one: learnt from the last line that
    /// surprised it.
    next: AtomicU32,
    /// The key as a line mostly has it: quoted, then the colon.
    member: Pattern,
    /// The same after the comma that ends the member before.
    after_comma: Pattern,
    /// The key's name.
    name: Box<[u8]>,
    target: T,
}

impl<T> Key<T> {
    fn new(name: &str, target: T, next: usize) -> Key<T> {
        Key {
            next: AtomicU32::new(u32::try_from(next).unwrap_or(u32::MAX)),
            member: Pattern::new(format!("\"{name}\":").into_bytes()),
            after_comma: Pattern::new(format!(",\"{name}\":").into_bytes()),
            name: name.as_bytes().into(),
            target,
        }
    }
}

/// Bytes a line is expected to have next.
struct Pattern {
    bytes: Box<[u8]>,
    /// The first 32 bytes as two numbers, the first byte lowest, and the
    /// masks of those that are the pattern's: compared with the line's
    /// next 32 bytes at once, not byte by byte. `None` for a pattern
    /// longer than 32 bytes.
    words: Option<[(u128, u128); 2]>,
}

impl Pattern {
    fn new(bytes: Vec<u8>) -> Pattern {
        let part = |from: usize| {
            let (mut word, mut mask) = ([0u8; 16], [0u8; 16]);
            let part = bytes.get(from..).unwrap_or_default();
            for ((w, m), byte) in word.iter_mut().zip(&mut mask).zip(part) {
                (*w, *m) = (*byte, 0xff);
            }
            (u128::from_le_bytes(word), u128::from_le_bytes(mask))
        };
        Pattern {
            words: (bytes.len() <= 32).then(|| [part(0), part(16)]),
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// Whether `rest` starts with the pattern.
    #[inline]
    fn starts(&self, rest: &[u8]) -> bool {
        if let (Some([(head, head_mask), (tail, tail_mask)]), Some((line_head, line_tail))) =
            (self.words, rest.split_first_chunk::<16>())
            && let Some(line_tail) = line_tail.first_chunk::<16>()
        {
            let head = (u128::from_le_bytes(*line_head) ^ head) & head_mask;
            let tail = (u128::from_le_bytes(*line_tail) ^ tail) & tail_mask;
            return head | tail == 0;
        }
        // A longer pattern, or the end of the line near.
        rest.starts_with(&self.bytes)
    }
}

impl JsonKeys {
    pub(crate) fn of(tree: &RuleTree) -> JsonKeys {
        let mut top = vec![("id", Top::Id), ("date", Top::Date)];
        top.extend(
            tree.groups
                .iter()
                .enumerate()
                .map(|(g, name)| (name.as_str(), Top::Group(g))),
        );
        let groups = tree
            .group_fields
            .iter()
            .map(|fields| {
                Keys::of(
                    fields
                        .iter()
                        .map(|(name, id)| (name.as_str(), *id))
                        .collect(),
                )
            })
            .collect();
        let listed = tree
            .fact_defs
            .iter()
            .map(|def| Listed::of(&def.listed().collect::<Vec<_>>()))
            .collect();
        JsonKeys {
            top: Keys::of(top),
            groups,
            listed,
        }
    }

    /// The listed value of fact `id` whose bytes `packed` packs, if any.
    #[inline]
    fn listed(&self, id: usize, packed: impl FnOnce() -> Option<u128>) -> Option<&str> {
        let listed = self.listed.get(id)?;
        if listed.table.is_empty() {
            return None;
        }
        listed.find(packed()?)
    }

    /// Whether `s` is an allowed value of fact `id` (declared `def`):
    /// exactly `def.allows(s)`, a listed value found without comparing
    /// strings.
    #[inline]
    fn allows(&self, id: usize, def: &FactDef, s: &str) -> bool {
        self.listed(id, || pack(s.as_bytes())).is_some() || def.allows(s)
    }
}

impl<T: Copy> Keys<T> {
    /// `names` in the order their bytes sort, the first of a name given
    /// twice kept; each expected after the one before it, the order most
    /// writers (serde_json's maps among them) put keys in.
    fn of(mut names: Vec<(&str, T)>) -> Keys<T> {
        // A name JSON must escape is never matched by its bytes: the
        // scanner leaves a line with an escape to serde.
        names.retain(|(name, _)| name.bytes().all(|b| b != b'"' && b != b'\\' && b >= 0x20));
        names.sort_by(|a, b| a.0.cmp(b.0));
        names.dedup_by(|later, first| later.0 == first.0);
        let entries: Vec<Key<T>> = names
            .into_iter()
            .enumerate()
            .map(|(i, (name, target))| Key::new(name, target, i + 1))
            .collect();
        Keys {
            entries,
            first: AtomicU32::new(0),
        }
    }

    /// The entry named `name`.
    fn find(&self, name: &[u8]) -> Option<usize> {
        self.entries
            .binary_search_by(|k| k.name.as_ref().cmp(name))
            .ok()
    }
}

/// Text of up to 15 bytes as one number (the bytes, then the length in
/// the last byte): equal numbers, equal texts.
#[inline]
fn pack(s: &[u8]) -> Option<u128> {
    let len = u8::try_from(s.len()).ok().filter(|&l| l < 16)?;
    let mut word = [0u8; 16];
    for (w, b) in word.iter_mut().zip(s) {
        *w = *b;
    }
    word[15] = len;
    Some(u128::from_le_bytes(word))
}

/// The case in `bytes`, or `None` where the serde reader must look.
/// The bytes need not be known to be UTF-8: a line the scanner reads is,
/// for every byte of it is ASCII it checked, or in a key it found equal
/// to a declared one, or in a string it found equal to a listed value or
/// checked as UTF-8.
pub(super) fn scan(tree: &RuleTree, bytes: &[u8]) -> Option<DirectCase> {
    let keys = tree.json_keys();
    let mut s = Scanner { bytes, at: 0 };
    let mut id = None;
    let mut date = None;
    // Groups given, by number: a tree of more than 128 groups is left to
    // serde.
    let mut groups_seen: u128 = 0;
    let mut slots = Slots::new(tree.fact_names.len());
    s.expect(b'{')?;
    if s.peek()? == b'}' {
        s.at += 1;
    } else {
        let mut key = s.key(&keys.top, &keys.top.first)?;
        loop {
            match key.target {
                Top::Id if id.is_none() => id = Some(s.id()?),
                Top::Date if date.is_none() => date = Some(s.date()?),
                Top::Group(g) => {
                    let bit = 1u128.checked_shl(u32::try_from(g).ok()?)?;
                    if groups_seen & bit != 0 {
                        return None;
                    }
                    groups_seen |= bit;
                    s.at = Scanner::group(s.bytes, s.at, tree, keys, g, &mut slots)?;
                }
                // Given twice.
                _ => return None,
            }
            match s.next_key(&keys.top, &key.next, b'}')? {
                Some(next) => key = next,
                None => break,
            }
        }
    }
    s.skip_space();
    if s.at != s.bytes.len() {
        return None;
    }
    Some(DirectCase {
        id,
        date,
        values: slots.finish(tree),
    })
}

/// Where the scanner is in a line. Copied, not lent, to readings kept out
/// of line (`rarely`, `group`): never lent to a call, it stays in
/// registers.
#[derive(Clone, Copy)]
struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
}

/// `read` run on `s`, and `s` as it left it: a call not inlined, for the
/// rarer readings (`Scanner::rarely`).
#[inline(never)]
fn out_of_line<'t, R>(
    mut s: Scanner<'t>,
    read: impl FnOnce(&mut Scanner<'t>) -> Option<R>,
) -> Option<(R, Scanner<'t>)> {
    let read = read(&mut s)?;
    Some((read, s))
}

impl<'t> Scanner<'t> {
    /// `read` run out of line on a copy of the scanner, which it then
    /// follows.
    #[inline(always)]
    fn rarely<R>(&mut self, read: impl FnOnce(&mut Scanner<'t>) -> Option<R>) -> Option<R> {
        let (read, next) = out_of_line(*self, read)?;
        *self = next;
        Some(read)
    }

    /// Skips what JSON counts as white space (and nothing else).
    #[inline]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        // Most lines have no space between tokens.
        let b = *self.bytes.get(self.at)?;
        if b > b' ' {
            return Some(b);
        }
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// After a member or an item: `true` for a comma (another follows),
    /// `false` for `close`; anything else gives up.
    #[inline]
    fn next_or_close(&mut self, close: u8) -> Option<bool> {
        let b = self.peek()?;
        self.at += 1;
        if b == b',' {
            Some(true)
        } else if b == close {
            Some(false)
        } else {
            None
        }
    }

    /// A key of `keys` and its colon, the one `hint` names expected: its
    /// bytes are compared with the line's, then, for a key left out, those
    /// of the key expected after it, and so on a few times; only if none
    /// is there (or space comes before the colon) is the key read and
    /// looked up, and expected there from then on. Unknown keys give up.
    #[inline]
    fn key<'k, T: Copy>(&mut self, keys: &'k Keys<T>, hint: &AtomicU32) -> Option<&'k Key<T>> {
        if self.peek()? != b'"' {
            return None;
        }
        if let Some(k) = self.expected(keys, hint, |k| &k.member) {
            return Some(k);
        }
        self.rarely(|s| {
            s.at += 1;
            let found = keys.find(s.string_rest()?)?;
            hint.store(u32::try_from(found).ok()?, Ordering::Relaxed);
            s.expect(b':')?;
            keys.entries.get(found)
        })
    }

    /// After a member of an object that `close` closes: the next member's
    /// key (`Some(None)`: the object closed), its comma and key matched at
    /// once where nothing comes between them.
    #[inline]
    fn next_key<'k, T: Copy>(
        &mut self,
        keys: &'k Keys<T>,
        hint: &AtomicU32,
        close: u8,
    ) -> Option<Option<&'k Key<T>>> {
        if self.bytes.get(self.at) == Some(&b',')
            && let Some(k) = self.expected(keys, hint, |k| &k.after_comma)
        {
            return Some(Some(k));
        }
        if !self.next_or_close(close)? {
            return Some(None);
        }
        self.key(keys, hint).map(Some)
    }

    /// The key `hint` names, or for a key left out the one expected after
    /// it, and so on a few times, if the line has its `pattern` next; then
    /// the line is read past it. Nothing is read otherwise.
    #[inline]
    fn expected<'k, T>(
        &mut self,
        keys: &'k Keys<T>,
        hint: &AtomicU32,
        pattern: impl Fn(&Key<T>) -> &Pattern,
    ) -> Option<&'k Key<T>> {
        let rest = self.bytes.get(self.at..)?;
        let mut expected = hint.load(Ordering::Relaxed) as usize;
        for _ in 0..4 {
            let k = keys.entries.get(expected)?;
            let p = pattern(k);
            if p.starts(rest) {
                self.at += p.bytes.len();
                return Some(k);
            }
            expected = k.next.load(Ordering::Relaxed) as usize;
        }
        None
    }

    /// A string without escapes or control characters, borrowed; UTF-8,
    /// or the scanner gives up.
    #[inline]
    fn string(&mut self) -> Option<&'t str> {
        self.expect(b'"')?;
        std::str::from_utf8(self.string_rest()?).ok()
    }

    /// The bytes of a string whose opening quote was read.
    #[inline]
    fn string_rest(&mut self) -> Option<&'t [u8]> {
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        // Eight bytes a step to the first byte JSON escapes (`"`, `\`,
        // control characters), whose lowest is exact (result::json); the
        // string must end there, at a quote.
        let mut len = 0;
        while let Some(chunk) = rest.get(len..len + 8) {
            let mask = escape_mask(u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?));
            if mask != 0 {
                len += (mask.trailing_zeros() / 8) as usize;
                return self.string_end(start, len);
            }
            len += 8;
        }
        len += rest
            .get(len..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        self.string_end(start, len)
    }

    /// The string of `len` bytes from `start`, if a quote closes it there.
    #[inline]
    fn string_end(&mut self, start: usize, len: usize) -> Option<&'t [u8]> {
        let end = start + len;
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        let s = self.bytes.get(start..end)?;
        self.at = end + 1;
        Some(s)
    }

    /// `pack(bytes)` for `bytes` read from `start`: the line's next 16
    /// bytes, those past `bytes` masked off, where the line has them.
    #[inline]
    fn pack_at(&self, start: usize, bytes: &[u8]) -> Option<u128> {
        let len = bytes.len();
        if len > 15 {
            return None;
        }
        match self.bytes.get(start..start + 16) {
            Some(word) => {
                let word = u128::from_le_bytes(<[u8; 16]>::try_from(word).ok()?);
                let mask = (1u128 << (8 * len)) - 1;
                Some(word & mask | (len as u128) << 120)
            }
            None => pack(bytes),
        }
    }

    /// A date written exactly `"YYYY-MM-DD"`, without reading it as a
    /// string first; `None` (nothing read) for anything else, a day not
    /// of the calendar included, which `date_text` then decides.
    #[inline]
    fn plain_date(&mut self) -> Option<NaiveDate> {
        // `"YYYY-MM` and `-DD"` as two numbers, the first byte lowest.
        let b = self.bytes.get(self.at..self.at + 12)?;
        let head = u64::from_le_bytes(<[u8; 8]>::try_from(b.get(..8)?).ok()?);
        let tail = u32::from_le_bytes(<[u8; 4]>::try_from(b.get(8..)?).ok()?);
        // The quotes and dashes in their places, and a digit, 0x30 to
        // 0x39, in every other: its high half 3, and still 3 with 6 added
        // (which carries into the high half from 0x3a up, and never out of
        // the byte).
        const HEAD_DIGITS: u64 = 0xffff_00ff_ffff_ff00;
        const TAIL_DIGITS: u32 = 0x00ff_ff00;
        let is_digits = |word: u64, digits: u64| {
            let high = 0xf0f0_f0f0_f0f0_f0f0 & digits;
            let threes = 0x3030_3030_3030_3030 & digits;
            word & high == threes
                && word.wrapping_add(0x0606_0606_0606_0606 & digits) & high == threes
        };
        if head & !HEAD_DIGITS != u64::from_le_bytes(*b"\"\0\0\0\0-\0\0")
            || tail & !TAIL_DIGITS != u32::from_le_bytes(*b"-\0\0\"")
            || !is_digits(head, HEAD_DIGITS)
            || !is_digits(u64::from(tail), u64::from(TAIL_DIGITS))
        {
            return None;
        }
        let digit = |word: u64, at: u32| ((word >> (8 * at)) & 0x0f) as u32;
        let year =
            ((digit(head, 1) * 10 + digit(head, 2)) * 10 + digit(head, 3)) * 10 + digit(head, 4);
        let month = digit(head, 6) * 10 + digit(head, 7);
        let day = digit(u64::from(tail), 1) * 10 + digit(u64::from(tail), 2);
        let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
        self.at += 12;
        Some(date)
    }

    /// The case's `date`: a date as `date_text` reads one.
    fn date(&mut self) -> Option<NaiveDate> {
        if self.peek()? == b'"'
            && let Some(d) = self.plain_date()
        {
            return Some(d);
        }
        self.rarely(|s| date_text(Some(s.string()?)).ok())
    }

    /// `true`, `false` or `null`, whose first byte was seen.
    #[inline]
    fn word<const N: usize>(&mut self, word: &[u8; N]) -> Option<()> {
        let end = self.at + N;
        // Compared as an array of known length: no call to compare.
        let found = <&[u8; N]>::try_from(self.bytes.get(self.at..end)?).ok()?;
        (found == word).then(|| self.at = end)
    }

    /// An integer of up to 18 digits, as serde reads one; a fraction, an
    /// exponent, a leading zero or more digits give up.
    #[inline]
    fn integer(&mut self) -> Option<i64> {
        let negative = self.bytes.get(self.at) == Some(&b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let mut n: i64 = 0;
        while let Some(&d @ b'0'..=b'9') = self.bytes.get(self.at) {
            // Eighteen digits always fit; a nineteenth might not.
            if self.at - start == 18 {
                return None;
            }
            n = n * 10 + i64::from(d - b'0');
            self.at += 1;
        }
        let digits = self.at - start;
        if digits == 0 || (digits > 1 && self.bytes.get(start) == Some(&b'0')) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.bytes.get(self.at) {
            return None;
        }
        // `-0` is left to serde, which reads it as a float.
        if negative && n == 0 {
            return None;
        }
        Some(if negative { -n } else { n })
    }

    /// A case's id: a string, or an integer written as its digits.
    fn id(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' => self.rarely(|s| s.string().map(str::to_string)),
            b'-' | b'0'..=b'9' => self.rarely(|s| s.integer().map(|n| n.to_string())),
            _ => None,
        }
    }

    /// The value of fact `id`, declared `def`, converted as `convert`
    /// converts it, into `slots`: `None` where it is refused (or not
    /// read, or the fact was given already).
    #[inline]
    fn fact(&mut self, keys: &JsonKeys, id: usize, def: &FactDef, slots: &mut Slots) -> Option<()> {
        let mut listed = None;
        let given = match self.peek()? {
            b'n' => {
                self.word(b"null")?;
                Given::Null
            }
            b't' => {
                self.word(b"true")?;
                Given::Bool(true)
            }
            b'f' => {
                self.word(b"false")?;
                Given::Bool(false)
            }
            b'"' => match def.ty {
                // Already a date: `convert` takes it as `date_text` would
                // have read the text.
                ValueType::Date => match self.plain_date() {
                    Some(d) => Given::Date(d),
                    None => Given::Str(self.rarely(Scanner::string)?),
                },
                _ => {
                    self.at += 1;
                    let start = self.at;
                    let bytes = self.string_rest()?;
                    // A listed value is text already checked, and allowed.
                    listed = keys.listed(id, || self.pack_at(start, bytes));
                    Given::Str(match listed {
                        Some(s) => s,
                        None => std::str::from_utf8(bytes).ok()?,
                    })
                }
            },
            b'-' | b'0'..=b'9' => Given::Int(Some(self.rarely(Scanner::integer)?)),
            b'[' => Given::List(self.rarely(Scanner::list)?),
            _ => return None,
        };
        let allows =
            |s: &str| listed.is_some_and(|l| std::ptr::eq(l, s)) || keys.allows(id, def, s);
        match convert_given(given, def, "", allows) {
            Ok(Some(value)) => slots.give(id, value),
            Ok(None) => slots.give_unknown(id),
            Err(_) => None,
        }
    }

    /// A list of strings, whose `[` is next.
    fn list(&mut self) -> Option<Vec<Option<&'t str>>> {
        self.at += 1;
        let mut items = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
        } else {
            loop {
                items.push(Some(self.string()?));
                if !self.next_or_close(b']')? {
                    break;
                }
            }
        }
        Some(items)
    }

    /// Group `g`'s object of facts (or `null`), into `slots`; the scanner
    /// after it. Out of line, and given the scanner's parts: a scanner
    /// passed whole would be read and written in memory.
    #[inline(never)]
    fn group(
        bytes: &'t [u8],
        at: usize,
        tree: &RuleTree,
        keys: &JsonKeys,
        g: usize,
        slots: &mut Slots,
    ) -> Option<usize> {
        let mut s = Scanner { bytes, at };
        s.group_members(tree, keys, g, slots)?;
        Some(s.at)
    }

    /// The body of `group`.
    #[inline(always)]
    fn group_members(
        &mut self,
        tree: &RuleTree,
        keys: &JsonKeys,
        g: usize,
        slots: &mut Slots,
    ) -> Option<()> {
        match self.peek()? {
            b'n' => return self.word(b"null"),
            b'{' => self.at += 1,
            _ => return None,
        }
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        let fields = keys.groups.get(g)?;
        let mut key = self.key(fields, &fields.first)?;
        loop {
            let id = key.target;
            let def = tree.fact_defs.get(id)?;
            self.fact(keys, id, def, slots)?;
            match self.next_key(fields, &key.next, b'}')? {
                Some(next) => key = next,
                None => return Some(()),
            }
        }
    }
}

/// A case's facts by number as the scanner reads them.
struct Slots {
    values: Vec<Option<Value>>,
    /// Facts given a `null` that means unknown: held as `Some(Null)`
    /// while the line is read, so that one given again is seen as given
    /// twice, and left out (`None`) at the end. The first few by number;
    /// past them, `finish` looks at every slot.
    unknown: [usize; 8],
    unknown_count: usize,
}

impl Slots {
    fn new(facts: usize) -> Slots {
        Slots {
            // Not `vec![None; n]`, which clones `None` into each slot.
            values: std::iter::repeat_with(|| None).take(facts).collect(),
            unknown: [0; 8],
            unknown_count: 0,
        }
    }

    /// Gives fact `id` `value`; `None` if the fact was given already.
    #[inline]
    fn give(&mut self, id: usize, value: Value) -> Option<()> {
        let slot = self.values.get_mut(id)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some(value);
        Some(())
    }

    /// Gives fact `id` a `null` that means unknown; `None` if the fact was
    /// given already.
    fn give_unknown(&mut self, id: usize) -> Option<()> {
        self.give(id, Value::Null)?;
        if let Some(unknown) = self.unknown.get_mut(self.unknown_count) {
            *unknown = id;
        }
        self.unknown_count += 1;
        Some(())
    }

    /// The facts read, a `null` meaning unknown left out.
    fn finish(mut self, tree: &RuleTree) -> Vec<Option<Value>> {
        match self.unknown.get(..self.unknown_count) {
            Some(unknown) => {
                for &id in unknown {
                    if let Some(slot) = self.values.get_mut(id) {
                        *slot = None;
                    }
                }
            }
            // More than were listed: a fact whose `null` means unknown
            // holds `Null` only as a mark.
            None => {
                for (slot, def) in self.values.iter_mut().zip(&tree.fact_defs) {
                    if def.null_means == NullMeans::Unknown && *slot == Some(Value::Null) {
                        *slot = None;
                    }
                }
            }
        }
        self.values
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    use serde_json::Value as Json;

    use super::{Scanner, pack, scan};
    use crate::case::json::read_direct_serde;
    use crate::case::json::tests::synthetic;
    use crate::rules::format::NullMeans;
    use crate::rules::tree::RuleTree;

    use crate::case::generator;

    use crate::testing::shipped;

    /// Fails where the scanner reads `line` at all but not as serde does.
    fn agrees(tree: &RuleTree, line: &str) -> bool {
        match scan(tree, line.as_bytes()) {
            Some(parts) => {
                assert_eq!(
                    Some(&parts),
                    read_direct_serde(tree, line).as_ref(),
                    "{line}"
                );
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_scanner_reads_every_generated_case_as_the_serde_reader_does() {
        let tree = shipped();
        let lines = generator::json_lines(3000, 17);
        let read = lines.iter().filter(|l| agrees(tree, l)).count();
        // Generated lines are the plain shape the scanner is for.
        assert_eq!(read, lines.len());
    }

    #[test]
    fn the_scanner_leaves_escapes_fractions_nesting_and_repeats_to_serde() {
        let tree = shipped();
        for line in [
            r#"{"id":"a\"b","date":"2005-01-01"}"#,
            r#"{"id":"a","date":"2005-01-01","person":{"married":1.5}}"#,
            r#"{"id":"a","date":"2005-01-01","person":{"married":1e3}}"#,
            r#"{"id":"a","date":"2005-01-01","person":{"married":-0}}"#,
            r#"{"id":"a","date":"2005-01-01","person":{"married":012}}"#,
            r#"{"id":"a","date":"2005-01-01","person":{"citizenship":{"x":1}}}"#,
            r#"{"id":"a","id":"b","date":"2005-01-01"}"#,
            r#"{"id":"a","date":"2005-01-01",}"#,
            r#"{"id":"a","date":"2005-01-01"} x"#,
            "{\"id\":\"a\u{1}\",\"date\":\"2005-01-01\"}",
            r#"{"id":1.0,"date":"2005-01-01"}"#,
            r#"{"id":-0,"date":"2005-01-01"}"#,
            r#"{"id":007,"date":"2005-01-01"}"#,
            r#"{"id":123456789012345678901,"date":"2005-01-01"}"#,
            r#"{"id":9999999999999999999,"date":"2005-01-01"}"#,
            r#"{"id":-9999999999999999999,"date":"2005-01-01"}"#,
        ] {
            assert!(!agrees(tree, line), "the scanner read {line}");
        }
        // And reads the plain ones, spaces and integer ids included.
        for line in [
            r#" { "id" : 7 , "date" : "2005-01-01" , "person" : null } "#,
            r#"{"id":-7,"date":"2005-01-01","person":{}}"#,
            r#"{"id":999999999999999999,"date":"2005-01-01"}"#,
            "{\"id\":\"a\",\r\n\t\"date\":\"2005-01-01\"}",
        ] {
            assert!(agrees(tree, line), "the scanner gave up on {line}");
        }
    }

    /// `value` written with the keys of every object in an order drawn
    /// from `seed`.
    fn shuffled(value: &Json, seed: u64) -> String {
        fn write(value: &Json, rng: &mut rand::rngs::StdRng) -> String {
            match value {
                Json::Object(map) => {
                    let mut members: Vec<(&String, &Json)> = map.iter().collect();
                    members.shuffle(rng);
                    let members: Vec<String> = members
                        .into_iter()
                        .map(|(k, v)| format!("{}:{}", Json::from(k.as_str()), write(v, rng)))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }
                other => other.to_string(),
            }
        }
        write(value, &mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    #[test]
    fn lines_whose_keys_change_order_from_line_to_line_are_all_read_as_serde_reads_them() {
        let tree = shipped();
        let lines = generator::json_lines(300, 5);
        // Each line in its own order, then in the sorted order again, then
        // in one order kept for several lines: the keys expected follow.
        for (i, line) in lines.iter().enumerate() {
            let value: Json = serde_json::from_str(line).unwrap();
            let own = shuffled(&value, i as u64);
            let kept = shuffled(&value, 99);
            for text in [&own, line, &kept, &kept, line] {
                assert!(agrees(tree, text), "the scanner gave up on {text}");
            }
        }
    }

    #[test]
    fn unknown_and_repeated_keys_are_left_to_serde_whatever_order_came_before() {
        let tree = shipped();
        let plain = r#"{"date":"2005-01-01","id":"a","person":{"birth_date":"1990-01-01","married":true},"trip":{"direction":"exit"}}"#;
        for line in [
            r#"{"date":"2005-01-01","id":"a","persons":{}}"#,
            r#"{"date":"2005-01-01","idx":"a"}"#,
            r#"{"date":"2005-01-01","i":"a"}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"birth_date_x":"1990-01-01"}}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"birth":"1990-01-01"}}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"married":true,"married":true}}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"married":true,"birth_date":"1990-01-01","married":true}}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"married":null,"married":true}}"#,
            r#"{"date":"2005-01-01","id":"a","person":{},"person":{}}"#,
            r#"{"date":"2005-01-01","id":"a","person":null,"person":null}"#,
            r#"{"date":"2005-01-01","id":"a","date":"2005-01-01"}"#,
            r#"{"date":"2005-01-01","id":"a","id":"a"}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"married":true},"trip":{"married":true}}"#,
            r#"{"date":"2005-01-01","id":"a","person":{"marr"#,
            r#"{"date":"2005-01-01","id":"a","person":{"married"#,
            r#"{"date":"2005-01-01","id":"a","person":{"married""#,
        ] {
            // Whatever the scanner expects after the line before.
            assert!(agrees(tree, plain), "the scanner gave up on {plain}");
            assert!(!agrees(tree, line), "the scanner read {line}");
            assert!(
                !agrees(tree, line),
                "the scanner read {line} the second time"
            );
        }
        // Spaces around keys, and keys in an order not expected.
        for line in [
            r#"{ "date" : "2005-01-01" , "id" : "a" , "person" : { "married" : true , "birth_date" : "1990-01-01" } }"#,
            r#"{"trip":{"direction":"exit"},"person":{"married":true},"id":"a","date":"2005-01-01"}"#,
        ] {
            assert!(agrees(tree, line), "the scanner gave up on {line}");
            assert!(agrees(tree, plain), "the scanner gave up on {plain}");
        }
    }

    #[test]
    fn dates_in_any_other_form_than_plain_digits_are_decided_as_date_text_decides() {
        let tree = shipped();
        let read = ["2004-02-29", "0000-01-01", "9999-12-31", "2005-12-01"];
        let refused = [
            "2005-02-30",
            "2005-13-01",
            "2005-00-10",
            "2005-6-1",
            "2005-06-1",
            "05-06-10",
            "12005-06-10",
            "2005-06-10 ",
            " 2005-06-10",
            "2005/06/10",
            "2005-06-1a",
            "2005-0a-10",
            "200a-06-10",
            "+005-06-10",
            "-005-06-10",
            "2005\u{2010}06-10",
            "２００５-06-10",
            "",
        ];
        for date in read.iter().chain(&refused) {
            let as_fact = format!(r#"{{"date":"2005-01-01","person":{{"birth_date":"{date}"}}}}"#);
            let as_case_date = format!(r#"{{"date":"{date}","person":{{"married":true}}}}"#);
            for line in [as_fact, as_case_date] {
                assert_eq!(agrees(tree, &line), read.contains(date), "{line}");
            }
        }
        // A number is no date.
        assert!(!agrees(tree, r#"{"person":{"birth_date":20050610}}"#));
    }

    #[test]
    fn nulls_meaning_unknown_are_left_out_however_many_a_line_gives() {
        let tree = shipped();
        // Every fact `null`, then only a few: more and fewer than the
        // scanner marks one by one.
        for every in [1, 4, 9] {
            let mut groups: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
            for name in tree.facts.keys().step_by(every) {
                let (group, field) = name.split_once('.').unwrap();
                groups
                    .entry(group)
                    .or_default()
                    .push(format!("\"{field}\":null"));
            }
            let members: Vec<String> = groups
                .iter()
                .map(|(g, fields)| format!("\"{g}\":{{{}}}", fields.join(",")))
                .collect();
            let line = format!("{{\"date\":\"2005-01-01\",{}}}", members.join(","));
            assert!(agrees(tree, &line), "the scanner gave up on {line}");
            let read = scan(tree, line.as_bytes()).unwrap();
            for (i, (def, value)) in tree.fact_defs.iter().zip(&read.values).enumerate() {
                let given = i % every == 0;
                let none = def.null_means == NullMeans::None;
                assert_eq!(value.is_some(), given && none, "{}", def.name);
            }
        }
    }

    #[test]
    fn a_fact_given_twice_is_left_to_serde_whatever_it_was_given_first() {
        let tree = shipped();
        let (none, _) = tree
            .facts
            .iter()
            .find(|(_, d)| d.null_means == NullMeans::None)
            .unwrap();
        let (group, none) = none.split_once('.').unwrap();
        for (first, second) in [("null", "true"), ("true", "null"), ("null", "null")] {
            let line = format!(r#"{{"person":{{"married":{first},"married":{second}}}}}"#);
            assert!(!agrees(tree, &line), "the scanner read {line}");
        }
        for (first, second) in [("null", "\"2005-01-01\""), ("null", "null")] {
            let line = format!(r#"{{"{group}":{{"{none}":{first},"{none}":{second}}}}}"#);
            assert!(!agrees(tree, &line), "the scanner read {line}");
        }
    }

    #[test]
    fn a_value_packed_where_it_stands_in_the_line_is_packed_as_alone() {
        let letters = "abcdefghijklmnopqrstuvwxyz";
        for len in 0..=17 {
            for after in ["", "\"", "\"}", "\",\"x\":true}}", "\"}}                 "] {
                let text = &letters[..len];
                let line = format!("\"{text}{after}");
                let scanner = Scanner {
                    bytes: line.as_bytes(),
                    at: 0,
                };
                assert_eq!(
                    scanner.pack_at(1, text.as_bytes()),
                    pack(text.as_bytes()),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn the_prepared_sets_allow_exactly_what_the_declarations_allow() {
        for tree in [shipped(), &synthetic()] {
            let keys = tree.json_keys();
            let mut texts: Vec<String> = ["", "a", "KZ", "kz", "KAZ", "NOR", "AB1", "AB12", "é"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            for def in &tree.fact_defs {
                for v in def.listed() {
                    texts.extend([
                        v.to_string(),
                        v.to_uppercase(),
                        v.to_lowercase(),
                        format!("{v}x"),
                        format!("x{v}"),
                        format!("{v}\0"),
                        v.chars().skip(1).collect(),
                    ]);
                }
            }
            for (id, def) in tree.fact_defs.iter().enumerate() {
                for text in &texts {
                    assert_eq!(
                        keys.allows(id, def, text),
                        def.allows(text),
                        "{} {text}",
                        def.name
                    );
                }
            }
        }
        // Texts of up to 15 bytes pack apart; longer ones do not pack.
        assert_ne!(pack(b"a"), pack(b"a\0"));
        assert_ne!(pack(b""), pack(b"\0"));
        assert_eq!(pack(&[b'x'; 16]), None);
        assert!(pack(&[b'x'; 15]).is_some());
    }

    proptest! {
        /// Generated lines with bytes changed, cut or repeated: whatever
        /// the scanner reads, it reads as serde does.
        #[test]
        fn a_mangled_line_is_either_left_to_serde_or_read_as_serde_reads_it(
            seed in 0u64..500,
            at in 0usize..2000,
            len in 0usize..40,
            byte in prop::sample::select(b"\"\\,:{}[]0123456789-.eE ntf\t\n".to_vec()),
            how in 0u8..4,
        ) {
            let tree = shipped();
            let line = generator::json_lines(1, seed).pop().unwrap_or_default();
            let mut b = line.into_bytes();
            let at = at.min(b.len());
            match how {
                0 => b.insert(at, byte),
                1 => { if at < b.len() { b[at] = byte; } }
                2 => { let end = (at + len).min(b.len()); b.drain(at..end); }
                _ => { let end = (at + len).min(b.len()); let part = b[at..end].to_vec(); b.splice(at..at, part); }
            }
            match String::from_utf8(b) {
                Ok(text) => {
                    agrees(tree, &text);
                }
                Err(e) => prop_assert!(scan(tree, e.as_bytes()).is_none()),
            }
        }

        /// Generated lines with a byte that is not ASCII put in anywhere,
        /// or one of their characters cut: a line the scanner reads is
        /// UTF-8, and read as serde reads it.
        #[test]
        fn a_line_that_is_not_utf8_is_never_read(
            seed in 0u64..500,
            at in 0usize..2000,
            byte in 0x80u8..=0xff,
            text in "[a-zé€😀]{0,3}",
        ) {
            let tree = shipped();
            let line = generator::json_lines(1, seed).pop().unwrap_or_default();
            // Into a string value, and into the last key.
            let line = line.replacen("ordinary", &format!("ordinary{text}"), 1);
            let line = line.replacen("visa", &format!("vi{text}sa"), 1);
            let mut b = line.into_bytes();
            let at = at.min(b.len());
            b.insert(at, byte);
            match String::from_utf8(b) {
                Ok(text) => {
                    agrees(tree, &text);
                }
                Err(e) => prop_assert!(scan(tree, e.as_bytes()).is_none()),
            }
            // A character's bytes cut anywhere.
            let multi = format!("{{\"id\":\"{text}\",\"trip\":{{\"purpose\":\"work\"}}}}");
            let bytes = multi.as_bytes();
            for cut in 0..bytes.len() {
                let mut b = bytes.to_vec();
                b.remove(cut);
                match String::from_utf8(b) {
                    Ok(t) => {
                        agrees(tree, &t);
                    }
                    Err(e) => prop_assert!(scan(tree, e.as_bytes()).is_none()),
                }
            }
        }

        /// Generated lines with their keys in any order, read one after
        /// another: each is read, and as serde reads it.
        #[test]
        fn a_generated_line_in_any_order_of_keys_is_read_as_serde_reads_it(
            seed in 0u64..500,
            orders in prop::collection::vec(0u64..1000, 1..4),
        ) {
            let tree = shipped();
            let line = generator::json_lines(1, seed).pop().unwrap_or_default();
            let value: Json = serde_json::from_str(&line).unwrap();
            for order in orders {
                let text = shuffled(&value, order);
                prop_assert!(agrees(tree, &text), "the scanner gave up on {}", text);
            }
        }

        /// Text over a small alphabet: a prepared set allows it exactly
        /// when the declaration does.
        #[test]
        fn any_text_is_allowed_by_the_prepared_sets_as_by_the_declarations(
            text in "[A-Za-z_0-9]{0,20}",
        ) {
            let tree = shipped();
            let keys = tree.json_keys();
            for (id, def) in tree.fact_defs.iter().enumerate() {
                prop_assert_eq!(keys.allows(id, def, &text), def.allows(&text));
            }
        }
    }
}
