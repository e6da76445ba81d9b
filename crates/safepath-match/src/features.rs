//! Compact, columnar features of many records, and their comparison levels.
//!
//! Strings are interned once (`u32` ids, all in one buffer); a name in a row is one index
//! into a table of the distinct names' features (ids and a slice of a shared token arena);
//! a date is six bytes. Comparisons return one level per field, packed four
//! bits a field in a `u64` ("gamma" in Fellegi–Sunter terms; 0 means missing).

use rustc_hash::FxHashMap as HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use strsim::{jaro_winkler, osa_distance};

use crate::dates::{self, PartialDate};
use crate::normalize::{self, NormName};
use crate::places;
use crate::settings::{Kind, Schema};

/// One person record: an id and one value per schema column (empty = missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Identifier (never compared).
    pub id: String,
    /// Values aligned with `Schema::columns`.
    pub values: Vec<String>,
}

impl Record {
    /// Builds a record from `(column, value)` pairs; unknown columns are refused.
    pub fn from_pairs(
        schema: &Schema,
        id: impl Into<String>,
        pairs: &[(&str, &str)],
    ) -> Result<Record, String> {
        let mut values = vec![String::new(); schema.columns.len()];
        for (col, v) in pairs {
            let i = schema
                .position(col)
                .ok_or_else(|| format!("unknown column `{col}`"))?;
            values[i] = (*v).to_string();
        }
        Ok(Record {
            id: id.into(),
            values,
        })
    }
}

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Comparator {
    /// Names: token multisets, transliteration, Jaro–Winkler, phonetic key.
    ///
    /// Levels (each with its own m and u): exact (same exact form); transliteration_equal
    /// (same folded token multiset and the same titles: diacritics, script, order and
    /// nicknames ignored); title_differs (the same, but honorifics or particles differ:
    /// Ma/Daw, Maung/Ko/U, Nai/Nang/Nangsao, bin/binti); joined_split (the same letters in
    /// a different number of tokens: "Myatzin"/"Myat Zin"); spelling_variant (equal under
    /// the Indonesian spelling reforms or the Thai romanisation key, see
    /// [`crate::normalize::reform_key`], [`crate::normalize::thai_key`]); close (tokens
    /// aligned pairwise with Jaro–Winkler ≥ 0.88 and mean ≥ 0.92, or whole folded names
    /// ≥ 0.94); phonetic (same phonetic keys); subset (every token of the shorter name in
    /// the longer: dropped middle names, patronymics); partial (mostly similar tokens);
    /// different.
    Name {
        /// Column index.
        col: usize,
    },
    /// Partial birth dates and age estimates.
    Date {
        /// Birth-date column.
        birth: Option<usize>,
        /// Age column.
        age: Option<usize>,
        /// Record-date column.
        record: Option<usize>,
    },
    /// Equal or not (sex, nationality).
    Exact {
        /// Column index.
        col: usize,
    },
    /// Places by administrative area, most specific first ("village, district, province").
    ///
    /// Levels: exact; contained (one is an area that contains the other, e.g. "province"
    /// and "district, province"); close (Jaro–Winkler ≥ 0.9); same_region (same parent
    /// area or same last component); different.
    Place {
        /// Column index.
        col: usize,
    },
    /// Codes (postcode, id number): exact or one edit.
    Code {
        /// Column index.
        col: usize,
    },
    /// Free text: exact or close by Jaro–Winkler.
    Text {
        /// Column index.
        col: usize,
    },
}

/// Jaro–Winkler similarity from which two whole names written without spaces are `close`.
const JOINED_CLOSE: f64 = 0.93;
/// Jaro–Winkler similarity from which a token counts as found in the other name for a
/// `subset` of two tokens or more.
const SUBSET_VARIANT: f64 = 0.9;
/// Letters a name joined without spaces needs for [`joined_close`].
const JOINED_MIN_LEN: usize = 6;

/// True when two names, their core tokens joined without spaces as written (given name
/// first or family name first), are close by Jaro–Winkler: syllables joined or split
/// together with a spelling variant ("Eii Chan" / "Eichan", "Thee Hain" / "Theehein").
/// Names of fewer than six letters are left out (short names are close by chance).
fn joined_close(sim: &dyn Fn(u32, u32) -> f64, a: &NameFeat, b: &NameFeat) -> bool {
    if a.joined == 0 || b.joined == 0 {
        return false;
    }
    [
        (a.joined, b.joined),
        (a.joined_rev, b.joined),
        (a.joined, b.joined_rev),
    ]
    .iter()
    .any(|&(x, y)| sim(x, y) > 0.0)
}

/// Token similarities below this count as zero.
const TOKEN_FLOOR: f64 = 0.7;

/// Level labels of names (see [`Comparator::Name`]).
pub const NAME_LEVELS: &[&str] = &[
    "exact",
    "transliteration_equal",
    "title_differs",
    "joined_split",
    "spelling_variant",
    "close",
    "phonetic",
    "subset",
    "one_name_of_several",
    "partial",
    "different",
];

/// Name levels by meaning (1-based, as in comparison vectors).
pub(crate) mod name_level {
    pub const TRANSLITERATION_EQUAL: u8 = 2;
    pub const TITLE_DIFFERS: u8 = 3;
    pub const JOINED_SPLIT: u8 = 4;
    pub const SPELLING_VARIANT: u8 = 5;
    pub const CLOSE: u8 = 6;
    pub const PHONETIC: u8 = 7;
    pub const SUBSET: u8 = 8;
    pub const ONE_NAME_OF_SEVERAL: u8 = 9;
    pub const PARTIAL: u8 = 10;
    pub const DIFFERENT: u8 = 11;
}

/// `subset` when the shorter name has two tokens or more, all in the longer one (a dropped
/// middle name or syllable, a father's name added); `one_name_of_several` when it is a
/// single name found in the longer one ("Siti" / "Siti Fitri", "Wulan" / "Wulan binti
/// Abdullah"): one shared token says much less, and the two have their own m and u.
fn subset_level(short: usize) -> u8 {
    if short >= 2 {
        name_level::SUBSET
    } else {
        name_level::ONE_NAME_OF_SEVERAL
    }
}

/// The weakest name levels, from token alignment: `partial` when they are mostly similar,
/// else `different`. (`subset`, every token of the shorter name in the longer one — a
/// dropped middle name or patronymic, a father's name added after bin/binti — is decided
/// before `close`.)
fn name_rest(short: usize, long: usize, min_best: f64, avg: f64) -> u8 {
    if (short < long && min_best >= 0.9) || avg >= 0.8 {
        name_level::PARTIAL
    } else {
        name_level::DIFFERENT
    }
}
/// Level labels of places.
///
/// exact: written alike; contained: one is an area of the other ("Hlaing, Yangon" / "Yangon");
/// same_place: the same place under another name or spelling ([`crate::places::place_key`]:
/// "Rangoon" / "Yangon", "Tjiandjoer" / "Cianjur", "อุดรธานี" / "Udon Thani"; also the same
/// town when one side names its province too: "Moulmein" / "Mawlamyine, Mon"); close: written
/// nearly alike (Jaro–Winkler ≥ 0.9); same_region: the same parent area or region.
pub const PLACE_LEVELS: &[&str] = &[
    "exact",
    "contained",
    "same_place",
    "close",
    "same_region",
    "different",
];
/// Level labels of codes.
pub const CODE_LEVELS: &[&str] = &["exact", "one_edit", "different"];
/// Level labels of free text.
pub const TEXT_LEVELS: &[&str] = &["exact", "close", "different"];
/// Level labels of categorical values.
pub const EXACT_LEVELS: &[&str] = &["exact", "different"];

impl Comparator {
    /// Labels of the non-missing levels, best first.
    pub fn levels(&self) -> &'static [&'static str] {
        match self {
            Comparator::Name { .. } => NAME_LEVELS,
            Comparator::Date { .. } => dates::DATE_LEVELS,
            Comparator::Exact { .. } => EXACT_LEVELS,
            Comparator::Place { .. } => PLACE_LEVELS,
            Comparator::Code { .. } => CODE_LEVELS,
            Comparator::Text { .. } => TEXT_LEVELS,
        }
    }
}

/// The fields compared for a schema, with their display names.
pub fn fields_for(schema: &Schema) -> Vec<(String, Comparator)> {
    let mut out = Vec::new();
    let pos = |k: Kind| schema.columns.iter().position(|(_, kk)| *kk == k);
    let mut date_done = false;
    for (i, (name, kind)) in schema.columns.iter().enumerate() {
        let c = match kind {
            k if k.is_name() => Comparator::Name { col: i },
            Kind::BirthDate | Kind::Age | Kind::RecordDate => {
                if date_done || (pos(Kind::BirthDate).is_none() && pos(Kind::Age).is_none()) {
                    continue;
                }
                date_done = true;
                let c = Comparator::Date {
                    birth: pos(Kind::BirthDate),
                    age: pos(Kind::Age),
                    record: pos(Kind::RecordDate),
                };
                out.push(("birth".to_string(), c));
                continue;
            }
            Kind::Sex | Kind::Nationality => Comparator::Exact { col: i },
            Kind::Place => Comparator::Place { col: i },
            Kind::Postcode | Kind::IdNumber => Comparator::Code { col: i },
            _ => Comparator::Text { col: i },
        };
        out.push((name.clone(), c));
    }
    out
}

/// Every distinct string once, end to end in one buffer, found by its hash: one growing
/// allocation for all of them instead of two per string (a map key and a list entry),
/// some five million allocations at a million records.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    text: String,
    /// Where each string ends in `text` (string `i` starts where `i - 1` ends).
    ends: Vec<usize>,
    /// Ids, by the hash of their string.
    table: hashbrown::HashTable<u32>,
}

fn str_hash(s: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

fn str_at<'a>(text: &'a str, ends: &[usize], id: u32) -> &'a str {
    let id = id as usize;
    let start = match id.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(id).copied().unwrap_or(start);
    text.get(start..end).unwrap_or("")
}

impl Interner {
    fn new() -> Interner {
        let mut i = Interner::default();
        i.intern("");
        i
    }
    fn intern(&mut self, s: &str) -> u32 {
        let hash = str_hash(s);
        let Interner { text, ends, table } = self;
        if let Some(&id) = table.find(hash, |&id| str_at(text, ends, id) == s) {
            return id;
        }
        let id = ends.len() as u32;
        text.push_str(s);
        ends.push(text.len());
        table.insert_unique(hash, id, |&id| str_hash(str_at(text, ends, id)));
        id
    }

    /// The id of a string already interned.
    pub(crate) fn lookup(&self, s: &str) -> Option<u32> {
        self.table
            .find(str_hash(s), |&id| self.get(id) == s)
            .copied()
    }

