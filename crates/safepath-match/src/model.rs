//! The Fellegi–Sunter model (Fellegi & Sunter, "A Theory for Record Linkage", JASA 1969).
//!
//! Each field has comparison levels; `m[l]` is the probability of level `l` among matches,
//! `u[l]` among non-matches. A pair's match weight is `log2(λ/(1-λ)) + Σ log2(m/u)` over
//! its non-missing fields. `u` is estimated from random pairs (which are almost all
//! non-matches); `m` and `λ` by expectation–maximisation on the blocked pairs without
//! labels (Winkler 1988; as in Splink). Exact and transliteration-equal name levels are
//! term-frequency adjusted: their `u` becomes the share of records with that name, so a
//! common name weighs less than a rare one.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::features::{Comparator, Dataset, fields_for, level, name_level};
use crate::settings::{Kind, Schema};

/// One compared field of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    /// Display name (the column, or `birth`).
    pub name: String,
    /// How it is compared.
    pub comparator: Comparator,
    /// Level labels, best first (level `k` in a comparison vector is `levels[k-1]`).
    pub levels: Vec<String>,
    /// P(level | match), per level.
    pub m: Vec<f64>,
    /// P(level | non-match), per level (estimated on random pairs).
    pub u: Vec<f64>,
    /// Term-frequency adjustment of the three best levels (those that share the folded name).
    pub tf: bool,
}

/// A trained (or prior) Fellegi–Sunter model. Serialisable so it can be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The schema the model was made for.
    pub schema: Schema,
    /// Fields, in comparison-vector order.
    pub fields: Vec<FieldModel>,
    /// Prior probability that a blocked pair is a match.
    pub lambda: f64,
    /// Probability from which a pair is "likely".
    pub likely: f64,
    /// Probability from which a pair is "possible".
    pub possible: f64,
    /// EM iterations used in training.
    pub em_iterations: u32,
    /// Whether EM converged (largest parameter change below 1e-6).
    pub converged: bool,
}

/// Band of a scored pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// At or above `likely`.
    Likely,
    /// At or above `possible`.
    Possible,
    /// Below `possible`.
    Unlikely,
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Band::Likely => "likely",
            Band::Possible => "possible",
            Band::Unlikely => "unlikely",
        })
    }
}

/// How one field contributed to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldExplanation {
    /// Field name.
    pub field: String,
    /// Level label, or `missing`.
    pub level: String,
    /// log2 Bayes factor contributed (0 when missing).
    pub weight: f64,
    /// Whether the weight was adjusted for the frequency of the value.
    pub tf_adjusted: bool,
}

/// A scored pair with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Match probability.
    pub probability: f64,
    /// Total match weight (log2 odds).
    pub weight: f64,
    /// Band.
    pub band: Band,
    /// Per-field explanation.
    pub fields: Vec<FieldExplanation>,
}

/// Renders an explanation compactly: `field=level(+w.w);…` (no personal data).
pub fn explain_compact(fields: &[FieldExplanation]) -> String {
    let mut s = String::new();
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            s.push(';');
        }
        s.push_str(&format!(
            "{}={}({:+.1}{})",
            f.field,
            f.level,
            f.weight,
            if f.tf_adjusted { ",tf" } else { "" }
        ));
    }
    s
}

const MIN_P: f64 = 1e-6;

