//! The markdown tables and the summary, and the number formats they use.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::CONTENDERS;
use crate::{Figure, Outcome, Workload};

/// One row of results: a workload at one N.
pub(crate) struct Row {
    pub(crate) workload: Workload,
    pub(crate) n: usize,
    pub(crate) cells: BTreeMap<&'static str, Outcome>,
}

impl Row {
    pub(crate) fn figure(&self, contender: &str) -> Option<&Figure> {
        self.cells.get(contender)?.as_ref().ok()
    }
}

pub(crate) fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn fmt_ns(ns: f64) -> String {
    match ns.abs() {
        x if x >= 1e9 => format!("{:.2} s", ns / 1e9),
        x if x >= 1e6 => format!("{:.2} ms", ns / 1e6),
        x if x >= 1e3 => format!("{:.2} µs", ns / 1e3),
        x if x >= 100.0 => format!("{ns:.0} ns"),
        _ => format!("{ns:.1} ns"),
    }
}

fn fmt_bytes(b: f64) -> String {
    match b.abs() {
        x if x >= (1 << 30) as f64 => format!("{:.2} GiB", b / (1u64 << 30) as f64),
        x if x >= (1 << 20) as f64 => format!("{:.1} MiB", b / (1 << 20) as f64),
        x if x >= 10240.0 => format!("{:.1} KiB", b / 1024.0),
        _ => format!("{b:.0} B"),
    }
}

pub(crate) fn fmt_unit(workload: Workload, v: f64) -> String {
    if workload.is_memory() { fmt_bytes(v) } else { fmt_ns(v) }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.1}x")
    }
}

fn fmt_duration(d: Duration) -> String {
    fmt_ns(d.as_nanos() as f64)
}

pub(crate) fn print_tables(rows: &[Row]) {
    let header = format!("| workload | N | {} |", CONTENDERS.join(" | "));
    let rule = format!("|---|---:|{}", "---:|".repeat(CONTENDERS.len()));

    println!("\n### Per unit (ratio = contender / grove; above 1x grove is ahead)\n");
    println!("{header}\n{rule}");
    let mut early = Vec::new();
    for row in rows {
        let grove = row.figure("grove").map(|f| f.per_unit);
        let cells: Vec<String> = CONTENDERS
            .iter()
            .map(|&c| {
                let Some(outcome) = row.cells.get(c) else {
                    return "n/a".into();
                };
                match outcome {
                    Err(reason) => reason.clone(),
                    Ok(f) => {
                        let mut cell = fmt_unit(row.workload, f.per_unit);
                        if let (Some(g), true) = (grove, c != "grove") {
                            cell += &format!(" ({})", fmt_ratio(f.per_unit / g));
                        }
                        if f.early > 0 {
                            early.push(format!("{c} at {}: {} of {}", label(row.n), f.early, row.n));
                            cell += " *";
                        }
                        cell
                    }
                }
            })
            .collect();
        println!(
            "| {} ({}) | {} | {} |",
            row.workload.name(),
            row.workload.unit(),
            label(row.n),
            cells.join(" | ")
        );
    }
    if !early.is_empty() {
        println!(
            "\n\\* sleepers that had already woken when memory was read (freed memory may leave RSS as it was): {}",
            early.join("; ")
        );
    }

    println!("\n### Totals (timed run's wall time; memory workloads: whole run, and VmRSS while all wait)\n");
    println!("{header}\n{rule}");
    for row in rows {
        let cells: Vec<String> = CONTENDERS
            .iter()
            .map(|&c| match row.cells.get(c) {
                None => "n/a".into(),
                Some(Err(_)) => "-".into(),
                Some(Ok(f)) => match f.rss {
                    Some(rss) => format!("{}, {}", fmt_duration(f.wall), fmt_bytes(rss)),
                    None => fmt_duration(f.wall),
                },
            })
            .collect();
        println!("| {} | {} | {} |", row.workload.name(), label(row.n), cells.join(" | "));
    }
}

fn find(rows: &[Row], workload: Workload, n: usize) -> Option<&Row> {
    rows.iter().find(|r| r.workload == workload && r.n == n)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

pub(crate) fn print_summary(rows: &[Row], sizes: &[usize]) {
    println!("\n### Summary\n");

    println!("Resident memory per sleeping task:");
    for &n in sizes {
        let Some(row) = find(rows, Workload::Sleepers, n) else {
            continue;
        };
        let Some(grove) = row.figure("grove") else {
            println!("- {}: grove not measured", label(n));
            continue;
        };
        let others: Vec<String> = CONTENDERS[1..]
            .iter()
            .filter_map(|&c| match row.cells.get(c)? {
                Ok(f) => Some(format!(
                    "{c} {} ({})",
                    fmt_bytes(f.per_unit),
                    fmt_ratio(f.per_unit / grove.per_unit)
                )),
                Err(reason) => Some(format!("{c} {reason}")),
            })
            .collect();
        let lowest = CONTENDERS[1..]
            .iter()
            .filter_map(|&c| row.figure(c))
            .all(|f| f.per_unit >= grove.per_unit);
        println!(
            "- {}: grove {}; {} -> grove lowest: {}",
            label(n),
            fmt_bytes(grove.per_unit),
            others.join(", "),
            if lowest { "yes" } else { "NO" }
        );
    }
    match find(rows, Workload::Sleepers, 1_000_000).and_then(|r| r.figure("grove")) {
        Some(f) => {
            let total = f.rss.unwrap_or(f64::NAN);
            let delta = f.per_unit * 1_000_000.0;
            println!(
                "- grove at 1M: {:.0} MB resident in total while all sleep ({:.0} MB over the baseline); \
                 goal under 200 MB: {}",
                total / 1e6,
                delta / 1e6,
                verdict(total < 200e6)
            );
        }
        None => println!("- grove at 1M: not run"),
    }

    println!("\nRing, time per hop (goals: smol/grove >= 5x, threads/grove >= 100x):");
    for &n in sizes {
        let Some(row) = find(rows, Workload::Ring, n) else {
            continue;
        };
        let Some(grove) = row.figure("grove") else { continue };
        let ratio = |c: &str, goal: Option<f64>| match row.cells.get(c) {
            Some(Ok(f)) => {
                let r = f.per_unit / grove.per_unit;
                let goal = goal
                    .map(|g| format!(", goal {g}x {}", verdict(r >= g)))
                    .unwrap_or_default();
                format!("{c} {} = {}{goal}", fmt_ns(f.per_unit), fmt_ratio(r))
            }
            Some(Err(reason)) => format!("{c} {reason}"),
            None => format!("{c} -"),
        };
        println!(
            "- {}: grove {}; {}; {}; {}",
            label(n),
            fmt_ns(grove.per_unit),
            ratio("smol", Some(5.0)),
            ratio("threads", Some(100.0)),
            ratio("tokio", None)
        );
    }

    let per_unit = |n| {
        find(rows, Workload::SpawnJoin, n)
            .and_then(|r| r.figure("grove"))
            .map(|f| f.per_unit)
    };
    let largest = sizes.iter().copied().filter(|&n| n > 1_000).max();
    match (per_unit(1_000), largest.and_then(|n| Some((n, per_unit(n)?)))) {
        (Some(small), Some((n, big))) => println!(
            "\ngrove's flat cost: spawn_join per unit at {} / at 1k = {} / {} = {:.2}{}",
            label(n),
            fmt_ns(big),
            fmt_ns(small),
            big / small,
            if n < 1_000_000 { " (1M not run)" } else { "" }
        ),
        _ => println!("\ngrove's flat cost: needs spawn_join at 1k and a larger N"),
    }
}
