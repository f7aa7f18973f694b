//! Source files and spans.
//!
//! Every value compose-lint reports on knows the file and the byte range it
//! came from. A [`Span`] is small and `Copy`; a [`SourceMap`] owns the text of
//! every file read so that diagnostics can render code frames later.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

impl FileId {
    pub fn shifted(self, offset: u32) -> FileId {
        FileId(self.0 + offset)
    }
}

/// A byte range in one source file. `start..end`, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both (same file assumed).
    pub fn cover(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// A sub-span at `offset..offset+len` relative to this span's start.
    pub fn sub(self, offset: usize, len: usize) -> Span {
        let start = (self.start as usize + offset).min(self.end as usize);
        let end = (start + len).min(self.end as usize);
        Span::new(self.file, start, end)
    }
}

/// A value together with where it was written.
///
/// `via` is set when the value was reached through a YAML alias or a `<<`
/// merge: it is the alias use site, while `span` stays on the text that
/// actually holds the value (the anchor definition).
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
    pub via: Option<Span>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned {
            value,
            span,
            via: None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
            via: self.via,
        }
    }

    pub fn as_ref(&self) -> Spanned<&T> {
        Spanned {
            value: &self.value,
            span: self.span,
            via: self.via,
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A file's text, shared by the source map, the trees handed on and the
/// language server's cache; read as a `str`. It holds the `String` the
/// file was read into as it is: an `Arc<str>` made from it would copy
/// the text into fresh memory (5 MB of fresh pages for a 5 MB file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(Arc<String>);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Arc::new(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Arc::new(s.to_string()))
    }
}

/// One file's text, with a line index for line/column lookups.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user (or the document that referenced it) named it.
    pub path: PathBuf,
    pub text: Text,
    /// The byte offset of each line's start, built when a line or column
    /// is first asked for: a run without findings asks none, and indexing
    /// a large file's lines cost 1.5% of its load (see [`line_starts`]).
    line_starts: OnceLock<Vec<u32>>,
}

/// The byte offset of each line's start in `text`: 0, then one past each
/// `\n`.
fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = Vec::with_capacity(text.len() / 32 + 1);
    starts.push(0u32);
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
    starts
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

impl SourceFile {
    pub fn new(id: FileId, path: PathBuf, text: Text) -> SourceFile {
        SourceFile {
            id,
            path,
            text,
            line_starts: OnceLock::new(),
        }
    }

    /// The line index, built on first use.
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = match starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() + 1;
        LineCol {
            line: line + 1,
            col,
        }
    }

    /// 0-based line and column in UTF-16 code units of a byte offset (the
    /// Language Server Protocol's positions).
    pub fn utf16_position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line = match starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let col: usize = self.text[start..offset].chars().map(char::len_utf16).sum();
        (line as u32, col as u32)
    }

    /// Byte range of the 1-based line `line`, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = self.line_starts();
        let idx = line.saturating_sub(1).min(starts.len() - 1);
        let start = starts[idx] as usize;
        let mut end = starts
            .get(idx + 1)
            .map(|&e| e as usize)
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && (bytes[end - 1] == b'\n' || bytes[end - 1] == b'\r') {
            end -= 1;
        }
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// All files read while linting one project.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<Text>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files
            .push(SourceFile::new(id, path.into(), text.into()));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().find(|f| f.path == path).map(|f| f.id)
    }

    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).slice(span)
    }

    /// Moves every file of `other` into this map; returns the amount to add
    /// to `other`'s file ids (see [`FileId::shifted`]).
    pub fn append(&mut self, other: SourceMap) -> u32 {
        let offset = self.files.len() as u32;
        for mut f in other.files {
            f.id = f.id.shifted(offset);
            self.files.push(f);
        }
        offset
    }

    pub fn line_col(&self, span: Span) -> (LineCol, LineCol) {
        let f = self.get(span.file);
        (
            f.line_col(span.start as usize),
            f.line_col(span.end as usize),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line index, built on first use, places every offset of each
    /// text on the line and column that counting from the start gives.
    #[test]
    fn line_col_is_what_counting_gives() {
        let texts = ["", "a", "\n", "a\nb", "a: 1\r\nb: é😀x\n\n", "x\n\ny\nz\n"];
        for text in texts {
            let f = SourceFile::new(FileId(0), PathBuf::from("x.yml"), Text::from(text));
            for offset in 0..=text.len() + 1 {
                let at = offset.min(text.len());
                let mut end = at;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                let before = &text[..end];
                let line = before.matches('\n').count() + 1;
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let col = before[line_start..].chars().count() + 1;
                assert_eq!(
                    f.line_col(offset),
                    LineCol { line, col },
                    "{text:?} at {offset}"
                );
            }
            assert_eq!(f.line_count(), text.matches('\n').count() + 1, "{text:?}");
        }
    }

    /// The source map keeps a file's text in the string it was given (the
    /// buffer the file was read into), and its copies share that string.
    #[test]
    fn the_text_is_the_string_given() {
        let text = String::from("services:\n  a: {image: x}\n");
        let at = text.as_ptr();
        let mut sources = SourceMap::new();
        let id = sources.add("compose.yaml", text);
        let kept = sources.get(id).text.clone();
        assert_eq!(
            sources.get(id).text.as_ptr(),
            at,
            "the string given, not a copy"
        );
        assert_eq!(kept.as_ptr(), at, "a copy of the text shares the string");
        assert_eq!(&*kept, "services:\n  a: {image: x}\n");
    }

    #[test]
    fn utf16_positions() {
        // "😀" is 4 bytes and 2 UTF-16 units; "é" 2 bytes and 1 unit.
        let text = "a: 1\nb: é😀x\n\nc";
        let f = SourceFile::new(FileId(0), PathBuf::from("x.yml"), Text::from(text));
        assert_eq!(f.utf16_position(0), (0, 0));
        assert_eq!(f.utf16_position(4), (0, 4));
        assert_eq!(f.utf16_position(5), (1, 0));
        let x = text.find('x').unwrap();
        assert_eq!(f.utf16_position(x), (1, 6));
        // Inside the emoji: the start of the character.
        assert_eq!(f.utf16_position(x - 1), (1, 4));
        assert_eq!(f.utf16_position(text.len() - 1), (3, 0));
        assert_eq!(f.utf16_position(text.len() + 10), (3, 1));
    }
}
