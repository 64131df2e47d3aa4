//! Tests: differential against `kubectl kustomize` (kustomize v5.5.0) when it is installed, and fixed cases
//! (from the shared kustomize conformance corpus and kustomize's own tests) that run everywhere.

use super::*;
use crate::manifest::{Limits, parse};
use serde_json::{Value, json};
use std::process::Command;
use std::sync::OnceLock;

// ---- helpers --------------------------------------------------------------------------------------------------

fn yaml_docs(text: &str) -> Vec<Value> {
    parse("test.yaml", text, &Limits::default())
        .unwrap_or_else(|e| panic!("test YAML does not parse: {e}"))
        .into_iter()
        .map(|d| d.root.to_json())
        .collect()
}

fn yaml(text: &str) -> Value {
    let mut docs = yaml_docs(text);
    assert_eq!(docs.len(), 1, "expected one document in {text}");
    docs.remove(0)
}

fn kubectl_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let ok = Command::new("kubectl").args(["version", "--client"]).output().is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("kubectl not found: skipping the differential tests against kubectl kustomize");
        }
        ok
    })
}

/// Run `kubectl kustomize --reorder none` over a directory holding `files`; the documents, or stderr.
fn kubectl_kustomize(files: &[(&str, &str)]) -> Result<Vec<Value>, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write test file");
    }
    let out =
        Command::new("kubectl").args(["kustomize", "--reorder", "none"]).arg(dir.path()).output().expect("run kubectl");
    if out.status.success() {
        Ok(yaml_docs(&String::from_utf8_lossy(&out.stdout)))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// What kustomize does around the merge (resmap.ApplySmPatch, Resource.ApplySmPatch), then the merge.
fn our_smp(resource: &Value, patch: &Value) -> Result<Option<Value>, PatchError> {
    let mut target = resource.clone();
    let mut patch = patch.clone();
    if let (Some(p), Some(av)) = (patch.as_object_mut(), resource.get("apiVersion")) {
        p.insert("apiVersion".into(), av.clone());
    }
    match strategic_merge(&mut target, &patch, &BuiltinSchema)? {
        PatchOutcome::Deleted => Ok(None),
        PatchOutcome::Patched => {
            if let Some(t) = target.as_object_mut() {
                if let Some(kind) = resource.get("kind") {
                    t.insert("kind".into(), kind.clone());
                }
                if let (Some(meta), Some(name)) =
                    (t.get_mut("metadata").and_then(Value::as_object_mut), resource.pointer("/metadata/name"))
                {
                    meta.insert("name".into(), name.clone());
                }
            }
            Ok(Some(target))
        }
    }
}

/// kustomize drops an empty `metadata.annotations` when it removes its build annotations. The test YAML
/// reader has no u64, so big integers are compared as floats.
fn normalize(mut v: Value) -> Value {
    fn big_ints(v: &mut Value) {
        match v {
            Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_some() => {
                if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                    *v = Value::Number(f);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(big_ints),
            Value::Object(m) => m.values_mut().for_each(big_ints),
            _ => {}
        }
    }
    big_ints(&mut v);
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut)
        && meta.get("annotations").is_some_and(|a| a.as_object().is_some_and(|m| m.is_empty()))
    {
        meta.shift_remove("annotations");
    }
    v
}

fn compare(case: &str, kube: Result<Vec<Value>, String>, ours: Result<Option<Value>, PatchError>) {
    match (kube, ours) {
        (Ok(docs), Ok(Some(v))) => {
            assert_eq!(docs.len(), 1, "{case}: kubectl gave {} documents", docs.len());
            let (k, o) = (normalize(docs[0].clone()), normalize(v));
            assert!(
                k == o,
                "{case}: differs from kubectl\nkubectl: {}\nours:    {}",
                serde_json::to_string_pretty(&k).unwrap_or_default(),
                serde_json::to_string_pretty(&o).unwrap_or_default()
            );
        }
        (Ok(docs), Ok(None)) => assert!(docs.is_empty(), "{case}: we deleted the resource, kubectl kept it: {docs:?}"),
        // kustomize crashed (evanphx/json-patch dereferences a nil for some patches): any error will do.
        (Err(stderr), Err(_)) if stderr.contains("panic: runtime error") => {}
        (Err(stderr), Err(e)) => {
            let first = e.message.lines().next().unwrap_or_default().to_string();
            let stderr = stderr.replace("\\\"", "\"").replace("\\\\", "\\");
            assert!(stderr.contains(&first), "{case}: kubectl failed differently\nkubectl: {stderr}\nours:    {e}");
        }
        (Ok(docs), Err(e)) => panic!("{case}: we failed ({e}), kubectl gave {docs:?}"),
        (Err(stderr), Ok(v)) => panic!("{case}: kubectl failed ({stderr}), we gave {v:?}"),
    }
}

fn check_smp(case: &str, resource: &str, patch: &str) {
    if !kubectl_available() {
        eprintln!("{case}: skipped (no kubectl)");
        return;
    }
    let kube = kubectl_kustomize(&[
        ("kustomization.yaml", "resources: [res.yaml]\npatches: [{path: p.yaml}]\n"),
        ("res.yaml", resource),
        ("p.yaml", patch),
    ]);
    compare(case, kube, our_smp(&yaml(resource), &yaml(patch)));
}

fn check_json6902(case: &str, resource: &str, ops: &str) {
    if !kubectl_available() {
        eprintln!("{case}: skipped (no kubectl)");
        return;
    }
    let res = yaml(resource);
    let kind = res.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = res.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let kustomization =
        format!("resources: [res.yaml]\npatches: [{{path: p.json, target: {{kind: {kind}, name: {name}}}}}]\n");
    let kube = kubectl_kustomize(&[("kustomization.yaml", &kustomization), ("res.yaml", resource), ("p.json", ops)]);
    let ops: Value = serde_json::from_str(ops).expect("test ops are JSON");
    let mut target = res.clone();
    let ours = json6902(&mut target, &ops).map(|()| Some(target));
    compare(case, kube, ours);
}

macro_rules! smp_case {
    ($name:ident, $resource:expr, $patch:expr) => {
        #[test]
        fn $name() {
            check_smp(stringify!($name), $resource, $patch);
        }
    };
}

macro_rules! json6902_case {
    ($name:ident, $resource:expr, $ops:expr) => {
        #[test]
        fn $name() {
            check_json6902(stringify!($name), $resource, $ops);
        }
    };
}

// ---- fixtures -------------------------------------------------------------------------------------------------

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  finalizers: [a.example.com, b.example.com]
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      imagePullSecrets: [{name: reg1}]
      hostAliases:
      - ip: 10.0.0.1
        hostnames: [a.local]
      initContainers:
      - name: init
        image: busybox
      containers:
      - name: app
        image: app:1
        args: [--port, "8080"]
        ports:
        - containerPort: 8080
          protocol: TCP
          name: http
        - containerPort: 9090
        env:
        - name: A
          value: "1"
        - name: B
          value: "2"
        envFrom:
        - configMapRef: {name: cm1}
        volumeMounts:
        - name: data
          mountPath: /data
        - name: cache
          mountPath: /cache
      - name: sidecar
        image: sidecar:1
      volumes:
      - name: data
        emptyDir: {}
      - name: cache
        configMap: {name: cache}
      tolerations:
      - key: k1
        operator: Exists
      topologySpreadConstraints:
      - topologyKey: zone
        whenUnsatisfiable: DoNotSchedule
        maxSkew: 1
"#;

const DEPLOYMENT_HEAD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";

fn dp(body: &str) -> String {
    format!("{DEPLOYMENT_HEAD}{body}")
}

/// A Deployment patch with more under `metadata:` than the name.
fn dp_meta(metadata: &str, body: &str) -> String {
    format!("{DEPLOYMENT_HEAD}{metadata}{body}")
}

// ---- strategic merge: differential ----------------------------------------------------------------------------

smp_case!(
    smp_container_merged_by_name,
    DEPLOYMENT,
    &dp("spec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: sidecar:2\n")
);

smp_case!(
    smp_new_containers_come_first,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: new1\n        image: n:1\n      - name: app\n        image: app:2\n      - name: new2\n        image: n:2\n"
    )
);

