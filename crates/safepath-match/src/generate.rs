//! Seeded generator of synthetic Southeast Asian person records with duplicates.
//!
//! Names are assembled from lists of common name parts (no real person's record is used).
//! Every record is a noisy observation of an entity: dropped diacritics, swapped name
//! order, typing errors, transliteration variants, nicknames, honorifics, native script,
//! partial dates, ages instead of dates, missing fields, moves within a province.

use std::io::Write;
use std::path::Path;

use fastrand::Rng;

use crate::error::MatchError;

/// (romanised with marks, plain variants…) for Vietnamese parts.
const VN_FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 50),
    ("Huỳnh", 50),
    ("Phan", 45),
    ("Vũ", 40),
    ("Võ", 35),
    ("Đặng", 30),
    ("Bùi", 25),
    ("Đỗ", 20),
    ("Hồ", 15),
    ("Ngô", 15),
    ("Dương", 12),
    ("Lý", 10),
    ("Đinh", 8),
    ("Trịnh", 8),
    ("Mai", 6),
    ("Lương", 6),
    ("Tạ", 4),
    ("Châu", 4),
    ("Quách", 3),
];
const VN_MIDDLE_M: &[&str] = &[
    "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Công", "Xuân",
];
const VN_MIDDLE_F: &[&str] = &[
    "Thị", "Thị", "Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Bích", "Hồng",
];
const VN_GIVEN_M: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long",
    "Minh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung",
    "Tuấn", "Việt", "Vinh", "Bảo", "Đông", "Hoà", "Lâm", "Lộc", "Nghĩa", "Phát", "Tâm", "Thiện",
    "Tín", "Trí", "Tú", "Hưng", "Kiên",
];
const VN_GIVEN_F: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Lan", "Linh",
    "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thủy",
    "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Xuân", "Yến", "Diệp", "Hậu", "Huệ", "Liên", "Ly",
    "Nhi", "Nhàn", "Thơ", "Vy",
];
/// Thai syllables: (common romanisation, variant romanisation, Thai script).
const TH_SYL: &[(&str, &str, &str)] = &[
    ("som", "som", "สม"),
    ("chai", "chay", "ชัย"),
    ("sak", "sak", "ศักดิ์"),
    ("suk", "sook", "สุข"),
    ("wan", "van", "วรรณ"),
    ("nat", "nath", "ณัฐ"),
    ("pong", "phong", "พงษ์"),
    ("thong", "tong", "ทอง"),
    ("siri", "siri", "ศิริ"),
    ("porn", "phon", "พร"),
    ("rat", "rath", "รัตน์"),
    ("anan", "anant", "อนันต์"),
    ("kit", "kij", "กิจ"),
    ("phan", "pan", "พันธ์"),
    ("mali", "malee", "มะลิ"),
    ("chan", "jan", "จันทร์"),
    ("dee", "di", "ดี"),
    ("jai", "chai", "ใจ"),
    ("kaew", "keaw", "แก้ว"),
    ("sri", "si", "ศรี"),
    ("bun", "boon", "บุญ"),
    ("prasert", "prasoet", "ประเสริฐ"),
    ("wong", "vong", "วงศ์"),
    ("rung", "roong", "รุ่ง"),
    ("nam", "num", "น้ำ"),
    ("fah", "fa", "ฟ้า"),
    ("duang", "doung", "ดวง"),
    ("tip", "thip", "ทิพย์"),
    ("pra", "phra", "ประ"),
    ("kan", "karn", "กาญ"),
    ("jira", "chira", "จิรา"),
    ("ya", "yah", "ญา"),
    ("ubon", "ubol", "อุบล"),
    ("lak", "luck", "ลักษณ์"),
    ("sombat", "sombut", "สมบัติ"),
    ("noi", "noy", "น้อย"),
    ("thani", "tanee", "ธานี"),
    ("charoen", "jaroen", "เจริญ"),
    ("mongkol", "mongkhon", "มงคล"),
    ("sawat", "sawad", "สวัสดิ์"),
];
const MM_SYL: &[(&str, &str)] = &[
    ("Aung", "Aung"),
    ("Kyaw", "Kyaw"),
    ("Min", "Min"),
    ("Thant", "Thant"),
    ("Zaw", "Zaw"),
    ("Htet", "Htet"),
    ("Myat", "Myat"),
    ("Thu", "Thu"),
    ("Hla", "Hla"),
    ("Mya", "Mya"),
    ("Nyein", "Nyein"),
    ("Su", "Su"),
    ("Win", "Win"),
    ("Tun", "Tun"),
    ("Naing", "Naing"),
    ("Oo", "Oo"),
    ("Soe", "Soe"),
    ("Moe", "Moe"),
    ("Khin", "Khin"),
    ("Yin", "Yin"),
    ("Ei", "Ei"),
    ("Phyu", "Phyu"),
    ("Thiri", "Thiri"),
    ("San", "San"),
    ("Lwin", "Lwin"),
    ("Myint", "Myint"),
    ("Nwe", "Nwe"),
    ("Thandar", "Thandar"),
    ("Wai", "Wai"),
    ("Yan", "Yan"),
    ("Paing", "Paing"),
    ("Hein", "Hein"),
    ("Zin", "Zin"),
    ("Htun", "Htoon"),
    ("Thein", "Thein"),
    ("Maw", "Maw"),
    ("Nandar", "Nanda"),
    ("Khaing", "Khine"),
    ("Sandar", "Sanda"),
    ("Wint", "Wint"),
    ("Pyae", "Pyay"),
    ("Sone", "Sone"),
];
const MM_VARIANT: &[(&str, &str)] = &[
    ("Kyaw", "Kyau"),
    ("Htet", "Htat"),
    ("Myint", "Myin"),
    ("Htun", "Tun"),
    ("Naing", "Nai"),
    ("Khaing", "Khine"),
    ("Thu", "Tu"),
    ("Zaw", "Zau"),
];
const KH_FAMILY: &[&str] = &[
    "Sok", "Chan", "Kim", "Meas", "Heng", "Ly", "Chea", "Seng", "Phan", "Keo", "Nov", "Sar", "Pen",
    "Yem", "Chhun", "Mao", "Touch", "Vann", "Prak", "Hun", "Mean", "Sorn", "Nhem", "Ouk", "Pich",
];
const KH_GIVEN: &[(&str, &str)] = &[
    ("Sophea", "Sopheap"),
    ("Dara", "Darah"),
    ("Vanna", "Vana"),
    ("Sokha", "Sokhar"),
    ("Bopha", "Bophar"),
    ("Chenda", "Chendar"),
    ("Srey", "Srei"),
    ("Pisey", "Pisei"),
    ("Rithy", "Rithi"),
    ("Sovann", "Sovan"),
    ("Kosal", "Kosol"),
    ("Vuthy", "Vuthi"),
    ("Sreymom", "Sreymum"),
    ("Channary", "Chanary"),
    ("Piseth", "Pisith"),
    ("Sothea", "Sotheara"),
    ("Borey", "Borei"),
    ("Leakena", "Leakhena"),
    ("Sambath", "Sambat"),
    ("Vichet", "Vicheth"),
    ("Samnang", "Somnang"),
    ("Kanha", "Kanhar"),
    ("Narin", "Nareen"),
    ("Rotha", "Rothar"),
    ("Socheat", "Sochet"),
];
const ID_SINGLE: &[&str] = &[
    "Suharti",
    "Wahyuni",
    "Sutrisno",
    "Purwanto",
    "Budi",
    "Slamet",
    "Sri",
    "Agus",
    "Hartono",
    "Yuliani",
    "Rahmawati",
    "Setiawan",
    "Wati",
    "Nurhayati",
    "Susanto",
    "Sumarni",
    "Suparman",
    "Mulyadi",
    "Haryanto",
    "Supriyadi",
    "Kartini",
    "Sulastri",
    "Rohmah",
    "Wulandari",
    "Sugiarto",
    "Yanti",
    "Suwarni",
    "Darmawan",
    "Lestari",
    "Iskandar",
];
const ID_FIRST: &[&str] = &[
    "Muhammad", "Siti", "Nur", "Dewi", "Ahmad", "Rizky", "Putri", "Abdul", "Indah", "Eko", "Dian",
    "Fitri", "Hendra", "Ayu", "Adi",
];
const PH_GIVEN: &[(&str, &str)] = &[
    ("Maria", "Mary"),
    ("Jose", "Pepe"),
    ("Juan", "Juan"),
    ("Ana", "Ana"),
    ("Rosario", "Charo"),
    ("Antonio", "Tony"),
    ("Ricardo", "Ricky"),
    ("Teresita", "Tess"),
    ("Eduardo", "Eddie"),
    ("Jesus", "Jessie"),
    ("Mark", "Mark"),
    ("John", "John"),
    ("Angelica", "Angel"),
    ("Jennifer", "Jen"),
    ("Michael", "Mike"),
    ("Christian", "Chris"),
    ("Rodel", "Rodel"),
    ("Marites", "Tess"),
    ("Lorna", "Lorna"),
    ("Rowena", "Weng"),
    ("Roberto", "Bobby"),
    ("Francisco", "Paco"),
];
const PH_FAMILY: &[&str] = &[
    "Santos",
    "Reyes",
    "Cruz",
    "Bautista",
    "Ocampo",
    "Garcia",
    "Mendoza",
    "Torres",
    "Tomas",
    "Andrada",
    "Castillo",
    "Flores",
    "Villanueva",
    "Ramos",
    "Castro",
    "Rivera",
    "Aquino",
    "Navarro",
    "Dela Cruz",
    "De Leon",
    "Salazar",
    "Mercado",
];
const LA_GIVEN: &[(&str, &str)] = &[
    ("Somsak", "ສົມສັກ"),
    ("Khamla", "Khamlar"),
    ("Bounmy", "Bounmi"),
    ("Souksavanh", "Souksavan"),
    ("Phonsavanh", "Phonsavan"),
    ("Vilay", "Vilai"),
    ("Chanthala", "Chanthalar"),
    ("Noy", "Noi"),
    ("Sengdao", "Sengdau"),
    ("Thongdam", "Tongdam"),
    ("Khamphanh", "Khamphan"),
    ("Bouasone", "Bouason"),
    ("Outhay", "Outhai"),
    ("Manivanh", "Manivan"),
];
const LA_FAMILY: &[&str] = &[
    "Phommavong",
    "Sisouphanh",
    "Keomany",
    "Vongsa",
    "Inthavong",
    "Southammavong",
    "Chanthavong",
    "Xayavong",
    "Phengsavanh",
    "Sayasith",
    "Douangmala",
    "Keovilay",
];
const TH_NICK: &[&str] = &[
    "noi", "nok", "lek", "ploy", "bee", "tom", "fon", "kung", "nan", "pim",
];
const MM_HON_M: &[&str] = &["Maung", "Mg", "U", "Ko"];
const MM_HON_F: &[&str] = &["Ma", "Daw", "Naw"];
const PLACE_SYL: &[&str] = &[
    "ban", "na", "muang", "khok", "nong", "tha", "wang", "don", "huai", "pak", "phu", "sai",
    "thung", "bang", "lam", "kut", "rong", "mae", "chiang", "song", "hat", "kong", "lo", "mai",
    "nam", "yen",
];