impl Model {
    /// A model with prior parameters for a schema (usable before training).
    pub fn untrained(schema: Schema) -> Model {
        let fields = fields_for(&schema)
            .into_iter()
            .map(|(name, comparator)| {
                let levels: Vec<String> =
                    comparator.levels().iter().map(|s| s.to_string()).collect();
                let k = levels.len();
                // Priors: matches mostly agree, non-matches mostly differ.
                let mut m: Vec<f64> = (0..k).map(|l| 0.6f64 * 0.35f64.powi(l as i32)).collect();
                let mut u: Vec<f64> = (0..k).map(|l| 0.001 * 4f64.powi(l as i32)).collect();
                m[k - 1] = 0.02;
                u[k - 1] = 0.9;
                if matches!(comparator, Comparator::Name { .. }) && k == 11 {
                    // Name levels are not ranked by position either: a title changed
                    // (Ma → Daw), syllables joined or split, a spelling reform or another
                    // romanisation of the same name agree almost as strongly as the same
                    // folded name; a dropped middle name (`subset`) weakly. Priors until
                    // EM estimates them.
                    // A changed title is no evidence either way: the same m and u as
                    // the same name with the same titles.
                    // One name found in a longer one (`one_name_of_several`) is
                    // weaker than a dropped middle name.
                    m = vec![
                        0.3, 0.22, 0.22, 0.03, 0.05, 0.06, 0.03, 0.03, 0.01, 0.01, 0.04,
                    ];
                    u = vec![
                        0.0005, 0.0005, 0.0005, 0.0001, 0.0003, 0.002, 0.04, 0.002, 0.008, 0.15,
                        0.7961,
                    ];
                }
                if matches!(comparator, Comparator::Date { .. }) && k == 7 {
                    // Date levels are not ranked by position: `partial_equal` (a year-only
                    // or year-month date that agrees with the other at the precision both
                    // share, e.g. 1994 and 1994-03-12) is an agreement, as strong as the
                    // chance that two random people share that year (about 6 bits), and
                    // `approximate` (years one apart, or within an age estimate's
                    // tolerance) is weak agreement, not disagreement. The positional
                    // prior gave them 2.3 and -1.3 bits, so an untrained index (search
                    // before create and tracing below the training threshold) missed a
                    // person entered with a year only.
                    // `year_near` (two years apart, or age estimates four apart) is weaker
                    // still, about neutral.
                    // `different` (years three to five apart, or full dates that are no
                    // typing error apart) is disagreement; `far_apart` (more than five
                    // years) is strong disagreement.
                    m = vec![0.45, 0.1, 0.25, 0.15, 0.03, 0.015, 0.005];
                    u = vec![0.0005, 0.002, 0.004, 0.03, 0.03, 0.2, 0.7335];
                }
                if matches!(comparator, Comparator::Place { .. }) && k == 6 {
                    // The same place under another name or spelling (`same_place`) is as
                    // strong as one place inside the other; the other levels keep the
                    // positional priors they had before it was added.
                    m = vec![0.6, 0.21, 0.21, 0.0735, 0.0257, 0.02];
                    u = vec![0.001, 0.004, 0.004, 0.016, 0.064, 0.9];
                }
                if matches!(comparator, Comparator::Exact { .. }) && k == 2 {
                    // Sex and nationality have few values: two strangers share them
                    // often (about one pair in three in a region's caseload), so their
                    // agreement is weak evidence (~1.4 bits), their disagreement strong.
                    // The positional prior gave agreement ~9.8 bits, enough for two
                    // strangers of the same sex and nationality to look "likely".
                    m = vec![0.95, 0.05];
                    u = vec![0.35, 0.65];
                }
                normalise(&mut m);
                normalise(&mut u);
                let tf = matches!(comparator, Comparator::Name { .. });
                FieldModel {
                    name,
                    comparator,
                    levels,
                    m,
                    u,
                    tf,
                }
            })
            .collect();
        Model {
            schema,
            fields,
            lambda: 1e-3,
            likely: 0.9,
            possible: 0.5,
            em_iterations: 0,
            converged: false,
        }
    }

    /// Estimates `u` from the level counts of random pairs (Laplace-smoothed).
    pub(crate) fn set_u_from_counts(&mut self, counts: &HashMap<u64, u64>) {
        for (f, fm) in self.fields.iter_mut().enumerate() {
            let k = fm.levels.len();
            let mut c = vec![0.0f64; k];
            for (&g, &n) in counts {
                let l = level(g, f) as usize;
                if l > 0 {
                    c[l - 1] += n as f64;
                }
            }
            let total: f64 = c.iter().sum();
            if total > 0.0 {
                fm.u = c
                    .iter()
                    .map(|x| (x + 0.5) / (total + 0.5 * k as f64))
                    .collect();
            }
        }
    }

