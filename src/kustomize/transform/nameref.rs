//! Name back-references: fields that name another object (a ConfigMap in a volume, a ServiceAccount in a
//! RoleBinding subject, …) are updated to the referred object's final name (and namespace, where the field
//! holds one), once every prefix, suffix, namespace and hash has been applied.

use super::super::build::{RenderError, err};
use super::super::fieldspec::{NameRef, split_path, visit};
use super::super::resource::{Gvk, Resource, ns_eq};
use serde_json::Value;

/// What name references need to know about a possible referral.
struct Cand {
    gvk: Gvk,
    names: Vec<(String, String)>,
    name: String,
    namespace: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

struct Referrer {
    namespaces: Vec<String>,
    namespaced: bool,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

fn choose<'a>(
    cands: &[&'a Cand],
    old: &str,
    ns: Option<&str>,
    who: &Referrer,
    referral_namespaced: bool,
) -> Result<Option<&'a Cand>, String> {
    let ns_ok = |cns: &str| match ns {
        Some(explicit) => ns_eq(cns, explicit),
        None => !referral_namespaced || !who.namespaced || who.namespaces.iter().any(|rns| ns_eq(rns, cns)),
    };
    let hits: Vec<&Cand> =
        cands.iter().copied().filter(|c| c.names.iter().any(|(cns, n)| n == old && ns_ok(cns))).collect();
    if hits.len() <= 1 {
        return Ok(hits.first().copied());
    }
    // Several objects were once called `old`: keep those built under the same prefixes and suffixes as the
    // referrer (one list ending the other, as kustomize compares them), then those in its namespace.
    let strict: Vec<&Cand> = hits
        .iter()
        .copied()
        .filter(|c| same_ending(&c.prefixes, &who.prefixes, false) && same_ending(&c.suffixes, &who.suffixes, false))
        .collect();
    let hits = if strict.is_empty() {
        // None built under exactly the same affixes: an empty list on either side matches anything.
        let relaxed: Vec<&Cand> = hits
            .into_iter()
            .filter(|c| same_ending(&c.prefixes, &who.prefixes, true) && same_ending(&c.suffixes, &who.suffixes, true))
            .collect();
        relaxed
    } else {
        strict
    };
    if hits.len() <= 1 {
        return Ok(hits.first().copied());
    }
    let hits: Vec<&Cand> =
        hits.into_iter().filter(|c| who.namespaces.last().is_some_and(|rns| ns_eq(rns, &c.namespace))).collect();
    if hits.len() > 1 {
        return Err(format!(
            "found multiple possible referrals for {old:?}: {}",
            hits.iter()
                .map(|c| format!("{}/{}.{}", c.gvk.display(), c.name, c.namespace))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(hits.first().copied())
}

/// True when the shorter list is the tail of the longer one; an empty list matches only an empty one, or
/// anything when `allow_empty`.
fn same_ending(a: &[String], b: &[String], allow_empty: bool) -> bool {
    let n = a.len().min(b.len());
    if n == 0 {
        return allow_empty || a.len() == b.len();
    }
    a[a.len() - n..] == b[b.len() - n..]
}

pub fn fix(resources: &mut [Resource], refs: &[NameRef]) -> Result<(), RenderError> {
    let all: Vec<Cand> = resources
        .iter()
        .map(|r| Cand {
            gvk: r.gvk(),
            names: r.all_names(),
            name: r.name().to_string(),
            namespace: r.namespace().to_string(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        })
        .collect();
    for nr in refs {
        let cands: Vec<&Cand> = all.iter().filter(|c| nr.referral.selects(&c.gvk)).collect();
        if cands.is_empty() {
            continue;
        }
        let referral_namespaced = cands[0].gvk.is_namespaced();
        for r in resources.iter_mut() {
            let gvk = r.gvk();
            let who = Referrer {
                namespaces: r.all_names().into_iter().map(|(ns, _)| ns).collect(),
                namespaced: gvk.is_namespaced(),
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            };
            for spec in nr.specs.iter().filter(|s| s.gvk.selects(&gvk)) {
                let segs = split_path(&spec.path);
                let result = if segs.last().is_some_and(|s| s == "resourceNames")
                    && segs.first().is_some_and(|s| s == "rules")
                {
                    fix_resource_names(&mut r.obj, &nr.referral, &cands, &who, referral_namespaced)
                } else if segs.len() >= 2 && segs[segs.len() - 2] == "roleRef" {
                    let kind_ok = r.obj.get("roleRef").and_then(|x| x.get("kind")).and_then(Value::as_str)
                        == Some(nr.referral.kind.as_str());
                    if kind_ok {
                        fix_at(&mut r.obj, &segs, &nr.referral, &cands, &who, referral_namespaced)
                    } else {
                        Ok(())
                    }
                } else {
                    fix_at(&mut r.obj, &segs, &nr.referral, &cands, &who, referral_namespaced)
                };
                result.map_err(|m| err(format!("{}: {m}", r.id().display())))?;
            }
        }
    }
    Ok(())
}

fn fix_at(
    obj: &mut Value,
    segs: &[String],
    referral: &Gvk,
    cands: &[&Cand],
    who: &Referrer,
    referral_namespaced: bool,
) -> Result<(), String> {
    visit(obj, segs, false, &mut |v| match v {
        Value::Array(items) => {
            for item in items {
                fix_one(item, referral, cands, who, referral_namespaced)?;
            }
            Ok(())
        }
        other => fix_one(other, referral, cands, who, referral_namespaced),
    })
}

/// Fix one referring value: a name, or a `{kind?, name, namespace?}` map (RBAC subject, service reference).
fn fix_one(
    v: &mut Value,
    referral: &Gvk,
    cands: &[&Cand],
    who: &Referrer,
    referral_namespaced: bool,
) -> Result<(), String> {
    match v {
        Value::String(s) => {
            if let Some(c) = choose(cands, s, None, who, referral_namespaced)? {
                *s = c.name.clone();
            }
            Ok(())
        }
        Value::Object(m) => {
            if let Some(kind) = m.get("kind").and_then(Value::as_str)
                && kind != referral.kind
            {
                return Ok(());
            }
            let Some(name) = m.get("name").and_then(Value::as_str).map(str::to_string) else { return Ok(()) };
            if m.contains_key("namespace") && m.get("namespace").and_then(Value::as_str).is_none_or(str::is_empty) {
                return Err(
                    "Invalid Input: namespace is blank for a subject or service reference; set it or remove the key"
                        .to_string(),
                );
            }
            let ns = m.get("namespace").and_then(Value::as_str).map(str::to_string);
            if let Some(c) = choose(cands, &name, ns.as_deref(), who, referral_namespaced)? {
                m.insert("name".into(), Value::String(c.name.clone()));
                if !c.namespace.is_empty() {
                    m.insert("namespace".into(), Value::String(c.namespace.clone()));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn fix_resource_names(
    obj: &mut Value,
    referral: &Gvk,
    cands: &[&Cand],
    who: &Referrer,
    referral_namespaced: bool,
) -> Result<(), String> {
    let plural = format!("{}s", referral.kind.to_lowercase());
    let Some(rules) = obj.get_mut("rules").and_then(Value::as_array_mut) else { return Ok(()) };
    for rule in rules {
        let names_kind = rule
            .get("resources")
            .and_then(Value::as_array)
            .is_some_and(|rs| rs.iter().any(|x| x.as_str() == Some(plural.as_str())));
        if !names_kind {
            continue;
        }
        if let Some(Value::Array(names)) = rule.get_mut("resourceNames") {
            for n in names.iter_mut() {
                if let Value::String(s) = n
                    && let Some(c) = choose(cands, s, None, who, referral_namespaced)?
                {
                    *s = c.name.clone();
                }
            }
        }
    }
    Ok(())
}
