//! The file interface: `link`, `dedupe`, `generate` (wired into `safepath match …`).

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::engine::{self, LinkPrior, PriorSource, Scored};
use crate::error::MatchError;
use crate::features::{Dataset, Entry, FlatBatch, extend_entries};
use crate::model::{Model, explain_compact};
use crate::settings::Settings;

/// Counts and timings of a run. Contains no personal data.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Records read (left + right for linkage).
    pub records: usize,
    /// Records on the left side (linkage only).
    pub left: Option<usize>,
    /// Candidate pairs after blocking.
    pub candidate_pairs: usize,
    /// Random pairs used to estimate u.
    pub random_pairs: usize,
    /// Pairs written (linkage) or pairs at or above the cluster threshold (de-duplication).
    pub pairs: usize,
    /// Clusters with more than one record (de-duplication).
    pub clusters: Option<usize>,
    /// EM iterations and whether EM converged.
    pub em_iterations: u32,
    /// Whether EM converged.
    pub converged: bool,
    /// Estimated prior match probability of a candidate pair.
    pub lambda: f64,
    /// Time reading and normalising.
    pub load: Duration,
    /// Time blocking.
    pub blocking: Duration,
    /// Time estimating u, comparing candidates and running EM.
    pub training: Duration,
    /// Of training: time estimating u from random pairs.
    pub u_sampling: Duration,
    /// Of training: time running EM.
    pub em: Duration,
    /// Time scoring and clustering.
    pub scoring: Duration,
    /// Time writing the output.
    pub writing: Duration,
    /// The trained model (parameters only, no data).
    pub model: Option<Model>,
    /// Values that could not be read and were treated as missing.
    pub unreadable: Unreadable,
    /// Linkage: the prior that a left record's person is in the right file, as used
    /// (stated in the settings or estimated from the files, docs/decisions.md D22), and
    /// the EM estimate (for information).
    pub link_prior: Option<LinkPrior>,
}

/// How a run treats values that cannot be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Stop at the first value that cannot be read (the behaviour before lenient reading).
    /// Without it such a value is counted, reported and treated as missing.
    pub strict: bool,
}

/// How many first unreadable values a summary lists (line and column).
pub const UNREADABLE_SHOWN: usize = 10;

/// One value that could not be read: where it is and why, never the value itself (a birth
/// date or a postcode of a person is personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableValue {
    /// The file (its name only).
    pub file: String,
    /// 1-based line (1 is the header).
    pub line: u64,
    /// The column.
    pub column: String,
    /// Why it could not be read.
    pub reason: String,
}

/// Values that could not be read in a run: counted per column, the first ones listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unreadable {
    /// Total count.
    pub total: usize,
    /// Count per column (file, column), in order of first appearance.
    pub by_column: Vec<(String, String, usize)>,
    /// The first [`UNREADABLE_SHOWN`] of them.
    pub first: Vec<UnreadableValue>,
}

