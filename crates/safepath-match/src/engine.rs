//! Blocking, training, scoring and clustering over a [`Dataset`].

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::features::{Dataset, Entry, key, key_tag, level};
use crate::model::Model;
use crate::settings::Kind;

/// Candidate pairs from blocking keys: records sharing a key are compared.
///
/// Blocks are taken from the smallest (most specific) up, until `budget` comparisons are
/// reached; blocks larger than `max_block` records are never taken (their pairs are left to
/// the finer keys). `entries` are `(key, record)`; with `n_left`, only pairs across the two
/// sides are kept. Pairs are `(i << 32) | j` with `i < j`, sorted and unique.
pub(crate) fn blocked_pairs(
    mut entries: Vec<Entry>,
    n_left: Option<usize>,
    max_block: usize,
    budget: usize,
) -> Vec<u64> {
    entries.par_sort_unstable();
    entries.dedup();
    // The pairs of a block, or 0 for a block never taken.
    let pairs_of = |block: &[Entry]| -> usize {
        let size = block.len();
        if size < 2 || size > max_block {
            return 0;
        }
        match n_left {
            Some(nl) => {
                let left = block.iter().filter(|x| (x.rec as usize) < nl).count();
                left * (size - left)
            }
            None => size * (size - 1) / 2,
        }
    };
    // Which blocks fit the budget, smallest first and, among blocks of one size, in key
    // order: every block smaller than `cut`, and of size `cut` those that start at or
    // before `last` (found from counts, without a list of millions of blocks).
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for (s, e) in runs(&entries, 0, entries.len()) {
        let p = pairs_of(&entries[s..e]);
        if p > 0 {
            *counts.entry(p).or_insert(0) += 1;
        }
    }
    let mut room = budget;
    let mut cut = (usize::MAX, usize::MAX);
    for (&p, &n) in &counts {
        if p.saturating_mul(n) > room {
            cut = (p, room / p);
            break;
        }
        room -= p * n;
    }
    let (cut_size, mut cut_left) = cut;
    let mut last = None;
    if cut_size != usize::MAX && cut_left > 0 {
        for (s, e) in runs(&entries, 0, entries.len()) {
            if pairs_of(&entries[s..e]) == cut_size {
                cut_left -= 1;
                if cut_left == 0 {
                    last = Some(s);
                    break;
                }
            }
        }
    }
    let taken = |s: usize, p: usize| {
        p > 0 && (p < cut_size || (p == cut_size && last.is_some_and(|l| s <= l)))
    };
    // Chunks of whole blocks, counted, then filled in parallel, each into its own part of
    // one exact allocation (no growing, no second copy at a million records).
    let chunks = chunk_bounds(&entries, 256);
    let sizes: Vec<usize> = chunks
        .par_iter()
        .map(|&(cs, ce)| {
            runs(&entries, cs, ce)
                .map(|(s, e)| {
                    let p = pairs_of(&entries[s..e]);
                    if taken(s, p) { p } else { 0 }
                })
                .sum()
        })
        .collect();
    let mut pairs: Vec<u64> = vec![0; sizes.iter().sum()];
    let mut parts: Vec<((usize, usize), &mut [u64])> = Vec::with_capacity(chunks.len());
    let mut rest: &mut [u64] = &mut pairs;
    for (&c, &n) in chunks.iter().zip(&sizes) {
        let len = n.min(rest.len());
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
        parts.push((c, part));
        rest = tail;
    }
    parts.into_par_iter().for_each(|((cs, ce), out)| {
        let mut slots = out.iter_mut();
        for (s, e) in runs(&entries, cs, ce) {
            let block = &entries[s..e];
            if !taken(s, pairs_of(block)) {
                continue;
            }
            for a in 0..block.len() {
                for b in a + 1..block.len() {
                    let (i, j) = (block[a].rec, block[b].rec);
                    let (i, j) = if i < j { (i, j) } else { (j, i) };
                    if let Some(nl) = n_left
                        && !((i as usize) < nl && (j as usize) >= nl)
                    {
                        continue;
                    }
                    if let Some(slot) = slots.next() {
                        *slot = ((i as u64) << 32) | j as u64;
                    }
                }
            }
        }
    });
    drop(entries);
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs.shrink_to_fit();
    pairs
}

/// The runs of equal keys (blocks) in sorted `entries[from..to]`, as (start, end).
fn runs(entries: &[Entry], from: usize, to: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut k = from;
    std::iter::from_fn(move || {
        if k >= to {
            return None;
        }
        let key = entries.get(k)?.key;
        let mut e = k + 1;
        while e < to && entries.get(e).is_some_and(|x| x.key == key) {
            e += 1;
        }
        let run = (k, e);
        k = e;
        Some(run)
    })
}

