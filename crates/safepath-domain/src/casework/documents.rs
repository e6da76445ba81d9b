//! Documents attached to a case: identity papers, medical and court papers,
//! letters. Pure rules: what kinds there are, which data category each
//! belongs to by default (consent and referrals decide who sees it by that
//! category), which file types are accepted — judged by the content's own
//! signature, never by the name or the type the browser claims — and how a
//! file's name is made safe to keep and to offer back as a download.

use super::consent::DataCategory;
use crate::DomainError;

/// The default largest file accepted (20 MiB); an operator may set another.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The longest file name kept (in characters, after cleaning).
pub const MAX_NAME_CHARS: usize = 120;

vocabulary! {
    /// What a document is, in the words a case manager files it under.
    DocumentKind, "kind", "not a known kind of document" {
        /// Passport, identity card, birth certificate, travel document.
        IdentityDocument => "identity_document",
        /// A medical report, prescription or test result.
        Medical => "medical",
        /// Court, police or prosecutor's papers.
        Court => "court",
        /// A letter to or from the person or an authority.
        Letter => "letter",
        /// A residence or work permit, or the application for one.
        Permit => "permit",
        /// Anything else: a photograph, a contract, a pay slip.
        Other => "other",
    }
}

impl DocumentKind {
    /// The data category a document of this kind belongs to unless the
    /// person filing it says otherwise.
    pub fn default_category(self) -> DataCategory {
        match self {
            DocumentKind::IdentityDocument => DataCategory::Identity,
            DocumentKind::Medical => DataCategory::Health,
            DocumentKind::Court | DocumentKind::Permit => DataCategory::Legal,
            DocumentKind::Letter | DocumentKind::Other => DataCategory::CaseHistory,
        }
    }
}

/// A file type SafePath keeps, as recognised from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    /// The media type recorded beside the document (never used to render it).
    pub media_type: &'static str,
    /// The extension the download's name ends with.
    pub extension: &'static str,
}

/// Scans, photographs and office documents: what case files are made of.
/// Anything a browser would run or render as a page (HTML, SVG, scripts) is
/// not among them.
const ACCEPTED: [FileType; 8] = [
    FileType {
        media_type: "application/pdf",
        extension: "pdf",
    },
    FileType {
        media_type: "image/jpeg",
        extension: "jpg",
    },
    FileType {
        media_type: "image/png",
        extension: "png",
    },
    FileType {
        media_type: "image/webp",
        extension: "webp",
    },
    FileType {
        media_type: "image/tiff",
        extension: "tif",
    },
    FileType {
        media_type: "image/heif",
        extension: "heic",
    },
    FileType {
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extension: "docx",
    },
    FileType {
        media_type: "application/vnd.oasis.opendocument.text",
        extension: "odt",
    },
];

/// The accepted types, for the form's hint and the documentation.
pub fn accepted_extensions() -> Vec<&'static str> {
    ACCEPTED.iter().map(|t| t.extension).collect()
}

/// Why a file was refused. The messages name the rule, never the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No file, or a file of zero bytes.
    Empty,
    /// Larger than the limit (in bytes).
    TooLarge(u64),
    /// The content is not one of the accepted types, whatever its name says.
    TypeNotAccepted,
}

impl From<UploadRefusal> for DomainError {
    fn from(r: UploadRefusal) -> Self {
        match r {
            UploadRefusal::Empty => DomainError::new("missing_field", "file: choose a file"),
            UploadRefusal::TooLarge(max) => DomainError::new(
                "file_too_large",
                format!("file: larger than {} MiB", max.div_ceil(1024 * 1024)),
            ),
            UploadRefusal::TypeNotAccepted => DomainError::new(
                "file_type_not_accepted",
                format!(
                    "file: only these types are accepted: {}",
                    accepted_extensions().join(", ")
                ),
            ),
        }
    }
}

