use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse("fleetgate.yaml", text, Path::new("."))
}

fn invalid_at(text: &str) -> (u32, String, String) {
    match parse(text) {
        Err(ConfigError::Invalid { line, field, message, .. }) => (line, field, message),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn full_config_parses() {
    let c = parse(
        "repos:\n  - name: sys\n    role: system\n    urls: [https://git.example.com/p/sys.git]\n    token: gh\n\
         clusters:\n  roots:\n    - repo: sys\n      paths: [\"clusters/*/*\"]\n  kubeConfigSecrets:\n    flux-system/a-kubeconfig: a\n\
         lint:\n  externalSources: [GitRepository/flux-system/infra]\n\
         secrets:\n  gh: {env: GITHUB_TOKEN}\n  key: {aws: {secretId: sealed-secrets-key, region: eu-west-1}}\n",
    )
    .unwrap();
    assert_eq!(c.repos[0].default_branch, "main");
    assert_eq!(c.repos[0].role, Role::System);
    assert_eq!(c.repo_for_url("git@git.example.com:p/sys").map(|r| r.name.as_str()), Some("sys"));
    assert!(c.repo_for_url("https://git.example.com/p/other").is_none());
    assert_eq!(c.secrets["key"].aws.as_ref().map(|a| a.secret_id.as_str()), Some("sealed-secrets-key"));
}

#[test]
fn mistakes_name_the_field_and_line() {
    let (line, field, msg) = invalid_at("repos:\n  - name: a\n    role: system\n  - name: b\n    role: sytem\n");
    assert_eq!((line, field.as_str()), (5, "repos[1].role"));
    assert!(msg.contains("sytem"), "{msg}");

    let (line, field, msg) = invalid_at("repos:\n  - name: a\n    role: app\n    branch: main\n");
    assert_eq!(line, 4, "unknown fields point at themselves");
    assert_eq!(field, "repos[0].branch");
    assert!(msg.contains("unknown field `branch`"), "{msg}");

    let (line, field, _) = invalid_at("repos:\n  - name: a\n    role: app\n  - name: a\n    role: app\n");
    assert_eq!((line, field.as_str()), (4, "repos[1].name"));

    let (line, field, _) =
        invalid_at("repos:\n  - name: a\n    role: app\n    urls:\n      - https://h/x.git\n      - not a url\n");
    assert_eq!((line, field.as_str()), (6, "repos[0].urls[1]"));

    let (_, field, msg) = invalid_at("repos:\n  - name: a\n    role: app\n    path: does/not/exist\n");
    assert_eq!(field, "repos[0].path");
    assert!(msg.contains("does not exist"));

    let (line, field, _) = invalid_at("repos:\n  - name: a\n    role: app\nsecrets:\n  t: {env: A, file: b}\n");
    assert_eq!((line, field.as_str()), (5, "secrets.t"));

    let (_, field, _) =
        invalid_at("repos:\n  - name: a\n    role: app\nclusters:\n  roots:\n    - repo: b\n      paths: []\n");
    assert_eq!(field, "clusters.roots[0].repo");

    let (_, field, _) = invalid_at("repos: []\n");
    assert_eq!(field, "repos");
}

#[test]
fn yaml_errors_pass_through_with_position() {
    match parse("repos:\n  - name: a\n    name: b\n") {
        Err(ConfigError::Yaml(e)) => assert_eq!(e.pos.line, 3),
        other => panic!("expected a YAML error, got {other:?}"),
    }
}

#[test]
fn field_paths_split() {
    assert_eq!(
        parse_field_path("repos[1].urls[0]"),
        vec![PathSeg::Key("repos".into()), PathSeg::Index(1), PathSeg::Key("urls".into()), PathSeg::Index(0)]
    );
}