smp_case!(
    smp_container_deleted_by_directive,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        $patch: delete\n      - name: missing\n        $patch: delete\n"
    )
);

smp_case!(
    smp_list_replaced_by_directive_item,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - $patch: replace\n      - name: only\n        image: only:1\n"
    )
);

smp_case!(
    smp_map_replaced_by_directive,
    DEPLOYMENT,
    &dp("spec:\n  strategy:\n    $patch: replace\n    type: Recreate\n")
);

smp_case!(
    smp_map_deleted_by_directive,
    DEPLOYMENT,
    &dp(
        "spec:\n  strategy:\n    $patch: delete\n  template:\n    metadata:\n      $patch: delete\n    newmap:\n      $patch: delete\n      a: 1\n"
    )
);

smp_case!(
    smp_env_merged_and_deleted,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - name: C\n          value: \"3\"\n        - name: A\n          $patch: delete\n        - name: B\n          value: two\n"
    )
);

smp_case!(
    smp_env_from_replaced,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        envFrom:\n        - secretRef: {name: s1}\n"
    )
);

smp_case!(
    smp_ports_merged_by_container_port_and_protocol,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        ports:\n        - containerPort: 8080\n          name: web\n        - containerPort: 9090\n          protocol: UDP\n        - containerPort: 7070\n"
    )
);

smp_case!(
    smp_ports_duplicates_collapse,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        ports:\n        - containerPort: 80\n        - containerPort: \"80\"\n          protocol: UDP\n        - containerPort: 81\n          protocol: TCP\n        - containerPort: 81\n          name: dup\n"
    ),
    &dp_meta("  labels: {x: y}\n", "")
);

smp_case!(
    smp_volumes_merged_by_name,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      volumes:\n      - name: cache\n        configMap: null\n        secret: {secretName: s}\n      - name: extra\n        emptyDir: {medium: Memory}\n"
    )
);

smp_case!(
    smp_volume_mounts_merged_by_mount_path,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        volumeMounts:\n        - mountPath: /data\n          readOnly: true\n        - name: logs\n          mountPath: /logs\n"
    )
);

smp_case!(
    smp_null_deletes_and_is_dropped_from_new_maps,
    DEPLOYMENT,
    &dp_meta(
        "  labels:\n    app: null\n    missing: null\n",
        "spec:\n  replicas: null\n  absent: null\n  newmap:\n    a: null\n    b: {c: null}\n    l: [1, null]\n  template:\n    spec:\n      containers:\n      - name: app\n        args: null\n"
    )
);

smp_case!(
    smp_set_element_order_is_copied_through,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      $setElementOrder/containers: [{name: sidecar}, {name: app}]\n      containers:\n      - name: app\n        image: app:3\n"
    )
);

smp_case!(
    smp_retain_keys_is_copied_through,
    DEPLOYMENT,
    &dp("spec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate\n")
);

smp_case!(
    smp_delete_from_primitive_list_is_copied_through,
    DEPLOYMENT,
    &dp_meta(
        "  $deleteFromPrimitiveList/finalizers: [a.example.com]\n",
        "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        $deleteFromPrimitiveList/args: [--port]\n"
    )
);

smp_case!(smp_finalizers_are_a_set, DEPLOYMENT, &dp_meta("  finalizers: [c.example.com, a.example.com]\n", ""));

