//! A diagnostic made safe to draw, whatever the file it points into holds.
//! miette's graphical renderer panics on a label past column 65,535 and
//! draws a whole source line however long, once per diagnostic; and a
//! message, label or snippet quoting a rule file can carry escape
//! sequences, line breaks and bidirectional controls. `Drawable` wraps a
//! diagnostic with source lines longer than `MAX_LINE` characters clipped
//! around their labels (`…` where text is cut, labels moved with it, the
//! line and column still those of the file) and every hidden character of
//! its message, labels, help, file name and snippet shown as an escape.
//! Diagnostics that need neither are drawn as they are. Not here: drawing
//! (the CLI's `render.rs`), or which characters are hidden (`hidden_chars`).

use std::fmt;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, Severity, SourceCode, SourceSpan,
    SpanContents,
};

use crate::rules::hidden_chars::{escape_char, escape_line, hidden};

/// Source lines longer than this many characters are clipped.
pub const MAX_LINE: usize = 200;
/// Characters kept before a label on a clipped line.
const BEFORE: usize = 60;
/// Characters of a label kept on a clipped line.
const LABEL_MAX: usize = 80;
/// Characters kept after a label on a clipped line.
const AFTER: usize = 60;
/// Characters kept of a clipped line with no label on it.
const HEAD: usize = 120;
/// Where text is cut.
const CUT: &str = "…";

/// A diagnostic, ready for any miette renderer; see the module comment.
pub struct Drawable<'a> {
    inner: &'a dyn Diagnostic,
    message: String,
    help: Option<String>,
    labels: Option<Vec<LabeledSpan>>,
    /// The clipped and escaped text, when the original needed it.
    view: Option<View>,
    related: Vec<Drawable<'a>>,
    cause: Option<Box<Drawable<'a>>>,
}

/// Wraps `d` for drawing.
pub fn drawable(d: &dyn Diagnostic) -> Drawable<'_> {
    Drawable::new(d, None)
}

/// A source text as read from a diagnostic.
#[derive(Clone)]
struct Original {
    name: Option<String>,
    language: Option<String>,
    text: String,
}

impl Original {
    fn read(source: &dyn SourceCode) -> Option<Original> {
        // From the start, no line before, every line after: the whole text.
        let all = source
            .read_span(&SourceSpan::new(0.into(), 0), 0, usize::MAX)
            .ok()?;
        let text = std::str::from_utf8(all.data()).ok()?.to_string();
        Some(Original {
            name: all.name().map(str::to_string),
            language: all.language().map(str::to_string),
            text,
        })
    }
}