/// Checks a file's size against `max_bytes` and recognises its type from
/// its content.
pub fn check_file(content: &[u8], max_bytes: u64) -> Result<FileType, UploadRefusal> {
    if content.is_empty() {
        return Err(UploadRefusal::Empty);
    }
    if content.len() as u64 > max_bytes {
        return Err(UploadRefusal::TooLarge(max_bytes));
    }
    let found = infer::get(content).ok_or(UploadRefusal::TypeNotAccepted)?;
    let media = found.mime_type();
    // `infer` names HEIC photographs `image/heif`, and both TIFF byte orders
    // `image/tiff`.
    ACCEPTED
        .iter()
        .copied()
        .find(|t| t.media_type == media)
        .ok_or(UploadRefusal::TypeNotAccepted)
}

/// A file name that is safe to keep and to send back in a download's
/// `Content-Disposition`: the last path component only, without control,
/// format (bidirectional overrides, zero-width) or quoting characters, at
/// most [`MAX_NAME_CHARS`], ending in the extension of the type found in the
/// content. A name with nothing left becomes `document.<ext>`.
pub fn safe_file_name(given: &str, file_type: FileType) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c) && !matches!(c, '"' | ';' | '*'))
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim(),
        _ => cleaned,
    };
    let stem: String = stem.chars().take(MAX_NAME_CHARS - 6).collect();
    let stem = if stem.trim().is_empty() {
        "document".to_owned()
    } else {
        stem.trim().to_owned()
    };
    format!("{stem}.{}", file_type.extension)
}

/// Unicode format characters (category Cf) that can hide or reorder text:
/// bidirectional controls, zero-width characters, the byte-order mark.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}')
}

/// Whether a reader limited to `shared` categories (a receiving
/// organisation) may open a document of `category`; `None` is the owning
/// organisation's full view.
pub fn may_open(
    category: DataCategory,
    shared: Option<&std::collections::BTreeSet<DataCategory>>,
) -> bool {
    shared.is_none_or(|s| s.contains(&category))
}

/// Whether a contributor may add a document of `category`. The owning
/// organisation's staff who may change the case (`None`) add any; a
/// receiving organisation (a shelter's medical report, a legal aid
/// organisation's court papers) only in the categories its referrals share,
/// so that nothing it adds is beyond what it may read again.
pub fn may_add(
    category: DataCategory,
    shared: Option<&std::collections::BTreeSet<DataCategory>>,
) -> bool {
    may_open(category, shared)
}

/// Whether a contributor of `remover_org` may remove a document of
/// `category` added by a user of `added_by_org`. The owning organisation's
/// staff who may change the case (`None`) remove any; a receiving
/// organisation only what its own staff added, in a category it still
/// shares — never the owner's papers.
pub fn may_remove(
    category: DataCategory,
    added_by_org: crate::ids::OrgId,
    remover_org: crate::ids::OrgId,
    shared: Option<&std::collections::BTreeSet<DataCategory>>,
) -> bool {
    match shared {
        None => true,
        Some(s) => s.contains(&category) && added_by_org == remover_org,
    }
}

