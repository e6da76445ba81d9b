//! Benchmark of the statistics crate (run by `bench/stats/run.sh`):
//!
//! * every dashboard table over N synthetic persons (default 1,000,000):
//!   counting, small-cell and complementary suppression (no history: the
//!   first release of an analyst), durations, k-anonymous microdata;
//! * the "k-anonymous aggregates" of Synthetic Data Showcase: counts of every
//!   combination of up to 3 attributes' values over M CTDC-shaped rows
//!   (default 100,000), keeping those with at least k = 11 — written as CSV
//!   for the same counting by pandas/DuckDB (`bench/stats/groupby.py`);
//! * differentially private synthetic data of the same M rows (ε = 4,
//!   δ = 1e-6, reporting length 3, OpenDP noise) and the mean absolute errors
//!   of its 1-, 2- and 3-way marginals against the rows (pac-synth's output is
//!   measured by the `synth_errors` example with the same function).
//!
//! Usage: `bench_stats [persons] [rows] [csv-out]`. Prints `name seconds`.

use safepath_stats::sdc::{Policy, ReleaseHistory, release};
use safepath_stats::synth::{SynthParams, marginal_errors, synthesise};
use safepath_stats::table::{Dim, Filter, TableSpec};
use safepath_stats::{AgeBand, PersonFact, durations, kanon};
use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

/// A small deterministic generator (xorshift64*), enough for synthetic data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NATS: [&str; 12] = [
    "IDN", "PHL", "VNM", "KHM", "MMR", "THA", "LAO", "MYS", "CHN", "NPL", "BGD", "LKA",
];
const SEXES: [&str; 4] = ["female", "male", "female", "unknown"];
const FORMS: [&str; 7] = [
    "forced_labour",
    "sexual_exploitation",
    "domestic_servitude",
    "forced_marriage",
    "forced_criminality",
    "forced_begging",
    "organ_removal",
];
const STATUSES: [&str; 6] = [
    "referred",
    "presumed_victim",
    "identified",
    "in_protection",
    "follow_up",
    "closed",
];

fn person(r: &mut Rng) -> PersonFact {
    // Skewed: the first categories are the most common.
    let skew = |r: &mut Rng, n: usize| r.below(n).min(r.below(n));
    let referred = 19_000 + r.below(1_800) as i64;
    let year = 2022 + skew(r, 5) as i32;
    PersonFact {
        sex: SEXES[r.below(SEXES.len())].into(),
        gender_identity: "not_disclosed".into(),
        age_band: AgeBand::ALL[skew(r, 7)],
        nationalities: vec![NATS[skew(r, NATS.len())].into()],
        forms: vec![FORMS[skew(r, FORMS.len())].into()],
        status: STATUSES[r.below(STATUSES.len())].into(),
        year,
        month: 1 + r.below(12) as u8,
        org: format!("org-{}", skew(r, 20)),
        region: format!("R{}", skew(r, 8)),
        referred_day: referred,
        rg_decided_day: (r.below(3) > 0).then(|| referred + r.below(60) as i64),
        conclusive_decided_day: (r.below(2) > 0).then(|| referred + 30 + r.below(200) as i64),
        conclusive_positive: None,
    }
}

/// Prints one length's marginal errors as `name value` lines.
fn print_errors(tool: &str, e: &safepath_stats::synth::MarginalError) {
    let k = e.length;
    println!("{tool}_mae_{k} {:.2}", e.mean_absolute_error);
    println!("{tool}_mre_{k} {:.4}", e.mean_relative_error);
    println!("{tool}_fabricated_{k} {}", e.fabricated);
    println!("{tool}_lost_{k} {}", e.lost);
    println!("{tool}_combinations_{k} {}", e.synthetic_combinations);
}

fn time<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    println!("{name} {:.3}", t.elapsed().as_secs_f64());
    out
}

/// Attributes of a CTDC-shaped row, as strings.
fn attributes(p: &PersonFact) -> [String; 7] {
    [
        p.sex.clone(),
        p.age_band.as_str().to_string(),
        p.nationality().to_string(),
        p.form().to_string(),
        p.year.to_string(),
        p.status.clone(),
        p.region.clone(),
    ]
}

/// Counts of every combination of up to 3 attributes' values, kept when at
/// least `k` (Synthetic Data Showcase's reportable aggregates). Values are
/// interned to small integers first and a combination's key packed into a
/// `u64` (16 bits per attribute).
fn aggregates(rows: &[[String; 7]], k: u64) -> usize {
    let n = 7;
    let mut dict: Vec<HashMap<&str, u64>> = vec![HashMap::new(); n];
    let coded: Vec<[u64; 7]> = rows
        .iter()
        .map(|r| {
            let mut c = [0u64; 7];
            for (i, v) in r.iter().enumerate() {
                let d = &mut dict[i];
                let next = d.len() as u64;
                c[i] = *d.entry(v.as_str()).or_insert(next);
            }
            c
        })
        .collect();
    let mut combos: Vec<Vec<usize>> = Vec::new();
    for a in 0..n {
        combos.push(vec![a]);
        for b in a + 1..n {
            combos.push(vec![a, b]);
            for c in b + 1..n {
                combos.push(vec![a, b, c]);
            }
        }
    }
    let mut kept = 0;
    for combo in &combos {
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for r in &coded {
            let key = combo
                .iter()
                .enumerate()
                .fold(0u64, |acc, (j, &i)| acc | (r[i] << (16 * j)));
            *counts.entry(key).or_default() += 1;
        }
        kept += counts.values().filter(|c| **c >= k).count();
    }
    kept
}

