//! Thai script romanised by the rules of the Royal Thai General System of Transcription
//! (RTGS; Royal Institute, *Principles of Romanization for Thai Script by Transcription
//! Method*, 1999/2000), so that a name written in Thai meets the same name as a clerk or
//! a passport wrote it in Latin letters ("ธนากร" → "thanakon", Tanakorn).
//!
//! A letter-by-letter transliteration cannot do this: Thai writes no vowel in many
//! syllables (สม is *som*, ชนิดา is *cha-ni-da*), writes some vowels before their
//! consonant (แสง *saeng*), and a final consonant is read by its class (ร, ล, ญ, ณ final
//! are *n*; ด, ต, ท, จ, ช, ศ, ษ, ส final are *t*). The rules here cover the syllable
//! shapes of personal and place names:
//!
//! * initial consonants by their RTGS value, the true clusters (กร, กล, กว, ขร, ขล, ขว,
//!   คร, คล, คว, ตร, ปร, ปล, พร, พล), the leading ห and อ that only carry a tone (หญิง
//!   *ying*, อยู่ *yu*), ทร read *s*, and ร silent after จ, ศ, ส, ซ (ศรี *si*);
//! * the vowel forms of the RTGS vowel table, written before, above, below and after the
//!   consonant (เ-ีย *ia*, เ-ือ *uea*, เ-า *ao*, -ัว *ua*, ไ- *ai*, -ำ *am* …);
//! * the implicit vowels: *o* in a closed syllable (สม *som*), *a* in an open one (ชนิดา
//!   *chanida*), from the run of consonants that carry no vowel;
//! * finals by class, a ร after a final at the end of a word silent (เพชร *phet*), and a
//!   letter under the cancellation mark ◌์ silent with the vowel marks on it (ศักดิ์ *sak*,
//!   จันทร์ *chan*);
//! * tone marks are not transcribed, as in RTGS.
//!
//! Thai spelling is not fully predictable from rules (the Royal Institute's own
//! dictionary lists exceptions); a name the rules read differently still meets its
//! romanisation through the phonetic comparison.

const LEAD: [char; 5] = ['เ', 'แ', 'โ', 'ใ', 'ไ'];
/// Vowel marks above and below the consonant (and the shortener ◌็).
const MARKS: [char; 8] = ['ั', 'ิ', 'ี', 'ึ', 'ื', 'ุ', 'ู', '็'];
/// Vowels written after the consonant.
const FOLLOW: [char; 4] = ['ะ', 'า', 'ำ', 'ๅ'];
const CANCEL: char = '์';

fn is_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

/// RTGS value of a consonant at the start of a syllable.
fn initial(c: char) -> &'static str {
    match c {
        'ก' => "k",
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "kh",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ฌ' => "ch",
        'ซ' | 'ศ' | 'ษ' | 'ส' => "s",
        'ญ' | 'ย' => "y",
        'ฎ' | 'ด' => "d",
        'ฏ' | 'ต' => "t",
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => "th",
        'ณ' | 'น' => "n",
        'บ' => "b",
        'ป' => "p",
        'ผ' | 'พ' | 'ภ' => "ph",
        'ฝ' | 'ฟ' => "f",
        'ม' => "m",
        'ร' => "r",
        'ฤ' => "rue",
        'ล' | 'ฬ' => "l",
        'ฦ' => "lue",
        'ว' => "w",
        'ห' | 'ฮ' => "h",
        _ => "", // อ carries the vowel only
    }
}

/// RTGS value of a consonant closing a syllable.
fn final_(c: char) -> &'static str {
    match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "k",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' | 'ฎ' | 'ฏ' | 'ฐ' | 'ฑ' | 'ฒ' | 'ด' | 'ต' | 'ถ' | 'ท' | 'ธ'
        | 'ศ' | 'ษ' | 'ส' => "t",
        'ญ' | 'ณ' | 'น' | 'ร' | 'ล' | 'ฬ' => "n",
        'บ' | 'ป' | 'ผ' | 'พ' | 'ฟ' | 'ภ' => "p",
        'ม' => "m",
        'ย' => "i",
        'ว' => "o",
        _ => "",
    }
}