    /// Expectation–maximisation over comparison vectors (given as counts of each distinct
    /// vector) with `u` fixed: estimates `λ` and, when `update_m`, the `m` of the `active`
    /// fields. Inactive fields (those a training session was blocked on) are left out of the
    /// likelihood, as in Splink's training sessions. Returns (iterations, converged).
    pub(crate) fn em(
        &mut self,
        counts: &HashMap<u64, u64>,
        max_iter: u32,
        active: &[bool],
        update_m: bool,
    ) -> (u32, bool) {
        let mut patterns: Vec<(u64, f64)> = counts.iter().map(|(&g, &n)| (g, n as f64)).collect();
        // Sums in a fixed order: the same counts give the same model to the last bit.
        patterns.sort_unstable_by_key(|p| p.0);
        let total: f64 = patterns.iter().map(|p| p.1).sum();
        if total == 0.0 {
            return (0, true);
        }
        let is_active = |f: usize| active.get(f).copied().unwrap_or(true);
        let mut lambda = self.lambda.clamp(1e-9, 0.5);
        let mut it = 0;
        let mut converged = false;
        while it < max_iter {
            it += 1;
            let mut m_acc: Vec<Vec<f64>> = self
                .fields
                .iter()
                .map(|f| vec![0.0; f.levels.len()])
                .collect();
            let mut w_sum = 0.0;
            for &(g, n) in &patterns {
                let mut lm = lambda.ln();
                let mut lu = (1.0 - lambda).ln();
                for (f, fm) in self.fields.iter().enumerate() {
                    let l = level(g, f) as usize;
                    if l > 0 && is_active(f) {
                        lm += fm.m[l - 1].max(MIN_P).ln();
                        lu += fm.u[l - 1].max(MIN_P).ln();
                    }
                }
                let p = 1.0 / (1.0 + (lu - lm).exp());
                let w = p * n;
                w_sum += w;
                if update_m {
                    for (f, acc) in m_acc.iter_mut().enumerate() {
                        let l = level(g, f) as usize;
                        if l > 0 {
                            acc[l - 1] += w;
                        }
                    }
                }
            }
            let mut delta: f64 = 0.0;
            if update_m {
                for (f, (fm, acc)) in self.fields.iter_mut().zip(m_acc.iter()).enumerate() {
                    let s: f64 = acc.iter().sum();
                    if s <= 0.0 || !is_active(f) {
                        continue;
                    }
                    for (m, a) in fm.m.iter_mut().zip(acc.iter()) {
                        let new = (a / s).max(MIN_P);
                        delta = delta.max((new - *m).abs());
                        *m = new;
                    }
                }
            }
            let new_lambda = (w_sum / total).clamp(1e-12, 1.0 - 1e-9);
            delta = delta.max((new_lambda - lambda).abs() / lambda.max(1e-12) * 1e-3);
            lambda = new_lambda;
            if delta < 1e-6 {
                converged = true;
                break;
            }
        }
        self.lambda = lambda;
        (it, converged)
    }