smp_case!(
    smp_args_and_tolerations_replaced,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      tolerations:\n      - key: k2\n        operator: Exists\n      containers:\n      - name: app\n        args: [--other]\n"
    )
);

smp_case!(
    smp_host_aliases_topology_and_pull_secrets,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      imagePullSecrets: [{name: reg2}]\n      hostAliases:\n      - ip: 10.0.0.1\n        hostnames: [b.local]\n      - ip: 10.0.0.2\n        hostnames: [c.local]\n      topologySpreadConstraints:\n      - topologyKey: zone\n        whenUnsatisfiable: ScheduleAnyway\n        maxSkew: 2\n      - topologyKey: zone\n        maxSkew: 3\n"
    )
);

smp_case!(
    smp_init_containers_merged,
    DEPLOYMENT,
    &dp(
        "spec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        command: [sh, -c, true]\n      - name: init2\n        image: busybox\n"
    )
);

smp_case!(
    smp_fields_newer_than_1_21_are_replaced,
    &dp(
        "spec:\n  template:\n    spec:\n      resourceClaims: [{name: a}, {name: b}]\n      schedulingGates: [{name: g1}]\n      containers:\n      - name: app\n        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]\n"
    ),
    &dp(
        "spec:\n  template:\n    spec:\n      resourceClaims: [{name: c}]\n      schedulingGates: [{name: g2}]\n      containers:\n      - name: app\n        resizePolicy: [{resourceName: memory, restartPolicy: RestartContainer}]\n"
    )
);

smp_case!(
    smp_container_without_name_empties_the_list,
    &dp("spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a\n      - image: noname\n"),
    &dp("spec:\n  replicas: 3\n")
);

smp_case!(
    smp_patch_container_without_name,
    DEPLOYMENT,
    &dp("spec:\n  template:\n    spec:\n      containers:\n      - image: x\n")
);

smp_case!(
    smp_cronjob_pod_template,
    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: job\n            image: job:1\n            env: [{name: X, value: x}]\n",
    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            env: [{name: Y, value: y}]\n          - name: extra\n            image: e:1\n"
);

smp_case!(
    smp_cronjob_v1beta1_pod_template,
    "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            image: job:1\n",
    "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: extra\n            image: e:1\n"
);

smp_case!(
    smp_statefulset_template_and_claims,
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  template:\n    spec:\n      containers:\n      - name: db\n        image: db:1\n        volumeMounts: [{name: data, mountPath: /var/lib}]\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n",
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n      - name: db\n        volumeMounts: [{name: logs, mountPath: /var/log}]\n  volumeClaimTemplates:\n  - metadata: {name: logs}\n    spec:\n      resources: {requests: {storage: 2Gi}}\n"
);

smp_case!(
    smp_daemonset_pod_template,
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ds\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: agent:1\n        volumeMounts: [{name: host, mountPath: /host}]\n      volumes: [{name: host, hostPath: {path: /}}]\n      tolerations: [{operator: Exists}]\n",
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ds\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: agent:2\n        volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}]\n      volumes: [{name: proc, hostPath: {path: /proc}}]\n      tolerations: [{key: only, operator: Exists}]\n"
);

smp_case!(
    smp_job_pod_template,
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: m:1}]\n",
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  backoffLimit: null\n  template:\n    spec:\n      initContainers: [{name: setup, image: s:1}]\n      containers: [{name: main, resources: {limits: {cpu: 100m}}}]\n"
);

smp_case!(
    smp_pod_and_pod_template,
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: c, image: c:1}]\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: d, image: d:1}]\n"
);

smp_case!(
    smp_pod_template_kind,
    "apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: pt\ntemplate:\n  spec:\n    containers: [{name: c, image: c:1}]\n",
    "apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: pt\ntemplate:\n  spec:\n    containers: [{name: c, image: c:2}, {name: d, image: d:1}]\n"
);

smp_case!(
    smp_service_ports_by_port,
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  selector: {app: web}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n  - name: https\n    port: 443\n    protocol: TCP\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n  - port: 80\n    targetPort: 9090\n  - name: metrics\n    port: 9100\n"
);

smp_case!(
    smp_rbac_rules_and_subjects_replaced,
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n",
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [list]\n"
);

smp_case!(
    smp_rolebinding_subjects_replaced,
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- kind: ServiceAccount\n  name: a\n",
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nsubjects:\n- kind: ServiceAccount\n  name: b\n"
);

smp_case!(
    smp_ingress_rules_replaced,
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  rules:\n  - host: a.example.com\n  tls: [{hosts: [a.example.com]}]\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  rules:\n  - host: b.example.com\n"
);

smp_case!(
    smp_webhooks_and_owner_references_by_key,
    "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: vw\n  ownerReferences: [{apiVersion: v1, kind: X, name: x, uid: u1}]\nwebhooks:\n- name: a.example.com\n  sideEffects: None\n- name: b.example.com\n  sideEffects: None\n",
    "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: vw\n  ownerReferences: [{apiVersion: v1, kind: Y, name: y, uid: u2}]\nwebhooks:\n- name: b.example.com\n  timeoutSeconds: 5\n"
);

smp_case!(
    smp_hpa_v2_is_unknown_to_the_schema,
    "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\nspec:\n  metrics:\n  - type: Resource\n    resource: {name: cpu}\n",
    "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\nspec:\n  metrics:\n  - type: Resource\n    resource: {name: memory}\n"
);

smp_case!(
    smp_custom_resource_lists_replaced,
    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  finalizers: [a]\nspec:\n  items: [{name: a, v: 1}, {name: b}]\n  settings: {x: 1, y: 2}\n",
    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  finalizers: [b]\nspec:\n  items: [{name: b, v: 2}, {name: a, $patch: delete}]\n  settings: {x: null, z: 3}\n"
);