impl<'a> Drawable<'a> {
    fn new(d: &'a dyn Diagnostic, parent: Option<&Original>) -> Drawable<'a> {
        let spans: Vec<LabeledSpan> = d.labels().map(Iterator::collect).unwrap_or_default();
        let original = match d.source_code() {
            Some(src) => Original::read(src),
            None => parent.cloned(),
        };
        let view = original.as_ref().and_then(|o| View::build(o, &spans));
        let labels = d.labels().is_some().then(|| {
            spans
                .iter()
                .map(|l| {
                    let span = match &view {
                        Some(v) => v.map_span(*l.inner()),
                        None => *l.inner(),
                    };
                    let text = l.label().map(|t| escape_line(t).into_owned());
                    if l.primary() {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    }
                })
                .collect()
        });
        let related = d
            .related()
            .map(|r| r.map(|x| Drawable::new(x, original.as_ref())).collect())
            .unwrap_or_default();
        let cause = d
            .diagnostic_source()
            .map(|c| Box::new(Drawable::new(c, original.as_ref())));
        Drawable {
            inner: d,
            message: escape_line(&d.to_string()).into_owned(),
            help: d.help().map(|h| escape_line(&h.to_string()).into_owned()),
            labels,
            view,
            related,
            cause,
        }
    }
}

impl fmt::Display for Drawable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Drawable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Drawable<'_> {}

impl Diagnostic for Drawable<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        match &self.view {
            Some(v) => Some(v),
            None => self.inner.source_code(),
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.labels
            .as_ref()
            .map(|l| Box::new(l.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.cause.as_deref().map(|d| d as &dyn Diagnostic)
    }
}

/// A stretch of the drawn text and the stretch of the original it stands
/// for: copied as it was, or replaced (an escape, or `…` for text cut).
#[derive(Debug, Clone)]
struct Piece {
    /// Start in the original; the piece ends where the next one starts.
    orig: usize,
    /// Start in the drawn text.
    new: usize,
    copied: bool,
}

/// The drawn text: every line kept (so line numbers stay), long lines
/// clipped, hidden characters escaped.
struct View {
    name: Option<String>,
    language: Option<String>,
    text: String,
    original: String,
    pieces: Vec<Piece>,
}

impl View {
    /// The view of `o` for labels `spans`, or `None` when the text can be
    /// drawn as it is.
    fn build(o: &Original, spans: &[LabeledSpan]) -> Option<View> {
        let name = o.name.as_deref().map(escape_line);
        let renamed = matches!(name, Some(std::borrow::Cow::Owned(_)));
        let needs = |line: &str| {
            let body = line.strip_suffix('\r').unwrap_or(line);
            (body.len() > MAX_LINE && body.chars().count() > MAX_LINE)
                || body.chars().any(|c| hidden(c).is_some())
        };
        if !renamed && !o.text.split('\n').any(needs) {
            return None;
        }
        let limits: Vec<(usize, usize)> = spans
            .iter()
            .map(|l| {
                let start = l.offset().min(o.text.len());
                (start, (start + l.len()).min(o.text.len()))
            })
            .collect();
        let mut b = Builder::default();
        let mut at = 0;
        for line in o.text.split_inclusive('\n') {
            let ending = if line.ends_with("\r\n") {
                2
            } else {
                usize::from(line.ends_with('\n'))
            };
            let body = line.get(..line.len() - ending).unwrap_or("");
            b.line(body, at, &limits);
            b.copy(at + body.len(), line.get(body.len()..).unwrap_or(""));
            at += line.len();
        }
        Some(View {
            name: name.map(|n| n.into_owned()),
            language: o.language.clone(),
            text: b.text,
            original: o.text.clone(),
            pieces: b.pieces,
        })
    }

    /// The piece holding original offset `o` (the last one starting at or
    /// before it).
    fn piece_at_orig(&self, o: usize) -> Option<(usize, &Piece)> {
        let i = self
            .pieces
            .partition_point(|p| p.orig <= o)
            .checked_sub(1)?;
        self.pieces.get(i).map(|p| (i, p))
    }

    fn orig_end(&self, i: usize) -> usize {
        self.pieces
            .get(i + 1)
            .map_or(self.original.len(), |p| p.orig)
    }

    fn new_end(&self, i: usize) -> usize {
        self.pieces.get(i + 1).map_or(self.text.len(), |p| p.new)
    }

    /// Where original offset `o` starts in the drawn text: inside a
    /// replaced stretch, at the replacement's start.
    fn map_start(&self, o: usize) -> usize {
        match self.piece_at_orig(o) {
            Some((_, p)) if p.copied => p.new + (o - p.orig),
            Some((_, p)) => p.new,
            None => 0,
        }
    }

    /// Where a span ending at original offset `o` ends in the drawn text:
    /// inside a replaced stretch, at the replacement's end.
    fn map_end(&self, o: usize) -> usize {
        // The piece holding the last byte before `o`.
        match self.piece_at_orig(o.saturating_sub(1)) {
            Some((i, p)) if p.copied => (p.new + (o - p.orig)).min(self.new_end(i)),
            Some((i, _)) => self.new_end(i),
            None => 0,
        }
    }

    fn map_span(&self, s: SourceSpan) -> SourceSpan {
        let start = self.map_start(s.offset().min(self.original.len()));
        if s.is_empty() {
            return SourceSpan::new(start.into(), 0);
        }
        let end = self
            .map_end((s.offset() + s.len()).min(self.original.len()))
            .max(start);
        SourceSpan::new(start.into(), end - start)
    }

    /// The original offset of drawn offset `n`.
    fn unmap(&self, n: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|p| p.new <= n)
            .saturating_sub(1);
        match self.pieces.get(i) {
            Some(p) if p.copied => (p.orig + (n - p.new)).min(self.orig_end(i)),
            Some(p) => p.orig,
            None => 0,
        }
    }