/// About `n` ranges of sorted `entries` that cover them, each ending where a key ends.
fn chunk_bounds(entries: &[Entry], n: usize) -> Vec<(usize, usize)> {
    let step = entries.len().div_ceil(n.max(1)).max(1);
    let mut out = Vec::new();
    let mut s = 0;
    while s < entries.len() {
        let mut e = (s + step).min(entries.len());
        while e < entries.len() && entries[e].key == entries[e - 1].key {
            e += 1;
        }
        out.push((s, e));
        s = e;
    }
    out
}

/// Splits a packed pair.
pub(crate) fn unpack(p: u64) -> (usize, usize) {
    ((p >> 32) as usize, (p & 0xFFFF_FFFF) as usize)
}

fn count_patterns(gammas: &[u64]) -> HashMap<u64, u64> {
    gammas
        .par_chunks(1 << 16)
        .fold(HashMap::new, |mut acc: HashMap<u64, u64>, chunk| {
            for &g in chunk {
                *acc.entry(g).or_insert(0) += 1;
            }
            acc
        })
        .reduce(HashMap::new, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_insert(0) += v;
            }
            a
        })
}

/// Timings and counts of a training run.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrainStats {
    pub(crate) random_pairs: usize,
    pub(crate) u_time: Duration,
    pub(crate) compare_time: Duration,
    pub(crate) em_time: Duration,
}

/// Blocking parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocking {
    pub(crate) max_block: usize,
    pub(crate) budget: usize,
    pub(crate) n_left: Option<usize>,
}

/// Training sessions: a key family and the fields its blocking conditions on.
fn sessions(ds: &Dataset) -> Vec<(u8, Vec<bool>)> {
    let kinds = &ds.kinds;
    let cond = |pred: &dyn Fn(Kind) -> bool| kinds.iter().map(|&k| pred(k)).collect::<Vec<bool>>();
    vec![
        // Names predict sex and nationality: pairs blocked on names agree on them whether
        // they match or not, so those are not estimated from this session either. Nor is
        // the place: a name is national (a Burmese name is written in Myanmar), so two
        // namesakes share a country and its few provinces far more often than two random
        // people, and u from random pairs overstates the place's evidence among them. EM
        // then took "namesakes of one province" for matches, and learnt that a match's
        // birth years are far apart a third of the time (docs/decisions.md D-T4).
        (
            key::NAME_PHONETIC,
            cond(&|k: Kind| {
                k.is_name() || k == Kind::Sex || k == Kind::Nationality || k == Kind::Place
            }),
        ),
        // People sharing a birth date and initials are often namesakes of the other sex or
        // country; sex and nationality are learnt from the other sessions.
        (
            key::DATE,
            cond(&|k: Kind| k == Kind::BirthDate || k == Kind::Sex || k == Kind::Nationality),
        ),
        (key::ID, cond(&|k: Kind| k == Kind::IdNumber)),
        (
            key::POSTCODE,
            cond(&|k: Kind| k == Kind::Postcode || k == Kind::BirthDate),
        ),
    ]
}

/// Estimates `u` from random pairs; `m` by EM in sessions blocked on one key family each
/// (the fields a session is blocked on are not estimated from it; estimates are averaged,
/// weighted by the expected matches of each session); then `λ` by EM on the candidate pairs.
/// Returns the comparison vectors of the candidate pairs.
/// The candidate pairs of each training session (computed before the blocking keys are
/// consumed by [`blocked_pairs`]).
pub(crate) struct Session {
    cond: Vec<bool>,
    pairs: Vec<u64>,
}

/// Pairs of each training session: blocked on one key family, at most 2,000,000 each.
pub(crate) fn session_pairs(ds: &Dataset, entries: &[Entry], blocking: Blocking) -> Vec<Session> {
    sessions(ds)
        .into_iter()
        .filter_map(|(tag, cond)| {
            let sub: Vec<Entry> = entries
                .iter()
                .filter(|e| key_tag(e.key) == tag)
                .copied()
                .collect();
            if sub.is_empty() {
                return None;
            }
            let pairs = blocked_pairs(
                sub,
                blocking.n_left,
                blocking.max_block,
                blocking.budget.min(2_000_000),
            );
            let pairs = sample(pairs, SESSION_SAMPLE);
            (pairs.len() >= 10).then_some(Session { cond, pairs })
        })
        .collect()
}

