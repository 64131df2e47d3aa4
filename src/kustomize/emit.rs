//! Placeholder printer until the byte-exact emitter lands.

pub fn to_yaml_stream(values: &[serde_json::Value]) -> String {
    values.iter().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).collect::<Vec<_>>().join("\n---\n")
}
