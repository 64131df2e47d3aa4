//! `fleetgate bench render`: fleetgate's renderer against one `kubectl kustomize` process per directory, in
//! the same run, on the same directories.

use crate::kustomize::{Options, build, emit};
use crate::source::Snapshot;
use anyhow::{Context, bail};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Trees to search for kustomization directories (default: examples and ../shared/corpus/*).
    pub roots: Vec<PathBuf>,
    /// How many times fleetgate renders the whole set (the best run counts; kubectl runs once).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
}

/// CPU seconds (user + system) of this process and of its waited-for children, from /proc.
fn cpu_times() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return (0.0, 0.0) };
    // Fields after the command name (which may contain spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    let tick = 100.0;
    let get = |i: usize| f.get(i).copied().unwrap_or(0.0) / tick;
    // utime, stime, cutime, cstime are fields 14..17 (1-based) = indexes 11..14 after the name.
    (get(11) + get(12), get(13) + get(14))
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Every directory holding a kustomization.yaml below `root` (no dot-directories).
fn kustomization_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else { return };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            kustomization_dirs(&p, out);
        } else if name == "kustomization.yaml" {
            out.push(root.to_path_buf());
        }
    }
}

struct Dir {
    path: PathBuf,
    snapshot_root: PathBuf,
    rel: String,
}

pub fn bench(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let roots = if args.roots.is_empty() {
        let mut r = vec![PathBuf::from("examples")];
        if let Ok(rd) = std::fs::read_dir("../shared/corpus") {
            let mut more: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
            more.sort();
            r.extend(more);
        }
        r
    } else {
        args.roots.clone()
    };
    let mut dirs = Vec::new();
    for root in &roots {
        let root = root.canonicalize().with_context(|| format!("{}: no such directory", root.display()))?;
        let mut found = Vec::new();
        kustomization_dirs(&root, &mut found);
        for d in found {
            let rel = d.strip_prefix(&root).unwrap_or(Path::new("")).to_string_lossy().into_owned();
            dirs.push(Dir { path: d, snapshot_root: root.clone(), rel });
        }
    }
    if dirs.is_empty() {
        bail!("no kustomization directories found under {roots:?}");
    }
    let tty = std::io::stderr().is_terminal();
    // kubectl: one process per directory, as a CI job or a peer tool would run it.
    let (_, child_before) = cpu_times();
    let started = Instant::now();
    let mut reference = Vec::new();
    let mut slowest: Option<(Duration, usize)> = None;
    for (i, d) in dirs.iter().enumerate() {
        if tty {
            eprint!("\rkubectl kustomize {}/{}", i + 1, dirs.len());
        }
        let t = Instant::now();
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(&d.path)
            .output()
            .context("running kubectl kustomize (is kubectl installed?)")?;
        let took = t.elapsed();
        if slowest.is_none_or(|(s, _)| took > s) {
            slowest = Some((took, i));
        }
        reference.push(out.status.success().then_some(out.stdout));
    }
    let kubectl_wall = started.elapsed();
    let (_, child_after) = cpu_times();
    if tty {
        eprintln!();
    }
    // fleetgate: one process, every directory, best of N.
    let mut best = Duration::MAX;
    let mut best_cpu = f64::MAX;
    let mut ours = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let (self_before, _) = cpu_times();
        let t = Instant::now();
        let mut outs = Vec::new();
        let mut snaps: std::collections::HashMap<PathBuf, Snapshot> = std::collections::HashMap::new();
        for d in &dirs {
            let snap = match snaps.get(&d.snapshot_root) {
                Some(s) => s.clone(),
                None => {
                    let s = Snapshot::dir(&d.snapshot_root)?;
                    snaps.insert(d.snapshot_root.clone(), s.clone());
                    s
                }
            };
            outs.push(
                build(&snap, &d.rel, &Options::default()).ok().map(|r| emit::to_yaml_stream(&r.values()).into_bytes()),
            );
        }
        let took = t.elapsed();
        let (self_after, _) = cpu_times();
        if took < best {
            best = took;
            best_cpu = self_after - self_before;
            ours = outs;
        }
    }
    let mut identical = 0;
    let mut both_fail = 0;
    let mut differ = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        match (&reference[i], &ours[i]) {
            (Some(a), Some(b)) if a == b => identical += 1,
            (None, None) => both_fail += 1,
            (a, b) => differ.push(format!(
                "{} ({})",
                d.path.display(),
                match (a, b) {
                    (Some(_), Some(_)) => "output differs",
                    (Some(_), None) => "fleetgate failed",
                    _ => "kubectl failed",
                }
            )),
        }
    }
    let kubectl_cpu = child_after - child_before;
    println!(
        "directories: {} ({} byte-identical, {} rejected by both, {} differ)",
        dirs.len(),
        identical,
        both_fail,
        differ.len()
    );
    println!(
        "kubectl kustomize (one process per directory): wall {:.3}s, cpu {:.2}s",
        kubectl_wall.as_secs_f64(),
        kubectl_cpu
    );
    println!(
        "fleetgate (one process, best of {}): wall {:.3}s, cpu {:.2}s, peak memory {:.1} MB",
        args.repeat.max(1),
        best.as_secs_f64(),
        best_cpu,
        peak_rss_mb()
    );
    println!("speed-up (wall): {:.1}x", kubectl_wall.as_secs_f64() / best.as_secs_f64().max(1e-9));
    if let Some((took, i)) = slowest {
        let d = &dirs[i];
        let snap = Snapshot::dir(&d.snapshot_root)?;
        let mut best_one = Duration::MAX;
        for _ in 0..args.repeat.max(1) * 3 {
            let t = Instant::now();
            let _ = build(&snap, &d.rel, &Options::default()).map(|r| emit::to_yaml_stream(&r.values()));
            best_one = best_one.min(t.elapsed());
        }
        println!(
            "slowest directory for kubectl: {}: kubectl {:.3}s, fleetgate {:.4}s, speed-up {:.1}x",
            d.path.display(),
            took.as_secs_f64(),
            best_one.as_secs_f64(),
            took.as_secs_f64() / best_one.as_secs_f64().max(1e-9)
        );
    }
    for d in &differ {
        println!("  differs: {d}");
    }
    Ok(if differ.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[derive(Debug, clap::Args)]
pub struct FleetBenchArgs {
    /// Fleet sizes to generate and check.
    #[arg(long, value_delimiter = ',', default_value = "60,500")]
    pub clusters: Vec<usize>,
    /// Also render every cluster with one `kubectl kustomize` process each, for the ratio.
    #[arg(long)]
    pub kubectl: bool,
}

/// `fleetgate bench fleet`: generate fleets, time `check`'s comparison for a one-cluster change and a base addon
/// change, print peak memory and (with --kubectl) the ratio to one kubectl process per cluster.
pub fn bench_fleet(args: &FleetBenchArgs) -> anyhow::Result<ExitCode> {
    use crate::fleet::{affected, generate};
    use crate::source::{ChangeKind, ChangedPath};
    use std::collections::BTreeMap;
    for &n in &args.clusters {
        let dir = std::env::temp_dir().join(format!("fleetgate-bench-fleet-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        generate::write_fleet(&dir, n)?;
        let config = crate::config::Config::load(&dir.join("fleetgate.yaml"))?;
        let base = crate::workspace::Workspace::from_config(&config, None)?;
        let scenarios = [
            (
                "one cluster's overlay",
                format!("{}/kustomization.yaml", generate::cluster_dir(n / 2)),
                "txtOwnerId:",
                "txtOwnerId: changed-",
            ),
            (
                "one base addon",
                "infrastructure/base/cert-manager/release.yaml".to_string(),
                "version: \"1.0.0\"",
                "version: \"1.0.1\"",
            ),
        ];
        println!(
            "fleet of {n} clusters ({} regions, 2 tiers, {} base addons):",
            generate::REGIONS.len(),
            generate::ADDONS.len()
        );
        for (what, file, from, to) in scenarios {
            let mut head = base.clone();
            let repo = head.repos.iter_mut().find(|r| r.name == "fleet").context("generated fleet repository")?;
            let text = repo.snapshot.read_string(&file)?.replacen(from, to, 1);
            repo.snapshot = repo.snapshot.with_files(BTreeMap::from([(file.clone(), text.into_bytes())]));
            let changed = BTreeMap::from([(
                "fleet".to_string(),
                vec![ChangedPath { path: file.clone(), kind: ChangeKind::Modified }],
            )]);
            let t = Instant::now();
            let cmp = affected::compare(&base, &head, Some(&config), changed);
            let took = t.elapsed();
            println!(
                "  change to {what}: {:.3}s wall, {} of {} clusters affected, {} sync roots rendered at head, {} reused, peak memory {:.0} MB",
                took.as_secs_f64(),
                cmp.clusters.len(),
                cmp.head.clusters().len(),
                cmp.rendered,
                cmp.reused,
                peak_rss_mb()
            );
        }
        if args.kubectl {
            let t = Instant::now();
            for i in 0..n {
                let out = Command::new("kubectl")
                    .arg("kustomize")
                    .arg(dir.join("fleet").join(generate::cluster_dir(i)))
                    .output()?;
                if !out.status.success() {
                    bail!("kubectl kustomize failed on cluster {i}");
                }
            }
            let took = t.elapsed();
            let snap = Snapshot::dir(dir.join("fleet"))?;
            let t2 = Instant::now();
            for i in 0..n {
                build(&snap, &generate::cluster_dir(i), &Options::default()).map_err(|e| anyhow::anyhow!(e.message))?;
            }
            let ours = t2.elapsed();
            println!(
                "  every cluster once: kubectl (one process per cluster) {:.2}s, fleetgate {:.3}s, ratio {:.0}x",
                took.as_secs_f64(),
                ours.as_secs_f64(),
                took.as_secs_f64() / ours.as_secs_f64().max(1e-9)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}
