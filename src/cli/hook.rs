//! `fleetgate hook pre-receive` (git's pre-receive hook, see `hooks/`) and `fleetgate bench hook`.

use crate::hook::{self, HookMode, OnInternalError, PreReceiveOptions};
use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// The shim installed as `<bare repository>/hooks/pre-receive`.
const SHIM: &str = include_str!("../../hooks/pre-receive");
/// Ref updates read from stdin at most (a mirror push of many refs stays far below).
const MAX_INPUT: u64 = 16 << 20;

#[derive(Debug, clap::Subcommand)]
pub enum HookCommand {
    /// Run as git's pre-receive hook: read `<old> <new> <ref>` lines on stdin, run the repository's pipeline
    /// (without comment and reconcile) for each pushed branch, print the findings for the client and exit 1 to
    /// reject the push. Install it with the shim in hooks/pre-receive.
    PreReceive(PreReceiveArgs),
}

#[derive(Debug, clap::Args)]
pub struct PreReceiveArgs {
    /// The estate's fleetgate.yaml (else $FLEETGATE_CONFIG, else `git config fleetgate.config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The configured repository being pushed to (else `git config fleetgate.repo`, else the one whose `path` is
    /// this repository).
    #[arg(long)]
    pub repo: Option<String>,
    /// enforce: reject the push when the pipeline fails; warn: print the findings and accept
    /// (else $FLEETGATE_HOOK_MODE, else `git config fleetgate.mode`, else enforce).
    #[arg(long, value_name = "enforce|warn")]
    pub mode: Option<HookMode>,
    /// What an internal error (fleetgate itself failing) does to the push (else $FLEETGATE_HOOK_ON_ERROR, else
    /// `git config fleetgate.onInternalError`, else reject).
    #[arg(long, value_name = "reject|accept")]
    pub on_internal_error: Option<OnInternalError>,
    /// Time budget of the whole check, like 4s or 1m30s (else $FLEETGATE_HOOK_BUDGET, else
    /// `git config fleetgate.budget`, else 4s); running out is an internal error.
    #[arg(long, value_parser = hook::parse_budget)]
    pub budget: Option<Duration>,
}

pub fn run(command: &HookCommand) -> anyhow::Result<ExitCode> {
    match command {
        HookCommand::PreReceive(args) => Ok(pre_receive(args)),
    }
}