smp_case!(
    smp_custom_resource_embedding_a_deployment,
    "apiVersion: example.com/v1\nkind: Wrapper\nmetadata:\n  name: w\nspec:\n  known:\n    apiVersion: apps/v1\n    kind: Deployment\n    spec:\n      template:\n        spec:\n          containers: [{name: a, image: a}]\n  unknown:\n    apiVersion: example.com/v1\n    kind: Other\n    spec:\n      containers: [{name: a, image: a}]\n",
    "apiVersion: example.com/v1\nkind: Wrapper\nmetadata:\n  name: w\nspec:\n  known:\n    spec:\n      template:\n        spec:\n          containers: [{name: b, image: b}]\n  unknown:\n    spec:\n      containers: [{name: b, image: b}]\n"
);

smp_case!(
    smp_target_nulls_are_kept,
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  creationTimestamp: null\nspec:\n  strategy: {}\n  template:\n    metadata:\n      creationTimestamp: null\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        resources: {}\n        env: [{name: A, value: null}]\nstatus: {}\n",
    &dp("spec:\n  replicas: 3\n")
);

smp_case!(
    smp_list_directive_items,
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        env: [{name: Q}, {name: S}]\n        volumeMounts: [{mountPath: /n}]\n        volumeDevices: [{devicePath: /d, name: d}]\n        ports: [{containerPort: 1}]\n",
    &dp(
        "spec:\n  template:\n    spec:\n      initContainers:\n      - $patch: replace\n      - name: x\n      containers:\n      - name: a\n        env:\n        - name: Q\n          $patch: delete\n        - $patch: replace\n        - name: R\n        volumeMounts:\n        - $patch: merge\n        - mountPath: /m\n        volumeDevices:\n        - $patch: delete\n        ports:\n        - $patch: replace\n        - containerPort: 2\n"
    )
);

smp_case!(smp_whole_resource_deleted, DEPLOYMENT, &dp("$patch: delete\n"));

smp_case!(smp_whole_resource_replace_is_a_no_op, DEPLOYMENT, &dp("$patch: replace\nspec:\n  replicas: 5\n"));

smp_case!(smp_unknown_directive_fails, DEPLOYMENT, &dp("spec:\n  strategy:\n    $patch: shuffle\n"));

smp_case!(smp_map_over_scalar_fails, DEPLOYMENT, &dp("spec:\n  replicas:\n    count: 3\n"));

smp_case!(smp_scalar_over_map_fails, DEPLOYMENT, &dp("spec:\n  template: hello\n"));

smp_case!(
    smp_list_over_map_fails,
    DEPLOYMENT,
    &dp("spec:\n  template:\n    spec:\n      containers:\n        name: app\n")
);

// ---- JSON 6902: differential ----------------------------------------------------------------------------------

json6902_case!(
    json6902_add_replace_remove,
    DEPLOYMENT,
    r#"[{"op":"add","path":"/metadata/annotations","value":{"a":"b"}},
        {"op":"replace","path":"/spec/replicas","value":5},
        {"op":"remove","path":"/spec/strategy/rollingUpdate"},
        {"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"C","value":"3"}}]"#
);

json6902_case!(
    json6902_add_on_existing_key_replaces,
    DEPLOYMENT,
    r#"[{"op":"add","path":"/metadata/labels/app","value":"other"},{"op":"add","path":"/spec/template/spec/containers/1/image","value":"s:9"}]"#
);

json6902_case!(
    json6902_replace_of_missing_key_adds,
    DEPLOYMENT,
    r#"[{"op":"replace","path":"/metadata/labels/new","value":"x"}]"#
);

json6902_case!(
    json6902_array_indices,
    DEPLOYMENT,
    r#"[{"op":"add","path":"/metadata/finalizers/0","value":"first"},
        {"op":"add","path":"/metadata/finalizers/-1","value":"last"},
        {"op":"replace","path":"/spec/template/spec/containers/-1/image","value":"s:2"},
        {"op":"remove","path":"/spec/template/spec/tolerations/-1"},
        {"op":"add","path":"/spec/template/spec/imagePullSecrets/+1","value":{"name":"reg9"}}]"#
);

json6902_case!(
    json6902_move_copy_test,
    DEPLOYMENT,
    r#"[{"op":"test","path":"/spec/replicas","value":2},
        {"op":"test","path":"/spec/strategy","value":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}},
        {"op":"copy","from":"/metadata/labels","path":"/spec/template/metadata/annotations"},
        {"op":"move","from":"/spec/template/spec/containers/1","path":"/spec/template/spec/containers/0"},
        {"op":"copy","from":"/metadata/nothing","path":"/spec/copied"},
        {"op":"add","path":"/spec/novalue"}]"#
);

json6902_case!(
    json6902_escaped_pointer,
    DEPLOYMENT,
    r#"[{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"},{"op":"add","path":"/metadata/labels/t~0ilde","value":"x"}]"#
);