/// Persons in the audited series (a deployment's scale, not the million).
const AUDITED_PERSONS: usize = 5_000;

/// One analyst's series of releases with other filters and periods, each
/// audited against the ones before it (the differencing linear programs).
fn audited_series(facts: &[PersonFact]) {
    let mut history = ReleaseHistory::default();
    let t = Instant::now();
    let mut n = 0;
    for (i, dims) in [
        vec![Dim::Nationality],
        vec![Dim::Sex],
        vec![Dim::Form],
        vec![Dim::AgeBand],
        vec![Dim::Year],
        vec![Dim::Status],
    ]
    .into_iter()
    .enumerate()
    {
        for org in [None, Some("org-0".to_string()), Some("org-1".to_string())] {
            let year = 2022 + (i as i32 % 5);
            let filter = Filter {
                org,
                from: Some(safepath_stats::YearMonth { year, month: 1 }),
                to: Some(safepath_stats::YearMonth { year, month: 6 }),
                ..Filter::default()
            };
            match release(
                facts,
                &TableSpec::new(dims.clone(), filter),
                Policy::default(),
                history,
            ) {
                Ok((_, h)) => history = h,
                Err(e) => {
                    eprintln!("audited release failed: {e}");
                    return;
                }
            }
            n += 1;
        }
    }
    println!(
        "audited_series_{n}_releases_{}_persons {:.3}",
        facts.len(),
        t.elapsed().as_secs_f64()
    );
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let persons: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rows: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let csv_out = args.get(3).cloned();
    let mut r = Rng(0x5AFE_9A7E);
    let facts: Vec<PersonFact> = time("generate", || {
        (0..persons).map(|_| person(&mut r)).collect()
    });
    let dashboard: &[(&str, &[Dim])] = &[
        ("by_year", &[Dim::Year]),
        ("by_quarter", &[Dim::Quarter]),
        ("by_form", &[Dim::Form]),
        ("by_sex", &[Dim::Sex]),
        ("by_age_band", &[Dim::AgeBand]),
        ("by_nationality", &[Dim::Nationality]),
        ("by_status", &[Dim::Status]),
        ("form_by_year", &[Dim::Form, Dim::Year]),
        ("nationality_by_sex", &[Dim::Nationality, Dim::Sex]),
    ];
    let all = Instant::now();
    for (name, dims) in dashboard {
        let spec = TableSpec::new(dims.to_vec(), Filter::default());
        let out = time(&format!("table_{name}"), || {
            release(&facts, &spec, Policy::default(), ReleaseHistory::default())
        });
        if out.is_err() {
            eprintln!("{name} failed");
        }
    }
    time("durations", || {
        let rg: Vec<i64> = facts
            .iter()
            .filter_map(|p| p.rg_decided_day.map(|d| d - p.referred_day))
            .collect();
        let c: Vec<i64> = facts
            .iter()
            .filter_map(|p| p.conclusive_decided_day.map(|d| d - p.referred_day))
            .collect();
        (
            durations::summarise(&rg, 11, None),
            durations::summarise(&c, 11, None),
        )
    });
    println!("dashboard_total {:.3}", all.elapsed().as_secs_f64());
    audited_series(&facts[..facts.len().min(AUDITED_PERSONS)]);
    let m = time("kanon_microdata", || kanon::anonymise(&facts, 11));
    println!("kanon_kept {} of {}", m.kept, m.persons);

    let sample: Vec<[String; 7]> = facts.iter().take(rows).map(attributes).collect();
    let kept = time("aggregates_k11_len3", || aggregates(&sample, 11));
    println!("aggregates_kept {kept}");
    let columns = [
        "sex",
        "age_band",
        "nationality",
        "form",
        "year",
        "status",
        "region",
    ];
    // SYNTH_SEED=n: seeded noise (reproducible, not for releases).
    let params = SynthParams {
        seed: std::env::var("SYNTH_SEED")
            .ok()
            .and_then(|s| s.parse().ok()),
        // SYNTH_LENGTH_WEIGHT=w: the noise weighting by length to measure.
        length_weight: std::env::var("SYNTH_LENGTH_WEIGHT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(safepath_stats::synth::DEFAULT_LENGTH_WEIGHT),
        ..SynthParams::default()
    };
    match time("synth_dp_len3", || synthesise(&columns, &sample, &params)) {
        Ok(s) => {
            println!("synth_rows {}", s.rows.len());
            let empty = s.rows.iter().flatten().filter(|v| v.is_empty()).count();
            println!("synth_empty_values {empty}");
            println!("synth_noise_sd {:.2}", s.noise_sd);
            for e in marginal_errors(&sample, &s.rows, 3) {
                print_errors("safepath", &e);
            }
        }
        Err(e) => eprintln!("synthesis failed: {e}"),
    }
    if let Some(path) = csv_out {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(f, "sex,age_band,nationality,form,year,status,region")?;
        for s in &sample {
            writeln!(f, "{}", s.join(","))?;
        }
    }
    Ok(())
}
