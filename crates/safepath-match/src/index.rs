//! An in-memory index for search-before-create and tracing: built once over many records,
//! queried with one record.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine;
use crate::error::MatchError;
use crate::features::{Dataset, Entry, Record, extend_entries};
use crate::model::{Band, FieldExplanation, Model};
use crate::settings::Settings;

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The candidate record's id.
    pub id: String,
    /// Match probability.
    pub probability: f64,
    /// `likely` or `possible`.
    pub band: Band,
    /// Per-field explanation: levels and weights.
    pub explanation: Vec<FieldExplanation>,
}

/// A candidate: (log2 Bayes factor or probability, record, comparison vector).
type Weighed = (f64, u32, u64);

fn max_tf(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// Records indexed by blocking keys, with their compact features.
#[derive(Debug, Clone)]
pub struct MatchIndex {
    model: Model,
    ds: Dataset,
    ids: Vec<String>,
    /// Sorted `(key, record)`.
    postings: Vec<Entry>,
    max_posting: usize,
    max_candidates: usize,
    /// Distinct ids (a person indexed under several names counts once).
    persons: usize,
    /// The chance that the person a query asks about is indexed at all.
    request_prior: f64,
}

fn add_records(
    ds: &mut Dataset,
    model: &Model,
    records: &[Record],
    entries: &mut Vec<Entry>,
) -> Result<Vec<String>, MatchError> {
    let schema = &model.schema;
    for (k, r) in records.iter().enumerate() {
        if r.values.len() != schema.columns.len() {
            return Err(MatchError::Invalid(format!(
                "record {k} has {} values, the schema {} columns",
                r.values.len(),
                schema.columns.len()
            )));
        }
    }
    let mut ids = Vec::with_capacity(records.len());
    for chunk in records.chunks(1 << 15) {
        let base = ds.n as u32;
        let refs: Vec<&[String]> = chunk.iter().map(|r| r.values.as_slice()).collect();
        let keys = ds.add_batch(schema, &refs).map_err(|(i, (col, msg))| {
            let name = schema.columns.get(col).map(|c| c.0.as_str()).unwrap_or("?");
            MatchError::Invalid(format!(
                "record {}: column `{name}`: {msg}",
                base as usize + i
            ))
        })?;
        extend_entries(entries, base, keys);
        ids.extend(chunk.iter().map(|r| r.id.clone()));
    }
    Ok(ids)
}

/// Trains a model on records without labels (u from random pairs, m and λ by EM on the
/// blocked pairs, as in de-duplication).
pub fn train(records: &[Record], settings: &Settings) -> Result<Model, MatchError> {
    let (mut model, ds, entries) = untrained_over(records, settings)?;
    let blocking = engine::Blocking {
        max_block: settings.max_block_size,
        budget: settings.budget(ds.n),
        n_left: None,
    };
    let sessions = engine::session_pairs(&ds, &entries, blocking);
    let pairs = engine::blocked_pairs(entries, None, blocking.max_block, blocking.budget);
    let _ = engine::train(&mut model, &ds, &sessions, &pairs, blocking, settings.seed);
    Ok(model)
}

/// Trains a model for a registry kept free of duplicates (search before create and
/// tracing in the product): u from random pairs of its records, m the engine's priors.
///
/// EM learns m from the matches among the blocked pairs. Where duplicates are refused
/// at entry there are next to none, and EM takes namesakes for matches: a spelling
/// variant, a place written otherwise or an estimated age then counts against the true
/// person (docs/decisions.md D19). u is learnt from any registry; m is not.
pub fn train_registry(records: &[Record], settings: &Settings) -> Result<Model, MatchError> {
    let (mut model, ds, _) = untrained_over(records, settings)?;
    engine::estimate_u(&mut model, &ds, None, settings.seed);
    Ok(model)
}

/// The priors' model under `settings`' bands, and `records` read for training.
fn untrained_over(
    records: &[Record],
    settings: &Settings,
) -> Result<(Model, Dataset, Vec<Entry>), MatchError> {
    let mut model = Model::untrained(settings.schema.clone());
    model.likely = settings.likely;
    model.possible = settings.possible;
    let mut ds = Dataset::new(&model.schema);
    let mut entries = Vec::new();
    add_records(&mut ds, &model, records, &mut entries)?;
    Ok((model, ds, entries))
}

/// The scheme of [`index_terms`]' keys and terms: an index kept outside the
/// process under another scheme must be built again. Raise it with any change
/// to the blocking keys, the normal forms or the terms.
pub const INDEX_SCHEME: u32 = 1;

/// Postings longer than this are not read for a query (a key shared by so many
/// records tells little).
pub const MAX_POSTING: usize = 2_000;
/// A query compares at most about this many candidates.
pub const MAX_CANDIDATES: usize = 4_000;

/// Which postings a query reads, given each of its keys' posting length: as in
/// batch blocking, the most specific keys first (none longer than
/// `max_posting`), until the next would take the candidates past
/// `max_candidates` (the first is always read). Indices into `sizes`. Shared
/// by [`MatchIndex`] and an index kept in a database, so that both choose
/// the same candidates.
pub fn select_postings(sizes: &[usize], max_posting: usize, max_candidates: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len())
        .filter(|&k| sizes[k] > 0 && sizes[k] <= max_posting)
        .collect();
    order.sort_by_key(|&k| sizes[k]);
    let mut total = 0;
    let mut out = Vec::new();
    for k in order {
        if total > 0 && total + sizes[k] > max_candidates {
            break;
        }
        total += sizes[k];
        out.push(k);
    }
    out
}