json6902_case!(json6902_missing_parent_fails, DEPLOYMENT, r#"[{"op":"add","path":"/spec/nope/x","value":1}]"#);

json6902_case!(json6902_remove_missing_key_fails, DEPLOYMENT, r#"[{"op":"remove","path":"/metadata/labels/nope"}]"#);

json6902_case!(
    json6902_invalid_index_fails,
    DEPLOYMENT,
    r#"[{"op":"add","path":"/spec/template/spec/containers/5","value":{"name":"x"}}]"#
);

json6902_case!(json6902_bad_index_fails, DEPLOYMENT, r#"[{"op":"remove","path":"/spec/template/spec/containers/x"}]"#);

json6902_case!(
    json6902_replace_out_of_range_fails,
    DEPLOYMENT,
    r#"[{"op":"replace","path":"/metadata/finalizers/2","value":"x"}]"#
);

json6902_case!(json6902_test_failure, DEPLOYMENT, r#"[{"op":"test","path":"/spec/replicas","value":3}]"#);

json6902_case!(json6902_unknown_op_fails, DEPLOYMENT, r#"[{"op":"merge","path":"/spec","value":{}}]"#);

json6902_case!(json6902_missing_path_field_fails, DEPLOYMENT, r#"[{"op":"replace","value":1}]"#);

json6902_case!(json6902_move_from_missing_fails, DEPLOYMENT, r#"[{"op":"move","from":"/spec/nope","path":"/spec/x"}]"#);

json6902_case!(
    json6902_numbers_go_through_float64,
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nspec:\n  big: 9007199254740993\n  huge: 12345678901234567890\n  f: 1.5\n  small: 0.00001\n",
    r#"[{"op":"add","path":"/spec/x","value":2.0}]"#
);

// ---- fixed cases (no kubectl needed) --------------------------------------------------------------------------

fn merged(resource: &str, patch: &str) -> Value {
    match our_smp(&yaml(resource), &yaml(patch)) {
        Ok(Some(v)) => normalize(v),
        other => panic!("unexpected result {other:?}"),
    }
}

/// multiplepatch__TestSimpleMultiplePatches (the Deployment, without the name prefixes and labels).
#[test]
fn conformance_simple_multiple_patches() {
    let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n        image: nginx\n        volumeMounts:\n        - name: nginx-persistent-storage\n          mountPath: /tmp/ps\n      - name: sidecar\n        image: sidecar:latest\n      volumes:\n      - configMap:\n          name: configmap-in-base\n        name: configmap-in-base\n";
    let p1 = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:latest\n        env:\n        - name: ENVKEY\n          value: ENVVALUE\n      volumes:\n      - name: nginx-persistent-storage\n        gcePersistentDisk:\n          pdName: nginx-persistent-storage\n      - configMap:\n          name: configmap-in-overlay\n        name: configmap-in-overlay\n";
    let p2 = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n        env:\n        - name: ANOTHERENV\n          value: FOO\n";
    let once = merged(base, p1);
    let twice = merged(&serde_json::to_string(&once).expect("json"), p2);
    let expected = yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      containers:\n      - env:\n        - name: ANOTHERENV\n          value: FOO\n        - name: ENVKEY\n          value: ENVVALUE\n        image: nginx:latest\n        name: nginx\n        volumeMounts:\n        - mountPath: /tmp/ps\n          name: nginx-persistent-storage\n      - image: sidecar:latest\n        name: sidecar\n      volumes:\n      - gcePersistentDisk:\n          pdName: nginx-persistent-storage\n        name: nginx-persistent-storage\n      - configMap:\n          name: configmap-in-overlay\n        name: configmap-in-overlay\n      - configMap:\n          name: configmap-in-base\n        name: configmap-in-base\n",
    );
    assert_eq!(twice, expected);
}

/// multiplepatch__TestRemoveEmptyDirWithNullFieldInSmp.
#[test]
fn conformance_remove_empty_dir_with_null() {
    let res = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      volumes:\n      - name: fancyDisk\n        emptyDir: {}\n";
    let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      volumes:\n      - name: fancyDisk\n        emptyDir: null\n";
    let expected = yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      volumes:\n      - name: fancyDisk\n",
    );
    assert_eq!(merged(res, patch), expected);
}

/// multiplepatch__TestSmpDeleteOnResource / TestMultiplePatchesBothWithPatchDeleteDirective: a `$patch: delete`
/// patch deletes the resource.
#[test]
fn conformance_delete_on_resource() {
    let mut target = yaml(DEPLOYMENT);
    let before = target.clone();
    let outcome = strategic_merge(&mut target, &yaml(&dp("$patch: delete\n")), &BuiltinSchema);
    assert_eq!(outcome, Ok(PatchOutcome::Deleted));
    assert_eq!(target, before, "a deleted target is left as it was");
}

/// kustomize's patchstrategicmerge tests: containers are prepended, volumes merged.
#[test]
fn container_order_and_prepend() {
    let res = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: foo1\n      - name: foo2\n      - name: foo3\n";
    let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: foo0\n      - name: foo2\n        image: two\n";
    let got = merged(res, patch);
    assert_eq!(
        got.pointer("/spec/template/spec/containers"),
        Some(&json!([{"name": "foo0"}, {"name": "foo2", "image": "two"}, {"name": "foo1"}, {"name": "foo3"}]))
    );
}

#[test]
fn ports_keep_the_target_when_protocols_disagree() {
    // kyaml unifies key combinations that agree where both have a value, so the patch's port without protocol
    // is matched against the target's TCP port, and its other fields are lost (as in kustomize v5.5).
    let res = dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        ports:\n        - containerPort: 80\n          protocol: TCP\n        - containerPort: 81\n",
    );
    let patch = dp(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        ports:\n        - containerPort: 80\n          name: http\n        - containerPort: 81\n          protocol: UDP\n",
    );
    let got = merged(&res, &patch);
    assert_eq!(
        got.pointer("/spec/template/spec/containers/0/ports"),
        Some(&json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 81}]))
    );
}

#[test]
fn builtin_schema_table() {
    let s = BuiltinSchema;
    let deploy = Gvk::new("apps", "v1", "Deployment");
    let pod = ["spec", "template", "spec"];
    fn at<'a>(pod: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
        pod.iter().chain(tail).copied().collect()
    }
    let at = |tail: &[&'static str]| at(&pod, tail);
    assert_eq!(s.list_strategy(&deploy, &at(&["containers"])), ListStrategy::MergeKey("name".into()));
    assert_eq!(s.list_strategy(&deploy, &at(&["initContainers"])), ListStrategy::MergeKey("name".into()));
    assert_eq!(s.list_strategy(&deploy, &at(&["ephemeralContainers"])), ListStrategy::MergeKey("name".into()));
    assert_eq!(
        s.list_strategy(&deploy, &at(&["containers", "ports"])),
        ListStrategy::MergeKeys(vec!["containerPort".into(), "protocol".into()])
    );
    assert_eq!(s.list_strategy(&deploy, &at(&["containers", "env"])), ListStrategy::MergeKey("name".into()));
    assert_eq!(s.list_strategy(&deploy, &at(&["containers", "envFrom"])), ListStrategy::Replace);
    assert_eq!(
        s.list_strategy(&deploy, &at(&["containers", "volumeMounts"])),
        ListStrategy::MergeKey("mountPath".into())
    );
    assert_eq!(
        s.list_strategy(&deploy, &at(&["containers", "volumeDevices"])),
        ListStrategy::MergeKey("devicePath".into())
    );
    assert_eq!(s.list_strategy(&deploy, &at(&["containers", "args"])), ListStrategy::Replace);
    assert_eq!(s.list_strategy(&deploy, &at(&["volumes"])), ListStrategy::MergeKey("name".into()));
    assert_eq!(s.list_strategy(&deploy, &at(&["imagePullSecrets"])), ListStrategy::MergeKey("name".into()));
    assert_eq!(s.list_strategy(&deploy, &at(&["hostAliases"])), ListStrategy::MergeKey("ip".into()));
    assert_eq!(s.list_strategy(&deploy, &at(&["tolerations"])), ListStrategy::Replace);
    assert_eq!(
        s.list_strategy(&deploy, &at(&["topologySpreadConstraints"])),
        ListStrategy::MergeKeys(vec!["topologyKey".into(), "whenUnsatisfiable".into()])
    );
    assert_eq!(s.list_strategy(&deploy, &at(&["resourceClaims"])), ListStrategy::Replace);
    assert_eq!(s.list_strategy(&deploy, &["metadata", "finalizers"]), ListStrategy::MergePrimitives);
    assert_eq!(s.list_strategy(&deploy, &["metadata", "ownerReferences"]), ListStrategy::MergeKey("uid".into()));
    let cron = Gvk::new("batch", "v1", "CronJob");
    assert_eq!(
        s.list_strategy(&cron, &["spec", "jobTemplate", "spec", "template", "spec", "containers"]),
        ListStrategy::MergeKey("name".into())
    );
    let svc = Gvk::new("", "v1", "Service");
    assert_eq!(
        s.list_strategy(&svc, &["spec", "ports"]),
        ListStrategy::MergeKeys(vec!["port".into(), "protocol".into()])
    );
    let role = Gvk::new("rbac.authorization.k8s.io", "v1", "ClusterRole");
    assert_eq!(s.list_strategy(&role, &["rules"]), ListStrategy::Replace);
    let binding = Gvk::new("rbac.authorization.k8s.io", "v1", "RoleBinding");
    assert_eq!(s.list_strategy(&binding, &["subjects"]), ListStrategy::Replace);
    assert!(s.knows(&Gvk::new("policy", "v1", "PodDisruptionBudget")));
    assert!(s.knows(&Gvk::new("autoscaling", "v2beta2", "HorizontalPodAutoscaler")));
    assert!(!s.knows(&Gvk::new("autoscaling", "v2", "HorizontalPodAutoscaler")));
    assert!(!s.knows(&Gvk::new("example.com", "v1", "Widget")));
    assert!(s.knows_path(&deploy, &at(&["containers", "image"])));
    assert!(!s.knows_path(&deploy, &at(&["notAField"])));
    assert_eq!(Gvk::from_api_version("apps/v1", "Deployment"), deploy);
    assert_eq!(Gvk::from_api_version("v1", "Service").api_version(), "v1");
}

#[test]
fn json6902_errors_have_kustomize_messages() {
    let mut t = yaml(DEPLOYMENT);
    let cases = [
        (
            json!([{"op": "add", "path": "/spec/nope/x", "value": 1}]),
            "add operation does not apply: doc is missing path: \"/spec/nope/x\": missing value",
        ),
        (
            json!([{"op": "remove", "path": "/metadata/labels/zz"}]),
            "error in remove for path: '/metadata/labels/zz': Unable to remove nonexistent key: zz: missing value",
        ),
        (
            json!([{"op": "replace", "path": "/metadata/finalizers/3", "value": 1}]),
            "replace operation does not apply: doc is missing key: /metadata/finalizers/3: missing value",
        ),
        (
            json!([{"op": "add", "path": "/metadata/finalizers/x", "value": 1}]),
            "error in add for path: '/metadata/finalizers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            json!([{"op": "test", "path": "/spec/replicas", "value": 3}]),
            "testing value /spec/replicas failed: test failed",
        ),
        (json!([{"op": "bogus"}]), "Unexpected kind: bogus"),
        (json!({"op": "add"}), "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (
            json!([{"op": "replace", "path": 5}]),
            "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
        ),
    ];
    let before = t.clone();
    for (ops, message) in cases {
        assert_eq!(json6902(&mut t, &ops), Err(PatchError { message: message.to_string() }), "{ops}");
        assert_eq!(t, before, "a failed patch leaves the target unchanged");
    }
}

#[test]
fn json6902_semantics() {
    let mut t = json!({"a": {"b": [1, 2, 3]}, "n": null});
    let ops = json!([
        {"op": "add", "path": "/a/b/-", "value": 4},
        {"op": "add", "path": "/a/b/-2", "value": 9},
        {"op": "remove", "path": "/a/b/0"},
        {"op": "replace", "path": "/a/c", "value": "added"},
        {"op": "test", "path": "/n", "value": null},
        {"op": "test", "path": "/a", "value": {"b": [2, 3, 9, 4], "c": "added", "extra": true}},
        {"op": "add", "path": "/x~1y", "value": 1.0},
    ]);
    assert_eq!(json6902(&mut t, &ops), Ok(()));
    assert_eq!(t, json!({"a": {"b": [2, 3, 9, 4], "c": "added"}, "n": null, "x/y": 1}));
}

/// Hostile input never panics: every combination of these shapes as target and patch.
#[test]
fn never_panics_on_odd_shapes() {
    let shapes = [
        json!(null),
        json!(1),
        json!("s"),
        json!([]),
        json!([null, {}, 1, [2]]),
        json!({}),
        json!({"$patch": null}),
        json!({"$patch": {"x": 1}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [null, 1, {}, {"name": null}, {"name": {}}, "x", [1]]}}}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": {"name": "a"}}}}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"finalizers": [{}, null, [1], "a", 1, true]}}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 1}, {"protocol": "UDP"}, {"port": null, "protocol": ""}, {"$patch": "replace"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"$patch": "delete"}, {"name": "a", "ports": [{"containerPort": 1, "$patch": "delete"}, 7]}]}}}}),
    ];
    for target in &shapes {
        for patch in &shapes {
            let mut t = target.clone();
            let _ = strategic_merge(&mut t, patch, &BuiltinSchema);
            let mut t = target.clone();
            let _ = json6902(
                &mut t,
                &json!([{"op": "add", "path": "/a/-1", "value": patch}, {"op": "move", "from": "/a", "path": "/a/b"}]),
            );
        }
    }
    let mut deep = json!(1);
    for _ in 0..400 {
        deep = json!({"k": deep});
    }
    let mut t = deep.clone();
    assert!(strategic_merge(&mut t, &deep, &BuiltinSchema).is_err(), "too deep is an error, not a stack overflow");
    // Just inside the limit, with lists on the way (the manifest parser allows 100 levels).
    let mut deep = json!("leaf");
    for i in 0..80 {
        deep = if i % 2 == 0 { json!({"finalizers": [deep, "x"]}) } else { json!({"k": deep}) };
    }
    let doc = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": deep});
    let mut t = doc.clone();
    assert_eq!(strategic_merge(&mut t, &doc, &BuiltinSchema), Ok(PatchOutcome::Patched));
}