impl Unreadable {
    fn add(&mut self, file: &str, line: u64, column: &str, reason: &str) {
        self.total += 1;
        match self
            .by_column
            .iter_mut()
            .find(|(f, c, _)| f == file && c == column)
        {
            Some(e) => e.2 += 1,
            None => self
                .by_column
                .push((file.to_string(), column.to_string(), 1)),
        }
        if self.first.len() < UNREADABLE_SHOWN {
            self.first.push(UnreadableValue {
                file: file.to_string(),
                line,
                column: column.to_string(),
                reason: reason.to_string(),
            });
        }
    }
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total == 0 {
            return write!(f, "unreadable values: none");
        }
        write!(
            f,
            "unreadable values (treated as missing; values not shown): {}",
            self.total
        )?;
        for (file, col, n) in &self.by_column {
            write!(f, "\n  {file}: column `{col}`: {n}")?;
        }
        write!(f, "\n  first {}:", self.first.len())?;
        for u in &self.first {
            write!(
                f,
                "\n  {}: line {}: column `{}`: {}",
                u.file, u.line, u.column, u.reason
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.left {
            Some(l) => writeln!(
                f,
                "records: {} (left {}, right {})",
                self.records,
                l,
                self.records - l
            )?,
            None => writeln!(f, "records: {}", self.records)?,
        }
        writeln!(
            f,
            "candidate pairs: {} (u from {} random pairs)",
            self.candidate_pairs, self.random_pairs
        )?;
        writeln!(
            f,
            "EM: {} iterations ({}), prior match probability of a candidate pair {:.4}",
            self.em_iterations,
            if self.converged {
                "converged"
            } else {
                "not converged"
            },
            self.lambda
        )?;
        match self.clusters {
            Some(c) => writeln!(
                f,
                "matched pairs: {}; clusters of two or more: {c}",
                self.pairs
            )?,
            None => writeln!(f, "pairs written: {}", self.pairs)?,
        }
        if let Some(p) = self.link_prior {
            let how = match p.source {
                PriorSource::Stated => "stated: link_prior, 0.5 unless set",
                PriorSource::Estimated => "estimated against the right file queried against itself",
                PriorSource::Default => "the default: too few records to estimate it",
            };
            writeln!(
                f,
                "prior that a left record's person is in the right file: {:.3} ({how}; EM on the mixing weight says {:.3})",
                p.used, p.em
            )?;
        }
        writeln!(f, "{}", self.unreadable)?;
        let total = self.load + self.blocking + self.training + self.scoring + self.writing;
        write!(
            f,
            "time: load {:.2}s, blocking {:.2}s, training {:.2}s (u {:.2}s, EM {:.2}s), scoring {:.2}s, writing {:.2}s, total {:.2}s",
            self.load.as_secs_f64(),
            self.blocking.as_secs_f64(),
            self.training.as_secs_f64(),
            self.u_sampling.as_secs_f64(),
            self.em.as_secs_f64(),
            self.scoring.as_secs_f64(),
            self.writing.as_secs_f64(),
            total.as_secs_f64()
        )
    }
}

const BATCH: usize = 1 << 15;

/// The records' ids, in file order, in one buffer: a million ids as `String`s took some
/// 40 MB at the peak of loading, a third of it the strings' headers.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<usize>,
}

impl Ids {
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }
    fn extend(&mut self, other: &Ids) {
        other.iter().for_each(|id| self.push(id));
    }
    fn try_reserve(&mut self, n: usize) -> Result<(), std::collections::TryReserveError> {
        self.ends.try_reserve(n)
    }
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|k| &self[k])
    }
}

impl std::ops::Index<usize> for Ids {
    type Output = str;
    fn index(&self, k: usize) -> &str {
        let start = k.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.text[start..self.ends[k]]
    }
}

