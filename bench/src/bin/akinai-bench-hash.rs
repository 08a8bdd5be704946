//! `akinai-bench-hash`: measures Argon2id with akinai's production parameters on this machine:
//! the time of one hash (what a login or sign-up costs the server) and the throughput of the
//! bounded hasher under a flood of concurrent logins (what an attacker can make it do). Prints
//! Markdown rows for docs/security.md.
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use akinai_core::accounts::{HashConfig, Hasher};

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let config = HashConfig::default();
    let hasher = Hasher::new(config);
    let phc = hasher.hash("correct horse battery staple".into()).await?;
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        hasher
            .verify("correct horse battery staple".into(), Some(phc.clone()))
            .await?;
        times.push(started.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // A flood: 200 verifications requested at once.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let hasher = hasher.clone();
        let phc = phc.clone();
        tasks.push(tokio::spawn(async move {
            hasher.verify("wrong".into(), Some(phc)).await
        }));
    }
    let (mut done, mut busy) = (0, 0);
    for t in tasks {
        match t.await? {
            Ok(_) => done += 1,
            Err(_) => busy += 1,
        }
    }
    let flood = started.elapsed();
    println!(
        "Argon2id m={} KiB, t={}, p={}; {} at once, {} may wait",
        config.memory_kib, config.iterations, config.parallelism, config.concurrency, config.queue
    );
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| one verification, median of 20 | {:.1} ms |",
        ms(times[10])
    );
    println!(
        "| one verification, slowest of 20 | {:.1} ms |",
        ms(times[19])
    );
    println!(
        "| flood of 200 concurrent logins: verified / refused as busy | {done} / {busy} in {:.2} s |",
        flood.as_secs_f64()
    );
    println!(
        "| verifications per second under the flood | {:.0} |",
        f64::from(done) / flood.as_secs_f64()
    );
    Ok(())
}
