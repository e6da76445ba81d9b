//! Stand-in for `safepath match …` until the main binary wires it, plus a tracing-latency
//! benchmark: `match_cli link|dedupe|generate|trace …`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use safepath_match::{MatchIndex, Record, Settings, cli};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn run(args: &[String]) -> Result<(), String> {
    let req = |n: &str| arg(args, n).ok_or_else(|| format!("missing {n}"));
    match args.first().map(|s| s.as_str()) {
        Some("link") => {
            let s = cli::link_with(
                &PathBuf::from(req("--left")?),
                &PathBuf::from(req("--right")?),
                &PathBuf::from(req("--settings")?),
                &PathBuf::from(req("--output")?),
                cli::RunOptions {
                    strict: args.iter().any(|a| a == "--strict"),
                },
            )
            .map_err(|e| e.to_string())?;
            eprintln!("{s}");
            write_model(args, &s)?;
        }
        Some("dedupe") => {
            let s = cli::dedupe_with(
                &PathBuf::from(req("--input")?),
                &PathBuf::from(req("--settings")?),
                &PathBuf::from(req("--output")?),
                cli::RunOptions {
                    strict: args.iter().any(|a| a == "--strict"),
                },
            )
            .map_err(|e| e.to_string())?;
            eprintln!("{s}");
            write_model(args, &s)?;
        }
        Some("recall") => {
            let (pairs, t, r, missed) = cli::blocking_recall(
                &PathBuf::from(req("--input")?),
                &PathBuf::from(req("--settings")?),
                &PathBuf::from(req("--truth")?),
            )
            .map_err(|e| e.to_string())?;
            println!("blocking: {pairs} candidate pairs, {t} true pairs, recall {r:.4}");
            if let Some(path) = arg(args, "--missed") {
                let text: String = missed.iter().map(|(a, b)| format!("{a},{b}\n")).collect();
                std::fs::write(path, text).map_err(|e| e.to_string())?;
            }
        }
        Some("calibration") => {
            let bins: usize = arg(args, "--bins")
                .unwrap_or_else(|| "10".into())
                .parse()
                .map_err(|_| "bad --bins")?;
            let c = match arg(args, "--left") {
                // Linkage (FEBRL4): --left --right --truth (left_id,right_id).
                Some(left) => cli::calibration_link(
                    &PathBuf::from(left),
                    &PathBuf::from(req("--right")?),
                    &PathBuf::from(req("--truth")?),
                    &PathBuf::from(req("--settings")?),
                    bins,
                ),
                None => cli::calibration_held_out(
                    &PathBuf::from(req("--train")?),
                    &PathBuf::from(req("--input")?),
                    &PathBuf::from(req("--truth")?),
                    &PathBuf::from(req("--settings")?),
                    bins,
                ),
            }
            .map_err(|e| e.to_string())?;
            println!("{c}");
        }
        Some("generate") => {
            let n: usize = req("--records")?.parse().map_err(|_| "bad --records")?;
            let seed: u64 = req("--seed")?.parse().map_err(|_| "bad --seed")?;
            cli::generate(
                n,
                seed,
                &PathBuf::from(req("--output")?),
                &PathBuf::from(req("--truth")?),
            )
            .map_err(|e| e.to_string())?;
        }
        Some("trace-calibration") => {
            // Tracing as a case manager sees it: a registry, and requests of which only a
            // share have their person in it. Calibration of the best candidate per request.
            let input = PathBuf::from(req("--input")?);
            let settings =
                Settings::load(&PathBuf::from(req("--settings")?)).map_err(|e| e.to_string())?;
            let prior: f64 = arg(args, "--prior")
                .unwrap_or_else(|| "0.5".into())
                .parse()
                .map_err(|_| "bad --prior")?;
            let share_in: f64 = arg(args, "--share-in")
                .unwrap_or_else(|| "0.5".into())
                .parse()
                .map_err(|_| "bad --share-in")?;
            let records = read_records(&input, &settings)?;
            let mut entity = std::collections::HashMap::new();
            let mut rdr = csv::Reader::from_path(req("--truth")?).map_err(|e| e.to_string())?;
            for r in rdr.records() {
                let r = r.map_err(|e| e.to_string())?;
                entity.insert(r[0].to_string(), r[1].to_string());
            }
            let mut by_entity: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
            for (k, r) in records.iter().enumerate() {
                if let Some(e) = entity.get(&r.id) {
                    by_entity.entry(e.as_str()).or_default().push(k);
                }
            }
            let mut rng = fastrand::Rng::with_seed(11);
            let (mut registry, mut queries) = (Vec::new(), Vec::new());
            for (e, ks) in &by_entity {
                if ks.len() < 2 {
                    registry.push(records[ks[0]].clone());
                } else if rng.f64() < share_in {
                    registry.push(records[ks[0]].clone());
                    queries.push((records[ks[1]].clone(), e.to_string()));
                } else {
                    queries.push((records[ks[1]].clone(), e.to_string()));
                }
            }
            let reg_entity: std::collections::HashMap<String, String> = registry
                .iter()
                .filter_map(|r| entity.get(&r.id).map(|e| (r.id.clone(), e.clone())))
                .collect();
            // The model is trained on another file (--train; held out) or on the registry.
            let mut model = match arg(args, "--train") {
                Some(t) => {
                    let train = read_records(&PathBuf::from(t), &settings)?;
                    safepath_match::train(&train, &settings)
                }
                None => safepath_match::train(&registry, &settings),
            }
            .map_err(|e| e.to_string())?;
            model.possible = 1e-9;
            let mut index = MatchIndex::build(&registry, &model).map_err(|e| e.to_string())?;
            index.set_request_prior(prior).map_err(|e| e.to_string())?;
            let mut labelled = Vec::new();
            let (mut fp_likely, mut none_likely, mut none) = (0usize, 0usize, 0usize);
            let in_registry: std::collections::HashSet<&String> = reg_entity.values().collect();
            for (q, e) in &queries {
                let best = index.trace(q, 1).map_err(|e| e.to_string())?;
                let has = in_registry.contains(e);
                none += usize::from(!has);
                match best.first() {
                    Some(c) => {
                        let right = reg_entity.get(&c.id) == Some(e);
                        labelled.push((c.probability, right));
                        if c.probability >= 0.5 && !right {
                            fp_likely += 1;
                            none_likely += usize::from(!has);
                        }
                    }
                    None => labelled.push((0.0, false)),
                }
            }
            let c = safepath_match::calibration(&labelled, 10);
            println!(
                "registry {} records; {} requests, {} without their person in the registry; request prior {prior}",
                registry.len(),
                queries.len(),
                none
            );
            println!(
                "best pair wrong at p >= 0.5: {fp_likely} (of which {none_likely} for requests without a match)"
            );
            println!("{c}");
        }
        Some("trace-link") => {
            // Tracing over files: an index over --right (the registry), each --left record
            // (a request) queried against it; the model trained on --train (records with
            // duplicates, e.g. the generator's) or, without it, on --right (with
            // --registry-model: only u, as the product's kept index). Writes every
            // candidate: left_id,right_id,probability,band,explanation.
            let settings =
                Settings::load(&PathBuf::from(req("--settings")?)).map_err(|e| e.to_string())?;
            let left = read_records(&PathBuf::from(req("--left")?), &settings)?;
            let right = read_records(&PathBuf::from(req("--right")?), &settings)?;
            let mut model = match arg(args, "--train") {
                Some(t) => {
                    let train = read_records(&PathBuf::from(t), &settings)?;
                    safepath_match::train(&train, &settings)
                }
                // As the product does: u from the registry, m the priors.
                None if args.iter().any(|a| a == "--registry-model") => {
                    safepath_match::train_registry(&right, &settings)
                }
                None => safepath_match::train(&right, &settings),
            }
            .map_err(|e| e.to_string())?;
            let min_p: f64 = arg(args, "--min-p")
                .unwrap_or_else(|| "0.01".into())
                .parse()
                .map_err(|_| "bad --min-p")?;
            model.possible = min_p;
            let mut index = MatchIndex::build(&right, &model).map_err(|e| e.to_string())?;
            if let Some(p) = arg(args, "--prior") {
                let p: f64 = p.parse().map_err(|_| "bad --prior")?;
                index.set_request_prior(p).map_err(|e| e.to_string())?;
            }
            let mut out = String::from("left_id,right_id,probability,band,explanation\n");
            for q in &left {
                for c in index.trace(q, 10).map_err(|e| e.to_string())? {
                    out.push_str(&format!(
                        "{},{},{:.6},{},\"{}\"\n",
                        q.id,
                        c.id,
                        c.probability,
                        c.band,
                        safepath_match::explain_compact(&c.explanation)
                    ));
                }
            }
            std::fs::write(req("--output")?, out).map_err(|e| e.to_string())?;
        }
        Some("trace") => {
            // Builds an index over --input, then queries --queries records (noisy copies are
            // already in generated data) and prints p50/p95/max latency in milliseconds.
            let input = PathBuf::from(req("--input")?);
            let settings =
                Settings::load(&PathBuf::from(req("--settings")?)).map_err(|e| e.to_string())?;
            let queries: usize = arg(args, "--queries")
                .unwrap_or_else(|| "1000".into())
                .parse()
                .map_err(|_| "bad --queries")?;
            let t = Instant::now();
            let mut rdr = csv::Reader::from_path(&input).map_err(|e| e.to_string())?;
            let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
            let pos: Vec<Option<usize>> = settings
                .schema
                .columns
                .iter()
                .map(|(c, _)| headers.iter().position(|h| h == c))
                .collect();
            let idp = headers
                .iter()
                .position(|h| h == settings.schema.id_column)
                .ok_or("no id column")?;
            let mut records = Vec::new();
            for r in rdr.records() {
                let r = r.map_err(|e| e.to_string())?;
                records.push(Record {
                    id: r.get(idp).unwrap_or("").to_string(),
                    values: pos
                        .iter()
                        .map(|p| p.and_then(|p| r.get(p)).unwrap_or("").to_string())
                        .collect(),
                });
            }
            let model = safepath_match::train(&records, &settings).map_err(|e| e.to_string())?;
            let index = MatchIndex::build(&records, &model).map_err(|e| e.to_string())?;
            let build = t.elapsed();
            if let Some(ids) = arg(args, "--explain") {
                for id in ids.split(',') {
                    let Some(q) = records.iter().find(|r| r.id == id) else {
                        continue;
                    };
                    for c in index.query(q, 10).map_err(|e| e.to_string())? {
                        println!(
                            "{id} -> {} p={:.4} {} {}",
                            c.id,
                            c.probability,
                            c.band,
                            safepath_match::explain_compact(&c.explanation)
                        );
                    }
                }
                return Ok(());
            }
            let mut rng = fastrand::Rng::with_seed(7);
            let mut lat = Vec::with_capacity(queries);
            let mut found = 0usize;
            for _ in 0..queries {
                let q = &records[rng.usize(0..records.len())];
                let t = Instant::now();
                let c = index.query(q, 10).map_err(|e| e.to_string())?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                found += usize::from(!c.is_empty());
            }
            lat.sort_by(|a, b| a.total_cmp(b));
            let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "index: {} records built in {:.1}s; {} queries: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; {} with candidates",
                index.len(),
                build.as_secs_f64(),
                queries,
                pct(0.5),
                pct(0.95),
                pct(1.0),
                found
            );
        }
        _ => return Err("usage: match_cli link|dedupe|generate|trace …".into()),
    }
    Ok(())
}

fn read_records(path: &PathBuf, settings: &Settings) -> Result<Vec<Record>, String> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    let pos: Vec<Option<usize>> = settings
        .schema
        .columns
        .iter()
        .map(|(c, _)| headers.iter().position(|h| h == c))
        .collect();
    let idp = headers
        .iter()
        .position(|h| h == settings.schema.id_column)
        .ok_or("no id column")?;
    let mut records = Vec::new();
    for r in rdr.records() {
        let r = r.map_err(|e| e.to_string())?;
        records.push(Record {
            id: r.get(idp).unwrap_or("").to_string(),
            values: pos
                .iter()
                .map(|p| p.and_then(|p| r.get(p)).unwrap_or("").to_string())
                .collect(),
        });
    }
    Ok(records)
}

fn write_model(args: &[String], s: &cli::RunSummary) -> Result<(), String> {
    if let (Some(path), Some(model)) = (arg(args, "--model"), &s.model) {
        let json = serde_json::to_string_pretty(model).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // Accept `match_cli match link …` like `safepath match link …`.
    if args.first().map(|a| a == "match").unwrap_or(false) {
        args.remove(0);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