#[derive(Clone)]
struct Entity {
    nat: &'static str,
    male: bool,
    given: Vec<String>,       // tokens with marks
    given_plain: Vec<String>, // transliteration/variant alternative
    family: Vec<String>,
    family_plain: Vec<String>,
    native: Option<String>,
    nickname: Option<String>,
    honorific: Option<&'static str>,
    dob: (u16, u8, u8),
    district: String,
    province: String,
    id_number: Option<String>,
}

fn pick<'a, T>(rng: &mut Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.usize(0..xs.len())]
}

fn weighted(rng: &mut Rng, xs: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = xs.iter().map(|x| x.1).sum();
    let mut r = rng.u32(0..total);
    for (s, w) in xs {
        if r < *w {
            return s;
        }
        r -= w;
    }
    xs[0].0
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn place_name(rng: &mut Rng) -> String {
    let n = 2 + rng.usize(0..2);
    let s: String = (0..n)
        .map(|_| *pick(rng, PLACE_SYL))
        .collect::<Vec<_>>()
        .join(" ");
    cap(&s)
}

struct Geo {
    provinces: Vec<(String, Vec<String>)>,
}

fn make_geo(rng: &mut Rng) -> Geo {
    let provinces = (0..60)
        .map(|_| {
            let p = place_name(rng);
            let ds = (0..15).map(|_| place_name(rng)).collect();
            (p, ds)
        })
        .collect();
    Geo { provinces }
}

fn entity(rng: &mut Rng, geo: &Geo) -> Entity {
    let male = rng.bool();
    let roll = rng.u32(0..100);
    let mut e = Entity {
        nat: "VNM",
        male,
        given: vec![],
        given_plain: vec![],
        family: vec![],
        family_plain: vec![],
        native: None,
        nickname: None,
        honorific: None,
        dob: (1960 + rng.u16(0..50), rng.u8(1..13), rng.u8(1..29)),
        district: String::new(),
        province: String::new(),
        id_number: None,
    };
    match roll {
        0..=29 => {
            let fam = weighted(rng, VN_FAMILY);
            let mid = if male {
                pick(rng, VN_MIDDLE_M)
            } else {
                pick(rng, VN_MIDDLE_F)
            };
            let giv = if male {
                pick(rng, VN_GIVEN_M)
            } else {
                pick(rng, VN_GIVEN_F)
            };
            e.family = vec![fam.to_string()];
            e.given = vec![mid.to_string(), giv.to_string()];
        }
        30..=54 => {
            e.nat = "THA";
            let mut native = String::new();
            let build = |k: usize, rng: &mut Rng, native: &mut String| {
                let (mut a, mut b) = (String::new(), String::new());
                for _ in 0..k {
                    let s = pick(rng, TH_SYL);
                    a.push_str(s.0);
                    b.push_str(s.1);
                    native.push_str(s.2);
                }
                (cap(&a), cap(&b))
            };
            let (g, gp) = build(2 + rng.usize(0..2) / 2, rng, &mut native);
            native.push(' ');
            let (f, fp) = build(2 + rng.usize(0..3), rng, &mut native);
            e.given = vec![g];
            e.given_plain = vec![gp];
            e.family = vec![f];
            e.family_plain = vec![fp];
            e.native = Some(native);
            if rng.u32(0..100) < 60 {
                let nick: &&str = pick(rng, TH_NICK);
                e.nickname = Some(cap(nick));
            }
        }
        55..=69 => {
            e.nat = "MMR";
            let k = 2 + rng.usize(0..2);
            let parts: Vec<(&str, &str)> = (0..k).map(|_| *pick(rng, MM_SYL)).collect();
            e.given = parts.iter().map(|p| p.0.to_string()).collect();
            e.given_plain = parts
                .iter()
                .map(|p| {
                    MM_VARIANT
                        .iter()
                        .find(|v| v.0 == p.0)
                        .map(|v| v.1)
                        .unwrap_or(p.1)
                        .to_string()
                })
                .collect();
            e.honorific = Some(if male {
                *pick(rng, MM_HON_M)
            } else {
                *pick(rng, MM_HON_F)
            });
        }
        70..=77 => {
            e.nat = "KHM";
            e.family = vec![pick(rng, KH_FAMILY).to_string()];
            let g = pick(rng, KH_GIVEN);
            e.given = vec![g.0.to_string()];
            e.given_plain = vec![g.1.to_string()];
        }
        78..=87 => {
            e.nat = "IDN";
            if rng.u32(0..100) < 40 {
                e.given = vec![pick(rng, ID_SINGLE).to_string()];
            } else {
                e.given = vec![
                    pick(rng, ID_FIRST).to_string(),
                    pick(rng, ID_SINGLE).to_string(),
                ];
                if e.given[0] == "Muhammad" {
                    e.nickname = Some(format!("Moh {}", e.given[1]));
                }
            }
        }
        88..=94 => {
            e.nat = "PHL";
            let g = pick(rng, PH_GIVEN);
            e.given = vec![g.0.to_string()];
            if g.1 != g.0 {
                e.nickname = Some(g.1.to_string());
            }
            e.family = vec![pick(rng, PH_FAMILY).to_string()];
        }
        _ => {
            e.nat = "LAO";
            let g = pick(rng, LA_GIVEN);
            e.given = vec![g.0.to_string()];
            e.given_plain = vec![g.1.to_string()];
            e.family = vec![pick(rng, LA_FAMILY).to_string()];
        }
    }
    let (p, ds) = pick(rng, &geo.provinces);
    e.province = p.clone();
    e.district = pick(rng, ds).clone();
    if rng.u32(0..100) < 35 {
        e.id_number = Some(format!(
            "{}{:07}",
            (b'A' + rng.u8(0..26)) as char,
            rng.u32(0..10_000_000)
        ));
    }
    e
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = 1 + rng.usize(0..c.len() - 1);
    match rng.u8(0..4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, (b'a' + rng.u8(0..26)) as char),
        2 => c[i] = (b'a' + rng.u8(0..26)) as char,
        _ => {
            if i + 1 < c.len() {
                c.swap(i, i + 1);
            }
        }
    }
    c.into_iter().collect()
}