/// Pairs of a training session kept for EM: a systematic sample (every k-th of the sorted
/// pairs) beyond this many. EM estimates a handful of proportions per field; a million
/// pairs pin them to the third decimal, and comparing more only costs time.
const SESSION_SAMPLE: usize = 1_000_000;

/// Every k-th pair, so that at most `max` remain (all when there are fewer).
fn sample(pairs: Vec<u64>, max: usize) -> Vec<u64> {
    if pairs.len() <= max || max == 0 {
        return pairs;
    }
    let step = pairs.len().div_ceil(max);
    pairs.into_iter().step_by(step).collect()
}

/// Sets each level's u from random pairs of `ds` (across the two files when `n_left`
/// splits them); returns how many pairs were drawn.
pub(crate) fn estimate_u(
    model: &mut Model,
    ds: &Dataset,
    n_left: Option<usize>,
    seed: u64,
) -> usize {
    let n = ds.n;
    let mut rng = fastrand::Rng::with_seed(seed);
    let target = if n > 100_000 { 500_000 } else { 100_000 };
    let mut random = Vec::with_capacity(target);
    if n >= 2 {
        for _ in 0..target {
            let (i, j) = match n_left {
                Some(nl) if nl > 0 && nl < n => (rng.usize(0..nl), rng.usize(nl..n)),
                _ => {
                    let i = rng.usize(0..n);
                    let j = rng.usize(0..n);
                    if i == j {
                        continue;
                    }
                    (i, j)
                }
            };
            random.push((i, j));
        }
    }
    let rg: Vec<u64> = random.par_iter().map(|&(i, j)| ds.compare(i, j)).collect();
    model.set_u_from_counts(&count_patterns(&rg));
    random.len()
}

/// The comparison vector of each pair of `wanted`: taken from `known` where the pair is
/// among `cands` (the two in step), else computed. Both lists are sorted: each chunk of
/// `wanted` finds its start among the candidates once and walks on from there (a binary
/// search per pair was two dozen scattered reads into ten million candidates).
fn known_or_compared(
    cands: &[u64],
    known: &[u64],
    wanted: &[u64],
    compare: impl Fn(u64) -> u64 + Sync,
) -> Vec<u64> {
    let compare = &compare;
    wanted
        .par_chunks(1 << 14)
        .flat_map_iter(|chunk| {
            let mut k = chunk
                .first()
                .map_or(0, |p| cands.partition_point(|x| x < p));
            chunk.iter().map(move |&p| {
                while k < cands.len() && cands[k] < p {
                    k += 1;
                }
                match (cands.get(k), known.get(k)) {
                    (Some(&c), Some(&g)) if c == p => g,
                    _ => compare(p),
                }
            })
        })
        .collect()
}

pub(crate) fn train(
    model: &mut Model,
    ds: &Dataset,
    sessions: &[Session],
    pairs: &[u64],
    blocking: Blocking,
    seed: u64,
) -> (Vec<u64>, TrainStats) {
    let mut st = TrainStats::default();
    let t = Instant::now();
    let n = ds.n;
    let n_left = blocking.n_left;
    st.random_pairs = estimate_u(model, ds, n_left, seed);
    st.u_time = t.elapsed();

    let t = Instant::now();
    let gammas: Vec<u64> = pairs
        .par_iter()
        .map(|&p| {
            let (i, j) = unpack(p);
            ds.compare(i, j)
        })
        .collect();
    st.compare_time = t.elapsed();
    let t = Instant::now();
    let nf = model.fields.len();
    let mut m_sum: Vec<Vec<f64>> = model
        .fields
        .iter()
        .map(|f| vec![0.0; f.levels.len()])
        .collect();
    let mut m_w = vec![0.0f64; nf];
    let mut iterations = 0;
    let mut converged = true;
    for Session { cond, pairs: sp } in sessions {
        // Most session pairs are candidates already compared.
        let g = known_or_compared(pairs, &gammas, sp, |p| {
            let (i, j) = unpack(p);
            ds.compare(i, j)
        });
        let counts = count_patterns(&g);
        let mut m2 = model.clone();
        m2.lambda = 0.05;
        let active: Vec<bool> = cond.iter().map(|c| !c).collect();
        let (it, conv) = m2.em(&counts, 1000, &active, true);
        iterations += it;
        converged &= conv;
        let expected = m2.lambda * sp.len() as f64;
        if expected < 1.0 {
            continue;
        }
        for f in 0..nf {
            if active[f] {
                for (acc, m) in m_sum[f].iter_mut().zip(m2.fields[f].m.iter()) {
                    *acc += m * expected;
                }
                m_w[f] += expected;
            }
        }
    }
    for (f, fm) in model.fields.iter_mut().enumerate() {
        if m_w[f] > 0.0 {
            // No level is impossible among matches (data-entry errors happen everywhere).
            fm.m = m_sum[f].iter().map(|x| (x / m_w[f]).max(1e-3)).collect();
        }
    }
    st.em_time = t.elapsed();

    let t = Instant::now();
    let counts = count_patterns(&gammas);
    model.lambda = 0.05;
    let all = vec![true; nf];
    let (it, conv) = model.em(&counts, 200, &all, false);

    iterations += it;
    converged &= conv;
    // λ over all pairs (the prior of a random pair), from the expected matches among candidates.
    let total_pairs = match n_left {
        Some(nl) => nl as f64 * (n - nl) as f64,
        None => n as f64 * (n as f64 - 1.0) / 2.0,
    };
    let expected = model.lambda * pairs.len() as f64;
    model.lambda = (expected.max(1.0) / total_pairs.max(1.0)).clamp(1e-12, 0.5);
    model.em_iterations = iterations;
    model.converged = converged;
    st.em_time += t.elapsed();
    (gammas, st)
}