    /// Probability and weight of a comparison vector, with optional per-field explanation.
    pub(crate) fn score_gamma(
        &self,
        gamma: u64,
        tf: &dyn Fn(usize) -> Option<f64>,
        explain: bool,
    ) -> (f64, f64, Vec<FieldExplanation>) {
        let mut w = (self.lambda / (1.0 - self.lambda)).log2();
        let mut ex = Vec::new();
        // Names imply sex and nationality (Thai, Vietnamese, Burmese given names are
        // gendered and national): when names agree, agreement on those is not independent
        // evidence and would be counted twice. Only their disagreement then counts.
        let names_agree = self.fields.iter().enumerate().any(|(f, fm)| {
            matches!(fm.comparator, Comparator::Name { .. })
                && (1..=crate::features::name_level::CLOSE).contains(&level(gamma, f))
        });
        let names_share = self.fields.iter().enumerate().any(|(f, fm)| {
            matches!(fm.comparator, Comparator::Name { .. })
                && (1..crate::features::name_level::DIFFERENT).contains(&level(gamma, f))
        });
        let places_agree = self.fields.iter().enumerate().any(|(f, fm)| {
            matches!(fm.comparator, Comparator::Place { .. })
                && (1..fm.levels.len() as u8).contains(&level(gamma, f))
        });
        for (f, fm) in self.fields.iter().enumerate() {
            let l = level(gamma, f) as usize;
            if l == 0 {
                if explain {
                    ex.push(FieldExplanation {
                        field: fm.name.clone(),
                        level: "missing".into(),
                        weight: 0.0,
                        tf_adjusted: false,
                    });
                }
                continue;
            }
            let m = fm.m[l - 1].max(MIN_P);
            let mut u = fm.u[l - 1].max(MIN_P);
            let mut adj = false;
            // Exact, transliteration-equal and title-differs share the folded name.
            if fm.tf
                && l <= 3
                && let Some(t) = tf(f)
            {
                // Splink-style: the u of an agreeing value is the share of records with that
                // value, so a common name weighs less and a rare one more.
                u = t.max(1e-7);
                adj = true;
            }
            let mut bf = (m / u).log2();
            // The same name written another way (joined or split, another spelling or
            // romanisation, a typing error): the level's own weight, adjusted for how
            // common the name is, as Splink adjusts fuzzy levels: + log2(u_exact / tf),
            // tf being the share of the more common of the two written forms.
            if fm.tf
                && (name_level::JOINED_SPLIT..=name_level::CLOSE).contains(&(l as u8))
                && let Some(t) = tf(f)
            {
                bf += (fm.u[0].max(MIN_P) / t.max(1e-7)).log2();
                adj = true;
            }
            if names_agree && bf > 0.0 && self.implied_by_name(fm) {
                bf = 0.0;
            }
            // A place is in one country, and a name shared even in part (a token, a
            // sound: "Siti", "Sok") belongs to one culture: when the places agree or the
            // names share anything, agreeing nationalities are implied, not independent
            // evidence (counted twice they made strangers of one province "likely").
            if bf > 0.0 && (names_share || places_agree) && self.is_nationality(fm) {
                bf = 0.0;
            }
            w += bf;
            if explain {
                ex.push(FieldExplanation {
                    field: fm.name.clone(),
                    level: fm.levels[l - 1].clone(),
                    weight: bf,
                    tf_adjusted: adj,
                });
            }
        }
        let p = 1.0 / (1.0 + (-w).exp2());
        (p, w, ex)
    }

    /// True for the nationality field.
    fn is_nationality(&self, fm: &FieldModel) -> bool {
        match fm.comparator {
            Comparator::Exact { col } => matches!(
                self.schema.columns.get(col).map(|c| c.1),
                Some(Kind::Nationality)
            ),
            _ => false,
        }
    }

    /// True for the fields whose agreement a name implies (sex, nationality).
    fn implied_by_name(&self, fm: &FieldModel) -> bool {
        match fm.comparator {
            Comparator::Exact { col } => matches!(
                self.schema.columns.get(col).map(|c| c.1),
                Some(Kind::Sex | Kind::Nationality)
            ),
            _ => false,
        }
    }

    /// The band of a probability.
    pub fn band(&self, p: f64) -> Band {
        if p >= self.likely {
            Band::Likely
        } else if p >= self.possible {
            Band::Possible
        } else {
            Band::Unlikely
        }
    }

