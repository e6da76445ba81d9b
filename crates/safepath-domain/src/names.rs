//! Search keys for names. A name is split into tokens that are compared after
//! Unicode compatibility normalisation, case folding and diacritic folding, so
//! that "Nguyễn Văn An" and "nguyen van an" give the same keys. The keys are
//! never stored in clear: the crypto layer turns each into a blind index.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds one string: NFKD, drop combining marks (diacritics) for Latin-script
/// text, lower-case, then NFC. Scripts whose vowels are combining marks (Thai,
/// Burmese, Khmer) keep their marks: dropping them would merge different names.
pub fn fold(s: &str) -> String {
    let latin_like = s
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| (c as u32) < 0x0370 || ('\u{1E00}'..='\u{1EFF}').contains(&c));
    let decomposed = s.nfkd();
    let kept: String = if latin_like {
        decomposed.filter(|c| !is_combining_mark(*c)).collect()
    } else {
        decomposed.collect()
    };
    // Vietnamese đ/Đ has no decomposition; fold it explicitly.
    let kept = kept.replace(['đ', 'Đ'], "d");
    kept.to_lowercase().nfc().collect()
}

/// The search tokens of a name: folded words of two or more characters (or one
/// character outside ASCII, for scripts written without spaces between syllables).
pub fn search_tokens(name: &str) -> Vec<String> {
    let folded = fold(name);
    let mut tokens: Vec<String> = folded
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '.' | '-' | '\'' | '"' | '(' | ')' | '/')
        })
        .filter(|t| !t.is_empty())
        .filter(|t| t.chars().count() >= 2 || !t.is_ascii())
        .map(str::to_owned)
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_with_and_without_diacritics_match() {
        assert_eq!(
            search_tokens("Nguyễn Văn An"),
            search_tokens("nguyen van an")
        );
        assert_eq!(search_tokens("Đặng Thị Hoa"), search_tokens("Dang Thi Hoa"));
    }

    #[test]
    fn thai_keeps_its_vowel_marks() {
        let a = search_tokens("สมชาย ใจดี");
        assert_eq!(a.len(), 2);
        assert_ne!(search_tokens("สมชาย"), search_tokens("สมชาญ"));
    }

    #[test]
    fn burmese_and_khmer_are_tokenised() {
        assert_eq!(search_tokens("မောင် ထွန်း").len(), 2);
        assert_eq!(search_tokens("សុខ ដារ៉ា").len(), 2);
    }

    #[test]
    fn single_names_and_case() {
        assert_eq!(search_tokens("SUKARNI"), vec!["sukarni".to_string()]);
        assert!(search_tokens("  ").is_empty());
    }
}
