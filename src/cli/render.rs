//! `fleetgate render` and `fleetgate conformance`.

use crate::kustomize::conformance::{Outcome, run_corpus, summarize};
use crate::kustomize::{LoadRestrictor, Options, Reorder, build};
use crate::source::Snapshot;
use anyhow::{Context, bail};
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReorderArg {
    Legacy,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RestrictorArg {
    RootOnly,
    None,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The kustomization directory.
    pub dir: PathBuf,
    /// Render a git revision (branch, tag, SHA, HEAD~1, …) of the repository containing DIR.
    #[arg(long)]
    pub rev: Option<String>,
    /// Output order: kustomize's legacy kind order (the CLI default) or input order.
    #[arg(long, value_enum, default_value_t = ReorderArg::Legacy)]
    pub reorder: ReorderArg,
    /// Which files a kustomization may read.
    #[arg(long, value_enum, default_value_t = RestrictorArg::RootOnly)]
    pub load_restrictor: RestrictorArg,
    /// Build as Flux's kustomize-controller does (implicit kustomization, no load restrictor, input order).
    #[arg(long)]
    pub flux: bool,
    /// Print the dependency set (every path read and directory listed) instead of the objects.
    #[arg(long)]
    pub deps: bool,
}

/// The snapshot a directory is read from (the enclosing git work tree when there is one, so `../base` works)
/// and the directory's path inside it.
fn snapshot_for(dir: &Path, rev: Option<&str>) -> anyhow::Result<(Snapshot, String)> {
    let canon = dir.canonicalize().with_context(|| format!("{}: no such directory", dir.display()))?;
    if !canon.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    let root = match gix::discover(&canon).ok().and_then(|r| r.workdir().map(Path::to_path_buf)) {
        Some(wd) => wd.canonicalize()?,
        None if rev.is_some() => bail!("{}: not inside a git repository, so --rev cannot be used", dir.display()),
        None => {
            let cwd = std::env::current_dir()?.canonicalize()?;
            if canon.starts_with(&cwd) { cwd } else { canon.clone() }
        }
    };
    let rel = canon.strip_prefix(&root).unwrap_or(Path::new(""));
    let rel = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
    let snap = match rev {
        Some(r) => Snapshot::git(&root, r)?,
        None => Snapshot::dir(&root)?,
    };
    Ok((snap, rel))
}

pub fn render(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let (snap, rel) = snapshot_for(&args.dir, args.rev.as_deref())?;
    let options = if args.flux {
        Options::flux()
    } else {
        Options {
            reorder: match args.reorder {
                ReorderArg::Legacy => Reorder::Legacy,
                ReorderArg::None => Reorder::None,
            },
            load_restrictor: match args.load_restrictor {
                RestrictorArg::RootOnly => LoadRestrictor::RootOnly,
                RestrictorArg::None => LoadRestrictor::None,
            },
            flux: false,
        }
    };
    let rendered = match build(&snap, &rel, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fleetgate: render {}: {}", args.dir.display(), e.message);
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = std::io::stdout().lock();
    if args.deps {
        for p in &rendered.deps.reads {
            writeln!(out, "read {p}")?;
        }
        for p in &rendered.deps.lists {
            writeln!(out, "list {}", if p.is_empty() { "." } else { p })?;
        }
    } else {
        out.write_all(crate::kustomize::emit::to_yaml_stream(&rendered.values()).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct ConformanceArgs {
    /// A corpus directory (one case per subdirectory: case.json, input/, expected.yaml).
    pub dir: PathBuf,
    /// List every failing case with its reason.
    #[arg(long)]
    pub verbose: bool,
}

pub fn conformance(args: &ConformanceArgs) -> anyhow::Result<ExitCode> {
    let tty = std::io::stderr().is_terminal();
    let results = run_corpus(&args.dir, |i, n, _| {
        if tty {
            eprint!("\r{i}/{n} cases");
        }
    })
    .with_context(|| format!("reading {}", args.dir.display()))?;
    if tty {
        eprintln!();
    }
    let s = summarize(&results);
    println!("{}/{} byte-identical, {} semantic-only, {} failed", s.identical, s.total, s.semantic, s.failed);
    println!(
        "success cases: {}/{} byte-identical; error cases: {}/{} rejected",
        s.success_identical, s.success_cases, s.error_rejected, s.error_cases
    );
    println!("per area (cases: identical / semantic / failed):");
    for (area, (n, i, se, f)) in &s.areas {
        println!("  {area}: {n} cases: {i} / {se} / {f}");
    }
    let failing: Vec<_> = results.iter().filter(|r| r.outcome != Outcome::Identical).collect();
    if !failing.is_empty() {
        println!("not identical:");
        for r in failing {
            match &r.outcome {
                Outcome::Failed(why) if args.verbose => println!("  FAIL {}: {why}", r.name),
                Outcome::Failed(_) => println!("  FAIL {}", r.name),
                _ => println!("  SEMANTIC {}", r.name),
            }
        }
    }
    Ok(if s.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