fn strip_marks(s: &str) -> String {
    any_ascii::any_ascii(s)
}

struct Row {
    entity: u32,
    given: String,
    family: String,
    sex: &'static str,
    birth: String,
    age: String,
    record_date: String,
    nat: &'static str,
    place: String,
    id_number: String,
}

fn observe(rng: &mut Rng, e: &Entity, id: u32, geo: &Geo, dup: bool) -> Row {
    let p = |rng: &mut Rng, pct: u32| rng.u32(0..100) < if dup { pct } else { pct / 3 };
    let mut given = e.given.clone();
    let mut family = e.family.clone();
    if !e.given_plain.is_empty() && p(rng, 45) {
        given = e.given_plain.clone();
    }
    if !e.family_plain.is_empty() && p(rng, 45) {
        family = e.family_plain.clone();
    }
    if let Some(n) = &e.nickname
        && p(rng, 20)
    {
        given = vec![n.clone()];
    }
    if e.nat == "VNM" && p(rng, 60) {
        given = given.iter().map(|g| strip_marks(g)).collect();
        family = family.iter().map(|g| strip_marks(g)).collect();
    }
    if e.nat == "VNM" && p(rng, 10) && given.len() > 1 {
        given.remove(0); // middle name dropped
    }
    if p(rng, 15) {
        let k = rng.usize(0..given.len().max(1));
        if let Some(g) = given.get_mut(k) {
            *g = typo(rng, g);
        }
    }
    if p(rng, 10)
        && let Some(f) = family.get_mut(0)
    {
        *f = typo(rng, f);
    }
    let mut given_s = given.join(" ");
    let mut family_s = family.join(" ");
    if let Some(h) = e.honorific
        && p(rng, 40)
    {
        given_s = format!("{h} {given_s}");
    }
    if let Some(native) = &e.native
        && p(rng, 6)
    {
        let mut it = native.split(' ');
        given_s = it.next().unwrap_or("").to_string();
        family_s = it.next().unwrap_or("").to_string();
    }
    if p(rng, 12) && !family_s.is_empty() {
        std::mem::swap(&mut given_s, &mut family_s);
    }
    if p(rng, 4) && !family_s.is_empty() {
        // whole name typed into the given-name box
        given_s = if e.nat == "VNM" {
            format!("{family_s} {given_s}")
        } else {
            format!("{given_s} {family_s}")
        };
        family_s.clear();
    }
    if rng.u32(0..100) < 30 {
        given_s = given_s.to_uppercase();
        family_s = family_s.to_uppercase();
    }
    let rec_year = 2015 + rng.u16(0..11);
    let record_date = format!("{rec_year}-{:02}-{:02}", rng.u8(1..13), rng.u8(1..29));
    let (y, m, d) = e.dob;
    let mut birth = format!("{y}-{m:02}-{d:02}");
    let mut age = String::new();
    let r = rng.u32(0..100);
    let scale = if dup { 1 } else { 2 };
    if r < 12 / scale {
        birth = format!("{y}");
    } else if r < 20 / scale {
        birth = format!("{y}-{m:02}");
    } else if r < 30 / scale {
        birth.clear();
    } else if r < 45 / scale {
        birth.clear();
        let err = [0i32, 0, 0, 1, -1, 2][rng.usize(0..6)];
        age = format!("{}", (rec_year as i32 - y as i32 + err).max(0));
    } else if r < 50 / scale {
        birth = if rng.bool() && d <= 12 {
            format!("{y}-{d:02}-{m:02}")
        } else {
            format!("{y}-{m:02}-{:02}", (d % 28) + 1)
        };
    }
    let sex = if p(rng, 5) {
        ""
    } else if e.male {
        "M"
    } else {
        "F"
    };
    let nat = if p(rng, 10) { "" } else { e.nat };
    let place = if p(rng, 10) {
        String::new()
    } else if p(rng, 10) {
        // moved within the province
        let ds = geo
            .provinces
            .iter()
            .find(|x| x.0 == e.province)
            .map(|x| x.1.as_slice())
            .unwrap_or(&[]);
        let d = if ds.is_empty() {
            e.district.clone()
        } else {
            pick(rng, ds).clone()
        };
        format!("{d}, {}", e.province)
    } else if p(rng, 15) {
        e.province.clone()
    } else {
        format!("{}, {}", e.district, e.province)
    };
    let id_number = match &e.id_number {
        Some(n) if !p(rng, 50) => {
            if p(rng, 5) {
                typo(rng, n)
            } else {
                n.clone()
            }
        }
        _ => String::new(),
    };
    Row {
        entity: id,
        given: given_s,
        family: family_s,
        sex,
        birth,
        age,
        record_date,
        nat,
        place,
        id_number,
    }
}

