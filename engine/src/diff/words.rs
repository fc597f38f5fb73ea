//! Word-by-word comparison of two scripts or texts, so a reviewer sees what
//! changed inside a condition (`>= 18` → `>= 16`) rather than two whole
//! lines. A longest-common-subsequence over tokens; scripts are short, so
//! the quadratic table is fine (bounded to keep hostile input cheap).

use super::model::Word;

/// Tokens: runs of word characters, runs of spaces, single other characters.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut kind: Option<u8> = None;
    for (i, c) in s.char_indices() {
        let k = if c.is_alphanumeric() || c == '_' || c == '.' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        };
        if kind != Some(k) || k == 2 {
            if i > start
                && let Some(t) = s.get(start..i)
            {
                out.push(t);
            }
            start = i;
        }
        kind = Some(k);
    }
    if let Some(t) = s.get(start..)
        && !t.is_empty()
    {
        out.push(t);
    }
    out
}

/// The most tokens compared word by word; longer texts are shown whole.
const MAX_TOKENS: usize = 2_000;

/// Compares `old` and `new` word by word, merging runs of the same kind.
pub fn diff(old: &str, new: &str) -> Vec<Word> {
    let a = tokens(old);
    let b = tokens(new);
    if a.len() > MAX_TOKENS || b.len() > MAX_TOKENS {
        return vec![Word::Removed(old.to_string()), Word::Added(new.to_string())];
    }
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            let v = if a.get(i) == b.get(j) {
                lcs.get(i + 1)
                    .and_then(|r| r.get(j + 1))
                    .copied()
                    .unwrap_or(0)
                    + 1
            } else {
                let down = lcs.get(i + 1).and_then(|r| r.get(j)).copied().unwrap_or(0);
                let right = lcs.get(i).and_then(|r| r.get(j + 1)).copied().unwrap_or(0);
                down.max(right)
            };
            if let Some(cell) = lcs.get_mut(i).and_then(|r| r.get_mut(j)) {
                *cell = v;
            }
        }
    }
    let at = |i: usize, j: usize| lcs.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
    let mut out: Vec<Word> = Vec::new();
    let push = |out: &mut Vec<Word>, w: Word| match (out.last_mut(), &w) {
        (Some(Word::Same(x)), Word::Same(y))
        | (Some(Word::Removed(x)), Word::Removed(y))
        | (Some(Word::Added(x)), Word::Added(y)) => x.push_str(y),
        _ => out.push(w),
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                push(&mut out, Word::Same((*x).to_string()));
                i += 1;
                j += 1;
            }
            (Some(x), Some(_)) if at(i + 1, j) >= at(i, j + 1) => {
                push(&mut out, Word::Removed((*x).to_string()));
                i += 1;
            }
            (_, Some(y)) => {
                push(&mut out, Word::Added((*y).to_string()));
                j += 1;
            }
            (Some(x), None) => {
                push(&mut out, Word::Removed((*x).to_string()));
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_number_in_a_condition_is_the_only_word_marked() {
        let w = diff(
            "age_on(person.birth_date, date) >= 18",
            "age_on(person.birth_date, date) >= 16",
        );
        assert_eq!(
            w,
            vec![
                Word::Same("age_on(person.birth_date, date) >= ".into()),
                Word::Removed("18".into()),
                Word::Added("16".into()),
            ]
        );
    }

    #[test]
    fn an_added_clause_is_marked_as_added() {
        let w = diff("a && b", "a && b && c");
        assert_eq!(
            w,
            vec![Word::Same("a && b".into()), Word::Added(" && c".into())]
        );
    }

    #[test]
    fn joining_the_pieces_of_each_side_gives_back_the_texts() {
        let (old, new) = ("x == \"a\" || y", "x != \"b\" || y || z");
        let w = diff(old, new);
        let side = |keep_removed: bool| {
            w.iter()
                .filter_map(|p| match p {
                    Word::Same(s) => Some(s.as_str()),
                    Word::Removed(s) if keep_removed => Some(s.as_str()),
                    Word::Added(s) if !keep_removed => Some(s.as_str()),
                    _ => None,
                })
                .collect::<String>()
        };
        assert_eq!(side(true), old);
        assert_eq!(side(false), new);
    }
}