    /// Scores records `i`, `j` of a dataset.
    pub(crate) fn score_pair(
        &self,
        ds: &Dataset,
        i: usize,
        j: usize,
        gamma: u64,
        explain: bool,
    ) -> (f64, f64, Vec<FieldExplanation>) {
        let tf = |f: usize| match (ds.pair_tf(f, gamma, i), ds.pair_tf(f, gamma, j)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.score_gamma(gamma, &tf, explain)
    }
}

fn normalise(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::pack;
    use crate::settings::Kind;

    fn schema() -> Schema {
        Schema::new(
            "id",
            vec![
                ("n".into(), Kind::FullName),
                ("s".into(), Kind::Sex),
                ("p".into(), Kind::Postcode),
            ],
        )
        .unwrap()
    }

    const TRUE_LAMBDA: f64 = 0.1;

    fn true_m() -> [Vec<f64>; 3] {
        [
            vec![
                0.6, 0.1, 0.05, 0.02, 0.03, 0.1, 0.05, 0.02, 0.01, 0.01, 0.01,
            ],
            vec![0.95, 0.05],
            vec![0.8, 0.15, 0.05],
        ]
    }

    /// Level counts of candidate pairs drawn from a mixture with known parameters, and of
    /// random pairs (non-matches only), in a map with its own random hash keys.
    fn mixture() -> (HashMap<u64, u64>, HashMap<u64, u64>) {
        let true_m = true_m();
        let true_u = [
            vec![
                0.001, 0.002, 0.001, 0.001, 0.002, 0.01, 0.02, 0.02, 0.01, 0.033, 0.9,
            ],
            vec![0.5, 0.5],
            vec![0.01, 0.04, 0.95],
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let draw = |rng: &mut fastrand::Rng, p: &[f64]| {
            let x = rng.f64();
            let mut acc = 0.0;
            for (k, q) in p.iter().enumerate() {
                acc += q;
                if x < acc {
                    return k as u8 + 1;
                }
            }
            p.len() as u8
        };
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for _ in 0..200_000 {
            let is_match = rng.f64() < TRUE_LAMBDA;
            let params = if is_match { &true_m } else { &true_u };
            let levels: Vec<u8> = params.iter().map(|p| draw(&mut rng, p)).collect();
            *counts.entry(pack(&levels)).or_insert(0) += 1;
        }
        let mut u_counts = HashMap::new();
        for _ in 0..200_000 {
            let levels: Vec<u8> = true_u.iter().map(|p| draw(&mut rng, p)).collect();
            *u_counts.entry(pack(&levels)).or_insert(0) += 1;
        }
        (counts, u_counts)
    }

    fn trained() -> (Model, u32, bool) {
        let mut model = Model::untrained(schema());
        let (counts, u_counts) = mixture();
        model.set_u_from_counts(&u_counts);
        model.lambda = 0.05;
        let (it, converged) = model.em(&counts, 500, &[true, true, true], true);
        (model, it, converged)
    }

    /// EM recovers m from a synthetic mixture generated with known parameters and converges.
    #[test]
    fn em_converges_to_generating_parameters() {
        let (model, it, converged) = trained();
        assert!(converged, "EM did not converge in {it} iterations");
        assert!(
            (model.lambda - TRUE_LAMBDA).abs() < 0.01,
            "lambda {}",
            model.lambda
        );
        for (fm, tm) in model.fields.iter().zip(true_m().iter()) {
            for (a, b) in fm.m.iter().zip(tm.iter()) {
                assert!((a - b).abs() < 0.03, "{}: m {a} vs {b}", fm.name);
            }
        }
    }

    /// The same counts give the same model to the last bit, whatever order the map holds
    /// them in (each map has its own random hash keys): a run can be repeated exactly.
    #[test]
    fn em_does_not_depend_on_the_order_of_the_counts() {
        let (a, _, _) = trained();
        for _ in 0..4 {
            let (b, _, _) = trained();
            assert_eq!(a.lambda.to_bits(), b.lambda.to_bits());
            for (fa, fb) in a.fields.iter().zip(&b.fields) {
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fa.m), bits(&fb.m), "{}", fa.name);
                assert_eq!(bits(&fa.u), bits(&fb.u), "{}", fa.name);
            }
        }
    }

