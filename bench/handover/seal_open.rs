//! Times one handover message's seal (sign + HPKE encrypt) and open (HPKE
//! decrypt + verify), in process, on a payload of about 1 KiB (a risk and
//! needs assessment's size). Run with `bench/handover/run.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use safepath_crypto::handover::{
    DEFAULT_LIFETIME_SECS, DeploymentIdentity, Outgoing, SequenceTracker, open, seal,
};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let d = DeploymentIdentity::generate();
    let o = DeploymentIdentity::generate();
    let partners = [d.public().clone()];
    let payload = serde_json::json!({
        "type": "risk_and_needs_assessment",
        "categories": ["health", "identity"],
        "needs": "x".repeat(900),
    });
    let now = 1_796_400_000;
    let mut seal_t = Vec::with_capacity(n);
    let mut open_t = Vec::with_capacity(n);
    let mut tracker = SequenceTracker::default();
    let mut size = 0;
    for seq in 1..=n as u64 {
        let t0 = Instant::now();
        let env = seal(
            &d,
            o.public(),
            Outgoing {
                handover_id: "7f0c2a52-1d8e-4a7b-9a56-3c1f0e2d4b6a",
                sequence: seq,
                now,
                lifetime_secs: DEFAULT_LIFETIME_SECS,
                payload: payload.clone(),
            },
        )
        .unwrap();
        let json = env.to_json();
        let t1 = Instant::now();
        let opened = open(&o, &partners, json.as_bytes(), now).unwrap();
        tracker.accept(&opened).unwrap();
        let t2 = Instant::now();
        seal_t.push(t1 - t0);
        open_t.push(t2 - t1);
        size = json.len();
    }
    seal_t.sort();
    open_t.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("handover message, {n} rounds, envelope {size} bytes");
    println!("| step | median µs | p95 µs |");
    println!("|---|---:|---:|");
    for (name, t) in [
        ("seal (sign + HPKE seal)", &seal_t),
        ("open (HPKE open + verify + sequence)", &open_t),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} |",
            us(percentile(t, 0.5)),
            us(percentile(t, 0.95))
        );
    }
}