/// Generates `records` rows: entities with 0–3 duplicates at realistic rates.
pub fn write(records: usize, seed: u64, output: &Path, truth: &Path) -> Result<(), MatchError> {
    let mut rng = Rng::with_seed(seed);
    let geo = make_geo(&mut rng);
    let mut rows: Vec<Row> = Vec::with_capacity(records);
    let mut eid = 0u32;
    while rows.len() < records {
        let e = entity(&mut rng, &geo);
        let extra = match rng.u32(0..100) {
            0..=59 => 0,
            60..=84 => 1,
            85..=94 => 2,
            _ => 3,
        };
        for k in 0..=extra {
            if rows.len() >= records {
                break;
            }
            rows.push(observe(&mut rng, &e, eid, &geo, k > 0));
        }
        eid += 1;
    }
    rng.shuffle(&mut rows);
    let mut out = csv::Writer::from_path(output)
        .map_err(|e| MatchError::Invalid(format!("cannot write {}: {e}", output.display())))?;
    let werr =
        |e: csv::Error| MatchError::Invalid(format!("cannot write {}: {e}", output.display()));
    out.write_record([
        "id",
        "given_name",
        "family_name",
        "sex",
        "birth_date",
        "age",
        "record_date",
        "nationality",
        "place",
        "id_number",
    ])
    .map_err(werr)?;
    let tf = std::fs::File::create(truth).map_err(|e| MatchError::io(truth, e))?;
    let mut t = std::io::BufWriter::new(tf);
    writeln!(t, "id,entity_id").map_err(|e| MatchError::io(truth, e))?;
    for (k, r) in rows.iter().enumerate() {
        let id = format!("R{k:07}");
        out.write_record([
            id.as_str(),
            &r.given,
            &r.family,
            r.sex,
            &r.birth,
            &r.age,
            &r.record_date,
            r.nat,
            &r.place,
            &r.id_number,
        ])
        .map_err(werr)?;
        writeln!(t, "{id},E{:07}", r.entity).map_err(|e| MatchError::io(truth, e))?;
    }
    out.flush().map_err(|e| MatchError::io(output, e))?;
    t.flush().map_err(|e| MatchError::io(truth, e))?;
    Ok(())
}

/// The settings TOML matching the generator's columns.
pub const SETTINGS: &str = r#"id_column = "id"

[columns]
given_name = "given_name"
family_name = "family_name"
sex = "sex"
birth_date = "birth_date"
age = "age"
record_date = "record_date"
nationality = "nationality"
place = "place"
id_number = "id_number"
"#;