/// Reads a CSV file into the dataset; returns the ids. Keys are appended to `entries`.
pub(crate) fn load_csv(
    path: &Path,
    settings: &Settings,
    ds: &mut Dataset,
    entries: &mut Vec<Entry>,
    opts: RunOptions,
    unreadable: &mut Unreadable,
) -> Result<Ids, MatchError> {
    let schema = &settings.schema;
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let data_err = |line: u64, message: String| MatchError::Data {
        path: path.to_path_buf(),
        line: line as usize,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| MatchError::io(path, e))?;
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let headers = rdr.headers().map_err(|e| csv_err(path, e))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let id_pos = find(&schema.id_column).ok_or_else(|| {
        data_err(
            1,
            format!("the header has no id column `{}`", schema.id_column),
        )
    })?;
    let mut cols = Vec::with_capacity(schema.columns.len());
    for (name, _) in &schema.columns {
        cols.push(find(name).ok_or_else(|| {
            data_err(
                1,
                format!("the header has no column `{name}` named in the settings"),
            )
        })?);
    }
    let mut ids = Ids::default();
    let preparer = ds.preparer(schema);
    // The batch read last, normalised, waiting to be interned: (prepared, lines, first index).
    type Pending = (Vec<crate::features::Prepared>, Vec<u64>);
    let mut pending: Option<Pending> = None;
    let commit = |ds: &mut Dataset,
                  pending: Pending,
                  entries: &mut Vec<Entry>,
                  unreadable: &mut Unreadable|
     -> Result<(), MatchError> {
        let (prepared, lines) = pending;
        for (i, p) in prepared.iter().enumerate() {
            for (col, msg) in &p.bad {
                let name = schema
                    .columns
                    .get(*col)
                    .map(|c| c.0.as_str())
                    .unwrap_or("?");
                let line = lines.get(i).copied().unwrap_or(0);
                if opts.strict {
                    return Err(data_err(line, format!("column `{name}`: {msg}")));
                }
                unreadable.add(&file_name, line, name, msg);
            }
        }
        let base = ds.n as u32;
        let keys = ds.commit(prepared);
        extend_entries(entries, base, keys);
        Ok(())
    };
    // A batch read: the values of the settings' columns, row after row, in one buffer.
    let ncols = cols.len();
    let read_batch = |rdr: &mut csv::Reader<std::io::BufReader<std::fs::File>>,
                      rec: &mut csv::ByteRecord|
     -> Result<(FlatBatch, Vec<u64>, Ids), MatchError> {
        let mut batch = FlatBatch {
            text: String::with_capacity(BATCH * 64),
            ends: Vec::with_capacity(BATCH * ncols),
            ncols,
        };
        let mut lines = Vec::with_capacity(BATCH);
        let mut ids = Ids::default();
        while lines.len() < BATCH {
            if !rdr.read_byte_record(rec).map_err(|e| csv_err(path, e))? {
                break;
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            // Every field is checked, as a string record would be.
            let all = std::str::from_utf8(rec.as_slice())
                .map_err(|_| data_err(line, "invalid UTF-8".to_string()))?;
            let field = |c: usize| -> &str { rec.range(c).and_then(|r| all.get(r)).unwrap_or("") };
            let id = field(id_pos).trim();
            if id.is_empty() {
                return Err(data_err(
                    line,
                    format!("empty id in column `{}`", schema.id_column),
                ));
            }
            ids.push(id);
            for &c in &cols {
                batch.text.push_str(field(c));
                batch.ends.push(batch.text.len() as u32);
            }
            lines.push(line);
        }
        Ok((batch, lines, ids))
    };
    let mut rec = csv::ByteRecord::new();
    let mut cur = read_batch(&mut rdr, &mut rec)?;
    // The records and their blocking keys are reserved for the whole file, estimated from
    // the first batch (a fifth more): growing them by doubling copied up to a gigabyte at
    // a million records and held the old and the new copy at once. Pages reserved but
    // never written cost no memory; a reservation the system refuses is skipped.
    let mut estimate = None;
    if cur.1.len() == BATCH {
        let read = rdr.position().byte().max(1);
        estimate = Some((file_len.saturating_mul(6) / 5 / read) as usize * BATCH);
    }
    while !cur.1.is_empty() {
        let full = cur.1.len() == BATCH;
        // Three stages at once: read the next batch, normalise this one, intern the
        // previous one.
        let (next, (done, prepared)) = rayon::join(
            || {
                if full {
                    read_batch(&mut rdr, &mut rec)
                } else {
                    Ok((FlatBatch::default(), Vec::new(), Ids::default()))
                }
            },
            || {
                rayon::join(
                    || match pending.take() {
                        Some(p) => commit(ds, p, entries, unreadable),
                        None => Ok(()),
                    },
                    || preparer.prepare_flat(&cur.0),
                )
            },
        );
        done?;
        let (_, lines, batch_ids) = std::mem::replace(&mut cur, next?);
        ids.extend(&batch_ids);
        if let Some(records) = estimate.take() {
            let keys: usize = prepared.iter().map(|p| p.key_count()).sum();
            let per_record = keys.div_ceil(prepared.len().max(1));
            ds.reserve(records);
            let _ = entries.try_reserve(records.saturating_mul(per_record).saturating_mul(6) / 5);
            let _ = ids.try_reserve(records);
        }
        pending = Some((prepared, lines));
    }
    if let Some(p) = pending.take() {
        commit(ds, p, entries, unreadable)?;
    }
    Ok(ids)
}

fn csv_err(path: &Path, e: csv::Error) -> MatchError {
    let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        csv::ErrorKind::Io(err) => {
            return MatchError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(err.kind(), err.to_string()),
            };
        }
        _ => "malformed CSV".to_string(),
    };
    MatchError::Data {
        path: path.to_path_buf(),
        line,
        message,
    }
}

fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>, MatchError> {
    let f = std::fs::File::create(path).map_err(|e| MatchError::io(path, e))?;
    Ok(std::io::BufWriter::with_capacity(1 << 20, f))
}

