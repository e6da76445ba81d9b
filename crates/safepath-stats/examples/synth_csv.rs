//! Differentially private synthetic data of a CSV by SafePath (OpenDP noise,
//! as in a release), written as CSV: the counterpart of
//! `bench/stats/pacsynth_dp.py` (read the CSV, synthesise, write the CSV), so
//! that both processes can be timed and measured alike. Prints the in-process
//! synthesis time as `safepath_dp_synth_len<R> seconds`.
//!
//! Usage: `synth_csv rows.csv out.csv [epsilon] [delta] [reporting-length]`
//! (`SYNTH_LENGTH_WEIGHT=w` sets the noise weighting by length, `SYNTH_SEED=n`
//! seeds the noise for measurements).

use safepath_stats::synth::{SynthParams, synthesise};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        return Err("usage: synth_csv rows.csv out.csv [epsilon] [delta] [length]".into());
    };
    let d = SynthParams::default();
    let arg = |i: usize, default: f64| -> f64 {
        args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let params = SynthParams {
        epsilon: arg(3, d.epsilon),
        delta: arg(4, d.delta),
        reporting_length: args
            .get(5)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d.reporting_length),
        // SYNTH_SEED=n: seeded noise (reproducible, never for a release).
        seed: std::env::var("SYNTH_SEED")
            .ok()
            .and_then(|s| s.parse().ok()),
        // SYNTH_LENGTH_WEIGHT=w: the noise weighting by length to measure.
        length_weight: std::env::var("SYNTH_LENGTH_WEIGHT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d.length_weight),
        ..d
    };
    let mut r = csv::Reader::from_path(input)?;
    let header: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for rec in r.records() {
        rows.push(rec?.iter().map(str::to_string).collect());
    }
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    let t = Instant::now();
    let s = synthesise(&columns, &rows, &params)?;
    println!(
        "safepath_dp_synth_len{} {:.3}",
        params.reporting_length,
        t.elapsed().as_secs_f64()
    );
    println!("safepath_rows {}", s.rows.len());
    println!("safepath_release {}", s.statement);
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(output)?));
    w.write_record(&s.columns)?;
    for row in &s.rows {
        w.write_record(row)?;
    }
    w.flush()?;
    std::io::stdout().flush()?;
    Ok(())
}