/// Whether a reader may see who added a document (their name and
/// organisation). The owning organisation sees every contributor; a
/// receiving organisation (`via_referral`) sees the owner's staff and its
/// own, never a third organisation's: it must not learn where else the
/// person was referred.
pub fn names_contributor(
    via_referral: bool,
    contributor_org: crate::ids::OrgId,
    case_org: crate::ids::OrgId,
    reader_org: crate::ids::OrgId,
) -> bool {
    !via_referral || contributor_org == case_org || contributor_org == reader_org
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    #[test]
    fn the_type_comes_from_the_content_not_the_name() {
        assert_eq!(check_file(PDF, 1024).unwrap().extension, "pdf");
        assert_eq!(check_file(PNG, 1024).unwrap().media_type, "image/png");
        // A page, a script or an SVG is refused whatever it is called.
        for bad in [
            &b"<!DOCTYPE html><html><script>alert(1)</script>"[..],
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            b"#!/bin/sh\nrm -rf /\n",
            b"MZ\x90\x00\x03\x00\x00\x00",
            b"just some words",
        ] {
            assert_eq!(check_file(bad, 1024), Err(UploadRefusal::TypeNotAccepted));
        }
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(check_file(b"", 1024), Err(UploadRefusal::Empty));
        let mut big = PDF.to_vec();
        big.resize(2049, b' ');
        assert_eq!(check_file(&big, 2048), Err(UploadRefusal::TooLarge(2048)));
        assert!(check_file(&big, 2049).is_ok());
        let e: DomainError = UploadRefusal::TooLarge(DEFAULT_MAX_BYTES).into();
        assert!(e.message.contains("20 MiB"), "{}", e.message);
    }

    #[test]
    fn file_names_are_cleaned_and_end_in_the_found_type() {
        let pdf = check_file(PDF, 1024).unwrap();
        assert_eq!(safe_file_name("scan.pdf", pdf), "scan.pdf");
        assert_eq!(
            safe_file_name("C:\\Users\\x\\passport.PDF", pdf),
            "passport.pdf"
        );
        assert_eq!(safe_file_name("../../etc/passwd", pdf), "passwd.pdf");
        // An .exe renamed by the content's type; an override can't reorder it.
        assert_eq!(
            safe_file_name("report\u{202E}fdp.exe", pdf),
            "reportfdp.pdf"
        );
        assert_eq!(safe_file_name("a\"b;c\r\n.pdf", pdf), "abc.pdf");
        assert_eq!(safe_file_name("\u{200B}\u{200B}", pdf), "document.pdf");
        assert_eq!(safe_file_name("", pdf), "document.pdf");
        assert_eq!(safe_file_name(".pdf", pdf), "pdf.pdf");
        let long = "ก".repeat(500);
        assert!(safe_file_name(&long, pdf).chars().count() <= MAX_NAME_CHARS);
    }

    #[test]
    fn every_kind_has_a_category_and_a_receiver_sees_only_what_is_shared() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Ok(*k));
            let _ = k.default_category();
        }
        let shared: std::collections::BTreeSet<_> = [DataCategory::Health].into_iter().collect();
        assert!(may_open(DataCategory::Health, Some(&shared)));
        assert!(!may_open(DataCategory::Identity, Some(&shared)));
        assert!(may_open(DataCategory::Identity, None));
    }

    #[test]
    fn a_receiver_adds_in_shared_categories_and_removes_only_its_own() {
        use crate::ids::OrgId;
        let (owner, receiver) = (
            OrgId(uuid::Uuid::from_u128(1)),
            OrgId(uuid::Uuid::from_u128(2)),
        );
        let shared: std::collections::BTreeSet<_> = [DataCategory::Health].into_iter().collect();
        assert!(may_add(DataCategory::Health, Some(&shared)));
        assert!(!may_add(DataCategory::Legal, Some(&shared)));
        assert!(may_add(DataCategory::Legal, None));
        // Its own report, while health is shared.
        assert!(may_remove(
            DataCategory::Health,
            receiver,
            receiver,
            Some(&shared)
        ));
        // The owner's health papers, though it may read them.
        assert!(!may_remove(
            DataCategory::Health,
            owner,
            receiver,
            Some(&shared)
        ));
        // Its own, once the category is no longer shared (consent withdrawn).
        let none = std::collections::BTreeSet::new();
        assert!(!may_remove(
            DataCategory::Health,
            receiver,
            receiver,
            Some(&none)
        ));
        // The owner's staff who may change the case remove anything.
        assert!(may_remove(DataCategory::Health, receiver, owner, None));
        // Who added it: a receiver never learns of a third organisation.
        let third = OrgId(uuid::Uuid::from_u128(3));
        assert!(names_contributor(false, third, owner, owner));
        assert!(names_contributor(true, owner, owner, receiver));
        assert!(names_contributor(true, receiver, owner, receiver));
        assert!(!names_contributor(true, third, owner, receiver));
    }
}
