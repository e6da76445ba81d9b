//! The document type check (`casework::documents::check_file`) on files
//! made apart from SafePath: whatever the machine holds under the folders
//! in `SAFEPATH_CLASSIFY_DIRS` (default `/usr/share /usr/lib`). Each file is
//! judged by its content; its own extension says what it is. Every PDF,
//! PNG and JPEG found must be accepted as what it is, and no page, script,
//! SVG or GIF may be accepted. It runs with every `cargo test` (under a
//! second on Debian: about 9,000 files); the table of what it judged:
//!
//!     cargo test -p safepath-domain --test document_types -- --nocapture

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safepath_domain::casework::documents::check_file;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

#[test]
fn files_made_elsewhere_are_judged_by_their_content() {
    let dirs =
        std::env::var("SAFEPATH_CLASSIFY_DIRS").unwrap_or_else(|_| "/usr/share /usr/lib".into());
    let mut files = Vec::new();
    for d in dirs.split_whitespace() {
        walk(Path::new(d), &mut files);
    }
    // extension → (files, accepted, accepted as the right type)
    let mut seen: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for f in files {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let expected = match ext.as_str() {
            "pdf" => Some("pdf"),
            "png" => Some("png"),
            "jpg" | "jpeg" => Some("jpg"),
            "svg" | "html" | "htm" | "js" | "sh" | "gif" | "xml" | "css" => None,
            _ => continue,
        };
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        if bytes.is_empty() {
            continue;
        }
        let got = check_file(&bytes, u64::MAX).ok().map(|t| t.extension);
        let e = seen.entry(ext.clone()).or_default();
        e.0 += 1;
        if got.is_some() {
            e.1 += 1;
        }
        if got == expected && expected.is_some() {
            e.2 += 1;
        }
        if got != expected {
            wrong.push(format!("{} → {got:?}", f.display()));
        }
    }
    println!("extension  files  accepted  as-its-type");
    for (ext, (n, acc, right)) in &seen {
        println!("{ext:<9} {n:>6} {acc:>9} {right:>12}");
    }
    assert!(
        seen.values().map(|v| v.0).sum::<u32>() > 100,
        "too few files to mean anything"
    );
    assert!(
        wrong.is_empty(),
        "{} misjudged:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
