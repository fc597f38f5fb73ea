//! The quickest reading of a JSON case line: a scanner for the shape nearly
//! every line of an archive has (an object of an id, a date and groups of
//! facts whose values are `null`, booleans, integers, strings without
//! escapes and lists of such strings), straight from the bytes into the
//! same parts the serde reader gives (`json::DirectCase`). Anything else
//! (an escape, a number with a fraction or an exponent, a nested object, a
//! key given twice, bad JSON) makes it give up and leave the line to the
//! serde reader, which reads it or says precisely what is wrong: so this
//! accepts a subset of what that one accepts and reads it the same way,
//! which `tests` check on generated and mangled lines. It exists because
//! serde's general machinery was most of the cost of reading a case.
//! Not here: messages, YAML, checks across facts.

use crate::case::convert::convert_raw;
use crate::case::json::{DirectCase, GivenJson, find_field};
use crate::eval::fact_set::FactSet;
use crate::result::json::escape_mask;
use crate::rules::model::FactId;
use crate::rules::tree::RuleTree;

/// The case in `text`, or `None` where the serde reader must look.
pub(super) fn scan(tree: &RuleTree, text: &str) -> Option<DirectCase> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut id = None;
    let mut date = None;
    let mut groups_seen: Vec<usize> = Vec::new();
    let mut seen = FactSet::default();
    let mut facts = Vec::with_capacity(tree.fact_names.len());
    s.expect(b'{')?;
    if s.peek()? == b'}' {
        s.at += 1;
    } else {
        loop {
            let key = s.string()?;
            s.expect(b':')?;
            match key {
                "id" if id.is_none() => id = Some(s.id()?),
                "date" if date.is_none() => {
                    date = Some(super::convert::date_text(Some(s.string()?)).ok()?);
                }
                group => {
                    let g = tree.groups.iter().position(|g| g.as_str() == group)?;
                    if groups_seen.contains(&g) {
                        return None;
                    }
                    groups_seen.push(g);
                    let fields = tree.group_fields.get(g).map(Vec::as_slice)?;
                    s.group(tree, fields, &mut seen, &mut facts)?;
                }
            }
            if !s.next_or_close(b'}')? {
                break;
            }
        }
    }
    s.skip_space();
    if s.at != s.bytes.len() {
        return None;
    }
    if !facts.is_sorted_by_key(|(i, _)| *i) {
        facts.sort_by_key(|(i, _)| *i);
    }
    Some(DirectCase { id, date, facts })
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Scanner<'t> {
    /// Skips what JSON counts as white space (and nothing else).
    #[inline]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
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

    /// A string without escapes or control characters, borrowed.
    #[inline]
    fn string(&mut self) -> Option<&'t str> {
        self.expect(b'"')?;
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        // Eight bytes a step to the first byte JSON escapes (`"`, `\`,
        // control characters), whose lowest is exact (result::json); the
        // string must end there, at a quote.
        let mut len = 0;
        loop {
            match rest.get(len..len + 8) {
                Some(chunk) => {
                    let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
                    let mask = escape_mask(word);
                    if mask != 0 {
                        len += (mask.trailing_zeros() / 8) as usize;
                        break;
                    }
                    len += 8;
                }
                None => {
                    len += rest
                        .get(len..)?
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
                    break;
                }
            }
        }
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        let s = self.text.get(start..start + len)?;
        self.at = start + len + 1;
        Some(s)
    }

    /// `true`, `false` or `null`, whose first byte was seen.
    #[inline]
    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
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
            b'"' => self.string().map(str::to_string),
            b'-' | b'0'..=b'9' => self.integer().map(|n| n.to_string()),
            _ => None,
        }
    }

    /// A fact's value.
    fn value(&mut self) -> Option<GivenJson<'t>> {
        Some(match self.peek()? {
            b'n' => {
                self.word(b"null")?;
                GivenJson::Null
            }
            b't' => {
                self.word(b"true")?;
                GivenJson::Bool(true)
            }
            b'f' => {
                self.word(b"false")?;
                GivenJson::Bool(false)
            }
            b'"' => GivenJson::Str(std::borrow::Cow::Borrowed(self.string()?)),
            b'-' | b'0'..=b'9' => GivenJson::Int(Some(self.integer()?)),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.peek()? == b']' {
                    self.at += 1;
                } else {
                    loop {
                        items.push(Some(std::borrow::Cow::Borrowed(self.string()?)));
                        if !self.next_or_close(b']')? {
                            break;
                        }
                    }
                }
                GivenJson::List(items)
            }
            _ => return None,
        })
    }

    /// One group's object of facts (or `null`), added to `facts`.
    fn group(
        &mut self,
        tree: &RuleTree,
        fields: &[(String, usize)],
        seen: &mut FactSet,
        facts: &mut Vec<(usize, crate::rules::model::Value)>,
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
        let mut from = 0;
        loop {
            let field = self.string()?;
            self.expect(b':')?;
            let at = find_field(fields, from, field)?;
            from = at + 1;
            let &(_, id) = fields.get(at)?;
            let def = tree.fact_defs.get(id)?;
            if seen.contains(id) {
                return None;
            }
            seen.insert(FactId::new(id));
            let raw = self.value()?;
            if let Some(val) = convert_raw(raw.view(), def, "").ok()? {
                facts.push((id, val));
            }
            if !self.next_or_close(b'}')? {
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::scan;
    use crate::case::json::read_direct_serde;
    use crate::rules::tree::RuleTree;

    use crate::case::generator;

    /// The shipped rules, loaded once for every test here.
    fn shipped() -> &'static RuleTree {
        static TREE: std::sync::OnceLock<RuleTree> = std::sync::OnceLock::new();
        TREE.get_or_init(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
            let (files, problems) = crate::rules::source::read_dir(&root);
            assert!(problems.is_empty(), "{problems:?}");
            crate::rules::load::load(files, "rules").tree.unwrap()
        })
    }

    /// Fails where the scanner reads `line` at all but not as serde does.
    fn agrees(tree: &RuleTree, line: &str) -> bool {
        match scan(tree, line) {
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
            if let Ok(text) = String::from_utf8(b) {
                agrees(tree, &text);
            }
        }
    }
}