// ---- randomized comparison with kubectl (run by hand: `cargo test fuzz_against_kubectl -- --ignored`) ---------

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

fn random_item(rng: &mut Rng, key: &str, key_values: &[&str], fields: &[(&str, &[&str])], patch: bool) -> Value {
    let mut m = serde_json::Map::new();
    if !rng.chance(8) {
        let k = rng.pick(key_values);
        m.insert(key.into(), k.parse::<i64>().map_or_else(|_| json!(k), |i| json!(i)));
    }
    for (f, values) in fields {
        if rng.chance(50) {
            let v = rng.pick(values);
            m.insert((*f).into(), if v == "~" { Value::Null } else { json!(v) });
        }
    }
    if patch && rng.chance(12) {
        m.insert("$patch".into(), json!(rng.pick(&["delete", "replace", "merge"])));
    }
    Value::Object(m)
}

fn random_list(rng: &mut Rng, key: &str, key_values: &[&str], fields: &[(&str, &[&str])], patch: bool) -> Value {
    let n = rng.below(4);
    let mut items: Vec<Value> = (0..n)
        .map(|_| match rng.below(100) {
            0 => Value::Null,
            1 => json!("scalar"),
            2..=5 => json!({}),
            _ => random_item(rng, key, key_values, fields, patch),
        })
        .collect();
    if patch && rng.chance(6) {
        items.insert(usize::try_from(rng.below(n + 1)).unwrap_or(0), json!({"$patch": "replace"}));
    }
    if patch && rng.chance(6) {
        return Value::Null;
    }
    Value::Array(items)
}