/// A scored pair (record indices).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub(crate) i: u32,
    pub(crate) j: u32,
    pub(crate) p: f64,
    pub(crate) gamma: u64,
}

/// Scores candidate pairs, keeping those at or above `min_p`.
pub(crate) fn score(
    model: &Model,
    ds: &Dataset,
    pairs: &[u64],
    gammas: &[u64],
    min_p: f64,
) -> Vec<Scored> {
    pairs
        .par_iter()
        .zip(gammas.par_iter())
        .filter_map(|(&p, &g)| {
            let (i, j) = unpack(p);
            let (prob, _, _) = model.score_pair(ds, i, j, g, false);
            (prob >= min_p).then_some(Scored {
                i: i as u32,
                j: j as u32,
                p: prob,
                gamma: g,
            })
        })
        .collect()
}

/// log2(2^a + 2^b) without overflow.
pub(crate) fn log2_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (1.0 + (lo - hi).exp2()).log2()
}

/// The tracing posterior (an "exclusive" Fellegi–Sunter posterior): the probability that
/// candidate `k` is the person a query asks about, when the person is among the `persons`
/// indexed ones with probability `prior` (then equally likely any of them) and is at most
/// one of them. With Bayes factors `B_k = 2^bf[k]` of the candidates (those not compared
/// have a Bayes factor near zero):
///
/// `p_k = (prior / persons) · B_k / ((1 − prior) + (prior / persons) · Σ_j B_j)`.
///
/// A pairwise probability counts only the prior of one pair and ignores the other
/// candidates: two namesakes each got 0.9 where the evidence says "one of these two, or
/// nobody". `bf` are log2 Bayes factors; returns one probability per entry.
pub(crate) fn exclusive_posterior(bf: &[f64], prior: f64, persons: usize) -> Vec<f64> {
    let prior = prior.clamp(1e-9, 1.0 - 1e-9);
    let a = (prior / persons.max(1) as f64).log2();
    let denom = bf
        .iter()
        .fold((1.0 - prior).log2(), |acc, &b| log2_add(acc, a + b));
    bf.iter()
        .map(|&b| (a + b - denom).exp2().min(1.0))
        .collect()
}

/// Where the prior that a left record's person is in the right file came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PriorSource {
    /// `link_prior` in the settings.
    Stated,
    /// Estimated against the right file queried against itself ([`prior_against_null`]).
    Estimated,
    /// Too few records to estimate: [`crate::settings::DEFAULT_LINK_PRIOR`].
    Default,
}

/// The prior of a linkage: the one used, where it came from, and the EM estimate of
/// [`estimate_prior`] (printed for comparison, never used).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkPrior {
    /// The prior the posteriors were computed with.
    pub used: f64,
    /// Where it came from.
    pub source: PriorSource,
    /// EM on the mixing weight with the Bayes factors fixed ([`estimate_prior`]).
    pub em: f64,
}

