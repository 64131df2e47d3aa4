//! Everything lint reads, parsed once: YAML files, kustomization files, objects with their effective
//! namespace.

use super::{LintOptions, Severity, Sink, kustomization};
use crate::kustomize::{KUSTOMIZATION_FILES, Kustomization};
use crate::manifest::{self, Document, Limits, Node, ObjectId, Pos};
use crate::source::parent;
use crate::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A parsed YAML file.
pub(crate) struct ParsedFile {
    pub repo: usize,
    pub path: String,
    pub docs: Vec<Document>,
}

/// A kustomization file.
pub(crate) struct KustFile {
    pub repo: usize,
    pub dir: String,
    pub file: String,
    pub root: Node,
    /// `None` when kustomize would refuse the file (already reported).
    pub k: Option<Kustomization>,
}

/// A Kubernetes object found in the files.
pub(crate) struct Obj {
    pub repo: usize,
    pub file: String,
    pub pos: Pos,
    pub id: ObjectId,
    pub node: Node,
}

impl Obj {
    pub fn label(&self) -> String {
        match &self.id.namespace {
            Some(ns) => format!("{} {}/{}", self.id.kind, ns, self.id.name),
            None => format!("{} {}", self.id.kind, self.id.name),
        }
    }
    pub fn api_group(&self) -> &str {
        &self.id.group
    }
}

pub(crate) struct Index {
    pub files: Vec<ParsedFile>,
    pub kusts: Vec<KustFile>,
    pub objects: Vec<Obj>,
    /// Per repository: every file (not only YAML) and every directory that holds one.
    pub all_files: Vec<BTreeSet<String>>,
    pub all_dirs: Vec<BTreeSet<String>>,
    /// Per repository: files referenced from kustomizations in a role where they need not be objects
    /// (patches, generator inputs, configurations, …).
    pub non_resource: Vec<BTreeSet<String>>,
    /// Per repository: file → namespace set by the kustomization that lists it directly.
    pub namespace_of: Vec<HashMap<String, String>>,
}

pub(crate) fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml") || base_name(path) == "Kustomization"
}

pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl Index {
    pub fn build(ws: &Workspace, opts: &LintOptions, sink: &mut Sink) -> Index {
        let mut idx = Index {
            files: Vec::new(),
            kusts: Vec::new(),
            objects: Vec::new(),
            all_files: Vec::new(),
            all_dirs: Vec::new(),
            non_resource: vec![BTreeSet::new(); ws.repos.len()],
            namespace_of: vec![HashMap::new(); ws.repos.len()],
        };
        for (ri, repo) in ws.repos.iter().enumerate() {
            let walk = match repo.snapshot.walk("") {
                Ok(w) => w,
                Err(e) => {
                    sink.push(
                        Severity::Error,
                        "yaml-parse",
                        &repo.name,
                        "",
                        Pos::default(),
                        None,
                        format!("cannot read the repository: {e}"),
                    );
                    idx.all_files.push(BTreeSet::new());
                    idx.all_dirs.push(BTreeSet::new());
                    continue;
                }
            };
            for sub in &walk.submodules {
                sink.push(
                    Severity::Warning,
                    "yaml-parse",
                    &repo.name,
                    sub,
                    Pos { line: 1, col: 1 },
                    None,
                    "git submodule not supported: its content is not checked; vendor it or configure it as a repository of its own".to_string(),
                );
            }
            let chart_dirs: Vec<String> =
                walk.files.iter().filter(|f| base_name(f) == "Chart.yaml").map(|f| parent(f).to_string()).collect();
            let skipped = |f: &str| {
                f.split('/').any(|s| s.starts_with('.'))
                    || chart_dirs.iter().any(|d| d.is_empty() || f.starts_with(&format!("{d}/")))
                    || opts
                        .ignore
                        .iter()
                        .any(|g| crate::glob::matches(g, f) || crate::glob::matches(&format!("{g}/**"), f))
            };
            let mut dirs = BTreeSet::new();
            dirs.insert(String::new());
            for f in &walk.files {
                let mut p = parent(f);
                while !p.is_empty() && dirs.insert(p.to_string()) {
                    p = parent(p);
                }
            }
            idx.all_files.push(walk.files.iter().cloned().collect());
            idx.all_dirs.push(dirs);
            for f in walk.files.iter().filter(|f| is_yaml(f) && !skipped(f)) {
                let text = match repo.snapshot.read_string(f) {
                    Ok(t) => t,
                    Err(e) => {
                        sink.push(
                            Severity::Error,
                            "yaml-parse",
                            &repo.name,
                            f,
                            Pos { line: 1, col: 1 },
                            None,
                            format!("cannot read: {e}"),
                        );
                        continue;
                    }
                };
                match manifest::parse(f, &text, &Limits::default()) {
                    Ok(docs) => idx.files.push(ParsedFile { repo: ri, path: f.clone(), docs }),
                    Err(e) => sink.push(
                        Severity::Error,
                        "yaml-parse",
                        &repo.name,
                        f,
                        e.pos,
                        None,
                        format!("{}; fix the YAML", e.message),
                    ),
                }
            }
        }
        idx.load_kustomizations(ws, sink);
        kustomization::resolve(ws, &mut idx, sink);
        idx.load_objects(ws, sink);
        idx
    }

    fn load_kustomizations(&mut self, ws: &Workspace, sink: &mut Sink) {
        let mut seen: BTreeMap<(usize, String), String> = BTreeMap::new();
        for pf in &self.files {
            let name = base_name(&pf.path);
            if !KUSTOMIZATION_FILES.contains(&name) {
                continue;
            }
            let repo = &ws.repos[pf.repo].name;
            let dir = parent(&pf.path).to_string();
            if let Some(first) = seen.get(&(pf.repo, dir.clone())) {
                sink.push(
                    Severity::Error,
                    "kustomization-multiple",
                    repo,
                    &pf.path,
                    Pos { line: 1, col: 1 },
                    None,
                    format!("{first} is in the same directory; kustomize refuses a directory with several kustomization files: keep one"),
                );
                continue;
            }
            seen.insert((pf.repo, dir.clone()), pf.path.clone());
            let root = match pf.docs.as_slice() {
                [] => Node::scalar("", Pos { line: 1, col: 1 }),
                [one] => one.root.clone(),
                [_, second, ..] => {
                    sink.push(
                        Severity::Error,
                        "kustomization-schema",
                        repo,
                        &pf.path,
                        second.root.pos,
                        None,
                        "a kustomization file holds one YAML document; remove the others".to_string(),
                    );
                    continue;
                }
            };
            let k = {
                match Kustomization::from_node(&pf.path, &root) {
                    Ok(k) => Some(k),
                    Err(e) => {
                        sink.push(
                            Severity::Error,
                            "kustomization-schema",
                            repo,
                            &pf.path,
                            e.pos,
                            None,
                            format!("{}{} (kustomize v5 would refuse this file)", e.field, e.message),
                        );
                        None
                    }
                }
            };
            self.kusts.push(KustFile { repo: pf.repo, dir, file: pf.path.clone(), root, k });
        }
    }

    fn load_objects(&mut self, ws: &Workspace, sink: &mut Sink) {
        for pf in &self.files {
            if KUSTOMIZATION_FILES.contains(&base_name(&pf.path)) || self.non_resource[pf.repo].contains(&pf.path) {
                continue;
            }
            let repo = &ws.repos[pf.repo].name;
            for r in manifest::objects_from_documents(&pf.path, pf.docs.clone()) {
                match r {
                    Ok(o) => {
                        let mut id = o.id;
                        if id.namespace.is_none() {
                            id.namespace = self.namespace_of[pf.repo].get(&pf.path).cloned();
                        }
                        self.objects.push(Obj { repo: pf.repo, file: pf.path.clone(), pos: o.pos, id, node: o.root });
                    }
                    Err(e) => sink.push(
                        Severity::Error,
                        "not-an-object",
                        repo,
                        &pf.path,
                        e.pos,
                        None,
                        format!(
                            "{}; every YAML document must be a Kubernetes object, or list the file under lint.ignore",
                            e.message
                        ),
                    ),
                }
            }
        }
    }

    /// The kustomization file of a directory, if it has one.
    pub fn kust_in(&self, repo: usize, dir: &str) -> Option<&KustFile> {
        self.kusts.iter().find(|k| k.repo == repo && k.dir == dir)
    }

    /// Objects of `kind` named `name`, in a compatible namespace (unknown namespaces match anything).
    pub fn find<'a>(
        &'a self,
        kind: &'a str,
        name: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Obj> + 'a {
        self.objects.iter().filter(move |o| {
            o.id.kind == kind
                && o.id.name == name
                && match (namespace, o.id.namespace.as_deref()) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        })
    }
}
