//! Mean absolute (and relative) errors of the 1-, 2- and 3-way marginals of a
//! synthetic CSV against the original CSV, by `safepath_stats::synth::
//! marginal_errors` (the function `bench_stats` uses for SafePath's own
//! synthetic data). Columns are matched by name; empty values are not values.
//!
//! Usage: `synth_errors original.csv synthetic.csv [name] [max-length]`.

use safepath_stats::synth::marginal_errors;

/// A CSV's header and rows.
type Csv = (Vec<String>, Vec<Vec<String>>);

fn read(path: &str) -> Result<Csv, Box<dyn std::error::Error>> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path)?;
    let header: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        rows.push(
            (0..header.len())
                .map(|i| rec.get(i).unwrap_or("").to_string())
                .collect(),
        );
    }
    Ok((header, rows))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(orig), Some(synth)) = (args.get(1), args.get(2)) else {
        return Err("usage: synth_errors original.csv synthetic.csv [name] [max-length]".into());
    };
    let name = args.get(3).map(String::as_str).unwrap_or("synthetic");
    let max_len: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(3);
    let (h1, o) = read(orig)?;
    let (h2, s) = read(synth)?;
    // Reorder the synthetic columns as the original's.
    let idx: Vec<Option<usize>> = h1.iter().map(|c| h2.iter().position(|x| x == c)).collect();
    let s: Vec<Vec<String>> = s
        .into_iter()
        .map(|r| {
            idx.iter()
                .map(|i| i.and_then(|i| r.get(i).cloned()).unwrap_or_default())
                .collect()
        })
        .collect();
    println!("{name}_rows {}", s.len());
    for e in marginal_errors(&o, &s, max_len) {
        let k = e.length;
        println!("{name}_mae_{k} {:.2}", e.mean_absolute_error);
        println!("{name}_mre_{k} {:.4}", e.mean_relative_error);
        println!("{name}_fabricated_{k} {}", e.fabricated);
        println!("{name}_lost_{k} {}", e.lost);
        println!("{name}_combinations_{k} {}", e.synthetic_combinations);
    }
    Ok(())
}