/// Scores the candidate pairs of a linkage (pairs `(i, j)` with `i` on the left, sorted)
/// by the tracing posterior of [`exclusive_posterior`] per left record: the right file
/// holds `n_right` persons, and a left record's person is among them with probability
/// `stated`, or, when none is stated, as estimated against `null` (the evidence of right
/// records queried against the rest of the right file, [`null_evidence`]). Keeps the
/// pairs at or above `min_p`; returns them and the prior.
#[allow(clippy::too_many_arguments)]
pub(crate) fn score_exclusive(
    model: &Model,
    ds: &Dataset,
    pairs: &[u64],
    gammas: &[u64],
    n_right: usize,
    stated: Option<f64>,
    null: &[f64],
    min_p: f64,
) -> (Vec<Scored>, LinkPrior) {
    let prior_w = (model.lambda / (1.0 - model.lambda)).log2();
    // Runs of pairs of one left record (pairs are sorted by left index).
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < pairs.len() {
        let i = unpack(pairs[k]).0;
        let mut e = k + 1;
        while e < pairs.len() && unpack(pairs[e]).0 == i {
            e += 1;
        }
        runs.push((k, e));
        k = e;
    }
    let bf: Vec<f64> = pairs
        .par_iter()
        .zip(gammas.par_iter())
        .map(|(&p, &g)| {
            let (i, j) = unpack(p);
            let (_, w, _) = model.score_pair(ds, i, j, g, false);
            w - prior_w
        })
        .collect();
    let n_left = ds.n - n_right;
    let em = estimate_prior(&runs, &bf, n_left, n_right);
    let (used, source) = match stated {
        Some(p) => (p, PriorSource::Stated),
        None => {
            let mut real = vec![f64::NEG_INFINITY; n_left];
            for &(s, e) in &runs {
                if let Some(x) = real.get_mut(unpack(pairs[s]).0) {
                    *x = evidence(&bf[s..e]);
                }
            }
            match prior_against_null(&real, null) {
                Some(p) => (p, PriorSource::Estimated),
                None => (crate::settings::DEFAULT_LINK_PRIOR, PriorSource::Default),
            }
        }
    };
    let scored = runs
        .par_iter()
        .flat_map_iter(|&(s, e)| {
            let post = exclusive_posterior(&bf[s..e], used, n_right);
            (s..e)
                .zip(post)
                .filter(|&(_, p)| p >= min_p)
                .map(|(k, p)| {
                    let (i, j) = unpack(pairs[k]);
                    Scored {
                        i: i as u32,
                        j: j as u32,
                        p,
                        gamma: gammas[k],
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    (scored, LinkPrior { used, source, em })
}

/// The evidence that a query's person is among its candidates: log2 of the sum of
/// their Bayes factors (log2 Bayes factors in `bf`; −∞ without candidates). The
/// posterior of "registered" is π·E/N over (1 − π) + π·E/N, so it orders queries as
/// that posterior does, whatever π.
fn evidence(bf: &[f64]) -> f64 {
    bf.iter()
        .fold(f64::NEG_INFINITY, |acc, &b| log2_add(acc, b))
}

/// Right records queried against the rest of the right file to make the null of
/// [`prior_against_null`]: at most this many (every k-th right record).
const NULL_QUERIES: usize = 20_000;
/// With fewer left records or null queries than this the prior is not estimated.
const MIN_TO_ESTIMATE: usize = 50;

/// The evidence ([`evidence`]) of right records queried against the other right records:
/// persons known not to be among them (a right file is one record per person), who meet
/// the namesakes a request without a match meets, found by the same blocking and weighed
/// by the same model. At most [`NULL_QUERIES`] of them, every k-th right record.
pub(crate) fn null_evidence(
    model: &Model,
    ds: &Dataset,
    right_entries: Vec<Entry>,
    n_left: usize,
    blocking: Blocking,
) -> Vec<f64> {
    let n_right = ds.n.saturating_sub(n_left);
    if n_right < 2 {
        return Vec::new();
    }
    let step = n_right.div_ceil(NULL_QUERIES);
    let queried = |r: usize| (r - n_left).is_multiple_of(step);
    let pairs = blocked_pairs(right_entries, None, blocking.max_block, blocking.budget);
    let prior_w = (model.lambda / (1.0 - model.lambda)).log2();
    let weighed: Vec<(usize, usize, f64)> = pairs
        .par_iter()
        .filter_map(|&p| {
            let (i, j) = unpack(p);
            (queried(i) || queried(j)).then(|| {
                let (_, w, _) = model.score_pair(ds, i, j, ds.compare(i, j), false);
                (i, j, w - prior_w)
            })
        })
        .collect();
    let mut ev = vec![f64::NEG_INFINITY; n_right];
    for (i, j, b) in weighed {
        for r in [i, j] {
            if queried(r)
                && let Some(x) = ev.get_mut(r - n_left)
            {
                *x = log2_add(*x, b);
            }
        }
    }
    (0..n_right)
        .filter(|r| r.is_multiple_of(step))
        .filter_map(|r| ev.get(r).copied())
        .collect()
}

/// The share of left records whose person is in the right file, from the evidence of
/// each left record (`real`) and of queries known to have no match (`null`): Storey's
/// estimate of the share without a match (Storey 2002, "A direct approach to false
/// discovery rates", with his λ at the null's median) — the left records whose evidence
/// is at most the null's median, over the share of the null there. Left records with a
/// match but weak evidence fall below it too, so the estimate errs towards "no match".
/// Kept within [0.01, 0.99]; `None` with fewer than [`MIN_TO_ESTIMATE`] of either.
pub(crate) fn prior_against_null(real: &[f64], null: &[f64]) -> Option<f64> {
    if real.len() < MIN_TO_ESTIMATE || null.len() < MIN_TO_ESTIMATE {
        return None;
    }
    let mut sorted = null.to_vec();
    sorted.sort_unstable_by(|a, b| a.total_cmp(b));
    let median = *sorted.get(sorted.len() / 2)?;
    let share_null = sorted.iter().filter(|&&x| x <= median).count() as f64 / sorted.len() as f64;
    let share_real = real.iter().filter(|&&x| x <= median).count() as f64 / real.len() as f64;
    let without = share_real / share_null;
    Some((1.0 - without).clamp(0.01, 0.99))
}

/// The share of left records whose person is in the right file, estimated without labels
/// by expectation–maximisation of the mixing weight of the tracing model (the Bayes
/// factors fixed): start at even odds, then repeatedly set the prior to the mean over
/// left records of their posterior of having a match (the sum of their candidates'
/// probabilities; a left record without candidates counts 0). As Splink and this engine
/// estimate λ. Kept within [0.01, 0.99].
pub(crate) fn estimate_prior(
    runs: &[(usize, usize)],
    bf: &[f64],
    n_left: usize,
    n_right: usize,
) -> f64 {
    let mut prior = 0.5;
    if n_left == 0 {
        return prior;
    }
    for _ in 0..200 {
        let total: f64 = runs
            .par_iter()
            .map(|&(s, e)| {
                exclusive_posterior(&bf[s..e], prior, n_right)
                    .iter()
                    .sum::<f64>()
            })
            .sum();
        let next = (total / n_left as f64).clamp(0.01, 0.99);
        let done = (next - prior).abs() < 1e-6;
        prior = next;
        if done {
            break;
        }
    }
    prior
}

/// Keeps for each record only its best partner (greedy by probability).
pub(crate) fn one_to_one(mut scored: Vec<Scored>, n: usize) -> Vec<Scored> {
    scored.par_sort_unstable_by(|a, b| b.p.total_cmp(&a.p).then(a.i.cmp(&b.i)).then(a.j.cmp(&b.j)));
    let mut used = vec![false; n];
    let mut out = Vec::new();
    for s in scored {
        if !used[s.i as usize] && !used[s.j as usize] {
            used[s.i as usize] = true;
            used[s.j as usize] = true;
            out.push(s);
        }
    }
    out
}

/// Connected components of the pairs at or above `threshold` (union–find with path halving).
/// Returns the representative (smallest index) of each record's cluster.
pub fn clusters(n: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let g = parent[parent[x as usize] as usize];
            parent[x as usize] = g;
            x = g;
        }
        x
    }
    for (a, b) in edges {
        if a >= n || b >= n {
            continue;
        }
        let (ra, rb) = (find(&mut parent, a as u32), find(&mut parent, b as u32));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi as usize] = lo;
        }
    }
    (0..n as u32).map(|x| find(&mut parent, x)).collect()
}

/// Clusters records from scored pairs, best pair first, refusing a merge that would put in
/// one cluster two records that contradict each other on a hard field (birth dates at the
/// `different` level, identity numbers more than one edit apart) **and** that the model,
/// weighing all their fields, does not itself score at `threshold` or above: a record with
/// few fields ("Lorna Santos", no date) can then join one person's cluster but not bridge
/// two people, while two copies of one record that each took a different typing error in
/// the birth date (and agree on everything else) still meet.
/// A greedy, constrained form of correlation clustering (cf. Bansal, Blum & Chawla 2004).
/// Returns the representative (smallest index) of each record's cluster.
pub(crate) fn constrained_clusters(
    model: &Model,
    ds: &Dataset,
    scored: &mut [Scored],
    threshold: f64,
) -> Vec<u32> {
    let n = ds.n;
    scored.par_sort_unstable_by(|a, b| b.p.total_cmp(&a.p).then(a.i.cmp(&b.i)).then(a.j.cmp(&b.j)));
    let hard: Vec<(usize, u8)> = ds
        .kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| matches!(k, Kind::BirthDate | Kind::IdNumber))
        .map(|(f, k)| match k {
            // A birth date contradicts from `different` on (`far_apart` is worse still).
            Kind::BirthDate => (f, crate::dates::DIFFERENT_LEVEL),
            _ => (f, ds.fields[f].1.levels().len() as u8),
        })
        .collect();
    let hard_fields: Vec<usize> = hard.iter().map(|&(f, _)| f).collect();
    let mut root: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = Vec::new();
    let mut slot: Vec<u32> = vec![u32::MAX; n];
    for s in scored.iter() {
        let (ra, rb) = (root[s.i as usize], root[s.j as usize]);
        if ra == rb {
            continue;
        }
        let get = |slot: &[u32], members: &[Vec<u32>], r: u32| -> Vec<u32> {
            match slot[r as usize] {
                u32::MAX => vec![r],
                k => members[k as usize].clone(),
            }
        };
        let (ma, mb) = (get(&slot, &members, ra), get(&slot, &members, rb));
        if ma.len() * mb.len() > 4096 {
            continue;
        }
        // The hard fields first: a pair is compared in full (names and all) only when
        // they contradict, which few pairs of two clusters do.
        let conflict = !hard.is_empty()
            && ma.iter().any(|&x| {
                mb.iter().any(|&y| {
                    let (x, y) = (x as usize, y as usize);
                    let h = ds.levels_of(x, y, &hard_fields);
                    hard.iter().any(|&(f, worst)| level(h, f) >= worst)
                        && model.score_pair(ds, x, y, ds.compare(x, y), false).0 < threshold
                })
            });
        if conflict {
            continue;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        let mut all = ma;
        all.extend(mb);
        for &x in &all {
            root[x as usize] = keep;
        }
        let k = match slot[keep as usize] {
            u32::MAX => {
                members.push(Vec::new());
                let k = (members.len() - 1) as u32;
                slot[keep as usize] = k;
                k
            }
            k => k,
        };
        if slot[gone as usize] != u32::MAX {
            let g = slot[gone as usize] as usize;
            members[g] = Vec::new();
            slot[gone as usize] = u32::MAX;
        }
        members[k as usize] = all;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_pairs_take_known_comparisons_and_compute_the_rest() {
        // Candidates: every third number; wanted: every other one, past several chunks.
        let cands: Vec<u64> = (0..200_000u64).map(|x| x * 3).collect();
        let known: Vec<u64> = cands.iter().map(|p| p + 1_000_000).collect();
        let wanted: Vec<u64> = (0..100_000u64).map(|x| x * 2 + 1).collect();
        let got = known_or_compared(&cands, &known, &wanted, |p| p + 7);
        assert_eq!(got.len(), wanted.len());
        for (&p, &g) in wanted.iter().zip(&got) {
            let expected = if p % 3 == 0 { p + 1_000_000 } else { p + 7 };
            assert_eq!(g, expected, "pair {p}");
        }
        // Nothing known, and wanted pairs past the last candidate.
        assert_eq!(known_or_compared(&[], &[], &[5, 9], |p| p), vec![5, 9]);
        assert_eq!(
            known_or_compared(&[1, 2], &[10, 20], &[2, 3], |p| p),
            vec![20, 3]
        );
    }

    #[test]
    fn sessions_are_sampled_systematically() {
        let pairs: Vec<u64> = (0..1_000).collect();
        assert_eq!(sample(pairs.clone(), 2_000).len(), 1_000);
        let s = sample(pairs, 300);
        assert!(s.len() <= 300 && s.len() >= 250, "{}", s.len());
        assert_eq!(&s[..3], &[0, 4, 8]);
    }

    #[test]
    fn blocks_are_capped_and_pairs_unique() {
        let entry = |(key, rec)| Entry { key, rec };
        let entries: Vec<Entry> = [
            (1, 0),
            (1, 1),
            (1, 2),
            (2, 0),
            (2, 1),
            (3, 5),
            (3, 6),
            (3, 7),
            (3, 8),
        ]
        .into_iter()
        .map(entry)
        .collect();
        let pairs = blocked_pairs(entries.clone(), None, 3, 1000);
        let got: Vec<(usize, usize)> = pairs.iter().map(|&p| unpack(p)).collect();
        assert_eq!(got, vec![(0, 1), (0, 2), (1, 2)]);
        // the budget takes the smallest blocks first
        let small: Vec<(usize, usize)> = blocked_pairs(entries, None, 10, 2)
            .iter()
            .map(|&p| unpack(p))
            .collect();
        assert_eq!(small, vec![(0, 1)]);
        let linked = blocked_pairs(
            [(1, 0), (1, 1), (1, 2)].into_iter().map(entry).collect(),
            Some(1),
            10,
            1000,
        );
        let got: Vec<(usize, usize)> = linked.iter().map(|&p| unpack(p)).collect();
        assert_eq!(got, vec![(0, 1), (0, 2)]);
        // Among blocks of one size the budget takes them in key order.
        let same: Vec<Entry> = [(7, 4), (7, 5), (3, 0), (3, 1), (5, 2), (5, 3)]
            .into_iter()
            .map(entry)
            .collect();
        let got: Vec<(usize, usize)> = blocked_pairs(same, None, 10, 2)
            .iter()
            .map(|&p| unpack(p))
            .collect();
        assert_eq!(got, vec![(0, 1), (2, 3)]);
    }

    /// Evidence spread evenly over a normal distribution's quantiles (deterministic).
    fn spread(n: usize, mean: f64, sd: f64) -> Vec<f64> {
        (0..n)
            .map(|k| {
                // A logistic approximation of the normal quantile is enough here.
                let u = (k as f64 + 0.5) / n as f64;
                mean + sd * 0.5513 * (u / (1.0 - u)).ln()
            })
            .collect()
    }

    #[test]
    fn the_prior_is_estimated_against_queries_known_to_have_no_match() {
        let null = spread(2000, 0.0, 3.0);
        for share in [0.2, 0.5, 0.7, 0.9] {
            let with = (1000.0 * share) as usize;
            let mut real = spread(1000 - with, 0.0, 3.0);
            // Matches: far above the null, and some (a tenth) with weak evidence.
            real.extend(spread(with - with / 10, 15.0, 3.0));
            real.extend(spread(with / 10, 1.0, 3.0));
            let p = prior_against_null(&real, &null).unwrap();
            // Weak matches below the null's median count as "no match": the estimate
            // errs low, by at most their share.
            assert!(
                p <= share + 0.02 && p >= share - share / 10.0 - 0.02,
                "{share}: {p}"
            );
        }
        // No left record with candidates at all: no match.
        let none = vec![f64::NEG_INFINITY; 100];
        assert_eq!(prior_against_null(&none, &null), Some(0.01));
        // Too few to say.
        assert_eq!(prior_against_null(&spread(49, 0.0, 1.0), &null), None);
        assert_eq!(prior_against_null(&null, &spread(49, 0.0, 1.0)), None);
    }

    /// The tracing posterior: one clear candidate is near certain; two namesakes that fit
    /// equally well share the probability; weak evidence against a large registry stays
    /// below even odds; the probabilities and "none of them" sum to one.
    #[test]
    fn exclusive_posterior_weighs_candidates_against_each_other() {
        let one = exclusive_posterior(&[30.0], 0.5, 6000);
        assert!(one[0] > 0.99, "{one:?}");
        let two = exclusive_posterior(&[30.0, 30.0], 0.5, 6000);
        assert!(
            (two[0] - 0.5).abs() < 0.01 && (two[1] - 0.5).abs() < 0.01,
            "{two:?}"
        );
        // 10 bits against 6,000 persons: prior odds 1:6000, posterior odds about 1:6.
        let weak = exclusive_posterior(&[10.0], 0.5, 6000);
        assert!(weak[0] < 0.2, "{weak:?}");
        let p = exclusive_posterior(&[12.0, 11.0, -3.0], 0.5, 1000);
        let none = 1.0 - p.iter().sum::<f64>();
        assert!(none > 0.0 && none < 1.0);
        // The pairwise probability of the same evidence ignores the other candidate.
        assert!(log2_add(3.0, 3.0) - 4.0 < 1e-12);
        assert!(exclusive_posterior(&[], 0.5, 10).is_empty());
    }

    #[test]
    fn union_find_clusters() {
        let c = clusters(6, vec![(0, 3), (3, 4), (2, 5)].into_iter());
        assert_eq!(c, vec![0, 1, 2, 0, 0, 2]);
    }
}
