//! The PDF report: laid out from plain data, text as written, every script
//! of the region in a font that has it, and refused rather than printed
//! with boxes.

use safepath_report::{
    Checklist, ChecklistItem, Report, ReportError, Row, Table, Tone, render_pdf,
};

fn report(lang: &str, title: &str, cell: &str) -> Report {
    Report {
        lang: lang.to_string(),
        title: title.to_string(),
        subtitle: vec![
            "1 Jan 2026 – 30 Jun 2026".into(),
            "All organisations".into(),
        ],
        note: "Counts under 11 are withheld (—).".into(),
        footer: "SafePath".into(),
        checklist: Checklist {
            heading: "Protection checklist".into(),
            columns: vec![
                "Item".into(),
                "Value".into(),
                "Status".into(),
                "Trend".into(),
            ],
            items: vec![ChecklistItem {
                title: "Health assessment within 7 days".into(),
                definition: "Share of presumed victims assessed within 7 days.".into(),
                value: "82%".into(),
                status: "On track".into(),
                tone: Tone::Good,
                trend: "Rising".into(),
            }],
        },
        tables: vec![Table {
            heading: "Persons by nationality".into(),
            columns: vec!["Nationality".into()],
            count_label: "Persons".into(),
            rows: vec![
                Row {
                    cells: vec![cell.into()],
                    count: "120".into(),
                    share: 1.0,
                },
                Row {
                    cells: vec!["Other".into()],
                    count: "—".into(),
                    share: 0.0,
                },
            ],
            total_label: "Total".into(),
            total: Some("131".into()),
        }],
    }
}

/// Every page's text, joined.
fn text_of(pdf: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(pdf).unwrap_or_else(|e| panic!("not a PDF: {e}"));
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc
        .extract_text(&pages)
        .unwrap_or_else(|e| panic!("no text: {e}"));
    (pages.len(), text)
}

/// Base names of the fonts embedded in the PDF.
fn fonts_of(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).unwrap_or_else(|e| panic!("not a PDF: {e}"));
    let mut names = Vec::new();
    for obj in doc.objects.values() {
        if let Ok(dict) = obj.as_dict()
            && let Ok(name) = dict.get(b"BaseFont").and_then(|n| n.as_name())
        {
            names.push(String::from_utf8_lossy(name).to_string());
        }
    }
    names
}

#[test]
fn an_english_report_has_its_title_items_and_numbers() {
    let pdf =
        render_pdf(&report("en", "Task force report", "Myanmar")).unwrap_or_else(|e| panic!("{e}"));
    assert!(pdf.starts_with(b"%PDF-"));
    let (pages, text) = text_of(&pdf);
    assert!(pages >= 1);
    for want in [
        "Task force report",
        "Health assessment within 7 days",
        "82%",
        "On track",
        "Persons by nationality",
        "Myanmar",
        "120",
        "131",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text:?}");
    }
}

/// Strings are shown as written: Typst code or markup in a value is text,
/// and the world has no files to read anyway.
#[test]
fn values_are_text_never_markup() {
    let title = "#read(\"/etc/passwd\") *bold* $x$ @ref <label>";
    let pdf = render_pdf(&report("en", title, "#eval(\"1+1\")")).unwrap_or_else(|e| panic!("{e}"));
    let (_, text) = text_of(&pdf);
    assert!(text.contains("#read"), "{text:?}");
    assert!(text.contains("*bold*"), "{text:?}");
    assert!(text.contains("#eval"), "{text:?}");
    assert!(!text.contains("root:"), "{text:?}");
}

/// Thai, Khmer and Burmese are set in the Noto family of their script. CI
/// installs fonts-noto-core and sets `SAFEPATH_REQUIRE_FONTS`; on a machine
/// without those fonts the same reports are refused, never printed with
/// boxes, and that is what is checked there.
#[test]
fn the_regions_scripts_are_set_in_their_noto_fonts() {
    let installed = safepath_report::installed_families();
    let required = std::env::var_os("SAFEPATH_REQUIRE_FONTS").is_some();
    for (lang, title, family, font) in [
        ("th", "รายงานคณะทำงาน", "Noto Sans Thai", "NotoSansThai"),
        (
            "km",
            "របាយការណ៍ក្រុមការងារ",
            "Noto Sans Khmer",
            "NotoSansKhmer",
        ),
        (
            "my",
            "လုပ်ငန်းအဖွဲ့ အစီရင်ခံစာ",
            "Noto Sans Myanmar",
            "NotoSansMyanmar",
        ),
        ("vi", "Báo cáo của tổ công tác", "Noto Sans", "NotoSans"),
    ] {
        let rendered = render_pdf(&report(lang, title, "x"));
        if !installed.contains(&family) {
            assert!(!required, "{family} is not installed (fonts-noto-core)");
            if lang != "vi" {
                assert!(
                    matches!(rendered, Err(ReportError::MissingFonts { .. })),
                    "{lang} without its font"
                );
            }
            continue;
        }
        let pdf = rendered.unwrap_or_else(|e| panic!("{lang}: {e}"));
        let fonts = fonts_of(&pdf);
        assert!(
            fonts.iter().any(|f| f.contains(&format!("+{font}-"))),
            "{lang}: {font} not among {fonts:?}"
        );
    }
}

/// A character no installed font has would print as a box: refused, with
/// the characters named.
#[test]
fn letters_without_a_font_are_refused_not_printed_as_boxes() {
    // Unassigned code points: no font has them.
    let err = render_pdf(&report("en", "Report \u{0378}\u{0379}", "x")).err();
    assert_eq!(
        err,
        Some(ReportError::MissingFonts {
            chars: "\u{0378}\u{0379}".to_string()
        })
    );
}

#[test]
fn malformed_reports_are_refused() {
    let mut r = report("en", "x", "y");
    r.lang = "english".into();
    assert!(matches!(render_pdf(&r), Err(ReportError::Invalid(_))));
    let mut r = report("en", "x", "y");
    r.tables[0].rows[0].cells.push("extra".into());
    assert!(matches!(render_pdf(&r), Err(ReportError::Invalid(_))));
    let mut r = report("en", "x", "y");
    r.tables[0].rows[0].share = f64::NAN;
    assert!(matches!(render_pdf(&r), Err(ReportError::Invalid(_))));
}

/// Long tables go on to further pages with their heading row repeated.
#[test]
fn a_long_table_runs_over_pages() {
    let mut r = report("en", "Long", "x");
    r.tables[0].rows = (0..200)
        .map(|i| Row {
            cells: vec![format!("Value {i}")],
            count: format!("{}", 11 + i),
            share: f64::from(i) / 200.0,
        })
        .collect();
    let pdf = render_pdf(&r).unwrap_or_else(|e| panic!("{e}"));
    let (pages, text) = text_of(&pdf);
    assert!(pages >= 3, "{pages} pages");
    assert!(text.contains("Value 199"));
    assert!(
        text.matches("Nationality").count() >= pages - 1,
        "heading row not repeated"
    );
}