/// Drops what is not pronounced: tone marks and other signs, and each letter under the
/// cancellation mark with the vowel marks on it (and, in ◌ทร์ after a final, the letter
/// before it: จันทร์ *chan*).
fn pronounced(word: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(word.len());
    for c in word.chars() {
        match c {
            '\u{0E48}'..='\u{0E4B}' | 'ํ' | 'ฺ' | 'ฯ' | 'ๆ' => {}
            CANCEL => {
                while let Some(p) = out.pop() {
                    if is_consonant(p) {
                        break;
                    }
                }
                // A consonant left between the final of a syllable with ◌ั (which
                // always takes a final) and the silent letter is silent too (จันทร์,
                // ลักษณ์; not มณีพงษ์, where พ opens a syllable).
                let n = out.len();
                if n >= 3
                    && is_consonant(out[n - 1])
                    && is_consonant(out[n - 2])
                    && out[n - 3] == 'ั'
                {
                    out.pop();
                }
            }
            _ => out.push(c),
        }
    }
    // ร between -ีย and its final is silent (เกียรติ kiat).
    if let Some(k) = out.windows(3).position(|x| x == ['ย', 'ร', 'ต']) {
        out.remove(k + 1);
    }
    // A word-final -ติ (and the like) after a long vowel is read as the final only
    // (ชาติ chat, ญาติ yat, เกียรติ kiat).
    let n = out.len();
    if n >= 3
        && out[n - 1] == 'ิ'
        && is_consonant(out[n - 2])
        && final_(out[n - 2]) == "t"
        && matches!(out[n - 3], 'า' | 'ย')
    {
        out.pop();
    }
    out
}

/// True when the consonant at `j` opens a syllable with a written vowel after it.
fn takes_vowel(w: &[char], j: usize) -> bool {
    match w.get(j + 1) {
        Some(c) if MARKS.contains(c) || FOLLOW.contains(c) => true,
        // Consonant + อ + consonant or end: อ is the vowel o.
        Some('อ') => !w
            .get(j + 2)
            .is_some_and(|c| MARKS.contains(c) || FOLLOW.contains(c)),
        _ => false,
    }
}

fn true_cluster(c1: char, c2: char) -> bool {
    matches!(c1, 'ก' | 'ข' | 'ค' | 'ป' | 'พ' | 'ต' | 'ผ')
        && matches!(c2, 'ร' | 'ล' | 'ว')
        && !(c1 == 'ต' && c2 != 'ร')
}