fn random_container(rng: &mut Rng, patch: bool) -> Value {
    let mut c = random_item(rng, "name", &["a", "b", "c"], &[("image", &["i1", "i2"])], patch);
    if let Some(m) = c.as_object_mut() {
        if rng.chance(60) {
            let ports = random_list(
                rng,
                "containerPort",
                &["80", "81"],
                &[("protocol", &["TCP", "UDP"]), ("name", &["p", "q"])],
                patch,
            );
            m.insert("ports".into(), ports);
        }
        if rng.chance(50) {
            m.insert("env".into(), random_list(rng, "name", &["A", "B"], &[("value", &["1", "2", "~"])], patch));
        }
        if rng.chance(30) {
            m.insert(
                "volumeMounts".into(),
                random_list(rng, "mountPath", &["/a", "/b"], &[("name", &["v", "w"])], patch),
            );
        }
        if rng.chance(20) {
            m.insert("args".into(), json!([rng.pick(&["x", "y"])]));
        }
    }
    c
}

fn random_deployment(rng: &mut Rng, name: &str, patch: bool) -> Value {
    let mut spec = serde_json::Map::new();
    let n = rng.below(4);
    let containers: Vec<Value> = (0..n).map(|_| random_container(rng, patch)).collect();
    let mut pod = serde_json::Map::new();
    if !containers.is_empty() || rng.chance(30) {
        pod.insert("containers".into(), Value::Array(containers));
    }
    if rng.chance(30) {
        pod.insert("volumes".into(), random_list(rng, "name", &["v", "w"], &[("emptyDir", &["~"])], patch));
    }
    if rng.chance(20) {
        pod.insert("tolerations".into(), json!([{"key": rng.pick(&["k1", "k2"])}]));
    }
    if patch && rng.chance(10) {
        pod.insert("$patch".into(), json!(rng.pick(&["delete", "replace"])));
    }
    spec.insert("template".into(), json!({"spec": pod}));
    if rng.chance(30) {
        spec.insert("replicas".into(), if patch && rng.chance(30) { Value::Null } else { json!(rng.below(3)) });
    }
    let mut meta = serde_json::Map::new();
    meta.insert("name".into(), json!(name));
    if rng.chance(30) {
        let f: Vec<&str> = (0..rng.below(3)).map(|_| rng.pick(&["f1", "f2", "f3"])).collect();
        meta.insert("finalizers".into(), json!(f));
    }
    if rng.chance(30) {
        meta.insert(
            "labels".into(),
            json!({rng.pick(&["l1", "l2"]): if patch && rng.chance(30) { Value::Null } else { json!("v") }}),
        );
    }
    if patch && rng.chance(2) {
        spec.insert("template".into(), json!(rng.pick(&["x", "~"])));
    }
    if rng.chance(20) {
        let ports = random_list(
            rng,
            "port",
            &["80", "81"],
            &[("protocol", &["TCP", "UDP"]), ("targetPort", &["1", "2"])],
            patch,
        );
        spec.insert("ports".into(), ports);
    }
    if patch && rng.chance(3) {
        spec.insert("$patch".into(), json!(rng.pick(&["delete", "replace", "merge"])));
    }
    let mut obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec});
    if patch && rng.chance(2) {
        obj["$patch"] = json!(rng.pick(&["delete", "replace"]));
    }
    obj
}