/// What one record puts into an index kept outside the process (a database,
/// queried with [`select_postings`] and weighed with
/// [`MatchIndex::weigh_as_population`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTerms {
    /// Its blocking keys, sorted.
    pub keys: Vec<u64>,
    /// The terms whose share of the population weighs an agreeing name.
    pub terms: Vec<String>,
}

/// The blocking keys and name terms of `record` under `schema`. Fails, as a
/// query does, on a value that cannot be read.
pub fn index_terms(schema: &crate::Schema, record: &Record) -> Result<IndexTerms, MatchError> {
    let model = Model::untrained(schema.clone());
    let mut ds = Dataset::new(schema);
    let mut entries = Vec::new();
    add_records(&mut ds, &model, std::slice::from_ref(record), &mut entries)?;
    let mut keys: Vec<u64> = entries.into_iter().map(|e| e.key).collect();
    keys.sort_unstable();
    keys.dedup();
    Ok(IndexTerms {
        keys,
        terms: ds.terms(0),
    })
}

/// The default chance that the person a query asks about is among the indexed records at
/// all (see [`MatchIndex::set_request_prior`]): even odds, for want of a measured rate.
pub const DEFAULT_REQUEST_PRIOR: f64 = 0.5;

/// The prior that one indexed record is the person asked about: the chance `request_prior`
/// that the person is indexed at all, spread evenly over the `n` records.
fn pair_prior(request_prior: f64, n: usize) -> f64 {
    (request_prior / n.max(1) as f64).clamp(1e-12, 0.5)
}

impl MatchIndex {
    /// Sets the prior of a query: the chance that the person asked about is among the
    /// indexed records at all (0 < prior < 1). In tracing many requests have no match;
    /// with a measured share of requests that were eventually matched, set it to that
    /// share. The prior of one record is this chance over the number of persons (distinct
    /// ids: a person is one of them, equally likely any), which replaces the model's λ for
    /// queries. The
    /// default is [`DEFAULT_REQUEST_PRIOR`].
    pub fn set_request_prior(&mut self, prior: f64) -> Result<(), MatchError> {
        if !(prior > 0.0 && prior < 1.0) {
            return Err(MatchError::Invalid(
                "the request prior must be between 0 and 1 (exclusive)".into(),
            ));
        }
        self.model.lambda = pair_prior(prior, self.persons);
        self.request_prior = prior;
        Ok(())
    }