/// Romanises one Thai word (no spaces) by RTGS. Characters that are not Thai are kept.
pub fn romanise_word(word: &str) -> String {
    let w = pronounced(word);
    let n = w.len();
    let mut out = String::with_capacity(n * 2);
    let mut i = 0;
    while i < n {
        let c = w[i];
        if !is_consonant(c) && !LEAD.contains(&c) {
            // A vowel without a consonant before it (a stray mark), a digit or Latin.
            match c {
                'ะ' | 'า' | 'ั' | 'ๅ' => out.push('a'),
                'ิ' | 'ี' => out.push('i'),
                'ุ' | 'ู' => out.push('u'),
                'ึ' | 'ื' => out.push_str("ue"),
                'ำ' => out.push_str("am"),
                '\u{0E50}'..='\u{0E59}' => {
                    out.push(char::from(b'0' + (c as u32 - 0x0E50) as u8));
                }
                c if !('\u{0E00}'..='\u{0E7F}').contains(&c) => out.push(c),
                _ => {}
            }
            i += 1;
            continue;
        }
        let lead = if LEAD.contains(&c) {
            i += 1;
            Some(c)
        } else {
            None
        };
        let Some(&c1) = w.get(i) else {
            // A lead vowel at the end of the word.
            out.push_str(lead_alone(lead));
            break;
        };
        if !is_consonant(c1) {
            i += 1;
            continue;
        }
        i += 1;
        // The initial: clusters and silent leading letters.
        let mut init = initial(c1).to_string();
        let c2 = w.get(i).copied();
        let after2 = w.get(i + 1).copied();
        let vowel_after2 = after2.is_some_and(|c| MARKS.contains(&c) || FOLLOW.contains(&c))
            || (after2 == Some('อ') && lead.is_none());
        let mut lead = lead;
        let mut open_a = false;
        if let Some(c2) = c2.filter(|c| is_consonant(*c)) {
            if c1 == 'ห' && matches!(c2, 'ง' | 'ญ' | 'น' | 'ม' | 'ย' | 'ร' | 'ล' | 'ว')
            {
                init = initial(c2).to_string();
                i += 1;
            } else if c1 == 'อ' && c2 == 'ย' {
                init = "y".to_string();
                i += 1;
            } else if c1 == 'ท' && c2 == 'ร' && (vowel_after2 || lead.is_some()) {
                init = "s".to_string();
                i += 1;
            } else if c1 == 'จ' && c2 == 'ร' && after2 == Some('ิ') && lead == Some('เ') {
                // เจริญ: cha-roen, the lead vowel belongs to ร.
                open_a = true;
            } else if matches!(c1, 'จ' | 'ศ' | 'ส' | 'ซ')
                && c2 == 'ร'
                && (vowel_after2 || lead.is_some())
            {
                i += 1; // ศรี si: ร silent
            } else if true_cluster(c1, c2) && (vowel_after2 || (lead.is_some() && c2 != 'ว')) {
                init.push_str(initial(c2));
                i += 1;
            } else if lead.is_some()
                && (vowel_after2 || after2 == Some('อ'))
                && !true_cluster(c1, c2)
            {
                // เสนอ: sa-noe, the lead vowel belongs to the second consonant.
                open_a = true;
            }
        }
        out.push_str(&init);
        if open_a {
            out.push('a');
            // Re-read from the second consonant with the lead vowel.
            let rest: String = std::iter::once(lead.unwrap_or('เ'))
                .chain(w[i..].iter().copied())
                .collect();
            out.push_str(&romanise_word(&rest));
            return out;
        }
        // The vowel.
        let (vowel, closed) = vowel(&w, &mut i, lead.take());
        let vowel = match vowel {
            Some(v) => v,
            None => {
                // No written vowel: o in a closed syllable, a in an open one.
                implicit(&w, i)
            }
        };
        out.push_str(vowel);
        if closed {
            continue;
        }
        // The final consonant, when the next consonant does not open a syllable.
        if let Some(&f) = w.get(i)
            && is_consonant(f)
            && !takes_vowel(&w, i)
            && !(vowel == "a" && implicit_open(&w, i - 1))
        {
            out.push_str(final_(f));
            i += 1;
            // ร after a final at the end of a word is silent (เพชร phet, บุตร but).
            if w.get(i) == Some(&'ร') && i + 1 == n {
                i += 1;
            }
        }
    }
    out
}

fn lead_alone(lead: Option<char>) -> &'static str {
    match lead {
        Some('เ') => "e",
        Some('แ') => "ae",
        Some('โ') => "o",
        Some(_) => "ai",
        None => "",
    }
}

/// True when the syllable whose initial is at `j` got its implicit vowel as an open *a*
/// (the consonant after it opens the next syllable), so that it takes no final.
fn implicit_open(w: &[char], j: usize) -> bool {
    !takes_vowel(w, j)
        && implicit(w, j + 1) == "a"
        && !w
            .get(j + 1)
            .is_some_and(|c| MARKS.contains(c) || FOLLOW.contains(c))
}

/// The implicit vowel of a consonant without a written vowel, whose next character is at
/// `i`: *o* when the next consonant closes the syllable, *a* when it opens one.
fn implicit(w: &[char], i: usize) -> &'static str {
    let Some(&c) = w.get(i) else {
        return "o"; // a lone final consonant: read with o
    };
    if !is_consonant(c) || takes_vowel(w, i) {
        return "a";
    }
    // c is a bare consonant: it closes this syllable unless a bare pair ends the word
    // after it (ศกร: sa-kon).
    let next = w.get(i + 1).copied();
    match next {
        None => "o",
        Some(d) if is_consonant(d) && !takes_vowel(w, i + 1) && i + 2 == w.len() => "a",
        _ => "o",
    }
}