#[test]
#[ignore = "slow: runs kubectl for hundreds of random cases"]
fn fuzz_against_kubectl() {
    if !kubectl_available() {
        return;
    }
    let cases: u64 = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let mut outcomes = [0u32; 3];
    for i in 0..cases {
        let name = format!("d{i}");
        let mut resource = random_deployment(&mut rng, &name, false);
        let mut patch = random_deployment(&mut rng, &name, true);
        // The same shapes as a Service (ports merge by port and protocol) or as a custom resource (no schema).
        let (api_version, kind) = match rng.below(10) {
            0..=5 => ("apps/v1", "Deployment"),
            6 | 7 => ("v1", "Service"),
            _ => ("example.com/v1", "Widget"),
        };
        for v in [&mut resource, &mut patch] {
            v["apiVersion"] = json!(api_version);
            v["kind"] = json!(kind);
        }
        let res_text = serde_json::to_string(&resource).unwrap_or_default();
        let patch_text = serde_json::to_string(&patch).unwrap_or_default();
        let kube = kubectl_kustomize(&[
            ("kustomization.yaml", "resources: [res.yaml]\npatches: [{path: p.yaml}]\n"),
            ("res.yaml", &res_text),
            ("p.yaml", &patch_text),
        ]);
        let ours = our_smp(&resource, &patch);
        match &ours {
            Ok(Some(_)) => outcomes[0] += 1,
            Ok(None) => outcomes[1] += 1,
            Err(_) => outcomes[2] += 1,
        }
        let case = format!("case {i}\nresource: {res_text}\npatch:    {patch_text}");
        if let Err(panic) = std::panic::catch_unwind(|| compare(&case, kube, ours)) {
            let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
            eprintln!("{message}\n");
            failures.push(i);
        }
    }
    eprintln!("merged: {}, deleted: {}, failed: {}", outcomes[0], outcomes[1], outcomes[2]);
    assert!(failures.is_empty(), "{} of {cases} cases differ: {failures:?}", failures.len());
}

#[test]
#[ignore = "slow: runs kubectl for hundreds of random cases"]
fn fuzz_json6902_against_kubectl() {
    if !kubectl_available() {
        return;
    }
    let cases: u64 = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(150);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xDEAD_BEEF);
    let mut rng = Rng(seed);
    let resource = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels: {a: b}\ndata:\n  k: v\nspec:\n  list: [a, b, c]\n  objs: [{n: 1}, {n: 2, m: [x]}]\n  nul: null\n  num: 5\n  s: \"<&>\"\n";
    let paths = [
        "/spec/list/0",
        "/spec/list/-",
        "/spec/list/-1",
        "/spec/list/3",
        "/spec/list/-4",
        "/spec/list/x",
        "/spec/list/+1",
        "/spec/objs/1/m/0",
        "/spec/objs/0/n",
        "/spec/objs/-1",
        "/spec/nul",
        "/spec/nul/x",
        "/spec/num",
        "/spec/num/x",
        "/spec/new",
        "/spec/new/x",
        "/metadata/labels/a",
        "/metadata/labels/c~1d",
        "/data",
        "/spec",
        "/",
        "",
        "spec/x",
        "/spec/s",
        "/spec/objs/5/n",
    ];
    let values = [
        json!(1),
        json!("v"),
        json!(null),
        json!([1, 2]),
        json!({"n": 1}),
        json!({"n": 2, "m": ["x"], "z": 1}),
        json!("<&>"),
        json!(5.0),
    ];
    let ops = ["add", "remove", "replace", "move", "copy", "test"];
    let mut failures = Vec::new();
    for i in 0..cases {
        let mut list = Vec::new();
        for _ in 0..=rng.below(3) {
            let op = rng.pick(&ops);
            let mut o = serde_json::Map::new();
            o.insert("op".into(), json!(op));
            o.insert("path".into(), json!(rng.pick(&paths)));
            if matches!(op, "move" | "copy") {
                o.insert("from".into(), json!(rng.pick(&paths)));
            }
            if matches!(op, "add" | "replace" | "test") {
                let v = values[usize::try_from(rng.below(values.len() as u64)).unwrap_or(0)].clone();
                o.insert("value".into(), v);
            }
            list.push(Value::Object(o));
        }
        let ops_text = serde_json::to_string(&list).unwrap_or_default();
        let case = format!("case {i}: {ops_text}");
        if let Err(panic) = std::panic::catch_unwind(|| check_json6902(&case, resource, &ops_text)) {
            let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
            eprintln!("{message}\n");
            failures.push(i);
        }
    }
    assert!(failures.is_empty(), "{} of {cases} cases differ: {failures:?}", failures.len());
}