    /// The column miette would give original offset `o`: bytes since the
    /// start of its line.
    fn original_column(&self, o: usize) -> usize {
        let before = self.original.get(..o).unwrap_or("");
        o - before.rfind('\n').map_or(0, |i| i + 1)
    }
}

impl SourceCode for View {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // Lines are the same in both texts; columns are counted in the
        // original, so the header names the place in the file.
        let column = if context_lines_before == 0 {
            self.original_column(self.unmap(span.offset()))
        } else {
            inner.column()
        };
        let mut contents = match &self.name {
            Some(name) => MietteSpanContents::new_named(
                name.clone(),
                inner.data(),
                *inner.span(),
                inner.line(),
                column,
                inner.line_count(),
            ),
            None => MietteSpanContents::new(
                inner.data(),
                *inner.span(),
                inner.line(),
                column,
                inner.line_count(),
            ),
        };
        if let Some(language) = &self.language {
            contents = contents.with_language(language);
        }
        Ok(Box::new(contents))
    }
}

#[derive(Default)]
struct Builder {
    text: String,
    pieces: Vec<Piece>,
}

impl Builder {
    fn push(&mut self, orig: usize, copied: bool) {
        match self.pieces.last() {
            // Two copied stretches in a row are one: nothing is cut or
            // replaced between them.
            Some(last) if copied && last.copied => {}
            _ => self.pieces.push(Piece {
                orig,
                new: self.text.len(),
                copied,
            }),
        }
    }

    /// Copies `s`, which starts at original offset `orig`.
    fn copy(&mut self, orig: usize, s: &str) {
        if s.is_empty() {
            return;
        }
        self.push(orig, true);
        self.text.push_str(s);
    }

    /// Stands `with` for the original text starting at `orig`.
    fn replace(&mut self, orig: usize, with: &str) {
        self.push(orig, false);
        self.text.push_str(with);
    }

    /// Copies `s` (at original offset `orig`) with its hidden characters
    /// escaped.
    fn escaped(&mut self, orig: usize, s: &str) {
        let mut from = 0;
        for (i, c) in s.char_indices() {
            if hidden(c).is_some() {
                self.copy(orig + from, s.get(from..i).unwrap_or(""));
                let mut e = String::new();
                escape_char(c, &mut e);
                self.replace(orig + i, &e);
                from = i + c.len_utf8();
            }
        }
        self.copy(orig + from, s.get(from..).unwrap_or(""));
    }

    /// One line without its ending, at original offset `at`; `labels` are
    /// every label's original (start, end).
    fn line(&mut self, body: &str, at: usize, labels: &[(usize, usize)]) {
        if body.chars().count() <= MAX_LINE {
            self.escaped(at, body);
            return;
        }
        let end = at + body.len();
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for &(s, e) in labels {
            if (at..=end).contains(&s) {
                let e = e.clamp(s, end) - at;
                let s = s - at;
                // At most `LABEL_MAX` characters of the label, at least one.
                let label_end = forward(body, s, LABEL_MAX).min(e.max(forward(body, s, 1)));
                windows.push((back(body, s, BEFORE), forward(body, label_end, AFTER)));
            } else if s < at && (at..=end).contains(&e) {
                // A label from an earlier line ends here.
                let e = e - at;
                windows.push((back(body, e, BEFORE), forward(body, e, AFTER)));
            }
        }
        if windows.is_empty() {
            windows.push((0, forward(body, 0, HEAD)));
        }
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for w in windows {
            match merged.last_mut() {
                Some(last) if w.0 <= last.1 => last.1 = last.1.max(w.1),
                _ => merged.push(w),
            }
        }
        let mut done = 0;
        for (s, e) in merged {
            if s > done {
                self.replace(at + done, CUT);
            }
            self.escaped(at + s, body.get(s..e).unwrap_or(""));
            done = e;
        }
        if done < body.len() {
            self.replace(at + done, CUT);
        }
    }
}

/// The byte offset `n` characters before `i` in `s` (or its start).
fn back(s: &str, i: usize, n: usize) -> usize {
    if n == 0 {
        return i;
    }
    let head = s.get(..i).unwrap_or("");
    head.char_indices().rev().nth(n - 1).map_or(0, |(j, _)| j)
}