/// Reads the vowel after the initial (and the lead vowel before it); `i` is moved past
/// it. Returns the vowel (None: none written) and whether it ends the syllable (a vowel
/// that includes its final, as -ำ am or ไ- ai).
fn vowel(w: &[char], i: &mut usize, lead: Option<char>) -> (Option<&'static str>, bool) {
    let at = |k: usize| w.get(k).copied();
    let mark = at(*i).filter(|c| MARKS.contains(c));
    if mark.is_some() {
        *i += 1;
    }
    let next = at(*i);
    let after = at(*i + 1);
    let bare_next = |c: Option<char>| !c.is_some_and(|c| MARKS.contains(&c) || FOLLOW.contains(&c));
    match lead {
        Some('เ') => match (mark, next) {
            (Some('ี'), Some('ย')) => {
                *i += 1;
                if at(*i) == Some('ะ') {
                    *i += 1;
                }
                if at(*i) == Some('ว') {
                    *i += 1;
                    return (Some("iao"), true);
                }
                (Some("ia"), false)
            }
            (Some('ื'), Some('อ')) => {
                *i += 1;
                if at(*i) == Some('ะ') {
                    *i += 1;
                }
                (Some("uea"), false)
            }
            (Some('ิ'), _) => (Some("oe"), false),
            (Some(_), _) => (Some("e"), false),
            (None, Some('า')) => {
                *i += 1;
                if at(*i) == Some('ะ') {
                    *i += 1;
                    return (Some("o"), false);
                }
                (Some("ao"), true)
            }
            (None, Some('อ')) if bare_next(after) => {
                *i += 1;
                (Some("oe"), false)
            }
            (None, Some('ะ')) => {
                *i += 1;
                (Some("e"), false)
            }
            (None, Some('ย')) if bare_next(after) => {
                *i += 1;
                (Some("oei"), true)
            }
            _ => (Some("e"), false),
        },
        Some('แ') => {
            if next == Some('ะ') {
                *i += 1;
            }
            (Some("ae"), false)
        }
        Some('โ') => {
            if next == Some('ะ') {
                *i += 1;
            }
            (Some("o"), false)
        }
        Some(_) => {
            // ไ- ใ- ai; a ย after it is silent (ไทย thai).
            if next == Some('ย') && bare_next(after) {
                *i += 1;
            }
            (Some("ai"), true)
        }
        None => match mark {
            Some('ั') => match next {
                Some('ว') => {
                    *i += 1;
                    if at(*i) == Some('ะ') {
                        *i += 1;
                    }
                    (Some("ua"), false)
                }
                Some('ย') if bare_next(after) => {
                    *i += 1;
                    (Some("ai"), true)
                }
                _ => (Some("a"), false),
            },
            Some('ิ') | Some('ี') => {
                if next == Some('ว') && bare_next(after) {
                    *i += 1;
                    return (Some("io"), true);
                }
                (Some("i"), false)
            }
            Some('ึ') => (Some("ue"), false),
            Some('ื') => {
                if next == Some('อ') {
                    *i += 1;
                }
                (Some("ue"), false)
            }
            Some('ุ') | Some('ู') => {
                if next == Some('ย') && bare_next(after) {
                    *i += 1;
                    return (Some("ui"), true);
                }
                (Some("u"), false)
            }
            Some(_) => (Some("o"), false),
            None => match next {
                Some('ะ') => {
                    *i += 1;
                    (Some("a"), true)
                }
                Some('า') | Some('ๅ') => {
                    *i += 1;
                    match at(*i) {
                        Some('ย') if bare_next(at(*i + 1)) => {
                            *i += 1;
                            (Some("ai"), true)
                        }
                        Some('ว') if bare_next(at(*i + 1)) => {
                            *i += 1;
                            (Some("ao"), true)
                        }
                        _ => (Some("a"), false),
                    }
                }
                Some('ำ') => {
                    *i += 1;
                    (Some("am"), true)
                }
                Some('อ') if bare_next(after) => {
                    *i += 1;
                    if at(*i) == Some('ย') && bare_next(at(*i + 1)) {
                        *i += 1;
                        return (Some("oi"), true);
                    }
                    (Some("o"), false)
                }
                // -ว- between consonants: ua (สวน suan).
                Some('ว') if after.is_some_and(is_consonant) && bare_next(at(*i + 2)) => {
                    *i += 1;
                    (Some("ua"), false)
                }
                _ => (None, false),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::romanise_word as r;

    #[test]
    fn implicit_vowels() {
        assert_eq!(r("สม"), "som");
        assert_eq!(r("ชนิดา"), "chanida");
        assert_eq!(r("ธนากร"), "thanakon");
        assert_eq!(r("พงศกร"), "phongsakon");
        assert_eq!(r("ยอดพร"), "yotphon");
        assert_eq!(r("มณี"), "mani");
    }

    #[test]
    fn vowels_before_above_and_after() {
        assert_eq!(r("สมชาย"), "somchai");
        assert_eq!(r("แสง"), "saeng");
        assert_eq!(r("เชียงใหม่"), "chiangmai");
        assert_eq!(r("อำนาจ"), "amnat");
        assert_eq!(r("ทองดี"), "thongdi");
        assert_eq!(r("สุดา"), "suda");
        assert_eq!(r("ชัยวัฒน์"), "chaiwat");
        assert_eq!(r("ไทย"), "thai");
        assert_eq!(r("เลย"), "loei");
        assert_eq!(r("สวน"), "suan");
        assert_eq!(r("เมือง"), "mueang");
    }

    #[test]
    fn clusters_and_silent_letters() {
        assert_eq!(r("ปราณี"), "prani");
        assert_eq!(r("ประภา"), "prapha");
        assert_eq!(r("ศรี"), "si");
        assert_eq!(r("ทราย"), "sai");
        assert_eq!(r("หญิง"), "ying");
        assert_eq!(r("เพชร"), "phet");
        assert_eq!(r("สมบูรณ์"), "sombun");
        assert_eq!(r("จันทร์"), "chan");
        assert_eq!(r("ศักดิ์"), "sak");
        assert_eq!(r("นงลักษณ์"), "nonglak");
        assert_eq!(r("เจริญ"), "charoen");
        assert_eq!(r("สิงห์"), "sing");
        assert_eq!(r("ประเสริฐ"), "prasoet");
        assert_eq!(r("แก้วดี"), "kaeodi");
        assert_eq!(r("กุลสวัสดิ์"), "kunsawat");
    }

    #[test]
    fn every_vowel_form() {
        for (thai, rtgs) in [
            ("เสนอ", "sanoe"),
            ("เพลง", "phleng"),
            ("อยู่", "yu"),
            ("เกรียง", "kriang"),
            ("โรง", "rong"),
            ("แพร่", "phrae"),
            ("ใจ", "chai"),
            ("เจ้า", "chao"),
            ("เกาะ", "ko"),
            ("เลือด", "lueat"),
            ("ครู", "khru"),
            ("กวาง", "kwang"),
            ("ดาว", "dao"),
            ("หิว", "hio"),
            ("ขวัญ", "khwan"),
            ("คุณ", "khun"),
            ("น้ำ", "nam"),
            ("เดิน", "doen"),
            ("เล็ก", "lek"),
            ("เกียว", "kiao"),
            ("ตัว", "tua"),
            ("ปุ๋ย", "pui"),
            ("โดย", "doi"),
            ("ลอย", "loi"),
            ("เหนือ", "nuea"),
        ] {
            assert_eq!(r(thai), rtgs, "{thai}");
        }
    }

    #[test]
    fn finals_read_by_their_class() {
        assert_eq!(r("ชาติ"), "chat");
        assert_eq!(r("ไทยชาติ"), "thaichat");
        assert_eq!(r("กุลรัตน์"), "kunrat");
        assert_eq!(r("ยอดพร"), "yotphon");
        assert_eq!(r("เรืองพันธ์"), "rueangphan");
        assert_eq!(r("วงศ์พร"), "wongphon");
    }

    proptest::proptest! {
        /// Any Thai text (and Latin mixed in) romanises without panicking, to lower-case
        /// ASCII where it was Thai, and never grows without bound.
        #[test]
        fn any_thai_text_romanises(word in "[\u{0E01}-\u{0E5B}a-z]{0,24}") {
            let out = r(&word);
            proptest::prop_assert!(out.chars().count() <= 4 * word.chars().count() + 4);
            proptest::prop_assert!(out.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
    }
}