    /// [`sim`] of two interned strings. Their character counts are made on the spot:
    /// the strings are read anyway, and a table of counts (32 bytes a string) was both
    /// the larger part of the interner and another random read per comparison.
    pub(crate) fn sim(&self, a: u32, b: u32, floor: f64) -> f64 {
        if a == b {
            return 1.0;
        }
        sim(self.get(a), self.get(b), floor)
    }
    pub(crate) fn get(&self, id: u32) -> &str {
        str_at(&self.text, &self.ends, id)
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameFeat {
    exact: u32,
    pub(crate) folded: u32,
    phon: u32,
    start: u32,
    len: u32,
    /// Honorifics and particles set apart, sorted and joined (0 = none).
    titles: u32,
    /// Digest of the sorted letters of the core tokens (joined or split syllables).
    letters: u32,
    /// Digest of the Indonesian/Malay spelling-reform keys of the tokens.
    reform: u32,
    /// Digest of the Thai romanisation keys of the tokens.
    thai: u32,
    /// The core tokens as written, joined without spaces (interned): "myatzin" for
    /// "Ma Myat Zin" and "Myatzin".
    joined: u32,
    /// The same with the family name first (equal to `joined` for a name in one box).
    joined_rev: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PlaceFeat {
    /// The place as written (normalised text).
    full: u32,
    /// Keys ([`crate::places::place_key`]) of the whole place, its parent area and region.
    key: u32,
    area: u32,
    region: u32,
    /// The first comma-separated part of `key` (the town without its province).
    key_first: u32,
    /// [`char_signature`] of `full`.
    full_sig: u32,
}

/// The derived strings of a name, computed in parallel before interning.
pub(crate) struct NameStrings {
    folded: String,
    phon: String,
    titles: String,
    letters: u32,
    reform: u32,
    thai: u32,
    joined: String,
    joined_rev: String,
}

/// A 32-bit digest of a derived key that is only ever compared for equality (letters,
/// spelling keys): cheaper to keep than an interned string, and the same in every dataset
/// (SipHash with fixed keys). Two different keys share a digest with probability 2⁻³²,
/// once in about four billion compared pairs.
fn digest(s: &str) -> u32 {
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    let x = h.finish();
    (x ^ (x >> 32)) as u32
}

impl NameStrings {
    fn of(n: &NormName) -> NameStrings {
        NameStrings {
            folded: n.folded_key(),
            phon: n.phonetic_key(),
            titles: n.titles.join(" "),
            letters: digest(&normalize::letters_key(&n.tokens)),
            reform: digest(&normalize::keys_of(&n.tokens, normalize::reform_key)),
            thai: digest(&normalize::keys_of(&n.tokens, normalize::thai_key)),
            joined: joined_as_written(&n.exact),
            joined_rev: String::new(),
        }
    }
}

/// The core tokens of a name as written (particles left out, nicknames and variants
/// canonical), joined without spaces: the form in which a name written with its
/// syllables joined or split ("Eichan" / "Eii Chan") is compared letter by letter.
fn joined_as_written(exact: &str) -> String {
    let folded = normalize::transliterate(exact);
    let all = normalize::tokens(&folded);
    let flags = normalize::title_flags(&all);
    let core: Vec<&str> = all
        .iter()
        .zip(&flags)
        .filter(|(_, f)| !**f)
        .map(|(t, _)| normalize::canonical(t))
        .collect();
    if core.is_empty() {
        all.concat()
    } else {
        core.concat()
    }
}

/// A value prepared in parallel before interning.
enum Prep {
    Name(SharedName),
    Date(PartialDate),
    Str(String),
    Text(Arc<String>),
    Place(Arc<PlaceStrings>),
}

/// A place as written, and the keys of the place, its parent area and its region.
struct PlaceStrings {
    full: String,
    key: String,
    area: String,
    region: String,
}

/// An error in one record: the column index and the reason (no personal data).
pub(crate) type PrepError = (usize, String);

/// A blocking key and a record that has it, ordered by key, then record: 12 bytes where a
/// tuple takes 16 (a million records have some thirty million of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(C, packed(4))]
pub(crate) struct Entry {
    pub(crate) key: u64,
    pub(crate) rec: u32,
}

/// Appends the blocking keys of records `base`, `base + 1`, … (one list per record, as
/// [`Dataset::commit`] returns them) to `entries`.
pub(crate) fn extend_entries(entries: &mut Vec<Entry>, base: u32, keys: Vec<Vec<u64>>) {
    for (k, ks) in keys.into_iter().enumerate() {
        let rec = base + k as u32;
        entries.extend(ks.into_iter().map(|key| Entry { key, rec }));
    }
}

/// Blocking-key families (stored in the top five bits of a key; 32 at most).
pub(crate) mod key {
    /// Identity number, exact.
    pub const ID: u8 = 1;
    /// Postcode and birth year.
    pub const POSTCODE: u8 = 2;
    /// Phonetic keys of all name tokens, order-insensitive.
    pub const NAME_PHONETIC: u8 = 3;
    /// Full birth date and name initials (or sex).
    pub const DATE: u8 = 4;
}

fn hash_key<T: Hash>(tag: u8, v: T) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    tag.hash(&mut h);
    v.hash(&mut h);
    debug_assert!(tag < 32);
    (h.finish() >> 5) | (((tag & 31) as u64) << 59)
}

/// The family of a blocking key.
pub(crate) fn key_tag(k: u64) -> u8 {
    (k >> 59) as u8
}

/// Features of many records.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub(crate) n: usize,
    pub(crate) fields: Vec<(String, Comparator)>,
    /// How each field is stored in a row, and where.
    slots: Vec<(Slot, usize)>,
    /// Words (u32) per record.
    width: usize,
    /// Offset of the combined given + family name in a row (when the schema has both).
    comb_off: usize,
    /// All records' features, row after row (one cache line or two per record).
    rows: Vec<u32>,
    pub(crate) interner: Interner,
    tokens: Vec<u32>,
    /// Counts of each folded name value over all name fields (by interned id).
    pub(crate) tf: HashMap<u32, u32>,
    /// Given/family field indices, when both exist (for swapped name order).
    swap: Option<(usize, usize)>,
    /// Kind of each field's (first) column.
    pub(crate) kinds: Vec<Kind>,
    /// The whole name of each record: the folded tokens of all its name fields together
    /// (interned; 0 = no name), whichever box each was written in.
    whole: Vec<u32>,
    /// Counts of each whole name (by interned id).
    whole_tf: HashMap<u32, u32>,
    /// The number of records the term frequencies are shares of, when they
    /// are a population's rather than this dataset's own
    /// ([`Dataset::weigh_terms_as`]).
    tf_records: Option<usize>,
    /// The features of every distinct name (0: no name), indexed from the rows.
    feats: Vec<NameFeat>,
    /// The index in `feats` of each name written in a name box, by its interned exact form.
    name_feats: HashMap<u32, u32>,
    /// The keys of each place (whole, parent area, region, the whole's first part) and
    /// the place's [`char_signature`], by its interned full form.
    place_keys: HashMap<u32, [u32; 5]>,
    /// The index in `feats` of the given and family names together, by the indices of
    /// the two.
    combined_feats: HashMap<(u32, u32), u32>,
}

/// Storage of one field in a row: Name = [index of its features in `Dataset::feats`];
/// Date = [year | month << 16 | day << 24, estimated year]; Id = [id];
/// Place = [full, key, parent area key, region key].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    Date,
    Id,
    Place,
}

impl Slot {
    fn width(self) -> usize {
        match self {
            Slot::Name => NAME_WIDTH,
            Slot::Date => 2,
            // The interned value and its [`char_signature`] (not read for exact
            // fields, sex and nationality, whose values are told apart by id alone).
            Slot::Id => 2,
            // The place, its three keys, the first part of its key and the place's
            // [`char_signature`].
            Slot::Place => 6,
        }
    }
}

/// Words of a name in a row: the index of its features in [`Dataset::feats`] (records
/// that write a name alike share them; a million records hold far fewer distinct names).
const NAME_WIDTH: usize = 1;

fn date_at(r: &[u32], o: usize) -> PartialDate {
    let w = r[o];
    PartialDate {
        year: (w & 0xFFFF) as u16,
        month: ((w >> 16) & 0xFF) as u8,
        day: (w >> 24) as u8,
        est_year: r[o + 1] as u16,
    }
}

fn place_at(r: &[u32], o: usize) -> PlaceFeat {
    PlaceFeat {
        full: r[o],
        key: r[o + 1],
        area: r[o + 2],
        region: r[o + 3],
        key_first: r[o + 4],
        full_sig: r[o + 5],
    }
}

/// Normalises batches of records in parallel.
pub(crate) struct Preparer {
    schema: Schema,
    fields: Vec<(String, Comparator)>,
    swap: Option<(usize, usize)>,
    names: ValueCache<(NormName, NameStrings)>,
    places: ValueCache<PlaceStrings>,
    texts: ValueCache<String>,
    combined_names: ValueCache<(NormName, NameStrings)>,
}

/// A name's normal form and derived strings, shared by every record that writes it alike.
type SharedName = Arc<(NormName, NameStrings)>;

/// Values already normalised by one preparer, by the value as written. Names, places and
/// addresses repeat (namesakes; one person in several records; a town of many people),
/// and normalising them is the costliest step of reading a file. Sharded so that the
/// threads of a batch rarely wait on each other; a full shard is emptied, which bounds
/// the memory.
struct ValueCache<T> {
    shards: Vec<Mutex<HashMap<Box<str>, Arc<T>>>>,
}

/// Shards of a [`ValueCache`] (a power of two) and values kept per shard.
const CACHE_SHARDS: usize = 32;
const VALUES_PER_SHARD: usize = 1 << 13;