    /// Builds the index over `records` with a (trained) model.
    pub fn build(records: &[Record], model: &Model) -> Result<MatchIndex, MatchError> {
        model.schema.check().map_err(MatchError::Invalid)?;
        let mut ds = Dataset::new(&model.schema);
        if ds.fields.len() != model.fields.len() {
            return Err(MatchError::Invalid(
                "the model does not fit its schema".into(),
            ));
        }
        let mut postings = Vec::new();
        let ids = add_records(&mut ds, model, records, &mut postings)?;
        postings.par_sort_unstable();
        postings.dedup();
        let mut model = model.clone();
        // Persons, not records: the product indexes one record per name of a person.
        let persons = {
            let mut v: Vec<&String> = ids.iter().collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        model.lambda = pair_prior(DEFAULT_REQUEST_PRIOR, persons);
        Ok(MatchIndex {
            model,
            ds,
            ids,
            postings,
            max_posting: MAX_POSTING,
            max_candidates: MAX_CANDIDATES,
            persons,
            request_prior: DEFAULT_REQUEST_PRIOR,
        })
    }

    /// Adds records after those indexed, with the model kept: the index is
    /// then the one [`MatchIndex::build`] would give over all the records in
    /// that order (the same features, term frequencies, postings and prior of
    /// one record), at the cost of the new records and one merge of the
    /// postings. For an index kept between queries over a growing registry.
    /// On an error the index may hold part of `records`: build it again.
    pub fn extend(&mut self, records: &[Record]) -> Result<(), MatchError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut entries = Vec::new();
        let ids = add_records(&mut self.ds, &self.model, records, &mut entries)?;
        entries.sort_unstable();
        entries.dedup();
        // Both sorted, and no record in both: a merge is the sort of the union.
        let old = std::mem::take(&mut self.postings);
        let mut merged = Vec::with_capacity(old.len() + entries.len());
        let (mut a, mut b) = (old.into_iter().peekable(), entries.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x <= y => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        self.postings = merged;
        self.ids.extend(ids);
        self.persons = {
            let mut v: Vec<&String> = self.ids.iter().collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        self.model.lambda = pair_prior(self.request_prior, self.persons);
        Ok(())
    }

    /// Weighs queries as if the index held a whole population of which its
    /// records are a part: `persons` distinct persons in `records` records,
    /// and `count` the number of the population's records carrying a term
    /// (as [`index_terms`] gives them). For an index built over the
    /// candidates of one query, read from a registry kept in a database: the
    /// probabilities are then those of an index over the whole registry.
    pub fn weigh_as_population(
        &mut self,
        persons: usize,
        records: usize,
        count: &dyn Fn(&str) -> Option<u32>,
    ) {
        self.persons = persons.max(self.persons);
        self.model.lambda = pair_prior(self.request_prior, self.persons);
        self.ds.weigh_terms_as(records, count);
    }

    /// The name terms of the indexed records, once each (as [`index_terms`]
    /// gives them): the terms whose counts [`MatchIndex::weigh_as_population`]
    /// asks for.
    pub fn terms(&self) -> Vec<String> {
        self.ds.all_terms()
    }

    /// Number of indexed records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The model used.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Ranked candidates for `query` at or above the model's `possible` probability (at most
    /// `limit`), each with its band and per-field explanation.
    ///
    /// The probability is pairwise: each candidate on its own, with the prior of one
    /// record ([`MatchIndex::set_request_prior`] over the persons indexed). Use it when
    /// the query may itself be indexed (de-duplication of indexed records); for a request
    /// about a person who is at most one of the indexed persons, [`MatchIndex::trace`]
    /// weighs the candidates against each other.
    pub fn query(&self, query: &Record, limit: usize) -> Result<Vec<Candidate>, MatchError> {
        let (qds, bfs) = self.candidates(query)?;
        let prior_w = self.prior_weight();
        let scored: Vec<(f64, u32, u64)> = bfs
            .into_iter()
            .map(|(bf, c, g)| (1.0 / (1.0 + (-(prior_w + bf)).exp2()), c, g))
            .collect();
        self.ranked(&qds, scored, limit, self.model.possible)
    }

    /// Ranked candidates for a tracing request (or a search before creating a record that
    /// is not yet indexed), at or above the model's `possible` probability (at most
    /// `limit`), each with its band and per-field explanation.
    ///
    /// The probability is the tracing posterior (docs/decisions.md D-T4): that the
    /// candidate is the person asked about, given every candidate found and the chance
    /// ([`MatchIndex::set_request_prior`]) that the person is indexed at all, the person
    /// being at most one of the indexed persons. Two namesakes who fit equally well share
    /// the probability instead of both looking "likely"; a request whose person is not
    /// indexed is not matched to the best stranger with confidence. A person indexed under
    /// several records counts once, by its best record.
    pub fn trace(&self, query: &Record, limit: usize) -> Result<Vec<Candidate>, MatchError> {
        self.trace_down_to(query, limit, self.model.possible)
    }

    /// [`MatchIndex::trace`], keeping candidates down to `min_probability`
    /// (those below the "possible" band come with the band "unlikely"): for a
    /// caller with a rule of its own on top of the weights.
    pub fn trace_down_to(
        &self,
        query: &Record,
        limit: usize,
        min_probability: f64,
    ) -> Result<Vec<Candidate>, MatchError> {
        let (qds, bfs) = self.candidates(query)?;
        let mut best_of: std::collections::HashMap<&str, f64> = Default::default();
        for &(bf, c, _) in &bfs {
            let e = best_of
                .entry(self.ids[c as usize].as_str())
                .or_insert(f64::NEG_INFINITY);
            *e = e.max(bf);
        }
        let per_person: Vec<f64> = best_of.values().copied().collect();
        let prior = self.request_prior.clamp(1e-9, 1.0 - 1e-9);
        let a = (prior / self.persons.max(1) as f64).log2();
        let denom = per_person
            .iter()
            .fold((1.0 - prior).log2(), |acc, &b| engine::log2_add(acc, a + b));
        let scored: Vec<(f64, u32, u64)> = bfs
            .into_iter()
            .map(|(bf, c, g)| ((a + bf - denom).exp2().min(1.0), c, g))
            .collect();
        self.ranked(&qds, scored, limit, min_probability)
    }

    /// log2 prior odds of one indexed record.
    fn prior_weight(&self) -> f64 {
        (self.model.lambda / (1.0 - self.model.lambda)).log2()
    }

    /// The query's features and, for every candidate from blocking, (log2 Bayes factor,
    /// record, comparison vector).
    fn candidates(&self, query: &Record) -> Result<(Dataset, Vec<Weighed>), MatchError> {
        let mut qds = Dataset::new(&self.model.schema);
        let mut keys = Vec::new();
        add_records(
            &mut qds,
            &self.model,
            std::slice::from_ref(query),
            &mut keys,
        )?;
        let ranges: Vec<(usize, usize)> = keys
            .iter()
            .map(|q| {
                let key = q.key;
                let lo = self.postings.partition_point(|p| p.key < key);
                let hi = self.postings.partition_point(|p| p.key <= key);
                (lo, hi)
            })
            .collect();
        let sizes: Vec<usize> = ranges.iter().map(|(lo, hi)| hi - lo).collect();
        let mut cands: Vec<u32> = Vec::new();
        for k in select_postings(&sizes, self.max_posting, self.max_candidates) {
            let (lo, hi) = ranges[k];
            cands.extend(self.postings[lo..hi].iter().map(|p| p.rec));
        }
        cands.sort_unstable();
        cands.dedup();
        let model = &self.model;
        let prior_w = self.prior_weight();
        let bfs: Vec<(f64, u32, u64)> = cands
            .par_iter()
            .map(|&c| {
                let g = qds.compare_with(&self.ds, 0, c as usize);
                let tf = |f: usize| {
                    max_tf(
                        self.ds.pair_tf(f, g, c as usize),
                        self.ds.pair_tf_of(&qds, f, g, 0),
                    )
                };
                let (_, w, _) = model.score_gamma(g, &tf, false);
                (w - prior_w, c, g)
            })
            .collect();
        Ok((qds, bfs))
    }

    /// The candidates at or above `possible`, best first, at most `limit`, explained.
    fn ranked(
        &self,
        qds: &Dataset,
        mut scored: Vec<(f64, u32, u64)>,
        limit: usize,
        min_probability: f64,
    ) -> Result<Vec<Candidate>, MatchError> {
        let model = &self.model;
        scored.retain(|(p, _, _)| *p >= min_probability);
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(limit);
        Ok(scored
            .into_iter()
            .map(|(p, c, g)| {
                let tf = |f: usize| {
                    max_tf(
                        self.ds.pair_tf(f, g, c as usize),
                        self.ds.pair_tf_of(qds, f, g, 0),
                    )
                };
                let (_, _, explanation) = model.score_gamma(g, &tf, true);
                Candidate {
                    id: self.ids[c as usize].clone(),
                    probability: p,
                    band: model.band(p),
                    explanation,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index extended with records answers exactly as one built over all
    /// of them in the same order.
    #[test]
    fn an_extended_index_is_the_index_built_over_all_records() {
        let (s, model) = prior();
        let mut records = population(
            &s,
            &["Somchai", "Wandee", "Prasert", "Boonmee", "Napa", "Malee"],
        );
        // A second record of one person, as the product's transliterations.
        records.push(rec(&s, "p00", "Somchay Jaidee", "1960-01-10"));
        let whole = MatchIndex::build(&records, &model).unwrap();
        let mut grown = MatchIndex::build(&records[..7], &model).unwrap();
        grown.extend(&records[7..20]).unwrap();
        grown.extend(&[]).unwrap();
        grown.extend(&records[20..]).unwrap();
        assert_eq!(grown.len(), whole.len());
        assert_eq!(grown.postings, whole.postings);
        assert_eq!(grown.persons, whole.persons);
        assert_eq!(grown.model, whole.model);
        for q in [
            rec(&s, "q", "Malee Srisuk", "1975"),
            rec(&s, "q", "Somchai Jaidee", "1960-01-10"),
            rec(&s, "q", "Napa Phrom", ""),
        ] {
            // Equal but for the order of a floating-point sum (over a hash
            // map, in `trace`, even between two builds).
            let same = |a: Vec<Candidate>, b: Vec<Candidate>| {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(&b) {
                    assert_eq!(
                        (&x.id, x.band, &x.explanation),
                        (&y.id, y.band, &y.explanation)
                    );
                    assert!((x.probability - y.probability).abs() < 1e-12, "{x:?} {y:?}");
                }
            };
            same(grown.trace(&q, 50).unwrap(), whole.trace(&q, 50).unwrap());
            same(grown.query(&q, 50).unwrap(), whole.query(&q, 50).unwrap());
        }
    }

    /// An index built over the candidates of one query — chosen from the
    /// keys and posting lengths of the whole registry, as a database keeps
    /// them — and weighed as the registry answers that query exactly as the
    /// index over the whole registry: the same candidates, levels, term
    /// frequencies and probabilities.
    #[test]
    fn candidates_weighed_as_the_population_answer_as_the_whole_index() {
        let (s, model) = prior();
        let mut records = population(
            &s,
            &[
                "Somchai", "Wandee", "Prasert", "Boonmee", "Napa", "Malee", "Aye",
            ],
        );
        // Namesakes, so that a name's share is not that of one record.
        records.push(rec(&s, "n1", "Malee Srisuk", "1990"));
        records.push(rec(&s, "n2", "Malee Srisuk", ""));
        records.push(rec(&s, "p00", "Somchay Jaidee", "1960-01-10"));
        let whole = MatchIndex::build(&records, &model).unwrap();
        let indexed: Vec<IndexTerms> = records
            .iter()
            .map(|r| index_terms(&s.schema, r).unwrap())
            .collect();
        let mut counts: std::collections::HashMap<String, u32> = Default::default();
        for t in indexed.iter().flat_map(|x| &x.terms) {
            *counts.entry(t.clone()).or_insert(0) += 1;
        }
        let persons = {
            let mut ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        };
        for q in [
            rec(&s, "q", "Malee Srisuk", "1975"),
            rec(&s, "q", "Somchai Jaidee", "1960-01-10"),
            rec(&s, "q", "Napa Phrom", ""),
            rec(&s, "q", "Wandy Kaewmani", "1963"),
        ] {
            let qk = index_terms(&s.schema, &q).unwrap().keys;
            let sizes: Vec<usize> = qk
                .iter()
                .map(|k| indexed.iter().filter(|x| x.keys.contains(k)).count())
                .collect();
            let chosen = select_postings(&sizes, MAX_POSTING, MAX_CANDIDATES);
            let candidates: Vec<Record> = records
                .iter()
                .zip(&indexed)
                .filter(|(_, x)| chosen.iter().any(|&k| x.keys.contains(&qk[k])))
                .map(|(r, _)| r.clone())
                .collect();
            assert!(candidates.len() < records.len(), "blocking chose some");
            let mut part = MatchIndex::build(&candidates, &model).unwrap();
            part.weigh_as_population(persons, records.len(), &|t| counts.get(t).copied());
            let a = whole.trace_down_to(&q, 50, 0.0).unwrap();
            let b = part.trace_down_to(&q, 50, 0.0).unwrap();
            assert_eq!(a.len(), b.len(), "{q:?}");
            assert!(!a.is_empty());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(
                    (&x.id, x.band, &x.explanation),
                    (&y.id, y.band, &y.explanation)
                );
                assert!((x.probability - y.probability).abs() < 1e-9, "{x:?} {y:?}");
            }
        }
    }

    const SETTINGS: &str = r#"id_column = "id"
[columns]
full_name = "full_name"
birth_date = "birth_date"
age = "age"
record_date = "record_date"
sex = "sex"
nationality = "nationality"
"#;

    /// In a registry kept free of duplicates every blocked pair is two people:
    /// EM takes the namesakes among them for matches and learns that a match
    /// agrees on the name and differs on the birth date. `train_registry`
    /// keeps the priors' m (learning only u), so a request that spells the
    /// name another way but gives the birth date still finds the person
    /// (issue 14: the product found a sixth of the independent set's links).
    #[test]
    fn a_registry_without_duplicates_keeps_the_priors_m() {
        let s = Settings::parse(SETTINGS).unwrap();
        let given = [
            "Somchai", "Wandee", "Prasert", "Boonmee", "Napa", "Malee", "Kanya", "Suda", "Anong",
            "Chai", "Decha", "Kamon", "Lamai", "Manee", "Niran", "Orn", "Pim", "Rattana", "Sakda",
            "Thong", "Umaporn", "Wichai", "Yupa", "Arun", "Busaba",
        ];
        let family = [
            "Jaidee",
            "Kaewmanee",
            "Thongkham",
            "Srisuk",
            "Phrom",
            "Saelim",
            "Wongsa",
            "Chaiyaporn",
            "Boonsri",
            "Rattanakul",
            "Intharat",
            "Sukjai",
            "Meesuk",
            "Phanthong",
            "Kongkaew",
            "Saetang",
            "Chantra",
            "Nakprasert",
            "Suwan",
            "Thepsiri",
            "Yodsuwan",
            "Kamdee",
            "Pongsak",
            "Ruangrit",
            "Siriwat",
        ];
        // Every name twice, two people born years apart: 1,250 namesake pairs.
        let mut records = vec![];
        for (i, g) in given.iter().enumerate() {
            for (j, f) in family.iter().enumerate() {
                for k in 0..2 {
                    let birth = format!(
                        "{}-{:02}-{:02}",
                        1950 + (i * 7 + j * 3 + k * 20) % 50,
                        1 + (i + j + k * 5) % 12,
                        1 + (i * 3 + j + k * 11) % 28
                    );
                    records.push(rec(
                        &s,
                        &format!("p{i}-{j}-{k}"),
                        &format!("{g} {f}"),
                        &birth,
                    ));
                }
            }
        }
        let target = &records[2 * (3 * family.len() + 4)];
        let birth = target.values[s
            .schema
            .columns
            .iter()
            .position(|c| c.0 == "birth_date")
            .unwrap()]
        .clone();
        // "Prasert Phrom" as a clerk wrote it from hearing.
        let query = rec(&s, "q", "Prasoet Prom", &birth);
        let found = |model: Model| {
            let index = MatchIndex::build(&records, &model).unwrap();
            index
                .trace_down_to(&query, 5, 0.0)
                .unwrap()
                .into_iter()
                .find(|c| c.id == target.id)
                .map_or(0.0, |c| c.probability)
        };
        let kept = train_registry(&records, &s).unwrap();
        let priors = Model::untrained(s.schema.clone());
        for (k, p) in kept.fields.iter().zip(&priors.fields) {
            assert_eq!(k.m, p.m, "{}: m stays the priors'", k.name);
        }
        assert!(
            kept.fields
                .iter()
                .zip(&priors.fields)
                .any(|(k, p)| k.u != p.u),
            "u is learnt from the registry"
        );
        let with_priors = found(kept);
        let with_em = found(train(&records, &s).unwrap());
        assert!(with_priors >= 0.5, "the person is found: {with_priors}");
        assert!(with_em < 0.5, "EM took namesakes for matches: {with_em}");
    }

    /// The settings and the prior model the product uses before training.
    fn prior() -> (Settings, Model) {
        let s = Settings::parse(SETTINGS).unwrap();
        let mut model = Model::untrained(s.schema.clone());
        model.likely = s.likely;
        model.possible = s.possible;
        (s, model)
    }

    /// Each given name with five family names, each person born on a day of
    /// their own.
    fn population(s: &Settings, given: &[&str]) -> Vec<Record> {
        let family = ["Jaidee", "Kaewmanee", "Thongkham", "Srisuk", "Phrom"];
        let mut records = vec![];
        for (i, g) in given.iter().enumerate() {
            for (j, f) in family.iter().enumerate() {
                let birth = format!("{}-0{}-1{}", 1960 + i * 3 + j, 1 + j, i);
                records.push(rec(s, &format!("p{i}{j}"), &format!("{g} {f}"), &birth));
            }
        }
        records
    }

    fn rec(s: &Settings, id: &str, name: &str, birth: &str) -> Record {
        Record::from_pairs(
            &s.schema,
            id,
            &[
                ("full_name", name),
                ("birth_date", birth),
                ("sex", "F"),
                ("nationality", "THA"),
            ],
        )
        .unwrap()
    }

    fn date_level(c: &Candidate) -> String {
        c.explanation
            .iter()
            .find(|e| e.field.contains("birth") || e.field.contains("date"))
            .map(|e| e.level.clone())
            .unwrap_or_default()
    }

    /// A year-only birth date agrees with an exact date of the same year, in
    /// both directions (the index holds the exact date, the query the year, or
    /// the other way round), with the prior model the product uses before it
    /// has enough records to train: the person is found, at least "possible".
    #[test]
    fn year_only_birth_date_agrees_with_exact_date_of_that_year() {
        let s = Settings::parse(SETTINGS).unwrap();
        let mut model = Model::untrained(s.schema.clone());
        model.likely = s.likely;
        model.possible = s.possible;
        for (stored, asked) in [("1994-03-12", "1994"), ("1994", "1994-03-12")] {
            // A population, so that term frequencies are realistic.
            let given = [
                "Somchai", "Wandee", "Prasert", "Boonmee", "Napa", "Arun", "Suda", "Kanya",
            ];
            let family = [
                "Jaidee",
                "Kaewmanee",
                "Thongkham",
                "Boonruang",
                "Chaiyo",
                "Phrom",
            ];
            let mut records = vec![rec(&s, "a", "Malee Srisuk", stored)];
            for (i, g) in given.iter().enumerate() {
                for (j, f) in family.iter().enumerate() {
                    let birth = format!("{}-0{}-1{}", 1960 + i * 3 + j, 1 + j, i);
                    records.push(rec(&s, &format!("p{i}{j}"), &format!("{g} {f}"), &birth));
                }
            }
            let index = MatchIndex::build(&records, &model).unwrap();
            let hits = index
                .query(&rec(&s, "q", "Malee Srisuk", asked), 5)
                .unwrap();
            let hit = hits.iter().find(|c| c.id == "a").expect("found");
            assert_eq!(date_level(hit), "partial_equal", "{stored} vs {asked}");
            let w = hit
                .explanation
                .iter()
                .find(|e| e.level == "partial_equal")
                .unwrap()
                .weight;
            assert!(w >= 5.0, "{stored} vs {asked}: weight {w}");
            assert!(hit.band != Band::Unlikely, "{stored} vs {asked}");
        }
    }

    /// The "check for existing records" form: the same name, sex and nationality with
    /// no birth date on the query is at least "possible" (it found nothing until the
    /// exact birth date was added), with the prior model and in a population where the
    /// name is not common.
    #[test]
    fn same_name_sex_and_nationality_without_birth_date_is_possible() {
        let s = Settings::parse(SETTINGS).unwrap();
        let mut model = Model::untrained(s.schema.clone());
        model.likely = s.likely;
        model.possible = s.possible;
        let given = [
            "Somchai", "Wandee", "Prasert", "Boonmee", "Napa", "Arun", "Suda", "Kanya",
        ];
        let family = [
            "Jaidee",
            "Kaewmanee",
            "Thongkham",
            "Boonruang",
            "Chaiyo",
            "Phrom",
        ];
        let mut records = vec![rec(&s, "a", "Malee Srisuk", "1994-03-12")];
        for (i, g) in given.iter().enumerate() {
            for (j, f) in family.iter().enumerate() {
                let birth = format!("{}-0{}-1{}", 1960 + i * 3 + j, 1 + j, i);
                records.push(rec(&s, &format!("p{i}{j}"), &format!("{g} {f}"), &birth));
            }
        }
        let index = MatchIndex::build(&records, &model).unwrap();
        for asked in ["Malee Srisuk", "Srisuk Malee"] {
            let hits = index.query(&rec(&s, "q", asked, ""), 5).unwrap();
            let hit = hits.iter().find(|c| c.id == "a");
            assert!(
                hit.is_some_and(|h| h.band != Band::Unlikely),
                "{asked}: {hits:?}"
            );
            // The same as a tracing request.
            let hits = index.trace(&rec(&s, "q", asked, ""), 5).unwrap();
            let hit = hits.iter().find(|c| c.id == "a");
            assert!(
                hit.is_some_and(|h| h.band != Band::Unlikely),
                "trace {asked}: {hits:?}"
            );
        }
        // A title added is no evidence either way: the name weighs what the same name
        // in another order weighs.
        let mut index = index;
        index.set_request_prior(0.99).unwrap();
        let name_weight = |asked: &str| {
            let hits = index.query(&rec(&s, "q", asked, ""), 5).unwrap();
            let hit = hits.iter().find(|c| c.id == "a").expect("found").clone();
            let e = hit
                .explanation
                .iter()
                .find(|e| e.field == "full_name")
                .unwrap();
            (e.level.clone(), e.weight)
        };
        let (l1, w1) = name_weight("Srisuk Malee");
        let (l2, w2) = name_weight("Nangsao Malee Srisuk");
        assert_eq!(
            (l1.as_str(), l2.as_str()),
            ("transliteration_equal", "title_differs")
        );
        assert!((w1 - w2).abs() < 1e-9, "{w1} vs {w2}");
        assert!(index.set_request_prior(1.0).is_err());
        assert!(index.set_request_prior(0.0).is_err());
    }

    /// Tracing: two namesakes (same name, sex, nationality, no date on the request)
    /// share the probability in [`MatchIndex::trace`]: each is less likely than one
    /// namesake alone would be.
    #[test]
    fn trace_shares_the_probability_between_namesakes() {
        let s = Settings::parse(SETTINGS).unwrap();
        let mut model = Model::untrained(s.schema.clone());
        model.likely = s.likely;
        model.possible = 0.0;
        let mut records = vec![
            rec(&s, "a", "Malee Srisuk", "1994-03-12"),
            rec(&s, "b", "Malee Srisuk", "1971-08-02"),
        ];
        for i in 0..200 {
            records.push(rec(&s, &format!("p{i}"), &format!("Napa{i} Chaiyo{i}"), ""));
        }
        let index = MatchIndex::build(&records, &model).unwrap();
        let q = rec(&s, "q", "Malee Srisuk", "");
        let traced = index.trace(&q, 5).unwrap();
        let p = |v: &[Candidate], id: &str| v.iter().find(|c| c.id == id).unwrap().probability;
        assert!((p(&traced, "a") - p(&traced, "b")).abs() < 1e-9);
        assert!(p(&traced, "a") + p(&traced, "b") <= 1.0 + 1e-9);
        assert!(p(&traced, "a") < 0.5, "{traced:?}");
        // With one of them gone, the other takes its share.
        let alone = MatchIndex::build(&records[1..], &model).unwrap();
        let traced_alone = alone.trace(&q, 5).unwrap();
        assert!(p(&traced_alone, "b") > 0.4, "{traced_alone:?}");
        assert!(p(&traced_alone, "b") > p(&traced, "b") + 0.1);
    }

    /// A name whose syllables are joined on one side and split over the two boxes on the
    /// other shares no token: the index still finds it (a blocking key on the whole name
    /// joined without spaces).
    #[test]
    fn a_joined_name_finds_its_split_form() {
        const BOXES: &str = r#"id_column = "id"
[columns]
given_name = "given_name"
family_name = "family_name"
birth_date = "birth_date"
sex = "sex"
"#;
        let s = Settings::parse(BOXES).unwrap();
        let mut model = Model::untrained(s.schema.clone());
        model.possible = 0.0;
        let r = |id: &str, g: &str, f: &str, b: &str| {
            Record::from_pairs(
                &s.schema,
                id,
                &[
                    ("given_name", g),
                    ("family_name", f),
                    ("birth_date", b),
                    ("sex", "F"),
                ],
            )
            .unwrap()
        };
        let mut records = vec![r("a", "Nyein", "Cho", "1977-09-04")];
        for i in 0..50 {
            records.push(r(&format!("p{i}"), &format!("Aye{i}"), "Mon", "1990"));
        }
        let index = MatchIndex::build(&records, &model).unwrap();
        let hits = index.trace(&r("q", "Nyeincho", "", "1977"), 5).unwrap();
        assert_eq!(hits.first().map(|c| c.id.as_str()), Some("a"), "{hits:?}");
    }

    /// In a small population (a new deployment; tracing among the few persons
    /// who consented) the untrained model neither makes strangers of the same
    /// sex and nationality look alike, nor lets one name in three count as
    /// common: the same person (name and year of birth) is "likely", a
    /// stranger of the same sex and nationality not even "possible".
    #[test]
    fn a_small_population_separates_the_same_person_from_strangers() {
        let s = Settings::parse(SETTINGS).unwrap();
        let mut model = Model::untrained(s.schema.clone());
        model.likely = s.likely;
        model.possible = s.possible;
        let records = vec![
            rec(&s, "malee", "Malee Thongkham", "1994-03-12"),
            rec(&s, "napa", "Napa Boonruang", ""),
            rec(&s, "suda", "Suda Kaewmanee", "1990"),
        ];
        let index = MatchIndex::build(&records, &model).unwrap();
        let same = index
            .query(&rec(&s, "q", "Malee Thongkham", "1994"), 5)
            .unwrap();
        let hit = same.iter().find(|c| c.id == "malee").expect("found");
        assert_eq!(hit.band, Band::Likely, "{hit:?}");
        let stranger = index.query(&rec(&s, "q", "Wandee Chaiyo", ""), 5).unwrap();
        assert!(
            stranger.iter().all(|c| c.band == Band::Unlikely),
            "{stranger:?}"
        );
    }
}
