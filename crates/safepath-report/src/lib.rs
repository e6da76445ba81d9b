//! SafePath's printable reports: a PDF typeset on the server by Typst.
//!
//! The caller (the web layer) hands over a [`Report`]: plain strings that it
//! has already released and translated (the same views as the pages, so the
//! numbers on paper are exactly the released ones). This crate only lays
//! them out. **No markup from data:** the template (`report.typ`) reads the
//! report as JSON and shows every string as written, so a value such as
//! `#read("/etc/passwd")` or `*bold*` prints as those characters (tested).
//! The Typst world holds two files (the template and the JSON) and nothing
//! else: no file system, no packages, no clock.
//!
//! **Fonts.** Typst's embedded (Latin) fonts and the system's fonts, scanned
//! once. Thai, Khmer and Burmese need the Noto families (Debian's
//! `fonts-noto-core`); before typesetting, every character of the report is
//! checked against the fonts' coverage, and a report that would print boxes
//! instead of letters is refused with the characters and the package to
//! install ([`ReportError::MissingFonts`]).

use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

/// The families named in the template, in fallback order: Latin first, then
/// the region's scripts, then Typst's embedded Latin font if Noto is absent.
pub const FONT_FAMILIES: [&str; 5] = [
    "Noto Sans",
    "Noto Sans Thai",
    "Noto Sans Khmer",
    "Noto Sans Myanmar",
    "Libertinus Serif",
];

/// The families of [`FONT_FAMILIES`] that this machine has.
pub fn installed_families() -> Vec<&'static str> {
    FONT_FAMILIES
        .into_iter()
        .filter(|f| FONTS.book().contains_family(&f.to_lowercase()))
        .collect()
}

/// A report: what the reader sees, already translated and released.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The reader's language, two letters (`en`, `th`…): line breaking and
    /// hyphenation.
    pub lang: String,
    pub title: String,
    /// Lines under the title: period, organisations, who made it and when.
    pub subtitle: Vec<String>,
    /// What the numbers are and what was withheld.
    pub note: String,
    /// On every page, beside the page number.
    pub footer: String,
    pub checklist: Checklist,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Checklist {
    pub heading: String,
    /// Four headings: item, value, status, trend.
    pub columns: Vec<String>,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChecklistItem {
    pub title: String,
    pub definition: String,
    pub value: String,
    /// The status in words (the colour of `tone` is never alone).
    pub status: String,
    pub tone: Tone,
    pub trend: String,
}

/// The traffic light's colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    Good,
    Warn,
    Bad,
    #[default]
    None,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub heading: String,
    pub columns: Vec<String>,
    /// What the counts count (persons, screenings…).
    pub count_label: String,
    pub rows: Vec<Row>,
    pub total_label: String,
    pub total: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Row {
    /// One per column.
    pub cells: Vec<String>,
    /// The count as released (a dash when withheld).
    pub count: String,
    /// The bar's length, 0 to 1 (the count over the table's largest).
    pub share: f64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    #[error("the report is not well formed: {0}")]
    Invalid(String),
    #[error(
        "no installed font has the letters {chars}; install the Noto fonts \
         (Debian: fonts-noto-core) on the server"
    )]
    MissingFonts { chars: String },
    #[error("the report could not be typeset: {0}")]
    Typeset(String),
}

/// The fonts, scanned once per process (a few tens of milliseconds).
static FONTS: LazyLock<FontStore> = LazyLock::new(|| {
    let mut store = FontStore::new();
    store.extend(typst_kit::fonts::embedded());
    store.extend(typst_kit::fonts::system());
    store
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

const TEMPLATE: &str = include_str!("report.typ");

/// The JSON the template reads: the report and the font list.
#[derive(Serialize)]
struct Data<'a> {
    #[serde(flatten)]
    report: &'a Report,
    fonts: &'a [&'a str],
}

