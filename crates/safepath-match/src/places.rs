//! Places as they are written: the same town under its old and new name, in Thai script or
//! romanised, under another romanisation or spelling reform, with or without spaces and
//! hyphens.
//!
//! [`place_key`] gives one key per place so that "Rangoon" meets "Yangon", "Tjiandjoer"
//! meets "Cianjur", "Pouthisat" meets "Pursat" and "อุดรธานี" meets "Udon Thani". Two places
//! that share a key but are not written alike are compared as their own level
//! (`same_place`, with its own m and u), never rewritten into each other: the exact
//! spelling still counts as `exact`.
//!
//! The names in [`ALIASES`] are published facts (sources in `docs/names.md`, "Places"):
//! Myanmar's renamings of 1989 (the Adaptation of Expressions Law) and the older English
//! spellings still in use; Cambodia's provinces in the official romanisation of the
//! United Nations Group of Experts on Geographical Names (UNGEGN) beside the common
//! spellings; Thailand's provinces in Thai script beside their Royal Thai General System
//! names; and a few renamed Vietnamese and Indonesian cities. Spelling differences that
//! follow rules (the Indonesian reforms of 1947 and 1972, Thai romanisation habits) are
//! folded by the same keys as names ([`crate::normalize::reform_key`],
//! [`crate::normalize::thai_key`]).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::normalize;