impl<T> ValueCache<T> {
    fn new() -> ValueCache<T> {
        ValueCache {
            shards: (0..CACHE_SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// The value normalised by `f`, computed once per distinct `raw`.
    fn get(&self, raw: &str, f: impl Fn(&str) -> T) -> Arc<T> {
        let Some(shard) = self.shards.get(str_hash(raw) as usize % CACHE_SHARDS) else {
            return Arc::new(f(raw));
        };
        // A poisoned shard (a panic elsewhere) only loses the cache, never a result.
        if let Ok(map) = shard.lock()
            && let Some(n) = map.get(raw)
        {
            return n.clone();
        }
        let n = Arc::new(f(raw));
        if let Ok(mut map) = shard.lock() {
            if map.len() >= VALUES_PER_SHARD {
                map.clear();
            }
            map.insert(raw.into(), n.clone());
        }
        n
    }
}

fn normalised_name(raw: &str) -> (NormName, NameStrings) {
    let n = normalize::normalize_name(raw);
    let k = NameStrings::of(&n);
    (n, k)
}

/// A place as written, "village, district, province": its parts normalised, and the
/// keys of the whole place, its parent area and its region.
fn normalised_place(raw: &str) -> PlaceStrings {
    let parts: Vec<String> = raw
        .split(',')
        .map(normalize::normalize_text)
        .filter(|p| !p.is_empty())
        .collect();
    let keys: Vec<String> = parts.iter().map(|p| places::key_of_normalised(p)).collect();
    let (area, region) = if keys.len() >= 2 {
        (keys[1..].join(","), keys[keys.len() - 1].clone())
    } else {
        (String::new(), String::new())
    };
    PlaceStrings {
        full: parts.join(", "),
        key: keys.join(","),
        area,
        region,
    }
}

impl Preparer {
    /// Normalises a batch (values per schema column) in parallel.
    pub(crate) fn prepare(&self, batch: &[&[String]]) -> Vec<Prepared> {
        batch
            .par_iter()
            .map(|v| {
                let v: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
                prepare(self, &v)
            })
            .collect()
    }

    /// Normalises a batch read from a file in parallel.
    pub(crate) fn prepare_flat(&self, batch: &FlatBatch) -> Vec<Prepared> {
        (0..batch.rows())
            .into_par_iter()
            .map(|r| {
                let v: Vec<&str> = (0..batch.ncols).map(|c| batch.value(r, c)).collect();
                prepare(self, &v)
            })
            .collect()
    }
}

/// Rows of values in one buffer: row `r`, column `c` ends at `ends[r * ncols + c]`.
#[derive(Debug, Default)]
pub(crate) struct FlatBatch {
    pub(crate) text: String,
    pub(crate) ends: Vec<u32>,
    pub(crate) ncols: usize,
}

impl FlatBatch {
    fn rows(&self) -> usize {
        self.ends.len().checked_div(self.ncols).unwrap_or(0)
    }
    fn value(&self, r: usize, c: usize) -> &str {
        let k = r * self.ncols + c;
        let end = self.ends.get(k).copied().unwrap_or(0) as usize;
        let start = if k == 0 {
            0
        } else {
            self.ends.get(k - 1).copied().unwrap_or(0) as usize
        };
        self.text.get(start..end).unwrap_or("")
    }
}

/// Prepared record: values per field plus blocking keys.
pub(crate) struct Prepared {
    values: Vec<Prep>,
    keys: Vec<u64>,
    /// Given and family names together (when the schema has both).
    combined: Option<SharedName>,
    /// Values that could not be read (treated as missing): column and reason.
    pub(crate) bad: Vec<PrepError>,
}

impl Prepared {
    /// How many blocking keys the record has.
    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }
}

/// Checks a postcode as written: letters, digits, spaces and hyphens, with at least one
/// digit and at most ten letters and digits (every postcode system of the region is
/// numeric; UK-style codes mix letters and digits). Anything else is unreadable.
pub(crate) fn postcode_readable(raw: &str) -> bool {
    let t = raw.trim();
    if t.is_empty() {
        return true;
    }
    let alnum = t.chars().filter(|c| c.is_alphanumeric()).count();
    t.chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
        && t.chars().any(|c| c.is_ascii_digit())
        && alnum <= 10
}

/// Given and family names together, merged from their normal forms.
fn combined_name(a: &NormName, b: &NormName) -> (NormName, NameStrings) {
    let mut tokens: Vec<String> = a.tokens.iter().chain(b.tokens.iter()).cloned().collect();
    tokens.sort_unstable();
    let mut phonetic: Vec<String> = a
        .phonetic
        .iter()
        .chain(b.phonetic.iter())
        .cloned()
        .collect();
    phonetic.sort_unstable();
    let mut titles: Vec<String> = a.titles.iter().chain(b.titles.iter()).cloned().collect();
    titles.sort_unstable();
    let n = NormName {
        exact: format!("{} {}", a.exact, b.exact),
        tokens,
        phonetic,
        had_marks: a.had_marks || b.had_marks,
        titles,
    };
    let mut k = NameStrings::of(&n);
    k.joined_rev = joined_as_written(&format!("{} {}", b.exact, a.exact));
    (n, k)
}

fn prepare(preparer: &Preparer, values: &[&str]) -> Prepared {
    let Preparer {
        schema,
        fields,
        swap,
        names,
        places,
        texts,
        combined_names,
    } = preparer;
    let swap = *swap;
    let get = |c: usize| values.get(c).copied().unwrap_or("");
    let mut bad: Vec<PrepError> = Vec::new();
    let mut out = Vec::with_capacity(fields.len());
    let mut all_tokens: Vec<&str> = Vec::new();
    let mut keys = Vec::new();
    for (_, c) in fields {
        let p = match *c {
            Comparator::Name { col } => Prep::Name(names.get(get(col), normalised_name)),
            Comparator::Date { birth, age, record } => {
                // A value that cannot be read is reported and treated as missing.
                let mut read = |col: usize, r: Result<Option<PartialDate>, String>| match r {
                    Ok(d) => d,
                    Err(e) => {
                        bad.push((col, e));
                        None
                    }
                };
                let mut d = match birth {
                    Some(b) => read(b, dates::parse_date(get(b))).unwrap_or_default(),
                    None => PartialDate::default(),
                };
                if let (Some(a), Some(r)) = (age, record) {
                    let rec = read(r, dates::parse_date(get(r)));
                    let age = match dates::parse_age(get(a)) {
                        Ok(x) => x,
                        Err(e) => {
                            bad.push((a, e));
                            None
                        }
                    };
                    if let (Some(age), Some(rec)) = (age, rec) {
                        d.est_year = dates::estimate_birth_year(age, &rec);
                    }
                }
                Prep::Date(d)
            }
            Comparator::Exact { col } => {
                let kind = schema.columns.get(col).map(|c| c.1);
                Prep::Str(match kind {
                    Some(Kind::Sex) => normalize::normalize_sex(get(col)),
                    _ => normalize::normalize_code(get(col)),
                })
            }
            Comparator::Code { col } => {
                let postcode = schema.columns.get(col).map(|c| c.1) == Some(Kind::Postcode);
                if postcode && !postcode_readable(get(col)) {
                    bad.push((col, "not a postcode (letters, digits, spaces and hyphens, with at least one digit, at most ten letters and digits)".into()));
                    Prep::Str(String::new())
                } else {
                    Prep::Str(normalize::normalize_code(get(col)))
                }
            }
            Comparator::Text { col } => Prep::Text(texts.get(get(col), normalize::normalize_text)),
            Comparator::Place { col } => Prep::Place(places.get(get(col), normalised_place)),
        };
        out.push(p);
    }
    // Blocking keys.
    let mut year = 0u16;
    let mut full_date = None;
    let mut sex = "";
    let mut extra: Vec<u64> = Vec::new();
    let mut regions: Vec<u64> = Vec::new();
    for ((_, c), p) in fields.iter().zip(out.iter()) {
        match (c, p) {
            (Comparator::Exact { col }, Prep::Str(s))
                if !s.is_empty()
                    && schema.columns.get(*col).map(|c| c.1) == Some(Kind::Nationality) =>
            {
                extra.push(hash_key(10, (col, s)));
            }
            (Comparator::Place { col }, Prep::Place(p)) if !p.full.is_empty() => {
                let r = if p.region.is_empty() {
                    &p.key
                } else {
                    &p.region
                };
                extra.push(hash_key(11, (col, r)));
                regions.push(hash_key(11, (col, r)));
            }
            (Comparator::Name { .. }, Prep::Name(n)) => {
                all_tokens.extend(n.0.tokens.iter().map(|s| s.as_str()))
            }
            (Comparator::Date { .. }, Prep::Date(d)) => {
                year = d.best_year();
                if d.is_full() {
                    full_date = Some((d.year, d.month, d.day));
                }
            }
            (Comparator::Exact { col }, Prep::Str(s))
                if schema.columns.get(*col).map(|c| c.1) == Some(Kind::Sex) =>
            {
                sex = s.as_str()
            }
            (Comparator::Text { col }, Prep::Text(s)) if s.len() >= 4 => {
                keys.push(hash_key(9, (col, s)))
            }
            (Comparator::Code { col }, Prep::Str(s)) if !s.is_empty() => {
                if schema.columns.get(*col).map(|c| c.1) == Some(Kind::IdNumber) {
                    keys.push(hash_key(key::ID, (col, s)));
                } else {
                    keys.push(hash_key(key::POSTCODE, (col, s, year)));
                }
            }
            _ => {}
        }
    }
    // Given and family names together, merged from their normal forms.
    let combined = swap.and_then(|(g, f)| match (out.get(g), out.get(f)) {
        (Some(Prep::Name(a)), Some(Prep::Name(b))) if !a.0.is_empty() && !b.0.is_empty() => {
            let (a, b) = (&a.0, &b.0);
            // Unambiguous: the length of the first name says where the second begins.
            let key = format!("{}:{}{}", a.exact.len(), a.exact, b.exact);
            Some(combined_names.get(&key, |_| combined_name(a, b)))
        }
        _ => None,
    });
    // The whole name joined without spaces, as written and with the boxes the other way
    // round, by its phonetic key: finds a name whose syllables were joined or split and
    // put in other boxes ("Nyeincho" / "Nyein" + "Cho"), which shares no token.
    let exacts: Vec<&str> = out
        .iter()
        .filter_map(|p| match p {
            Prep::Name(n) if !n.0.is_empty() => Some(n.0.exact.as_str()),
            _ => None,
        })
        .collect();
    if !exacts.is_empty() {
        let joined: Vec<String> = match &combined {
            // Given and family names are the two names: their joined forms, both ways
            // round, were made with the combined name.
            Some(c) if exacts.len() == 2 => vec![c.1.joined.clone(), c.1.joined_rev.clone()],
            _ => {
                let mut orders = vec![exacts.join(" ")];
                if exacts.len() > 1 {
                    orders.push(exacts.iter().rev().copied().collect::<Vec<_>>().join(" "));
                }
                orders.iter().map(|o| joined_as_written(o)).collect()
            }
        };
        for j in joined {
            if j.len() >= JOINED_MIN_LEN {
                let ph = normalize::phonetic_key(&j);
                keys.push(hash_key(21, &ph));
                if year > 0 {
                    keys.push(hash_key(22, (&ph, year)));
                }
            }
        }
    }
    all_tokens.sort_unstable();
    if !all_tokens.is_empty() {
        let mut phon: Vec<String> = all_tokens
            .iter()
            .map(|t| normalize::phonetic_key(t))
            .collect();
        phon.sort_unstable();
        keys.push(hash_key(key::NAME_PHONETIC, &phon));
        // The same, narrowed by birth year or region: selective for common names.
        if year > 0 {
            keys.push(hash_key(17, (&phon, year)));
        }
        for r in &regions {
            keys.push(hash_key(18, (&phon, r)));
        }
        // First three letters of every token: survives suffix variants (Nandar/Nanda).
        let mut pre: Vec<&str> = all_tokens.iter().map(|t| t.get(..3).unwrap_or(t)).collect();
        pre.sort_unstable();
        keys.push(hash_key(13, &pre));
        let mut initials: Vec<u8> = all_tokens.iter().filter_map(|t| t.bytes().next()).collect();
        initials.sort_unstable();
        if let Some(d) = full_date {
            keys.push(hash_key(key::DATE, (d, &initials)));
        }
        for (i, t) in all_tokens.iter().enumerate() {
            if i > 0 && all_tokens[i - 1] == *t {
                continue;
            }
            keys.push(hash_key(5, (t, year)));
            keys.push(hash_key(8, t));
            // Token (or its phonetic key) with the birth year or the region: survives a
            // variant or typo in the other tokens, and a missing date.
            let ph = normalize::phonetic_key(t);
            if year > 0 {
                keys.push(hash_key(15, (&ph, year)));
            }
            for r in &regions {
                keys.push(hash_key(14, (t, r)));
                keys.push(hash_key(16, (&ph, r)));
            }
            if year == 0 {
                keys.push(hash_key(6, (t, sex)));
            }
            for u in &all_tokens[i + 1..] {
                if u != t {
                    keys.push(hash_key(7, (t, u)));
                    if year > 0 {
                        keys.push(hash_key(19, (t, u, year)));
                    }
                    for r in &regions {
                        keys.push(hash_key(20, (t, u, r)));
                    }
                }
            }
        }
    } else if let Some(d) = full_date {
        keys.push(hash_key(key::DATE, (d, sex)));
    }
    // Full birth date with nationality or region: finds pairs whose names share no token.
    if let Some(d) = full_date {
        for e in &extra {
            keys.push(hash_key(12, (d, e)));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    Prepared {
        values: out,
        keys,
        combined,
        bad,
    }
}

impl Dataset {
    pub(crate) fn new(schema: &Schema) -> Dataset {
        let fields = fields_for(schema);
        let mut width = 0;
        let slots: Vec<(Slot, usize)> = fields
            .iter()
            .map(|(_, c)| {
                let slot = match c {
                    Comparator::Name { .. } => Slot::Name,
                    Comparator::Date { .. } => Slot::Date,
                    Comparator::Place { .. } => Slot::Place,
                    _ => Slot::Id,
                };
                width += slot.width();
                (slot, width - slot.width())
            })
            .collect();
        let tf = HashMap::default();
        let name_kind = |k: Kind| {
            fields.iter().position(|(_, c)| matches!(c, Comparator::Name { col } if schema.columns.get(*col).map(|x| x.1) == Some(k)))
        };
        let swap = match (name_kind(Kind::GivenName), name_kind(Kind::FamilyName)) {
            (Some(g), Some(f)) => Some((g, f)),
            _ => None,
        };
        let kinds = fields
            .iter()
            .map(|(_, c)| {
                let col = match *c {
                    Comparator::Name { col }
                    | Comparator::Exact { col }
                    | Comparator::Place { col }
                    | Comparator::Code { col }
                    | Comparator::Text { col } => col,
                    Comparator::Date { .. } => return Kind::BirthDate,
                };
                schema.columns.get(col).map(|c| c.1).unwrap_or(Kind::Text)
            })
            .collect();
        let comb_off = width;
        if swap.is_some() {
            width += Slot::Name.width();
        }
        Dataset {
            n: 0,
            fields,
            slots,
            width,
            comb_off,
            rows: Vec::new(),
            interner: Interner::new(),
            tokens: Vec::new(),
            tf,
            swap,
            kinds,
            whole: Vec::new(),
            whole_tf: HashMap::default(),
            tf_records: None,
            feats: vec![NameFeat::default()],
            name_feats: HashMap::default(),
            place_keys: HashMap::default(),
            combined_feats: HashMap::default(),
        }
    }

    /// Adds a batch of records (values per schema column); returns their blocking keys.
    /// On error, returns the index within the batch and the column.
    pub(crate) fn add_batch(
        &mut self,
        schema: &Schema,
        batch: &[&[String]],
    ) -> Result<Vec<Vec<u64>>, (usize, PrepError)> {
        let prepared = self.preparer(schema).prepare(batch);
        // Records given one by one (search before create, tracing) are refused whole when a
        // value cannot be read: the caller can correct them.
        if let Some((i, e)) = prepared
            .iter()
            .enumerate()
            .find_map(|(i, p)| p.bad.first().map(|e| (i, e.clone())))
        {
            return Err((i, e));
        }
        Ok(self.commit(prepared))
    }

    /// What normalises records in parallel, apart from the dataset (so that one batch can be
    /// normalised while the previous one is interned).
    pub(crate) fn preparer(&self, schema: &Schema) -> Preparer {
        Preparer {
            schema: schema.clone(),
            fields: self.fields.clone(),
            swap: self.swap,
            names: ValueCache::new(),
            places: ValueCache::new(),
            texts: ValueCache::new(),
            combined_names: ValueCache::new(),
        }
    }

    /// Room for `records` more records (the rows and per-record lists), if the system
    /// grants it: an estimate too large for the machine is no error, the lists then grow
    /// as they did before.
    pub(crate) fn reserve(&mut self, records: usize) {
        let _ = self.rows.try_reserve(records.saturating_mul(self.width));
        let _ = self.whole.try_reserve(records);
    }

    /// Interns a prepared batch; returns the blocking keys of its records.
    pub(crate) fn commit(&mut self, prepared: Vec<Prepared>) -> Vec<Vec<u64>> {
        let mut keys = Vec::with_capacity(prepared.len());
        let mut row = vec![0u32; self.width];
        for p in prepared {
            row.iter_mut().for_each(|w| *w = 0);
            let mut whole: Vec<&str> = p
                .values
                .iter()
                .filter_map(|v| match v {
                    Prep::Name(n) => Some(n.0.tokens.iter().map(|t| t.as_str())),
                    _ => None,
                })
                .flatten()
                .collect();
            whole.sort_unstable();
            let whole = if whole.is_empty() {
                0
            } else {
                let id = self.interner.intern(&whole.join(" "));
                *self.whole_tf.entry(id).or_insert(0) += 1;
                id
            };
            self.whole.push(whole);
            for (f, v) in p.values.into_iter().enumerate() {
                self.push(&mut row, f, v);
            }
            if let (Some((g, f)), Some(c)) = (self.swap, p.combined) {
                // A function of the two boxes' names, put in the row above: computed once
                // per distinct pair of them.
                let name_of = |f: usize| {
                    self.slots
                        .get(f)
                        .and_then(|&(_, o)| row.get(o).copied())
                        .unwrap_or(0)
                };
                let key = (name_of(g), name_of(f));
                let idx = match self.combined_feats.get(&key) {
                    Some(x) => *x,
                    None => {
                        let x = self.name_feat(&c.0, &c.1);
                        let idx = self.add_feat(x);
                        self.combined_feats.insert(key, idx);
                        idx
                    }
                };
                row[self.comb_off] = idx;
            }
            self.rows.extend_from_slice(&row);
            keys.push(p.keys);
            self.n += 1;
        }
        keys
    }

    fn push(&mut self, row: &mut [u32], f: usize, v: Prep) {
        let Some(&(_, o)) = self.slots.get(f) else {
            return;
        };
        let mut intern = |s: &str| {
            if s.is_empty() {
                0
            } else {
                self.interner.intern(s)
            }
        };
        match v {
            Prep::Name(shared) => {
                let (n, k) = &*shared;
                if n.is_empty() {
                    return;
                }
                // The features of a name box are those of its normal form: records that
                // write a name alike share them (and their tokens in the arena).
                let exact = self.interner.intern(&n.exact);
                let idx = match self.name_feats.get(&exact) {
                    Some(f) => *f,
                    None => {
                        let f = self.name_feat(n, k);
                        let idx = self.add_feat(f);
                        self.name_feats.insert(exact, idx);
                        idx
                    }
                };
                let folded = self.feat_at(idx).folded;
                *self.tf.entry(folded).or_insert(0) += 1;
                row[o] = idx;
            }
            Prep::Date(d) => {
                row[o] = d.year as u32 | (d.month as u32) << 16 | (d.day as u32) << 24;
                row[o + 1] = d.est_year as u32;
            }
            Prep::Str(s) => {
                row[o] = intern(&s);
                row[o + 1] = char_signature(&s);
            }
            Prep::Text(s) => {
                row[o] = intern(&s);
                row[o + 1] = char_signature(&s);
            }
            Prep::Place(p) => {
                // The keys of a place follow from its normalised parts: interned once per
                // distinct place.
                let full = intern(&p.full);
                let keys = match self.place_keys.get(&full) {
                    Some(k) => *k,
                    None => {
                        let first = p.key.split(',').next().unwrap_or("");
                        let k = [
                            intern(&p.key),
                            intern(&p.area),
                            intern(&p.region),
                            intern(first),
                            char_signature(&p.full),
                        ];
                        self.place_keys.insert(full, k);
                        k
                    }
                };
                row[o] = full;
                row[o + 1..o + 6].copy_from_slice(&keys);
            }
        }
    }

    fn add_feat(&mut self, f: NameFeat) -> u32 {
        self.feats.push(f);
        (self.feats.len() - 1) as u32
    }

    fn feat_at(&self, idx: u32) -> NameFeat {
        self.feats.get(idx as usize).copied().unwrap_or_default()
    }

    /// The features of the name at offset `o` of row `r` (of this dataset).
    fn name_at(&self, r: &[u32], o: usize) -> NameFeat {
        self.feat_at(r.get(o).copied().unwrap_or(0))
    }

    /// The terms of record `i` whose frequency weighs an agreeing name: the
    /// folded name of each name field ([`TERM_NAME`]) and the whole name
    /// ([`TERM_WHOLE`]), as [`Dataset::weigh_terms_as`] reads them.
    pub(crate) fn terms(&self, i: usize) -> Vec<String> {
        let row = self.row(i);
        let mut out: Vec<String> = self
            .slots
            .iter()
            .filter(|(s, _)| *s == Slot::Name)
            .map(|&(_, o)| self.name_at(row, o).folded)
            .filter(|&id| id != 0)
            .map(|id| format!("{TERM_NAME}{}", self.interner.get(id)))
            .collect();
        if let Some(&w) = self.whole.get(i).filter(|w| **w != 0) {
            out.push(format!("{TERM_WHOLE}{}", self.interner.get(w)));
        }
        out
    }

    /// Every term of this dataset's records (as [`Dataset::terms`] writes
    /// them), once.
    pub(crate) fn all_terms(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tf
            .keys()
            .map(|id| format!("{TERM_NAME}{}", self.interner.get(*id)))
            .chain(
                self.whole_tf
                    .keys()
                    .map(|id| format!("{TERM_WHOLE}{}", self.interner.get(*id))),
            )
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Term frequencies as shares of a population of `records` records, of
    /// which this dataset holds some (the candidates of one query, read from
    /// an index kept in a database): `count` gives a term's count there
    /// (terms as [`Dataset::terms`] writes them); a term it does not know
    /// keeps this dataset's count.
    pub(crate) fn weigh_terms_as(&mut self, records: usize, count: &dyn Fn(&str) -> Option<u32>) {
        for (table, prefix) in [(&mut self.tf, TERM_NAME), (&mut self.whole_tf, TERM_WHOLE)] {
            for (id, c) in table.iter_mut() {
                let term = format!("{prefix}{}", self.interner.get(*id));
                if let Some(g) = count(&term) {
                    *c = g.max(*c);
                }
            }
        }
        self.tf_records = Some(records.max(self.n));
    }

    /// The number of records the term frequencies are shares of.
    fn tf_n(&self) -> usize {
        self.tf_records.unwrap_or(self.n)
    }

    fn row(&self, i: usize) -> &[u32] {
        self.rows
            .get(i * self.width..(i + 1) * self.width)
            .unwrap_or(&[])
    }

    fn name_feat(&mut self, n: &NormName, k: &NameStrings) -> NameFeat {
        let exact = self.interner.intern(&n.exact);
        let folded = self.interner.intern(&k.folded);
        let phon = self.interner.intern(&k.phon);
        let start = self.tokens.len() as u32;
        for t in &n.tokens {
            let id = self.interner.intern(t);
            self.tokens.push(id);
        }
        let titles = if k.titles.is_empty() {
            0
        } else {
            self.interner.intern(&k.titles)
        };
        let (letters, reform, thai) = (k.letters, k.reform, k.thai);
        let joined = self.interner.intern(&k.joined);
        let joined_rev = if k.joined_rev.is_empty() {
            joined
        } else {
            self.interner.intern(&k.joined_rev)
        };
        NameFeat {
            exact,
            folded,
            phon,
            start,
            len: n.tokens.len() as u32,
            titles,
            letters,
            reform,
            thai,
            joined,
            joined_rev,
        }
    }

    fn toks(&self, n: &NameFeat) -> &[u32] {
        self.tokens
            .get(n.start as usize..(n.start + n.len) as usize)
            .unwrap_or(&[])
    }

    fn cmp_name(&self, a: &NameFeat, b: &NameFeat) -> u8 {
        if a.exact == 0 || b.exact == 0 {
            return 0;
        }
        if a.exact == b.exact {
            return 1;
        }
        if a.folded == b.folded {
            return if a.titles == b.titles {
                name_level::TRANSLITERATION_EQUAL
            } else {
                name_level::TITLE_DIFFERS
            };
        }
        let (ta, tb) = (self.toks(a), self.toks(b));
        if a.letters == b.letters && ta.len() != tb.len() {
            return name_level::JOINED_SPLIT;
        }
        if a.reform == b.reform || a.thai == b.thai {
            return name_level::SPELLING_VARIANT;
        }
        let (short, long) = if ta.len() <= tb.len() {
            (ta, tb)
        } else {
            (tb, ta)
        };
        let mut min_best = 1.0f64;
        let mut sum = 0.0;
        for &t in short {
            let mut best = 0.0f64;
            for &u in long {
                let s = self.interner.sim(t, u, TOKEN_FLOOR);
                best = best.max(s);
            }
            min_best = min_best.min(best);
            sum += best;
        }
        let avg = if short.is_empty() {
            0.0
        } else {
            sum / short.len() as f64
        };
        if short.len() < long.len() && min_best >= 0.999 {
            return subset_level(short.len());
        }
        // Two or more tokens, each in the longer name up to a spelling variant: a dropped
        // syllable or middle name together with another romanisation ("Kham Hawm Thee" /
        // "Hnaung Kham Hawm Thi").
        if short.len() >= 2 && short.len() < long.len() && min_best >= SUBSET_VARIANT {
            return name_level::SUBSET;
        }
        if ta.len() == tb.len() && min_best >= 0.88 && avg >= 0.92 {
            return name_level::CLOSE;
        }
        // One word on each side, which is also the whole folded and joined name: the two
        // checks below would compare these same two words again, at floors (0.94, 0.93)
        // above the 0.92 they just missed.
        let one_word = |n: &NameFeat, t: &[u32]| {
            t.len() == 1
                && n.folded == t[0]
                && (n.joined == 0 || n.joined == t[0])
                && (n.joined_rev == 0 || n.joined_rev == t[0])
        };
        if one_word(a, ta) && one_word(b, tb) {
            return if a.phon == b.phon {
                name_level::PHONETIC
            } else {
                name_rest(short.len(), long.len(), min_best, avg)
            };
        }
        if self.interner.sim(a.folded, b.folded, 0.94) > 0.0 {
            return name_level::CLOSE;
        }
        let own = |x: u32, y: u32| {
            let (sx, sy) = (self.interner.get(x), self.interner.get(y));
            if sx.len().min(sy.len()) < JOINED_MIN_LEN {
                0.0
            } else {
                self.interner.sim(x, y, JOINED_CLOSE)
            }
        };
        if joined_close(&own, a, b) {
            return name_level::CLOSE;
        }
        if a.phon == b.phon {
            return name_level::PHONETIC;
        }
        name_rest(short.len(), long.len(), min_best, avg)
    }

    /// The comparison vector of records `i` and `j`.
    pub(crate) fn compare(&self, i: usize, j: usize) -> u64 {
        self.compare_with(self, i, j)
    }

    /// Compares record `i` of `self` with record `j` of `other` (same schema, other interner
    /// ids are looked up through strings when they differ).
    pub(crate) fn compare_with(&self, other: &Dataset, i: usize, j: usize) -> u64 {
        let same = std::ptr::eq(self, other);
        let mut levels = [0u8; 16];
        let (ra, rb) = (self.row(i), other.row(j));
        if ra.len() != self.width || rb.len() != self.width {
            return 0;
        }
        for (f, &(slot, o)) in self.slots.iter().enumerate() {
            levels[f] = self.field_level(other, same, f, (slot, o), (ra, rb));
        }
        if let Some((g, fa)) = self.swap {
            let rank = |l: u8| if l == 0 { name_level::DIFFERENT + 1 } else { l };
            if rank(levels[g]) + rank(levels[fa]) > 2 {
                let (og, of) = (self.slots[g].1, self.slots[fa].1);
                let (ag, af) = (&self.name_at(ra, og), &self.name_at(ra, of));
                let (bg, bf) = (&other.name_at(rb, og), &other.name_at(rb, of));
                {
                    {
                        let c = |x: &NameFeat, y: &NameFeat| {
                            if same {
                                self.cmp_name(x, y)
                            } else {
                                self.cmp_name_cross(x, other, y)
                            }
                        };
                        let (sg, sf) = (c(ag, bf), c(af, bg));
                        if rank(sg) + rank(sf) < rank(levels[g]) + rank(levels[fa]) {
                            // Which swapped comparison lands on which field must not depend
                            // on the order of the records: the better one goes to the given name.
                            let (best, worst) = if rank(sg) <= rank(sf) {
                                (sg, sf)
                            } else {
                                (sf, sg)
                            };
                            levels[g] = best;
                            levels[fa] = worst;
                        }
                        // A whole name typed into the given-name box on one side only.
                        if levels[fa] == 0 && levels[g] > name_level::TITLE_DIFFERS {
                            let empty = |x: &NameFeat| x.exact == 0;
                            let (ca, cb) = (
                                self.name_at(ra, self.comb_off),
                                other.name_at(rb, self.comb_off),
                            );
                            let c = if empty(af) && !empty(bf) {
                                Some(c(ag, &cb))
                            } else if empty(bf) && !empty(af) {
                                Some(c(&ca, bg))
                            } else {
                                None
                            };
                            if let Some(c) = c
                                && c != 0
                                && c < levels[g]
                            {
                                levels[g] = c;
                            }
                        }
                    }
                }
            }
        }
        pack(&levels[..self.slots.len()])
    }

    /// The level of field `f` (its slot and offset) between row `ra` of `self` and row
    /// `rb` of `other`, before the given and family names are tried the other way round
    /// (which touches the name fields only).
    #[inline]
    fn field_level(
        &self,
        other: &Dataset,
        same: bool,
        f: usize,
        (slot, o): (Slot, usize),
        (ra, rb): (&[u32], &[u32]),
    ) -> u8 {
        match slot {
            Slot::Name => {
                let (x, y) = (&self.name_at(ra, o), &other.name_at(rb, o));
                if same {
                    self.cmp_name(x, y)
                } else {
                    self.cmp_name_cross(x, other, y)
                }
            }
            Slot::Date => dates::compare_dates(&date_at(ra, o), &date_at(rb, o)),
            Slot::Id => {
                let (x, y) = (ra[o], rb[o]);
                // The strings are read only when the ids do not settle it (a random
                // read each, at ten million pairs).
                let strs = || (self.interner.get(x), other.interner.get(y));
                if x == 0 || y == 0 {
                    0
                } else if (same && x == y) || (!same && strs().0 == strs().1) {
                    1
                } else {
                    // Most candidate pairs differ in these fields entirely: their
                    // signatures say so without reading the strings.
                    let (gx, gy) = (ra[o + 1], rb[o + 1]);
                    match self.fields[f].1 {
                        Comparator::Code { .. } => {
                            if !may_be_one_edit(gx, gy) {
                                3
                            } else {
                                let (sx, sy) = strs();
                                if sx.len() >= 3 && one_edit(sx, sy) {
                                    2
                                } else {
                                    3
                                }
                            }
                        }
                        Comparator::Text { .. } if !may_be_similar(gx, gy, 0.9) => 3,
                        Comparator::Text { .. } => {
                            let close = if same {
                                self.interner.sim(x, y, 0.9)
                            } else {
                                let (sx, sy) = strs();
                                sim(sx, sy, 0.9)
                            };
                            if close > 0.0 { 2 } else { 3 }
                        }
                        _ => 2,
                    }
                }
            }
            Slot::Place => {
                let (x, y) = (place_at(ra, o), place_at(rb, o));
                // p from self, q from other
                let eq = |p: u32, q: u32| {
                    p != 0
                        && q != 0
                        && if same {
                            p == q
                        } else {
                            self.interner.get(p) == other.interner.get(q)
                        }
                };
                if x.full == 0 || y.full == 0 {
                    0
                } else if eq(x.full, y.full) {
                    1
                } else if eq(x.key, y.area)
                    || eq(x.key, y.region)
                    || eq(x.area, y.key)
                    || eq(x.region, y.key)
                {
                    2
                } else if eq(x.key, y.key)
                // The same town under another name, one side naming its
                // province too ("Moulmein" / "Mawlamyine, Mon").
                || (x.key != 0
                    && y.key != 0
                    && if same {
                        x.key_first == y.key_first
                    } else {
                        self.interner.get(x.key_first) == other.interner.get(y.key_first)
                    })
                {
                    3
                } else if may_be_similar(x.full_sig, y.full_sig, 0.9)
                    && (if same {
                        self.interner.sim(x.full, y.full, 0.9)
                    } else {
                        sim(self.interner.get(x.full), other.interner.get(y.full), 0.9)
                    }) > 0.0
                {
                    4
                } else if eq(x.region, y.region) || eq(x.area, y.area) {
                    5
                } else {
                    6
                }
            }
        }
    }

    /// The levels of `fields` only, for records `i` and `j` of this dataset (the other
    /// fields' levels left 0): what de-duplication's clustering checks before it compares
    /// a pair in full. Equal to those of [`Dataset::compare`] for fields other than names.
    pub(crate) fn levels_of(&self, i: usize, j: usize, fields: &[usize]) -> u64 {
        let mut levels = [0u8; 16];
        let (ra, rb) = (self.row(i), self.row(j));
        if ra.len() != self.width || rb.len() != self.width {
            return 0;
        }
        for &f in fields {
            if let (Some(&slot), Some(l)) = (self.slots.get(f), levels.get_mut(f)) {
                *l = self.field_level(self, true, f, slot, (ra, rb));
            }
        }
        pack(&levels[..self.slots.len()])
    }

    /// Name comparison across two datasets (different interners): by strings.
    fn cmp_name_cross(&self, a: &NameFeat, other: &Dataset, b: &NameFeat) -> u8 {
        if a.exact == 0 || b.exact == 0 {
            return 0;
        }
        let s = |ds: &Dataset, id: u32| ds.interner.get(id).to_string();
        if s(self, a.exact) == s(other, b.exact) {
            return 1;
        }
        if s(self, a.folded) == s(other, b.folded) {
            return if s(self, a.titles) == s(other, b.titles) {
                name_level::TRANSLITERATION_EQUAL
            } else {
                name_level::TITLE_DIFFERS
            };
        }
        if a.letters == b.letters && a.len != b.len {
            return name_level::JOINED_SPLIT;
        }
        if a.reform == b.reform || a.thai == b.thai {
            return name_level::SPELLING_VARIANT;
        }
        let ta: Vec<&str> = self.toks(a).iter().map(|&t| self.interner.get(t)).collect();
        let tb: Vec<&str> = other
            .toks(b)
            .iter()
            .map(|&t| other.interner.get(t))
            .collect();
        let (short, long) = if ta.len() <= tb.len() {
            (&ta, &tb)
        } else {
            (&tb, &ta)
        };
        let mut min_best = 1.0f64;
        let mut sum = 0.0;
        for t in short.iter() {
            let best = long
                .iter()
                .map(|u| sim(t, u, TOKEN_FLOOR))
                .fold(0.0, f64::max);
            min_best = min_best.min(best);
            sum += best;
        }
        let avg = if short.is_empty() {
            0.0
        } else {
            sum / short.len() as f64
        };
        if short.len() < long.len() && min_best >= 0.999 {
            return subset_level(short.len());
        }
        // Two or more tokens, each in the longer name up to a spelling variant: a dropped
        // syllable or middle name together with another romanisation ("Kham Hawm Thee" /
        // "Hnaung Kham Hawm Thi").
        if short.len() >= 2 && short.len() < long.len() && min_best >= SUBSET_VARIANT {
            return name_level::SUBSET;
        }
        if ta.len() == tb.len() && min_best >= 0.88 && avg >= 0.92 {
            return name_level::CLOSE;
        }
        if sim(
            self.interner.get(a.folded),
            other.interner.get(b.folded),
            0.94,
        ) > 0.0
        {
            return name_level::CLOSE;
        }
        let cross = |x: u32, y: u32| {
            let (sx, sy) = (self.interner.get(x), other.interner.get(y));
            if sx.len().min(sy.len()) < JOINED_MIN_LEN {
                0.0
            } else {
                sim(sx, sy, JOINED_CLOSE)
            }
        };
        if joined_close(&cross, a, b) {
            return name_level::CLOSE;
        }
        if s(self, a.phon) == s(other, b.phon) {
            return name_level::PHONETIC;
        }
        name_rest(short.len(), long.len(), min_best, avg)
    }

    /// Term frequency (share of records) of the folded name of record `i` in field `f`.
    pub(crate) fn name_tf(&self, f: usize, i: usize) -> Option<f64> {
        let &(Slot::Name, o) = self.slots.get(f)? else {
            return None;
        };
        let id = self.name_at(self.row(i), o).folded;
        let c = *self.tf.get(&id)?;
        Some(smoothed_share(c, self.tf_n()))
    }

    /// The term frequency that weighs an agreeing name field `f` of a pair with comparison
    /// vector `gamma`, for record `i` of `self`: the share of its folded name in that
    /// field, except for the given name of a pair whose family names were not compared
    /// (missing on one side, or the whole name in one box on one side: "Siti Khadijah" /
    /// "Siti" + "Khadijah"). Then the whole name was compared, and the share of the whole
    /// name weighs it, as it does for a pair with both boxes filled.
    pub(crate) fn pair_tf(&self, f: usize, gamma: u64, i: usize) -> Option<f64> {
        if self.whole_compared(f, gamma) {
            let id = *self.whole.get(i)?;
            let c = *self.whole_tf.get(&id)?;
            return Some(smoothed_share(c, self.tf_n()));
        }
        self.name_tf(f, i)
    }

    /// [`Dataset::pair_tf`] in `self` for record `i` of `other`.
    pub(crate) fn pair_tf_of(
        &self,
        other: &Dataset,
        f: usize,
        gamma: u64,
        i: usize,
    ) -> Option<f64> {
        if self.whole_compared(f, gamma) {
            let s = other.interner.get(*other.whole.get(i)?);
            let id = self.interner.lookup(s)?;
            let c = *self.whole_tf.get(&id)?;
            return Some(smoothed_share(c, self.tf_n()));
        }
        self.name_tf_of(other, f, i)
    }

    /// True when field `f` is the given name and the family names of the pair were not
    /// compared on their own.
    fn whole_compared(&self, f: usize, gamma: u64) -> bool {
        matches!(self.swap, Some((g, fa)) if g == f && level(gamma, fa) == 0)
    }

    /// Term frequency in `self` of the folded name of record `i` of `other` in field `f`.
    pub(crate) fn name_tf_of(&self, other: &Dataset, f: usize, i: usize) -> Option<f64> {
        let &(Slot::Name, o) = other.slots.get(f)? else {
            return None;
        };
        let s = other.interner.get(other.name_at(other.row(i), o).folded);
        let id = self.interner.lookup(s)?;
        let c = *self.tf.get(&id)?;
        Some(smoothed_share(c, self.tf_n()))
    }
}

/// The prefix of a folded name's term ([`Dataset::terms`]).
pub(crate) const TERM_NAME: &str = "n:";
/// The prefix of a whole name's term.
pub(crate) const TERM_WHOLE: &str = "w:";

/// Pseudo-records behind the prior share of a full name in [`smoothed_share`].
const TF_PRIOR_RECORDS: f64 = 1000.0;
/// The prior share of one full name among people (1 in 1,000).
const TF_PRIOR_SHARE: f64 = 0.001;

/// The share of records carrying a name, smoothed towards a prior (additive, as a
/// Dirichlet prior of [`TF_PRIOR_RECORDS`] pseudo-records): with millions of records it
/// is the observed share, while in a small population — a new deployment, or tracing
/// among the few persons who consented — one record in three does not make a name as
/// common as one person in three.
fn smoothed_share(count: u32, n: usize) -> f64 {
    (f64::from(count) + TF_PRIOR_RECORDS * TF_PRIOR_SHARE) / (n as f64 + TF_PRIOR_RECORDS)
}

/// An upper bound of the Jaro–Winkler similarity of two strings, from their character
/// counts (the number of matching characters cannot exceed the multiset intersection) and
/// their common prefix. Cheap; used to skip the exact computation when it cannot reach a
/// threshold.
fn jw_upper_bound(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (ca, cb) = (signature(a), signature(b));
    let m: u32 = ca
        .iter()
        .zip(cb.iter())
        .map(|(x, y)| (*x).min(*y) as u32)
        .sum();
    let m = m as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    let prefix = a
        .iter()
        .zip(b.iter())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count() as f64;
    (jaro + prefix * 0.1 * (1.0 - jaro)).min(1.0)
}

/// Character counts in 32 buckets (`byte & 31`), saturating.
fn signature(s: &[u8]) -> [u8; 32] {
    let mut c = [0u8; 32];
    for &x in s {
        c[(x & 31) as usize] = c[(x & 31) as usize].saturating_add(1);
    }
    c
}

/// Jaro–Winkler similarity (Winkler 1990, via `strsim`), counted as 0 below `floor`.
pub(crate) fn sim(a: &str, b: &str, floor: f64) -> f64 {
    if a == b {
        return 1.0;
    }
    if jw_upper_bound(a, b) < floor {
        return 0.0;
    }
    let s = jaro_winkler(a, b);
    if s >= floor { s } else { 0.0 }
}

/// Buckets of character counts in a [`char_signature`].
const SIG_BUCKETS: u32 = 13;
/// The largest length a [`char_signature`] holds (longer strings saturate there).
const SIG_MAX_LEN: u32 = 63;

/// A string's length and character counts in one word, kept in the row beside the
/// interned value: bits 0–5 the number of characters (saturating at 63), then 13 buckets
/// of 2 bits counting the characters `c` with `c % 13` in the bucket (saturating at 3).
/// Two values whose signatures rule out a near match are told apart without reading
/// either string, which at ten million candidate pairs is two cache misses a field saved.
fn char_signature(s: &str) -> u32 {
    let mut len = 0u32;
    let mut sig = 0u32;
    for c in s.chars() {
        len = (len + 1).min(SIG_MAX_LEN);
        let shift = 6 + 2 * (c as u32 % SIG_BUCKETS);
        if (sig >> shift) & 3 < 3 {
            sig += 1 << shift;
        }
    }
    sig | len
}

/// A lower bound of the L1 distance between the character counts of two strings, from
/// their signatures: merging characters into buckets and saturating the counts can only
/// shrink the differences.
fn sig_l1(a: u32, b: u32) -> u32 {
    (0..SIG_BUCKETS)
        .map(|k| ((a >> (6 + 2 * k)) & 3).abs_diff((b >> (6 + 2 * k)) & 3))
        .sum()
}

/// False when the signatures prove two strings more than one edit apart: one edit
/// changes the length by at most one and the character counts by at most two.
fn may_be_one_edit(a: u32, b: u32) -> bool {
    (a & SIG_MAX_LEN).abs_diff(b & SIG_MAX_LEN) <= 1 && sig_l1(a, b) <= 2
}

/// False when the signatures prove the Jaro–Winkler similarity of two strings below
/// `floor`. Matching characters are common characters, so m ≤ Σ min(count) =
/// (|a| + |b| − L1) / 2; Jaro ≤ (m/|a| + m/|b| + 1) / 3 (no transpositions); Winkler's
/// prefix bonus of at most four characters gives at most 0.6·Jaro + 0.4.
fn may_be_similar(a: u32, b: u32, floor: f64) -> bool {
    let (la, lb) = (a & SIG_MAX_LEN, b & SIG_MAX_LEN);
    if la == 0 || lb == 0 || la == SIG_MAX_LEN || lb == SIG_MAX_LEN {
        return true;
    }
    let m = ((la + lb).saturating_sub(sig_l1(a, b)) / 2).min(la.min(lb));
    if m == 0 {
        return floor <= 0.0;
    }
    let m = f64::from(m);
    let jaro = (m / f64::from(la) + m / f64::from(lb) + 1.0) / 3.0;
    0.6 * jaro + 0.4 >= floor - 1e-9
}

/// True when two codes are at most one edit apart (optimal string alignment distance).
fn one_edit(a: &str, b: &str) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    if la == lb && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() > 2 {
        return false;
    }
    osa_distance(a, b) <= 1
}

/// Packs per-field levels (each < 16) into a u64.
pub fn pack(levels: &[u8]) -> u64 {
    levels
        .iter()
        .enumerate()
        .fold(0u64, |acc, (f, &l)| acc | ((l as u64 & 0xF) << (4 * f)))
}

/// The level of field `f` in a packed vector.
pub fn level(gamma: u64, f: usize) -> u8 {
    ((gamma >> (4 * f)) & 0xF) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bound_bounds() {
        let words = [
            "somchai",
            "somchay",
            "nguyen",
            "ngyuen",
            "aung",
            "kyaw",
            "stanley street",
            "winston hills",
            "a",
            "ab",
        ];
        for a in words {
            for b in words {
                let jw = jaro_winkler(a, b);
                assert!(jw_upper_bound(a, b) + 1e-12 >= jw, "{a} {b}");
            }
        }
        assert_eq!(sim("nguyen", "tran", 0.7), 0.0);
        assert!(sim("nguyen", "ngyuen", 0.7) > 0.9);
        assert!(one_edit("A1234567", "A1234576"));
        assert!(one_edit("A1234567", "A123457"));
        assert!(!one_edit("A1234567", "B1234576"));
    }

    fn ds(rows: &[[&str; 3]]) -> Dataset {
        let schema = Schema::new(
            "id",
            vec![
                ("g".into(), Kind::GivenName),
                ("f".into(), Kind::FamilyName),
                ("b".into(), Kind::BirthDate),
            ],
        )
        .unwrap();
        let mut d = Dataset::new(&schema);
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        let refs: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
        d.add_batch(&schema, &refs).unwrap();
        d
    }

    /// The level of two values of one column of `kind`: the same in both
    /// directions and across two datasets (a query against an index).
    fn one_column_level(kind: Kind, a: &str, b: &str) -> u8 {
        let schema = Schema::new("id", vec![("c".into(), kind)]).unwrap();
        let rows = [vec![a.to_string()], vec![b.to_string()]];
        let refs: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
        let mut d = Dataset::new(&schema);
        d.add_batch(&schema, &refs).unwrap();
        let (x, y) = (level(d.compare(0, 1), 0), level(d.compare(1, 0), 0));
        assert_eq!(x, y, "{a} / {b}: not symmetric");
        let mut q = Dataset::new(&schema);
        q.add_batch(&schema, &refs[..1]).unwrap();
        let mut idx = Dataset::new(&schema);
        idx.add_batch(&schema, &refs[1..]).unwrap();
        assert_eq!(
            level(q.compare_with(&idx, 0, 0), 0),
            x,
            "{a} / {b}: cross-dataset level differs"
        );
        x
    }

    /// The level of two whole names (one `full_name` column).
    fn full(a: &str, b: &str) -> &'static str {
        NAME_LEVELS[one_column_level(Kind::FullName, a, b) as usize - 1]
    }

    /// The level of two places (one place column).
    fn place(a: &str, b: &str) -> &'static str {
        match one_column_level(Kind::Place, a, b) {
            0 => "missing",
            x => PLACE_LEVELS[x as usize - 1],
        }
    }

    #[test]
    fn places_under_another_name_or_spelling_are_the_same_place() {
        assert_eq!(place("Yangon", "YANGON"), "exact");
        assert_eq!(place("Rangoon", "Yangon"), "same_place");
        assert_eq!(place("Tjiandjoer", "Cianjur"), "same_place");
        assert_eq!(place("อุดรธานี", "Udon Thani"), "same_place");
        assert_eq!(place("Pouthisat", "Pursat"), "same_place");
        // One inside the other, also under another name.
        assert_eq!(place("Hlaing, Rangoon", "Yangon"), "contained");
        assert_eq!(place("Hlaing, Rangoon", "Insein, Yangon"), "same_region");
        assert_eq!(place("Siem Reap", "Kampot"), "different");
        // Written nearly alike (the signatures must not rule it out first).
        assert_eq!(place("Winston Hills", "Wimston Hills"), "close");
        assert_eq!(place("Blacktown", "Blacktowm"), "close");
        assert_eq!(place("Winston Hills", "Westmead"), "different");
        // The town named with its province on one side only.
        assert_eq!(place("Moulmein", "Mawlamyine, Mon"), "same_place");
        assert_eq!(place("Mawlamyine, Mon", "Mon"), "contained");
        assert_eq!(place("Mawlamyine, Mon", "Taunggyi, Shan"), "different");
        assert_eq!(place("", "Kampot"), "missing");
        // Empty parts and punctuation only: left out, never a key of their own.
        assert_eq!(place(" , Yangon,", "Yangon"), "exact");
        assert_eq!(place("--", "Kampot"), "missing");
        assert_eq!(place(",Hlaing,, Rangoon", "Yangon"), "contained");
    }

    #[test]
    fn joined_and_split_syllables_are_one_name() {
        assert_eq!(full("Myatzin", "Myat Zin"), "joined_split");
        assert_eq!(full("Zin Myat", "Myatzin"), "joined_split");
        assert_eq!(
            full("Thanhhuong Nguyen", "Thanh Huong Nguyen"),
            "joined_split"
        );
        assert_eq!(full("Aye Aye Mon", "Ayeaye Mon"), "joined_split");
        // Different letters are not.
        assert_ne!(full("Myatzin", "Myat Min"), "joined_split");
    }

    /// Syllables joined or split together with a spelling variant: the whole names,
    /// written without spaces, are close.
    #[test]
    fn joined_split_with_a_spelling_variant_is_close() {
        assert_eq!(full("Ma Hnaung Eii Chan", "Ma Hnaung Eichan"), "close");
        assert_eq!(full("Thee Hain", "Theehein"), "close");
        assert_eq!(full("Channnoe", "Chann No"), "close");
        // Short names are not compared this way (too close by chance).
        assert_ne!(full("Aye", "Ayi"), "close");
        // Different names stay apart.
        assert_eq!(full("Thee Hain", "Kyaw Zaw"), "different");
    }

    /// The given and family boxes filled differently ("Nyeincho" / "Nyein" + "Cho";
    /// "Sulastri" / "Sulastri" + "FNU"): the whole name is compared.
    #[test]
    fn a_name_split_across_boxes_is_compared_whole() {
        let d = ds(&[
            ["Nyeincho", "", "1979"],
            ["Nyein", "Cho", "1979-09-04"],
            ["Sulastri", "", ""],
            ["Sulastri", "FNU", ""],
            ["Siti Khadijah", "", ""],
            ["Siti", "Khadijah", ""],
            ["Siti", "Aminah", ""],
            ["Siti", "Rahma", ""],
            ["Siti", "Wati", ""],
        ]);
        let g = |i, j| NAME_LEVELS[level(d.compare(i, j), 0) as usize - 1];
        assert_eq!(g(0, 1), "joined_split");
        // "FNU" (first or family name unknown) is no name.
        assert_eq!(g(2, 3), "exact");
        assert_eq!(g(4, 5), "exact");
        // The whole name's share weighs "Siti Khadijah", not the share of "Siti".
        let gamma = d.compare(4, 5);
        assert_eq!(level(gamma, 1), 0);
        let whole = d.pair_tf(0, gamma, 4).unwrap();
        let siti_alone = d.name_tf(0, 5).unwrap();
        assert!(whole < siti_alone, "{whole} vs {siti_alone}");
    }

    #[test]
    fn honorific_changes_are_their_own_level() {
        // Burmese: a girl's Ma becomes Daw; Maung becomes Ko then U; Karen Saw/Naw,
        // Shan Sai/Nang.
        assert_eq!(full("Ma Aye Aye", "Daw Aye Aye"), "title_differs");
        assert_eq!(full("Maung Kyaw Min", "U Kyaw Min"), "title_differs");
        assert_eq!(full("Ko Kyaw Min", "Kyaw Min"), "title_differs");
        assert_eq!(full("Saw Htoo", "Htoo"), "title_differs");
        assert_eq!(full("Naw Paw", "Paw"), "title_differs");
        assert_eq!(full("Sai Leng", "Leng"), "title_differs");
        assert_eq!(full("Nang Seng", "Seng"), "title_differs");
        // Thai Nai / Nang / Nangsao.
        assert_eq!(
            full("Nai Somchai Jaidee", "Somchai Jaidee"),
            "title_differs"
        );
        assert_eq!(
            full("Nangsao Malee Srisuk", "Nang Malee Srisuk"),
            "title_differs"
        );
        // Indonesian binti without the father's name added.
        assert_eq!(full("Siti Aminah", "Siti binti Aminah"), "title_differs");
        // The same title is the stronger level.
        assert_eq!(full("Daw Aye Aye", "Daw Aye Aye "), "exact");
        assert_eq!(full("Daw Aye Aye", "daw aye  aye"), "exact");
        // A prefixed title after the name is a name syllable: Burmese U / Oo.
        assert_eq!(full("Daw Aye Aye", "Aye Aye Daw"), "subset");
        assert_eq!(full("Nyunt U", "Maung Nyunt Oo"), "title_differs");
    }

    #[test]
    fn spelling_reform_pairs_are_a_spelling_variant() {
        // Indonesian: Soewandi 1947 (oe → u) and EYD 1972 (dj → j, tj → c, old j → y).
        assert_eq!(full("Soeharto", "Suharto"), "spelling_variant");
        assert_eq!(full("Djoko Santoso", "Joko Santoso"), "spelling_variant");
        assert_eq!(full("Tjipto", "Cipto"), "spelling_variant");
        assert_eq!(full("Jusuf", "Yusuf"), "spelling_variant");
        assert_eq!(full("Soekarno Djojo", "Sukarno Joyo"), "spelling_variant");
        // Nur / Noor / Nor are one canonical token already (exact forms differ).
        assert_eq!(full("Nur Aini", "Noor Aini"), "transliteration_equal");
    }

    #[test]
    fn thai_romanisation_schemes_meet() {
        // RTGS against older and phonetic spellings people use for their own names.
        for (a, b) in [
            ("Kittiphong", "Kitipong"),
            ("Boonmee", "Bunmi"),
            ("Chaiyaporn", "Chaiyaphon"),
            ("Prasert", "Prasoet"),
            ("Jaidee", "Chaidi"),
            ("Wichai", "Vichai"),
            ("Srisuk", "Sisuk"),
            ("Phairoj", "Phairot"),
            ("Somchai Jaidee", "Somchay Chaidi"),
        ] {
            assert_eq!(full(a, b), "spelling_variant", "{a} / {b}");
        }
        // In Thai script against a romanisation: romanised by RTGS, then compared as
        // any two spellings.
        assert_eq!(full("สมชาย", "Somchai"), "transliteration_equal");
        assert_eq!(full("ธนากร", "Tanakorn"), "spelling_variant");
        assert_eq!(full("นายสมบูรณ์ เพชร", "SOMBOON PETCH"), "spelling_variant");
    }

    #[test]
    fn name_order_dropped_middle_names_and_patronymics() {
        // Khmer family name first (and in capitals in documents) or last.
        assert_eq!(full("SOK Dara", "Dara Sok"), "transliteration_equal");
        // Vietnamese middle name moved.
        assert_eq!(
            full("Nguyen Minh Khai", "Nguyen Khai Minh"),
            "transliteration_equal"
        );
        // Vietnamese middle name dropped.
        assert_eq!(full("Tran Thu Huong", "Tran Huong"), "subset");
        // Indonesian: a father's name added after binti.
        assert_eq!(full("Siti Aminah", "Siti Aminah binti Ahmad"), "subset");
        // Burmese: a syllable dropped.
        assert_eq!(full("Aung Kyaw Min", "Kyaw Min"), "subset");
        // Not a subset when a token differs.
        assert_ne!(full("Tran Thu Huong", "Tran Lan"), "subset");
        // Up to a spelling variant of a token, when two tokens or more are kept.
        assert_eq!(full("Kyaw Zaw Myint", "Kyaw Zaw Myintt Oo"), "subset");
        assert_eq!(full("Tran Huongg", "Tran Thu Huong"), "subset");
        assert_ne!(full("Tran Huong", "Tran Thu Lan"), "subset");
        // One name inside a longer one is a weaker level of its own.
        assert_eq!(full("Siti", "Siti Fitri"), "one_name_of_several");
        assert_eq!(full("Wulan", "Wulan binti Abdullah"), "one_name_of_several");
        assert_eq!(full("Sok", "Chhun Sok Koun"), "one_name_of_several");
    }

    proptest::proptest! {
        /// The signatures only rule out what the exact computation would rule out: a pair
        /// they call more than one edit apart is, and a pair they call dissimilar has a
        /// Jaro–Winkler similarity below the floor (codes, house numbers, addresses, places
        /// with accents and Thai script; lengths past the signature's 63 characters).
        #[test]
        fn signatures_never_rule_out_a_near_match(
            a in "[0-9A-Z]{0,12}|[a-z ]{1,20}|[a-zễạ ]{1,12}|[ก-ฮ]{1,8}|[a-z]{60,70}",
            b in "[0-9A-Z]{0,12}|[a-z ]{1,20}|[a-zễạ ]{1,12}|[ก-ฮ]{1,8}|[a-z]{60,70}",
            edit in 0usize..4,
        ) {
            // A near copy of `a` as well as an unrelated `b`.
            let mut near: Vec<char> = a.chars().collect();
            if !near.is_empty() {
                let k = edit % near.len();
                match edit {
                    0 => { near[k] = '7'; }
                    1 => { near.remove(k); }
                    2 => { near.insert(k, 'x'); }
                    _ => { if k + 1 < near.len() { near.swap(k, k + 1); } }
                }
            }
            let near: String = near.into_iter().collect();
            for other in [b.as_str(), near.as_str()] {
                let (sa, sb) = (char_signature(&a), char_signature(other));
                if !may_be_one_edit(sa, sb) {
                    proptest::prop_assert!(!one_edit(&a, other), "{a:?} {other:?}");
                }
                for floor in [0.9, 0.94, 0.7] {
                    if !may_be_similar(sa, sb, floor) && !a.is_empty() && !other.is_empty() {
                        proptest::prop_assert!(jaro_winkler(&a, other) < floor, "{a:?} {other:?} {floor}");
                    }
                }
            }
        }

        /// Within one dataset a one-word name is not compared again at higher floors; the
        /// comparison across two datasets (a query against an index) has no such shortcut.
        /// Both give every field the same level, for unrelated values and near copies.
        /// (The signatures, used by both, are checked against the exact computation in
        /// `signatures_never_rule_out_a_near_match`.)
        #[test]
        fn the_one_word_shortcut_gives_the_levels_of_the_full_comparison(
            g in proptest::collection::vec("[A-Za-z]{1,9}( [A-Za-z]{2,6})?", 2),
            f in proptest::collection::vec("[A-Za-z]{0,9}", 2),
            p in proptest::collection::vec("[0-9]{3,6}", 2),
            t in proptest::collection::vec("[0-9]{1,3} [a-z]{3,9} (street|road)", 2),
            pl in proptest::collection::vec("Rangoon|Yangon, Hlaing|[A-Z][a-z]{3,8} (Hills|Town)", 2),
            near in proptest::collection::vec(0usize..4, 5),
        ) {
            let rec = |k: usize| vec![g[k].clone(), f[k].clone(), p[k].clone(), t[k].clone(), pl[k].clone()];
            let a = rec(0);
            // Each value of the second record unrelated, or a near copy of the first's: a
            // letter changed or dropped (the pairs the shortcuts must not rule out).
            let b: Vec<String> = rec(1)
                .into_iter()
                .zip(a.iter())
                .zip(near.iter())
                .map(|((other, v), &n)| {
                    let mut c: Vec<char> = v.chars().collect();
                    match n {
                        0 => other,
                        _ if c.len() < 2 => v.clone(),
                        1 => { c.remove(c.len() / 2); c.into_iter().collect() }
                        2 => { let k = c.len() - 1; c[k] = if c[k] == 'x' { 'y' } else { 'x' }; c.into_iter().collect() }
                        _ => { c.swap(0, 1); c.into_iter().collect() }
                    }
                })
                .collect();
            let schema = Schema::new(
                "id",
                vec![
                    ("g".into(), Kind::GivenName),
                    ("f".into(), Kind::FamilyName),
                    ("p".into(), Kind::Postcode),
                    ("t".into(), Kind::Text),
                    ("pl".into(), Kind::Place),
                ],
            )
            .unwrap();
            let rows = [a.clone(), b.clone()];
            let refs: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
            let mut d = Dataset::new(&schema);
            d.add_batch(&schema, &refs).unwrap();
            let mut q = Dataset::new(&schema);
            q.add_batch(&schema, &refs[..1]).unwrap();
            let mut idx = Dataset::new(&schema);
            idx.add_batch(&schema, &refs[1..]).unwrap();
            proptest::prop_assert_eq!(d.compare(0, 1), q.compare_with(&idx, 0, 0), "{:?} / {:?}", a, b);
        }

        /// Comparison levels do not depend on which record comes first, and a record
        /// always agrees exactly with itself.
        #[test]
        fn levels_are_symmetric(
            g1 in "(Văn |Thị |Ma |)[A-Za-zễ]{1,8}", f1 in "[A-Za-z]{0,8}", d1 in "(19[5-9][0-9](-0[1-9](-1[0-9])?)?)?",
            g2 in "(Văn |Thị |Ma |)[A-Za-zễ]{1,8}", f2 in "[A-Za-z]{0,8}", d2 in "(19[5-9][0-9](-0[1-9](-1[0-9])?)?)?",
        ) {
            let d = ds(&[[g1.as_str(), f1.as_str(), d1.as_str()], [g2.as_str(), f2.as_str(), d2.as_str()]]);
            proptest::prop_assert_eq!(d.compare(0, 1), d.compare(1, 0));
            let own = d.compare(0, 0);
            proptest::prop_assert_eq!(level(own, 0), 1);
        }

        /// The clustering's check of the fields that contradict (birth date, identity
        /// number) gives them the levels of the full comparison, and leaves the others 0.
        #[test]
        fn levels_of_some_fields_are_those_of_the_full_comparison(
            g in proptest::collection::vec("[A-Za-z]{1,8}", 2),
            b in proptest::collection::vec("(19[5-9][0-9](-0[1-9](-1[0-9])?)?)?", 2),
            id in proptest::collection::vec("[0-9]{0,8}", 2),
            near_id in proptest::bool::ANY,
        ) {
            let schema = Schema::new(
                "id",
                vec![
                    ("g".into(), Kind::GivenName),
                    ("b".into(), Kind::BirthDate),
                    ("n".into(), Kind::IdNumber),
                ],
            )
            .unwrap();
            // The second identity number a near copy of the first (one digit changed).
            let id1 = if near_id && id[0].len() > 3 {
                let mut c: Vec<char> = id[0].chars().collect();
                c[1] = if c[1] == '9' { '0' } else { '9' };
                c.into_iter().collect()
            } else {
                id[1].clone()
            };
            let rows = [
                vec![g[0].clone(), b[0].clone(), id[0].clone()],
                vec![g[1].clone(), b[1].clone(), id1],
            ];
            let refs: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
            let mut d = Dataset::new(&schema);
            d.add_batch(&schema, &refs).unwrap();
            let (full, some) = (d.compare(0, 1), d.levels_of(0, 1, &[1, 2]));
            proptest::prop_assert_eq!(level(some, 0), 0);
            proptest::prop_assert_eq!(level(some, 1), level(full, 1));
            proptest::prop_assert_eq!(level(some, 2), level(full, 2));
        }
    }

    #[test]
    fn name_levels() {
        let d = ds(&[
            ["Văn An", "Nguyễn", "1990-01-02"],
            ["Van An", "Nguyen", "1990"],
            ["Van Anh", "Nguyen", ""],
            ["An", "Nguyen", "1990-01-02"],
            ["Nguyễn", "Văn An", "1990-01-02"],
            ["Binh", "Tran", "1970-05-05"],
            ["Văn An", "Nguyễn", "1990-01-02"],
            ["Nguyen Van An", "", ""],
        ]);
        let lv = |i, j| {
            let g = d.compare(i, j);
            (level(g, 0), level(g, 1), level(g, 2))
        };
        assert_eq!(lv(0, 6), (1, 1, 1));
        assert_eq!(lv(0, 1), (2, 2, 3)); // diacritics folded; partial date
        assert_eq!(lv(1, 2).0, 7); // An / Anh: same phonetic key
        assert_eq!(lv(1, 2).2, 0); // missing date
        assert_eq!(lv(0, 3).0, 3); // "Van" is a particle: only the titles differ
        assert_eq!(lv(0, 4), (1, 1, 1)); // swapped given/family
        assert_eq!(lv(0, 5), (11, 11, 7)); // twenty years apart
        assert_eq!(lv(7, 0), (2, 0, 0)); // whole name in the given-name box
    }
}