impl Report {
    fn check(&self) -> Result<(), ReportError> {
        let bad = |m: &str| Err(ReportError::Invalid(m.to_string()));
        if self.lang.len() != 2 || !self.lang.bytes().all(|b| b.is_ascii_lowercase()) {
            return bad("the language is two lower-case letters");
        }
        if !self.checklist.items.is_empty() && self.checklist.columns.len() != 4 {
            return bad("the checklist has four column headings");
        }
        for t in &self.tables {
            if t.columns.is_empty() {
                return bad("a table has at least one column");
            }
            if t.rows.iter().any(|r| r.cells.len() != t.columns.len()) {
                return bad("every row of a table has one cell per column");
            }
            if t.rows.iter().any(|r| !(0.0..=1.0).contains(&r.share)) {
                return bad("a bar's share is between 0 and 1");
            }
        }
        Ok(())
    }

    /// Every string of the report, for the font check.
    fn texts(&self) -> Vec<&str> {
        let mut v: Vec<&str> = vec![&self.title, &self.note, &self.footer];
        v.extend(self.subtitle.iter().map(String::as_str));
        v.push(&self.checklist.heading);
        v.extend(self.checklist.columns.iter().map(String::as_str));
        for i in &self.checklist.items {
            v.extend([
                i.title.as_str(),
                &i.definition,
                &i.value,
                &i.status,
                &i.trend,
            ]);
        }
        for t in &self.tables {
            v.extend([t.heading.as_str(), &t.count_label, &t.total_label]);
            v.extend(t.total.as_deref());
            v.extend(t.columns.iter().map(String::as_str));
            for r in &t.rows {
                v.push(&r.count);
                v.extend(r.cells.iter().map(String::as_str));
            }
        }
        v
    }
}

/// Characters that need no glyph (spacing, joiners, marks of direction).
fn needs_glyph(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
        ))
}

/// The characters of `texts` that no font of `book` covers.
fn uncovered(book: &FontBook, texts: &[&str]) -> BTreeSet<char> {
    let chars: BTreeSet<char> = texts
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| needs_glyph(*c))
        .collect();
    let mut infos = Vec::new();
    let mut i = 0;
    while let Some(info) = book.info(i) {
        infos.push(info);
        i += 1;
    }
    chars
        .into_iter()
        .filter(|c| !infos.iter().any(|f| f.coverage.contains(*c as u32)))
        .collect()
}

/// The report as a PDF (tagged, so that screen readers can follow it).
pub fn render_pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    report.check()?;
    let fonts = &*FONTS;
    let missing = uncovered(fonts.book(), &report.texts());
    if !missing.is_empty() {
        return Err(ReportError::MissingFonts {
            chars: missing.into_iter().take(8).collect(),
        });
    }
    let data = serde_json::to_vec(&Data {
        report,
        fonts: &FONT_FAMILIES,
    })
    .map_err(|e| ReportError::Invalid(e.to_string()))?;
    let world = ReportWorld::new(data)?;
    let compiled = typst::compile::<PagedDocument>(&world);
    // Typst memoises across compilations; a report's layouts are not reused.
    let result = compiled.output.map_err(|e| typeset_error(&e));
    let pdf = result.and_then(|doc| {
        typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|e| typeset_error(&e))
    });
    comemo::evict(0);
    pdf
}

/// Typst's messages (never the data: a value is not markup, so it cannot
/// be the subject of a message).
fn typeset_error(errors: &[typst::diag::SourceDiagnostic]) -> ReportError {
    ReportError::Typeset(
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// The template and its data; nothing else exists in this world.
struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path).map_err(|e| ReportError::Typeset(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl ReportWorld {
    fn new(data: Vec<u8>) -> Result<Self, ReportError> {
        let main_id = file_id("/report.typ")?;
        Ok(Self {
            main: Source::new(main_id, TEMPLATE.to_string()),
            data_id: file_id("/data.json")?,
            data: Bytes::new(data),
        })
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }
    fn book(&self) -> &LazyHash<FontBook> {
        FONTS.book()
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.font(index)
    }
    /// No clock: the report's date is in its text.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