/// Another name or spelling of a place, and the name it is filed under.
const ALIASES: &[(&str, &str)] = &[
    // Myanmar: renamed in 1989, the old names still used by families and in older records.
    ("Rangoon", "Yangon"),
    ("Moulmein", "Mawlamyine"),
    ("Mawlamyaing", "Mawlamyine"),
    ("Pegu", "Bago"),
    ("Tavoy", "Dawei"),
    ("Bassein", "Pathein"),
    ("Akyab", "Sittwe"),
    ("Magwe", "Magway"),
    ("Mergui", "Myeik"),
    ("Maymyo", "Pyin Oo Lwin"),
    ("Sandoway", "Thandwe"),
    ("Prome", "Pyay"),
    ("Pa-an", "Hpa-an"),
    ("Kengtung", "Kyaingtong"),
    ("Tachilek", "Tachileik"),
    ("Myawadi", "Myawaddy"),
    ("Henzada", "Hinthada"),
    ("Arakan", "Rakhine"),
    ("Irrawaddy", "Ayeyarwady"),
    ("Tenasserim", "Tanintharyi"),
    ("Karen State", "Kayin"),
    ("Karenni", "Kayah"),
    // Cambodia: UNGEGN romanisation of the provinces beside the common spellings.
    ("Pouthisat", "Pursat"),
    ("Batdambang", "Battambang"),
    ("Takev", "Takeo"),
    ("Takaev", "Takeo"),
    ("Prey Veaeng", "Prey Veng"),
    ("Siemreab", "Siem Reap"),
    ("Kompong Cham", "Kampong Cham"),
    ("Kampong Chaam", "Kampong Cham"),
    ("Kompong Chhnang", "Kampong Chhnang"),
    ("Kompong Speu", "Kampong Speu"),
    ("Kampong Spueu", "Kampong Speu"),
    ("Kompong Thom", "Kampong Thom"),
    ("Kampong Thum", "Kampong Thom"),
    ("Kandaal", "Kandal"),
    ("Kaeb", "Kep"),
    ("Kaoh Kong", "Koh Kong"),
    ("Kracheh", "Kratie"),
    ("Mondol Kiri", "Mondulkiri"),
    ("Otdar Mean Chey", "Oddar Meanchey"),
    ("Phnum Penh", "Phnom Penh"),
    ("Sihanoukville", "Preah Sihanouk"),
    ("Kampong Saom", "Preah Sihanouk"),
    ("Rotanak Kiri", "Ratanakiri"),
    ("Stoeng Treng", "Stung Treng"),
    ("Tboung Khmum", "Tbong Khmum"),
    // Viet Nam.
    ("Saigon", "Ho Chi Minh"),
    ("Sài Gòn", "Ho Chi Minh"),
    ("Thành phố Hồ Chí Minh", "Ho Chi Minh"),
    ("Ho Chi Minh City", "Ho Chi Minh"),
    ("TP HCM", "Ho Chi Minh"),
    // Indonesia: renamed cities (the spelling reforms are folded by rule).
    ("Ujung Pandang", "Makassar"),
    ("Hollandia", "Jayapura"),
    ("Batavia", "Jakarta"),
    // Thailand: the provinces in Thai script and their RTGS names, and common other names.
    ("กรุงเทพมหานคร", "Bangkok"),
    ("กรุงเทพฯ", "Bangkok"),
    ("กรุงเทพ", "Bangkok"),
    ("Krung Thep", "Bangkok"),
    ("Krung Thep Maha Nakhon", "Bangkok"),
    ("กระบี่", "Krabi"),
    ("กาญจนบุรี", "Kanchanaburi"),
    ("กาฬสินธุ์", "Kalasin"),
    ("กำแพงเพชร", "Kamphaeng Phet"),
    ("ขอนแก่น", "Khon Kaen"),
    ("จันทบุรี", "Chanthaburi"),
    ("ฉะเชิงเทรา", "Chachoengsao"),
    ("ชลบุรี", "Chon Buri"),
    ("ชัยนาท", "Chai Nat"),
    ("ชัยภูมิ", "Chaiyaphum"),
    ("ชุมพร", "Chumphon"),
    ("เชียงราย", "Chiang Rai"),
    ("เชียงใหม่", "Chiang Mai"),
    ("ตรัง", "Trang"),
    ("ตราด", "Trat"),
    ("ตาก", "Tak"),
    ("นครนายก", "Nakhon Nayok"),
    ("นครปฐม", "Nakhon Pathom"),
    ("นครพนม", "Nakhon Phanom"),
    ("นครราชสีมา", "Nakhon Ratchasima"),
    ("Korat", "Nakhon Ratchasima"),
    ("โคราช", "Nakhon Ratchasima"),
    ("นครศรีธรรมราช", "Nakhon Si Thammarat"),
    ("นครสวรรค์", "Nakhon Sawan"),
    ("นนทบุรี", "Nonthaburi"),
    ("นราธิวาส", "Narathiwat"),
    ("น่าน", "Nan"),
    ("บึงกาฬ", "Bueng Kan"),
    ("บุรีรัมย์", "Buri Ram"),
    ("ปทุมธานี", "Pathum Thani"),
    ("ประจวบคีรีขันธ์", "Prachuap Khiri Khan"),
    ("ปราจีนบุรี", "Prachin Buri"),
    ("ปัตตานี", "Pattani"),
    ("พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya"),
    ("Ayutthaya", "Phra Nakhon Si Ayutthaya"),
    ("อยุธยา", "Phra Nakhon Si Ayutthaya"),
    ("พะเยา", "Phayao"),
    ("พังงา", "Phangnga"),
    ("พัทลุง", "Phatthalung"),
    ("พิจิตร", "Phichit"),
    ("พิษณุโลก", "Phitsanulok"),
    ("เพชรบุรี", "Phetchaburi"),
    ("เพชรบูรณ์", "Phetchabun"),
    ("แพร่", "Phrae"),
    ("ภูเก็ต", "Phuket"),
    ("มหาสารคาม", "Maha Sarakham"),
    ("มุกดาหาร", "Mukdahan"),
    ("แม่ฮ่องสอน", "Mae Hong Son"),
    ("ยโสธร", "Yasothon"),
    ("ยะลา", "Yala"),
    ("ร้อยเอ็ด", "Roi Et"),
    ("ระนอง", "Ranong"),
    ("ระยอง", "Rayong"),
    ("ราชบุรี", "Ratchaburi"),
    ("ลพบุรี", "Lop Buri"),
    ("ลำปาง", "Lampang"),
    ("ลำพูน", "Lamphun"),
    ("เลย", "Loei"),
    ("ศรีสะเกษ", "Si Sa Ket"),
    ("สกลนคร", "Sakon Nakhon"),
    ("สงขลา", "Songkhla"),
    ("สตูล", "Satun"),
    ("สมุทรปราการ", "Samut Prakan"),
    ("สมุทรสงคราม", "Samut Songkhram"),
    ("สมุทรสาคร", "Samut Sakhon"),
    ("สระแก้ว", "Sa Kaeo"),
    ("สระบุรี", "Saraburi"),
    ("สิงห์บุรี", "Sing Buri"),
    ("สุโขทัย", "Sukhothai"),
    ("สุพรรณบุรี", "Suphan Buri"),
    ("สุราษฎร์ธานี", "Surat Thani"),
    ("สุรินทร์", "Surin"),
    ("หนองคาย", "Nong Khai"),
    ("หนองบัวลำภู", "Nong Bua Lam Phu"),
    ("อ่างทอง", "Ang Thong"),
    ("อำนาจเจริญ", "Amnat Charoen"),
    ("อุดรธานี", "Udon Thani"),
    ("อุตรดิตถ์", "Uttaradit"),
    ("อุทัยธานี", "Uthai Thani"),
    ("อุบลราชธานี", "Ubon Ratchathani"),
];

