//! Blocking, training, scoring and clustering over a [`Dataset`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::features::Dataset;
use crate::model::Model;

/// Candidate pairs from blocking keys: records sharing a key are compared, unless the block
/// holds more than `max_block` records (such blocks are left to the finer keys).
/// `entries` are `(key, record)`; with `n_left`, only pairs across the two sides are kept.
/// Pairs are `(i << 32) | j` with `i < j`, sorted and unique.
pub(crate) fn blocked_pairs(mut entries: Vec<(u64, u32)>, n_left: Option<usize>, max_block: usize) -> Vec<u64> {
    entries.par_sort_unstable();
    entries.dedup();
    // Group boundaries.
    let mut starts = Vec::new();
    let mut k = 0;
    while k < entries.len() {
        let key = entries[k].0;
        let mut e = k + 1;
        while e < entries.len() && entries[e].0 == key {
            e += 1;
        }
        if e - k >= 2 && e - k <= max_block {
            starts.push((k, e));
        }
        k = e;
    }
    let entries = &entries;
    let mut pairs: Vec<u64> = starts
        .par_iter()
        .flat_map_iter(|&(s, e)| {
            let block = &entries[s..e];
            let mut out = Vec::new();
            for a in 0..block.len() {
                for b in a + 1..block.len() {
                    let (i, j) = (block[a].1, block[b].1);
                    let (i, j) = if i < j { (i, j) } else { (j, i) };
                    if let Some(nl) = n_left {
                        if !((i as usize) < nl && (j as usize) >= nl) {
                            continue;
                        }
                    }
                    out.push(((i as u64) << 32) | j as u64);
                }
            }
            out.into_iter()
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
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

/// Compares all candidate pairs, estimates u from random pairs and m/λ by EM.
/// Returns the comparison vectors of the candidate pairs.
pub(crate) fn train(model: &mut Model, ds: &Dataset, pairs: &[u64], n_left: Option<usize>, seed: u64) -> (Vec<u64>, TrainStats) {
    let mut st = TrainStats::default();
    let t = Instant::now();
    let n = ds.n;
    let mut rng = fastrand::Rng::with_seed(seed);
    let target = if n > 100_000 { 1_000_000 } else { 200_000 };
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
    st.random_pairs = random.len();
    let rg: Vec<u64> = random.par_iter().map(|&(i, j)| ds.compare(i, j)).collect();
    model.set_u_from_counts(&count_patterns(&rg));
    st.u_time = t.elapsed();
    let t = Instant::now();
    let gammas: Vec<u64> = pairs.par_iter().map(|&p| {
        let (i, j) = unpack(p);
        ds.compare(i, j)
    }).collect();
    st.compare_time = t.elapsed();
    let t = Instant::now();
    let counts = count_patterns(&gammas);
    model.lambda = 1e-2;
    model.em(&counts, 200);
    st.em_time = t.elapsed();
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
pub(crate) fn score(model: &Model, ds: &Dataset, pairs: &[u64], gammas: &[u64], min_p: f64) -> Vec<Scored> {
    pairs
        .par_iter()
        .zip(gammas.par_iter())
        .filter_map(|(&p, &g)| {
            let (i, j) = unpack(p);
            let (prob, _, _) = model.score_pair(ds, i, j, g, false);
            (prob >= min_p).then_some(Scored { i: i as u32, j: j as u32, p: prob, gamma: g })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_capped_and_pairs_unique() {
        let entries = vec![(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (3, 5), (3, 6), (3, 7), (3, 8)];
        let pairs = blocked_pairs(entries, None, 3);
        let got: Vec<(usize, usize)> = pairs.iter().map(|&p| unpack(p)).collect();
        assert_eq!(got, vec![(0, 1), (0, 2), (1, 2)]);
        let linked = blocked_pairs(vec![(1, 0), (1, 1), (1, 2)], Some(1), 10);
        let got: Vec<(usize, usize)> = linked.iter().map(|&p| unpack(p)).collect();
        assert_eq!(got, vec![(0, 1), (0, 2)]);
    }

    #[test]
    fn union_find_clusters() {
        let c = clusters(6, vec![(0, 3), (3, 4), (2, 5)].into_iter());
        assert_eq!(c, vec![0, 1, 2, 0, 0, 2]);
    }
}
