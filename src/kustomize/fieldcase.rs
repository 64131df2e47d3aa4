//! Go's `encoding/json` matches struct fields case-insensitively, so kustomize accepts `nameprefix:` or
//! `patchesJSON6902:`. Before strict decoding, keys of the kustomization's structs are rewritten to their
//! canonical spelling; free-form maps (labels, annotations, …) are left alone.

use serde_json::{Map, Value};

/// The shape of a value, for key normalisation.
enum S {
    /// Keys are data: leave them.
    Free,
    Struct(&'static [(&'static str, S)]),
    List(&'static S),
}

const FIELD_SPEC: S =
    S::Struct(&[("group", S::Free), ("version", S::Free), ("kind", S::Free), ("path", S::Free), ("create", S::Free)]);
const SELECTOR: S = S::Struct(&[
    ("group", S::Free),
    ("version", S::Free),
    ("kind", S::Free),
    ("name", S::Free),
    ("namespace", S::Free),
    ("annotationSelector", S::Free),
    ("labelSelector", S::Free),
]);
const PATCH: S = S::Struct(&[("path", S::Free), ("patch", S::Free), ("target", SELECTOR), ("options", S::Free)]);
const IMAGE: S = S::Struct(&[
    ("name", S::Free),
    ("newName", S::Free),
    ("newTag", S::Free),
    ("tagSuffix", S::Free),
    ("digest", S::Free),
]);
const FIELD_OPTIONS: S =
    S::Struct(&[("delimiter", S::Free), ("index", S::Free), ("encoding", S::Free), ("create", S::Free)]);
const GEN_OPTIONS: S = S::Struct(&[
    ("labels", S::Free),
    ("annotations", S::Free),
    ("disableNameSuffixHash", S::Free),
    ("immutable", S::Free),
]);
const GEN_ARGS: S = S::Struct(&[
    ("namespace", S::Free),
    ("name", S::Free),
    ("behavior", S::Free),
    ("literals", S::Free),
    ("files", S::Free),
    ("envs", S::Free),
    ("env", S::Free),
    ("options", GEN_OPTIONS),
    ("type", S::Free),
]);
const KUSTOMIZATION: S = S::Struct(&[
    ("apiVersion", S::Free),
    ("kind", S::Free),
    (
        "metadata",
        S::Struct(&[("name", S::Free), ("namespace", S::Free), ("labels", S::Free), ("annotations", S::Free)]),
    ),
    ("openapi", S::Free),
    ("namePrefix", S::Free),
    ("nameSuffix", S::Free),
    ("namespace", S::Free),
    ("commonLabels", S::Free),
    (
        "labels",
        S::List(&S::Struct(&[
            ("pairs", S::Free),
            ("includeSelectors", S::Free),
            ("includeTemplates", S::Free),
            ("fields", S::List(&FIELD_SPEC)),
        ])),
    ),
    ("commonAnnotations", S::Free),
    ("patchesStrategicMerge", S::Free),
    ("patchesJson6902", S::List(&PATCH)),
    ("patches", S::List(&PATCH)),
    ("images", S::List(&IMAGE)),
    ("imageTags", S::List(&IMAGE)),
    (
        "replacements",
        S::List(&S::Struct(&[
            ("path", S::Free),
            (
                "source",
                S::Struct(&[
                    ("group", S::Free),
                    ("version", S::Free),
                    ("kind", S::Free),
                    ("name", S::Free),
                    ("namespace", S::Free),
                    ("fieldPath", S::Free),
                    ("options", FIELD_OPTIONS),
                ]),
            ),
            (
                "targets",
                S::List(&S::Struct(&[
                    ("select", SELECTOR),
                    ("reject", S::List(&SELECTOR)),
                    ("fieldPaths", S::Free),
                    ("options", FIELD_OPTIONS),
                ])),
            ),
        ])),
    ),
    ("replicas", S::List(&S::Struct(&[("name", S::Free), ("count", S::Free)]))),
    (
        "vars",
        S::List(&S::Struct(&[
            ("name", S::Free),
            (
                "objref",
                S::Struct(&[
                    ("apiVersion", S::Free),
                    ("group", S::Free),
                    ("version", S::Free),
                    ("kind", S::Free),
                    ("name", S::Free),
                    ("namespace", S::Free),
                ]),
            ),
            ("fieldref", S::Struct(&[("fieldpath", S::Free)])),
        ])),
    ),
    (
        "sortOptions",
        S::Struct(&[
            ("order", S::Free),
            ("legacySortOptions", S::Struct(&[("orderFirst", S::Free), ("orderLast", S::Free)])),
        ]),
    ),
    ("resources", S::Free),
    ("components", S::Free),
    ("crds", S::Free),
    ("bases", S::Free),
    ("configMapGenerator", S::List(&GEN_ARGS)),
    ("secretGenerator", S::List(&GEN_ARGS)),
    ("helmGlobals", S::Struct(&[("chartHome", S::Free), ("configHome", S::Free)])),
    ("helmCharts", S::Free),
    ("helmChartInflationGenerator", S::Free),
    ("generatorOptions", GEN_OPTIONS),
    ("configurations", S::Free),
    ("generators", S::Free),
    ("transformers", S::Free),
    ("validators", S::Free),
    ("buildMetadata", S::Free),
]);

/// Rewrite a kustomization's struct keys to their canonical case.
pub fn normalize_kustomization(v: Value) -> Value {
    normalize(v, &KUSTOMIZATION)
}

fn normalize(v: Value, shape: &S) -> Value {
    match (v, shape) {
        (Value::Object(map), S::Struct(fields)) => {
            let mut out = Map::new();
            for (k, child) in map {
                match fields
                    .iter()
                    .find(|(name, _)| *name == k)
                    .or_else(|| fields.iter().find(|(name, _)| name.eq_ignore_ascii_case(&k)))
                {
                    Some((name, sub)) => {
                        // Go keeps the last of several spellings of one field.
                        out.insert((*name).to_string(), normalize(child, sub));
                    }
                    None => {
                        out.insert(k, child);
                    }
                }
            }
            Value::Object(out)
        }
        (Value::Array(items), S::List(inner)) => Value::Array(items.into_iter().map(|i| normalize(i, inner)).collect()),
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_fold_to_their_canonical_case_but_data_keys_do_not() {
        let v = normalize_kustomization(json!({
            "nameprefix": "p-",
            "patchesJSON6902": [{"Path": "p.yaml", "TARGET": {"KIND": "Deployment"}}],
            "commonLabels": {"App": "x"},
            "unknownField": 1
        }));
        assert_eq!(
            v,
            json!({
                "namePrefix": "p-",
                "patchesJson6902": [{"path": "p.yaml", "target": {"kind": "Deployment"}}],
                "commonLabels": {"App": "x"},
                "unknownField": 1
            })
        );
    }
}
