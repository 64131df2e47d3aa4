//! The kustomization file, field for field as kustomize v5.5 decodes it: unknown fields anywhere are errors,
//! values are typed under YAML 1.1 (see [`super::yaml11`]), `null` is accepted wherever kustomize accepts it.

use crate::manifest::{Node, PathSeg, Pos};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The names kustomize looks for, in its order of preference.
pub const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

pub const KUSTOMIZATION_API_VERSION: &str = "kustomize.config.k8s.io/v1beta1";
pub const COMPONENT_API_VERSION: &str = "kustomize.config.k8s.io/v1alpha1";

/// A kustomization file that kustomize would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}:{}: invalid kustomization: {field}{message}", pos.line, pos.col)]
pub struct KustomizationError {
    pub file: String,
    pub pos: Pos,
    /// `images[0].newTag: ` style prefix, or empty.
    pub field: String,
    pub message: String,
}

type StrMap = BTreeMap<String, Option<String>>;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomization {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<ObjectMeta>,
    #[serde(rename = "openapi")]
    pub open_api: Option<BTreeMap<String, Option<String>>>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub namespace: Option<String>,
    pub common_labels: Option<StrMap>,
    pub labels: Option<Vec<Label>>,
    pub common_annotations: Option<StrMap>,
    pub patches_strategic_merge: Option<Vec<String>>,
    pub patches_json6902: Option<Vec<Patch>>,
    pub patches: Option<Vec<Patch>>,
    pub images: Option<Vec<Image>>,
    pub image_tags: Option<Vec<Image>>,
    pub replacements: Option<Vec<ReplacementField>>,
    pub replicas: Option<Vec<Replica>>,
    pub vars: Option<Vec<Var>>,
    pub sort_options: Option<SortOptions>,
    pub resources: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub crds: Option<Vec<String>>,
    pub bases: Option<Vec<String>>,
    pub config_map_generator: Option<Vec<GeneratorArgs>>,
    pub secret_generator: Option<Vec<GeneratorArgs>>,
    pub helm_globals: Option<HelmGlobals>,
    pub helm_charts: Option<Vec<HelmChart>>,
    pub helm_chart_inflation_generator: Option<Vec<serde_json::Value>>,
    pub generator_options: Option<GeneratorOptions>,
    pub configurations: Option<Vec<String>>,
    pub generators: Option<Vec<String>>,
    pub transformers: Option<Vec<String>>,
    pub validators: Option<Vec<String>>,
    pub build_metadata: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Option<StrMap>,
    pub annotations: Option<StrMap>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub path: Option<String>,
    pub create: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    pub pairs: Option<StrMap>,
    pub include_selectors: Option<bool>,
    pub include_templates: Option<bool>,
    pub fields: Option<Vec<FieldSpec>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub annotation_selector: Option<String>,
    pub label_selector: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    pub path: Option<String>,
    pub patch: Option<String>,
    pub target: Option<Selector>,
    pub options: Option<BTreeMap<String, Option<bool>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    pub name: Option<String>,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub tag_suffix: Option<String>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replica {
    pub name: Option<String>,
    pub count: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Target {
    pub api_version: Option<String>,
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSelector {
    pub fieldpath: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Var {
    pub name: Option<String>,
    pub objref: Option<Target>,
    pub fieldref: Option<FieldSelector>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReplacementField {
    pub path: Option<String>,
    pub source: Option<SourceSelector>,
    pub targets: Option<Vec<TargetSelector>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSelector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub field_path: Option<String>,
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSelector {
    pub select: Option<Selector>,
    pub reject: Option<Vec<Selector>>,
    pub field_paths: Option<Vec<String>>,
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldOptions {
    pub delimiter: Option<String>,
    pub index: Option<i64>,
    pub encoding: Option<String>,
    pub create: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    pub order: Option<String>,
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    pub order_first: Option<Vec<String>>,
    pub order_last: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    pub labels: Option<StrMap>,
    pub annotations: Option<StrMap>,
    pub disable_name_suffix_hash: Option<bool>,
    pub immutable: Option<bool>,
}

/// `configMapGenerator` and `secretGenerator` entries (`type` is meaningful for secrets only, as in kustomize).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub behavior: Option<String>,
    pub literals: Option<Vec<String>>,
    pub files: Option<Vec<String>>,
    pub envs: Option<Vec<String>>,
    pub env: Option<String>,
    pub options: Option<GeneratorOptions>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmGlobals {
    pub chart_home: Option<String>,
    pub config_home: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmChart {
    pub name: Option<String>,
    pub version: Option<String>,
    pub repo: Option<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub additional_values_files: Option<Vec<String>>,
    pub values_file: Option<String>,
    pub values_inline: Option<serde_json::Value>,
    pub values_merge: Option<String>,
    #[serde(rename = "includeCRDs")]
    pub include_crds: Option<bool>,
    pub skip_hooks: Option<bool>,
    pub api_versions: Option<Vec<String>>,
    pub kube_version: Option<String>,
    pub name_template: Option<String>,
    pub skip_tests: Option<bool>,
    pub debug: Option<bool>,
}

impl Kustomization {
    /// Decode a kustomization file's root node as kustomize does. `file` is used in errors.
    pub fn from_node(file: &str, root: &Node) -> Result<Kustomization, KustomizationError> {
        let json = super::fieldcase::normalize_kustomization(super::yaml11::to_json(root));
        if is_empty_json(&json) {
            return Err(KustomizationError {
                file: file.to_string(),
                pos: root.pos,
                field: String::new(),
                message: "kustomization.yaml is empty: it sets nothing besides apiVersion and kind; add resources or delete the file".to_string(),
            });
        }
        let k: Kustomization = serde_path_to_error::deserialize(json).map_err(|e| {
            let path = e.path().to_string();
            let pos = root.pos_of_path(&crate::config::parse_field_path(&path));
            let field = if path == "." { String::new() } else { format!("{path}: ") };
            KustomizationError { file: file.to_string(), pos, field, message: e.inner().to_string() }
        })?;
        k.enforce_kind(file, root)?;
        Ok(k)
    }

    fn enforce_kind(&self, file: &str, root: &Node) -> Result<(), KustomizationError> {
        let err = |key: &str, message: String| KustomizationError {
            file: file.to_string(),
            pos: root.pos_of_path(&[PathSeg::Key(key.to_string())]),
            field: format!("{key}: "),
            message,
        };
        let kind = self.kind.as_deref().unwrap_or("");
        if !matches!(kind, "" | "Kustomization" | "Component") {
            return Err(err("kind", format!("kind should be Kustomization or Component, not {kind:?}")));
        }
        let want = if kind == "Component" { COMPONENT_API_VERSION } else { KUSTOMIZATION_API_VERSION };
        match self.api_version.as_deref() {
            None | Some("") => Ok(()),
            Some(v) if v == want => Ok(()),
            Some(v) => Err(err(
                "apiVersion",
                format!(
                    "apiVersion for {} should be {want}, not {v:?}",
                    if kind.is_empty() { "Kustomization" } else { kind }
                ),
            )),
        }
    }

    /// True for `kind: Component`.
    pub fn is_component(&self) -> bool {
        self.kind.as_deref() == Some("Component")
    }
}

/// kustomize refuses a kustomization whose fields (apiVersion and kind aside) are all unset or zero, as Go's
/// `reflect.DeepEqual` with an empty struct decides: an empty list or map counts as set, an empty string not.
fn is_empty_json(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m.iter().all(|(k, v)| {
            k == "apiVersion" || k == "kind" || v.is_null() || v.as_str() == Some("") || v.as_bool() == Some(false)
        }),
        serde_json::Value::Null => true,
        _ => false,
    }
}