/// One CSV cell: quoted when it needs to be, and neutralised when it starts
/// like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, carriage return), so
/// that an id taken from an input file cannot run as a formula when the output
/// is opened in a spreadsheet (OWASP "CSV injection").
fn quote(s: &str) -> String {
    let neutral;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutral = format!("'{s}");
        neutral.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn prepare_model(settings: &Settings) -> Model {
    let mut model = Model::untrained(settings.schema.clone());
    model.likely = settings.likely;
    model.possible = settings.possible;
    model
}

/// Links two files: writes `left_id,right_id,probability,band,explanation` for pairs at or
/// above `possible`, best first.
///
/// A value that cannot be read is treated as missing and reported in the summary; see
/// [`link_with`] to stop on it instead.
pub fn link(
    left: &Path,
    right: &Path,
    settings: &Path,
    output: &Path,
) -> Result<RunSummary, MatchError> {
    link_with(left, right, settings, output, RunOptions::default())
}

/// [`link`] with options.
pub fn link_with(
    left: &Path,
    right: &Path,
    settings: &Path,
    output: &Path,
    opts: RunOptions,
) -> Result<RunSummary, MatchError> {
    let settings = Settings::load(settings)?;
    let mut sum = RunSummary::default();
    let t = Instant::now();
    let mut ds = Dataset::new(&settings.schema);
    let mut entries = Vec::new();
    let mut un = Unreadable::default();
    let mut ids = load_csv(left, &settings, &mut ds, &mut entries, opts, &mut un)?;
    let n_left = ids.len();
    ids.extend(&load_csv(
        right,
        &settings,
        &mut ds,
        &mut entries,
        opts,
        &mut un,
    )?);
    sum.unreadable = un;
    sum.records = ids.len();
    sum.left = Some(n_left);
    sum.load = t.elapsed();
    let t = Instant::now();
    let blocking = engine::Blocking {
        max_block: settings.max_block_size,
        budget: settings.budget(ds.n),
        n_left: Some(n_left),
    };
    let sessions = engine::session_pairs(&ds, &entries, blocking);
    // The right file's own keys, for the null of the prior's estimate (when none is stated).
    let right_entries: Vec<Entry> = if settings.link_prior.is_none() {
        entries
            .iter()
            .filter(|e| e.rec as usize >= n_left)
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    let pairs = engine::blocked_pairs(entries, Some(n_left), blocking.max_block, blocking.budget);
    sum.candidate_pairs = pairs.len();
    sum.blocking = t.elapsed();
    let t = Instant::now();
    let mut model = prepare_model(&settings);
    let (gammas, st) = engine::train(&mut model, &ds, &sessions, &pairs, blocking, settings.seed);
    drop(sessions);
    sum.random_pairs = st.random_pairs;
    sum.u_sampling = st.u_time;
    sum.em = st.em_time;
    sum.training = t.elapsed();
    let t = Instant::now();
    // The probability of a pair is the tracing posterior: that the right record is the
    // left record's person, among all its candidates and "none of them" (docs/decisions.md
    // D-T4), with the settings' prior that a left record's person is in the right file.
    let n_right = ds.n - n_left;
    let null = if settings.link_prior.is_none() {
        let right_blocking = engine::Blocking {
            budget: settings.budget(n_right),
            ..blocking
        };
        engine::null_evidence(&model, &ds, right_entries, n_left, right_blocking)
    } else {
        Vec::new()
    };
    let (mut scored, prior) = engine::score_exclusive(
        &model,
        &ds,
        &pairs,
        &gammas,
        n_right,
        settings.link_prior,
        &null,
        settings.possible,
    );
    model.lambda = (prior.used / n_right.max(1) as f64).clamp(1e-12, 0.5);
    sum.link_prior = Some(prior);
    drop(gammas);
    drop(pairs);
    if settings.one_to_one {
        scored = engine::one_to_one(scored, ds.n);
    } else {
        scored.sort_unstable_by(|a, b| b.p.total_cmp(&a.p).then(a.i.cmp(&b.i)).then(a.j.cmp(&b.j)));
    }
    sum.scoring = t.elapsed();
    let t = Instant::now();
    write_pairs(output, &model, &ds, &ids, &scored)?;
    sum.pairs = scored.len();
    sum.writing = t.elapsed();
    fill(&mut sum, model);
    Ok(sum)
}

fn fill(sum: &mut RunSummary, model: Model) {
    sum.em_iterations = model.em_iterations;
    sum.converged = model.converged;
    sum.lambda = model.lambda;
    sum.model = Some(model);
}

fn write_pairs(
    output: &Path,
    model: &Model,
    ds: &Dataset,
    ids: &Ids,
    scored: &[Scored],
) -> Result<(), MatchError> {
    let mut w = create(output)?;
    let io = |e| MatchError::io(output, e);
    writeln!(w, "left_id,right_id,probability,band,explanation").map_err(io)?;
    for s in scored {
        let (i, j) = (s.i as usize, s.j as usize);
        let (_, _, ex) = model.score_pair(ds, i, j, s.gamma, true);
        writeln!(
            w,
            "{},{},{:.6},{},{}",
            quote(&ids[i]),
            quote(&ids[j]),
            s.p,
            model.band(s.p),
            quote(&explain_compact(&ex))
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

/// De-duplicates a file: writes `id,cluster_id` for every record (`cluster_id` is the id of
/// the cluster's first record; a record alone is its own cluster).
///
/// A value that cannot be read is treated as missing and reported in the summary; see
/// [`dedupe_with`] to stop on it instead.
pub fn dedupe(input: &Path, settings: &Path, output: &Path) -> Result<RunSummary, MatchError> {
    dedupe_with(input, settings, output, RunOptions::default())
}

/// [`dedupe`] with options.
pub fn dedupe_with(
    input: &Path,
    settings: &Path,
    output: &Path,
    opts: RunOptions,
) -> Result<RunSummary, MatchError> {
    let settings = Settings::load(settings)?;
    let mut sum = RunSummary::default();
    let t = Instant::now();
    let mut ds = Dataset::new(&settings.schema);
    let mut entries = Vec::new();
    let ids = load_csv(
        input,
        &settings,
        &mut ds,
        &mut entries,
        opts,
        &mut sum.unreadable,
    )?;
    sum.records = ids.len();
    sum.load = t.elapsed();
    let t = Instant::now();
    let blocking = engine::Blocking {
        max_block: settings.max_block_size,
        budget: settings.budget(ds.n),
        n_left: None,
    };
    let sessions = engine::session_pairs(&ds, &entries, blocking);
    let pairs = engine::blocked_pairs(entries, None, blocking.max_block, blocking.budget);
    sum.candidate_pairs = pairs.len();
    sum.blocking = t.elapsed();
    let t = Instant::now();
    let mut model = prepare_model(&settings);
    let (gammas, st) = engine::train(&mut model, &ds, &sessions, &pairs, blocking, settings.seed);
    drop(sessions);
    sum.random_pairs = st.random_pairs;
    sum.u_sampling = st.u_time;
    sum.em = st.em_time;
    sum.training = t.elapsed();
    let t = Instant::now();
    let mut scored = engine::score(&model, &ds, &pairs, &gammas, settings.cluster_threshold);
    drop(gammas);
    drop(pairs);
    let reps = engine::constrained_clusters(&model, &ds, &mut scored, settings.cluster_threshold);
    sum.pairs = scored.len();
    let mut sizes = vec![0u32; ds.n];
    for &r in &reps {
        sizes[r as usize] += 1;
    }
    sum.clusters = Some(sizes.iter().filter(|&&s| s > 1).count());
    sum.scoring = t.elapsed();
    let t = Instant::now();
    let mut w = create(output)?;
    let io = |e| MatchError::io(output, e);
    writeln!(w, "id,cluster_id").map_err(io)?;
    for (k, id) in ids.iter().enumerate() {
        writeln!(w, "{},{}", quote(id), quote(&ids[reps[k] as usize])).map_err(io)?;
    }
    w.flush().map_err(io)?;
    sum.writing = t.elapsed();
    fill(&mut sum, model);
    Ok(sum)
}

/// Calibration on held-out labelled data: trains the model on `train` (without labels, as
/// `dedupe` does), then scores every candidate pair of `test` with that model left as it is
/// and compares the probabilities with the truth (`id,entity_id` of `test`): expected
/// calibration error and a reliability table over `bins` bins.
pub fn calibration_held_out(
    train: &Path,
    test: &Path,
    truth: &Path,
    settings: &Path,
    bins: usize,
) -> Result<crate::calibration::Calibration, MatchError> {
    let settings = Settings::load(settings)?;
    let mut un = Unreadable::default();
    let opts = RunOptions::default();
    // Train.
    let mut ds = Dataset::new(&settings.schema);
    let mut entries = Vec::new();
    load_csv(train, &settings, &mut ds, &mut entries, opts, &mut un)?;
    let blocking = engine::Blocking {
        max_block: settings.max_block_size,
        budget: settings.budget(ds.n),
        n_left: None,
    };
    let sessions = engine::session_pairs(&ds, &entries, blocking);
    let pairs = engine::blocked_pairs(entries, None, blocking.max_block, blocking.budget);
    let mut model = prepare_model(&settings);
    let (_, _) = engine::train(&mut model, &ds, &sessions, &pairs, blocking, settings.seed);
    let n_train = ds.n as f64;
    drop((sessions, pairs, ds));
    // Test.
    let mut ds = Dataset::new(&settings.schema);
    let mut entries = Vec::new();
    let ids = load_csv(test, &settings, &mut ds, &mut entries, opts, &mut un)?;
    let blocking = engine::Blocking {
        max_block: settings.max_block_size,
        budget: settings.budget(ds.n),
        n_left: None,
    };
    // λ is the prior of a random pair: with the same share of duplicates, the expected
    // matches grow with n and the pairs with n², so λ scales with n_train / n_test.
    model.lambda = (model.lambda * n_train / (ds.n as f64).max(1.0)).clamp(1e-12, 0.5);
    let pairs = engine::blocked_pairs(entries, None, blocking.max_block, blocking.budget);
    let entity = read_truth(truth)?;
    let ent: Vec<Option<&String>> = ids.iter().map(|i| entity.get(i)).collect();
    use rayon::prelude::*;
    let labelled: Vec<(f64, bool)> = pairs
        .par_iter()
        .map(|&p| {
            let (i, j) = engine::unpack(p);
            let g = ds.compare(i, j);
            let (prob, _, _) = model.score_pair(&ds, i, j, g, false);
            let same = matches!((ent[i], ent[j]), (Some(a), Some(b)) if a == b);
            (prob, same)
        })
        .collect();
    Ok(crate::calibration::calibration(&labelled, bins))
}

/// Calibration of linkage: trains on the two files without labels (as `link` does), scores
/// every candidate pair and compares with the true pairs (`left_id,right_id`). The labels
/// are never seen by training; the pairs are those of the same files (FEBRL4 comes as one
/// pair of files).
pub fn calibration_link(
    left: &Path,
    right: &Path,
    truth: &Path,
    settings: &Path,
    bins: usize,
) -> Result<crate::calibration::Calibration, MatchError> {
    let settings = Settings::load(settings)?;
    let mut un = Unreadable::default();
    let opts = RunOptions::default();
    let mut ds = Dataset::new(&settings.schema);
    let mut entries = Vec::new();
    let mut ids = load_csv(left, &settings, &mut ds, &mut entries, opts, &mut un)?;
    let n_left = ids.len();
    ids.extend(&load_csv(
        right,
        &settings,
        &mut ds,
        &mut entries,
        opts,
        &mut un,
    )?);
    let blocking = engine::Blocking {
        max_block: settings.max_block_size,
        budget: settings.budget(ds.n),
        n_left: Some(n_left),
    };
    let sessions = engine::session_pairs(&ds, &entries, blocking);
    let pairs = engine::blocked_pairs(entries, Some(n_left), blocking.max_block, blocking.budget);
    let mut model = prepare_model(&settings);
    let (gammas, _) = engine::train(&mut model, &ds, &sessions, &pairs, blocking, settings.seed);
    drop(sessions);
    let mut rdr = csv::Reader::from_path(truth).map_err(|e| csv_err(truth, e))?;
    let mut true_pairs = std::collections::HashSet::new();
    for r in rdr.records() {
        let r = r.map_err(|e| csv_err(truth, e))?;
        true_pairs.insert((
            r.get(0).unwrap_or("").to_string(),
            r.get(1).unwrap_or("").to_string(),
        ));
    }
    use rayon::prelude::*;
    let labelled: Vec<(f64, bool)> = pairs
        .par_iter()
        .zip(gammas.par_iter())
        .map(|(&p, &g)| {
            let (i, j) = engine::unpack(p);
            let (prob, _, _) = model.score_pair(&ds, i, j, g, false);
            let key = (ids[i].to_string(), ids[j].to_string());
            (prob, true_pairs.contains(&key))
        })
        .collect();
    Ok(crate::calibration::calibration(&labelled, bins))
}

fn read_truth(truth: &Path) -> Result<std::collections::HashMap<String, String>, MatchError> {
    let mut rdr = csv::Reader::from_path(truth).map_err(|e| csv_err(truth, e))?;
    let mut entity = std::collections::HashMap::new();
    for r in rdr.records() {
        let r = r.map_err(|e| csv_err(truth, e))?;
        entity.insert(
            r.get(0).unwrap_or("").to_string(),
            r.get(1).unwrap_or("").to_string(),
        );
    }
    Ok(entity)
}

/// Writes `records` synthetic people (with duplicates) to `output` and `id,entity_id` to `truth`.
pub fn generate(records: usize, seed: u64, output: &Path, truth: &Path) -> Result<(), MatchError> {
    crate::generate::write(records, seed, output, truth)
}

/// Measured recall of blocking: the share of true pairs (records with the same entity in
/// `truth`, a CSV `id,entity_id`) that blocking makes candidates. Returns
/// `(candidate pairs, true pairs, recall, ids of up to 50 missed pairs)`.
#[allow(clippy::type_complexity)]
pub fn blocking_recall(
    input: &Path,
    settings: &Path,
    truth: &Path,
) -> Result<(usize, usize, f64, Vec<(String, String)>), MatchError> {
    let settings = Settings::load(settings)?;
    let mut ds = Dataset::new(&settings.schema);
    let mut entries = Vec::new();
    let ids = load_csv(
        input,
        &settings,
        &mut ds,
        &mut entries,
        RunOptions::default(),
        &mut Unreadable::default(),
    )?;
    let pairs = engine::blocked_pairs(
        entries,
        None,
        settings.max_block_size,
        settings.budget(ds.n),
    );
    let mut rdr = csv::Reader::from_path(truth).map_err(|e| csv_err(truth, e))?;
    let mut entity: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for r in rdr.records() {
        let r = r.map_err(|e| csv_err(truth, e))?;
        entity.insert(
            r.get(0).unwrap_or("").to_string(),
            r.get(1).unwrap_or("").to_string(),
        );
    }
    let ent: Vec<Option<&String>> = ids.iter().map(|i| entity.get(i)).collect();
    let mut sizes: std::collections::HashMap<&String, usize> = std::collections::HashMap::new();
    for e in ent.iter().flatten() {
        *sizes.entry(e).or_insert(0) += 1;
    }
    let true_pairs: usize = sizes.values().map(|n| n * (n - 1) / 2).sum();
    let found = pairs
        .iter()
        .filter(|&&p| {
            let (i, j) = engine::unpack(p);
            matches!((ent[i], ent[j]), (Some(a), Some(b)) if a == b)
        })
        .count();
    let mut by_entity: std::collections::HashMap<&String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, e) in ent.iter().enumerate() {
        if let Some(e) = e {
            by_entity.entry(e).or_default().push(i);
        }
    }
    let mut missed = Vec::new();
    let mut groups: Vec<&Vec<usize>> = by_entity.values().filter(|v| v.len() > 1).collect();
    groups.sort();
    for g in groups {
        for a in 0..g.len() {
            for b in a + 1..g.len() {
                let (i, j) = (g[a].min(g[b]), g[a].max(g[b]));
                if missed.len() < 50
                    && pairs
                        .binary_search(&(((i as u64) << 32) | j as u64))
                        .is_err()
                {
                    missed.push((ids[i].to_string(), ids[j].to_string()));
                }
            }
        }
    }
    Ok((
        pairs.len(),
        true_pairs,
        if true_pairs == 0 {
            1.0
        } else {
            found as f64 / true_pairs as f64
        },
        missed,
    ))
}

#[cfg(test)]
mod csv_cells {
    use super::quote;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        assert_eq!(
            quote("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(quote("+1"), "'+1");
        assert_eq!(quote("-2"), "'-2");
        assert_eq!(quote("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(quote("rec-1-org"), "rec-1-org");
        assert_eq!(quote("a,b"), "\"a,b\"");
    }
}