    #[test]
    fn scoring_orders_levels_and_explains() {
        let model = Model::untrained(schema());
        let none = |_| None;
        let (p_good, _, ex) = model.score_gamma(pack(&[1, 1, 1]), &none, true);
        let (p_bad, _, _) = model.score_gamma(pack(&[11, 2, 3]), &none, false);
        let (p_missing, _, ex2) = model.score_gamma(pack(&[1, 0, 0]), &none, true);
        assert!(p_good > p_missing && p_missing > p_bad);
        assert_eq!(ex.len(), 3);
        assert_eq!(ex[0].level, "exact");
        assert_eq!(ex2[1].level, "missing");
        assert_eq!(ex2[1].weight, 0.0);
        // a common name weighs less than a rare one
        let (p_common, _, _) = model.score_gamma(pack(&[1, 0, 0]), &|_| Some(0.05), false);
        let (p_rare, _, _) = model.score_gamma(pack(&[1, 0, 0]), &|_| Some(1e-5), false);
        assert!(p_rare > p_common);
        let s = explain_compact(&ex);
        assert!(s.starts_with("n=exact(+"));
        // So does another spelling of it (joined or split, spelling variant, close).
        for l in [
            name_level::JOINED_SPLIT,
            name_level::SPELLING_VARIANT,
            name_level::CLOSE,
        ] {
            let (p_common, _, ex) = model.score_gamma(pack(&[l, 0, 0]), &|_| Some(0.05), true);
            let (p_rare, _, _) = model.score_gamma(pack(&[l, 0, 0]), &|_| Some(1e-5), false);
            assert!(p_rare > p_common, "level {l}");
            assert!(ex[0].tf_adjusted);
        }
        // Not a phonetic match or a part of the name.
        let (a, _, _) =
            model.score_gamma(pack(&[name_level::PHONETIC, 0, 0]), &|_| Some(0.05), false);
        let (b, _, _) =
            model.score_gamma(pack(&[name_level::PHONETIC, 0, 0]), &|_| Some(1e-5), false);
        assert_eq!(a, b);
    }

    /// Agreeing nationalities are implied when the places agree (a province is in one
    /// country) or the names share anything (a token or a sound): they add nothing then,
    /// while a disagreement still counts.
    #[test]
    fn nationality_is_implied_by_a_shared_place_or_name() {
        let schema = Schema::new(
            "id",
            vec![
                ("n".into(), Kind::FullName),
                ("c".into(), Kind::Nationality),
                ("p".into(), Kind::Place),
            ],
        )
        .unwrap();
        let model = Model::untrained(schema);
        let none = |_| None;
        let nat = |g: u64| model.score_gamma(g, &none, true).2[1].weight;
        use crate::features::name_level::{DIFFERENT, SUBSET};
        // Names different, place missing: the nationality counts.
        assert!(nat(pack(&[DIFFERENT, 1, 0])) > 0.0);
        // Place exact: implied.
        assert_eq!(nat(pack(&[DIFFERENT, 1, 1])), 0.0);
        // One name inside the other ("Siti" / "Siti Fitri"): implied.
        assert_eq!(nat(pack(&[SUBSET, 1, 0])), 0.0);
        // A disagreement still counts.
        assert!(nat(pack(&[SUBSET, 2, 1])) < 0.0);
    }

    #[test]
    fn model_round_trips_through_json() {
        let m = Model::untrained(schema());
        let j = serde_json::to_string(&m).unwrap();
        let back: Model = serde_json::from_str(&j).unwrap();
        assert_eq!(m, back);
    }
}