/// The spelling key of a place already normalised ([`normalize::normalize_text`]:
/// lower-case ASCII tokens, Thai script romanised, diacritics dropped): spaces removed,
/// then the spelling-reform and Thai romanisation folds applied.
fn spelling_key(normalised: &str) -> String {
    let joined: String = normalised.split(' ').collect();
    if joined.is_empty() {
        return joined;
    }
    normalize::thai_key(&normalize::reform_key(&joined))
}

/// Spelling key of every other name → spelling key of the name it is filed under.
static ALIAS_KEYS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let key = |written: &str| spelling_key(&normalize::normalize_text(written));
    ALIASES
        .iter()
        .map(|(other, filed)| (key(other), key(filed)))
        .filter(|(a, b)| a != b)
        .collect()
});

/// The key of one place (one comma-separated part of a place column) already normalised
/// with [`normalize::normalize_text`]: equal for the same place under another name or
/// spelling. Empty for an empty place. The matching engine normalises each part once and
/// derives both the written form and this key from it.
pub fn key_of_normalised(normalised: &str) -> String {
    let key = spelling_key(normalised);
    match ALIAS_KEYS.get(&key) {
        Some(filed) => filed.clone(),
        None => key,
    }
}

/// The key of one place as written ([`key_of_normalised`] of its normalised text).
pub fn place_key(written: &str) -> String {
    key_of_normalised(&normalize::normalize_text(written))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        place_key(a) == place_key(b)
    }

    #[test]
    fn renamed_cities_meet_their_new_names() {
        assert!(same("Rangoon", "Yangon"));
        assert!(same("Moulmein", "Mawlamyine"));
        assert!(same("Pegu", "BAGO"));
        assert!(same("Akyab", "Sittwe"));
        assert!(same("Saigon", "Thành phố Hồ Chí Minh"));
    }

    #[test]
    fn spaces_hyphens_and_doubled_letters_do_not_matter() {
        assert!(same("Udon Thani", "Udonthani"));
        assert!(same("Hpa-An", "Hpaan"));
        assert!(same("Pa-an", "Hpa-an"));
        assert!(same("Taungyi", "Taunggyi"));
        assert!(same("Myawadi", "Myawaddy"));
        assert!(same("Banteay Mean Chey", "Banteay Meanchey"));
    }

    #[test]
    fn romanisations_and_spelling_reforms_meet() {
        // UNGEGN against common spellings (Cambodia).
        assert!(same("Pouthisat", "Pursat"));
        assert!(same("Takev", "Takeo"));
        assert!(same("Kompong Cham", "Kampong Cham"));
        // Indonesian spelling of 1947 and 1972.
        assert!(same("Tjiandjoer", "Cianjur"));
        assert!(same("Soekaboemi", "Sukabumi"));
        assert!(same("Banjoewangi", "Banyuwangi"));
        assert!(same("Tjilatjap", "Cilacap"));
        // Thai romanisation habits.
        assert!(same("Payao", "Phayao"));
        // Vietnamese diacritics.
        assert!(same("Đồng Tháp", "Dong Thap"));
    }

    #[test]
    fn thai_script_meets_the_rtgs_name() {
        assert!(same("อุดรธานี", "Udon Thani"));
        assert!(same("เชียงใหม่", "Chiang Mai"));
        assert!(same("ศรีสะเกษ", "Sisaket"));
        assert!(same("พะเยา", "Payao"));
        assert!(same("ขอนแก่น", "Khonkaen"));
    }

    #[test]
    fn different_places_stay_different() {
        assert!(!same("Siem Reap", "Kampot"));
        assert!(!same("Yangon", "Mandalay"));
        assert!(!same("Chiang Mai", "Chiang Rai"));
        assert!(!same("เชียงใหม่", "เชียงราย"));
        assert!(!same("Pursat", "Battambang"));
        assert_eq!(place_key("  "), "");
    }

    #[test]
    fn every_alias_is_filed_under_another_key() {
        for (other, filed) in ALIASES {
            assert!(!place_key(other).is_empty(), "{other}");
            assert!(same(other, filed), "{other} / {filed}");
        }
    }
}