/// The byte offset `n` characters after `i` in `s` (or its end).
fn forward(s: &str, i: usize, n: usize) -> usize {
    let tail = s.get(i..).unwrap_or("");
    i + tail.char_indices().nth(n).map_or(tail.len(), |(j, _)| j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{RuleProblem, source};
    use miette::{GraphicalReportHandler, GraphicalTheme};

    fn problem(path: &str, text: &str, at: usize, len: usize) -> RuleProblem {
        RuleProblem::UndeclaredFact {
            fact: "person.nope".into(),
            src: source(path, text),
            span: SourceSpan::new(at.into(), len),
            help: "declare it".into(),
        }
    }

    fn draw(d: &dyn Diagnostic) -> String {
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_wrap_lines(false)
            .render_report(&mut out, &drawable(d))
            .unwrap();
        out
    }

    #[test]
    fn a_label_past_column_65535_is_drawn_clipped_with_its_true_line_and_column() {
        let text = format!(
            "a: 1\nwhen: \"true && {}person.nope\"\nb: 2\n",
            " ".repeat(70_000)
        );
        let at = text.find("person.nope").unwrap();
        let out = draw(&problem("f.yaml", &text, at, 11));
        let column = at - text.find("when").unwrap() + 1;
        assert!(out.contains(&format!("[f.yaml:2:{column}]")), "{out}");
        assert!(out.contains("…"), "{out}");
        assert!(out.len() < 2_000, "{}", out.len());
        let line = out.lines().find(|l| l.starts_with(" 2 │")).unwrap();
        let under = out.lines().find(|l| l.contains('┬')).unwrap();
        let col = |s: &str, c: char| s.chars().position(|x| x == c).unwrap();
        let p = line.find("person").unwrap();
        assert_eq!(
            col(under, '─'),
            line[..p].chars().count(),
            "the underline starts under the fact:\n{out}"
        );
    }

    #[test]
    fn short_clean_files_are_drawn_exactly_as_before() {
        let text = "a: 1\nwhen: person.nope\n";
        let p = problem("f.yaml", text, 11, 11);
        let mut plain = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_wrap_lines(false)
            .render_report(&mut plain, &p)
            .unwrap();
        assert_eq!(draw(&p), plain);
    }

    #[test]
    fn hidden_characters_in_the_snippet_the_file_name_and_the_message_are_escaped() {
        let text = "title: \"x\u{202e}y\"\nwhen: person.nope\n";
        let at = text.find("person").unwrap();
        let p = RuleProblem::UndeclaredFact {
            fact: "person.\u{1b}[2J\n::error::x".into(),
            src: source("dir/a\u{1b}]0;x\u{7}.yaml", text),
            span: SourceSpan::new(at.into(), 11),
            help: "h".into(),
        };
        let out = draw(&p);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out}"
        );
        assert!(out.contains("x\\u{202e}y"), "{out}");
        assert!(out.contains("person.\\u{1b}[2J\\n::error::x"), "{out}");
        assert!(out.contains("[dir/a\\u{1b}]0;x\\u{7}.yaml:2:7]"), "{out}");
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("::")),
            "{out}"
        );
    }

    #[test]
    fn a_label_on_an_escaped_character_covers_its_escape() {
        let text = "when: \"a\u{200b}b\"\n";
        let at = text.find('\u{200b}').unwrap();
        let p = problem("f.yaml", text, at, 3);
        let d = drawable(&p);
        let view = d.view.as_ref().unwrap();
        let l = d.labels().unwrap().next().unwrap();
        assert_eq!(&view.text[l.offset()..l.offset() + l.len()], "\\u{200b}");
        assert!(draw(&p).contains("[f.yaml:1:9]"));
    }

    #[test]
    fn many_labels_far_apart_on_one_long_line_each_keep_their_window() {
        let mut text = String::from("x: \"");
        let mut spans = Vec::new();
        for i in 0..3 {
            text.push_str(&"y".repeat(5_000));
            spans.push(LabeledSpan::new(Some(format!("l{i}")), text.len(), 1));
            text.push('z');
        }
        text.push_str("\"\n");
        let o = Original {
            name: Some("f".into()),
            language: None,
            text: text.clone(),
        };
        let view = View::build(&o, &spans).unwrap();
        assert!(view.text.len() < 1_000, "{}", view.text.len());
        for s in &spans {
            let m = view.map_span(*s.inner());
            assert_eq!(&view.text[m.offset()..m.offset() + m.len()], "z");
        }
    }

    #[test]
    fn offsets_are_counted_in_characters_on_both_sides_of_a_cut() {
        assert_eq!(back("abcdé", 6, 2), 3);
        assert_eq!(back("abc", 1, 5), 0);
        assert_eq!(back("abc", 2, 0), 2);
        assert_eq!(forward("éab", 0, 1), 2);
        assert_eq!(forward("ab", 1, 9), 2);
    }
}