fn pre_receive(args: &PreReceiveArgs) -> ExitCode {
    let opts = PreReceiveOptions {
        config: args.config.clone(),
        repo: args.repo.clone(),
        mode: args.mode,
        on_internal_error: args.on_internal_error,
        budget: args.budget,
    };
    let mut input = Vec::new();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut stderr = std::io::stderr().lock();
    let env = |k: &str| std::env::var(k).ok();
    let accepted = match std::io::stdin().take(MAX_INPUT).read_to_end(&mut input) {
        // Ref names are bytes; one that is not UTF-8 is read lossily (it is only printed and classified).
        Ok(_) => hook::pre_receive(&opts, &String::from_utf8_lossy(&input), &env, &cwd, &mut stderr),
        Err(e) => {
            let _ = writeln!(stderr, "fleetgate: internal error: cannot read the ref updates from standard input: {e}");
            false
        }
    };
    if accepted { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

#[derive(Debug, clap::Args)]
pub struct HookBenchArgs {
    /// Sizes of generated fleets to push to, besides the example fleet.
    #[arg(long, value_delimiter = ',', default_value = "500")]
    pub clusters: Vec<usize>,
    /// One-file pushes per estate (each changes one cluster's kustomization).
    #[arg(long, default_value_t = 5)]
    pub pushes: usize,
    /// The example estate (its `fleet` repository is pushed to).
    #[arg(long, default_value = "examples")]
    pub examples: PathBuf,
    /// Keep the bare repositories, work clones and configs (printed path) to push again by hand.
    #[arg(long)]
    pub keep: bool,
}

/// `fleetgate bench hook`: the pre-receive wall time (shim and fleetgate, timed around the shim by a wrapper
/// hook) of one-file pushes into a bare repository holding the example fleet, then generated fleets.
pub fn bench(args: &HookBenchArgs) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("locating the fleetgate binary")?;
    if cfg!(debug_assertions) {
        println!("note: a debug build; time a release build (cargo build --release) for the real numbers");
    }
    println!(
        "pre-receive wall time of one-file pushes ({} per estate; the hook runs the default pipeline):",
        args.pushes
    );
    let examples = args.examples.join("fleet");
    if !examples.is_dir() {
        bail!("{} is not a directory; run from the project root or pass --examples", examples.display());
    }
    let keys = std::path::absolute(args.examples.join("keys"))?;
    let tmp = tempfile::Builder::new().prefix("fleetgate-bench-hook-").tempdir()?;
    let mut missed = false;
    {
        let root = tmp.path().join("examples");
        copy_dir(&examples, &root.join("work"))?;
        let m = bench_estate(&exe, &root, Some(&keys), "clusters/eu-west/prod-euw1-a/kustomization.yaml", args)?;
        missed |= m.print("example fleet (12 clusters)", 1.0);
    }
    for &n in &args.clusters {
        let root = tmp.path().join(format!("generated-{n}"));
        crate::fleet::generate::write_fleet(&root.join("gen"), n)?;
        std::fs::rename(root.join("gen/fleet"), root.join("work"))?;
        let file = format!("{}/kustomization.yaml", crate::fleet::generate::cluster_dir(n / 2));
        let m = bench_estate(&exe, &root, None, &file, args)?;
        missed |= m.print(&format!("generated fleet ({n} clusters)"), 4.0);
    }
    if args.keep {
        let kept = tmp.keep();
        println!(
            "kept {} (push from <estate>/work with FLEETGATE_BIN and FLEETGATE_CONFIG=<estate>/fleetgate.yaml)",
            kept.display()
        );
    }
    Ok(if missed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

struct Measured {
    hook: Vec<f64>,
    push: Vec<f64>,
    last_line: String,
}

impl Measured {
    /// Print one line; true when the median misses `goal` seconds.
    fn print(&self, what: &str, goal: f64) -> bool {
        let stats = |v: &[f64]| {
            let mut s = v.to_vec();
            s.sort_by(f64::total_cmp);
            (
                s.get(s.len() / 2).copied().unwrap_or(0.0),
                s.first().copied().unwrap_or(0.0),
                s.last().copied().unwrap_or(0.0),
            )
        };
        let (med, min, max) = stats(&self.hook);
        let (push_med, _, _) = stats(&self.push);
        let met = med < goal;
        println!(
            "  {what}: pre-receive median {med:.3}s (min {min:.3}s, max {max:.3}s), whole git push median {push_med:.3}s; goal < {goal}s: {}",
            if met { "met" } else { "MISSED" }
        );
        println!("    last push: {}", self.last_line);
        !met
    }
}

fn bench_git(dir: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    let out = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .with_context(|| format!("running git {args:?}"))?;
    Ok(out)
}

fn bench_git_ok(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = bench_git(dir, args)?;
    if !out.status.success() {
        bail!("git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// `root/work` holds the repository's files: commit them, clone a bare `root/remote.git` with the shim behind
/// a timing wrapper, and push `args.pushes` one-file changes of `file`.
fn bench_estate(
    exe: &Path,
    root: &Path,
    seal_keys: Option<&Path>,
    file: &str,
    args: &HookBenchArgs,
) -> anyhow::Result<Measured> {
    let work = root.join("work");
    let remote = root.join("remote.git");
    bench_git_ok(&work, &["init", "-q", "-b", "main"])?;
    bench_git_ok(&work, &["add", "-A"])?;
    bench_git_ok(&work, &["commit", "-q", "-m", "initial"])?;
    bench_git_ok(root, &["clone", "-q", "--bare", "work", "remote.git"])?;
    bench_git_ok(&work, &["remote", "add", "origin", &remote.display().to_string()])?;
    let mut config = "repos:\n  - name: fleet\n    role: system\n    urls: [https://git.example.com/platform/fleet.git]\n    path: remote.git\nclusters:\n  roots:\n    - repo: fleet\n      paths: [\"clusters/*/*\"]\n".to_string();
    if let Some(keys) = seal_keys {
        config.push_str(&format!(
            "sealCheck:\n  groups:\n    - name: default\n      keys:\n        - file: {}\n        - file: {}\n",
            keys.join("sealed-secrets.key").display(),
            keys.join("sealed-secrets.crt").display()
        ));
    }
    std::fs::write(root.join("fleetgate.yaml"), config)?;
    let hooks = remote.join("hooks");
    let times = root.join("times");
    std::fs::write(hooks.join("fleetgate-pre-receive"), SHIM)?;
    std::fs::write(
        hooks.join("pre-receive"),
        format!(
            "#!/bin/sh\ns=$(date +%s%N)\n\"$(dirname \"$0\")/fleetgate-pre-receive\"\nrc=$?\ne=$(date +%s%N)\necho $((e - s)) >> '{}'\nexit $rc\n",
            times.display()
        ),
    )?;
    make_executable(&hooks.join("fleetgate-pre-receive"))?;
    make_executable(&hooks.join("pre-receive"))?;
    let original = std::fs::read_to_string(work.join(file)).with_context(|| format!("reading {file}"))?;
    let Some(owner) = original.lines().find_map(|l| l.trim().strip_prefix("txtOwnerId: ")) else {
        bail!("{file}: no txtOwnerId to change");
    };
    let owner = owner.to_string();
    let mut push_times = Vec::new();
    let mut last_line = String::new();
    for i in 0..args.pushes {
        let text = original.replacen(&format!("txtOwnerId: {owner}"), &format!("txtOwnerId: {owner}-push{i}"), 1);
        std::fs::write(work.join(file), text)?;
        bench_git_ok(&work, &["commit", "-q", "-am", &format!("push {i}")])?;
        let t = Instant::now();
        let out = Command::new("git")
            .args(["push", "-q", "origin", "main"])
            .current_dir(&work)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("FLEETGATE_BIN", exe)
            .env("FLEETGATE_CONFIG", root.join("fleetgate.yaml"))
            .env("FLEETGATE_HOOK_BUDGET", "10m")
            .output()?;
        push_times.push(t.elapsed().as_secs_f64());
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            bail!("push {i} into {} was rejected:\n{text}", remote.display());
        }
        last_line = text
            .lines()
            .find(|l| l.contains("fleetgate: refs/heads/main"))
            .map(|l| l.trim_start_matches("remote: ").trim().to_string())
            .unwrap_or_default();
    }
    let hook = std::fs::read_to_string(&times)?
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .map(|ns| ns / 1e9)
        .collect();
    Ok(Measured { hook, push: push_times, last_line })
}

fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}
