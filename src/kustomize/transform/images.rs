//! The `images` transformer: every container image (in any `containers`/`initContainers` list, and the
//! configured image field specs) whose name matches is given the new name, tag or digest.

use super::super::build::{Acc, RenderError};
use super::super::fieldspec::visit;
use super::super::types::Image;
use super::matching;
use serde_json::Value;

/// Split an image reference into name, tag and digest the way kustomize does (a registry port is not a tag).
pub fn split(image: &str) -> (&str, &str, &str) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image, "", ""),
        (None, Some(a)) => (&image[..a], "", &image[a + 1..]),
        (Some(c), Some(a)) if a < c => (&image[..a], "", &image[a + 1..]),
        (Some(c), Some(a)) => (&image[..c], &image[c + 1..a], &image[a + 1..]),
        (Some(c), None) => (&image[..c], &image[c + 1..], ""),
    }
}

/// kustomize matches `^<name>(@sha256)?(:[a-zA-Z0-9_.{}-]*)?$` with the configured name used as a regex.
fn matches(image: &str, name: &str) -> bool {
    regex::Regex::new(&format!("^{name}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$")).is_ok_and(|re| re.is_match(image))
}

fn update(value: &str, img: &Image) -> Option<String> {
    let name = img.name.as_deref()?;
    if !matches(value, name) {
        return None;
    }
    let (n, t, d) = split(value);
    let mut name = n.to_string();
    let (mut tag, mut digest) = (t.to_string(), d.to_string());
    if let Some(nn) = img.new_name.as_deref().filter(|s| !s.is_empty()) {
        name = nn.to_string();
    }
    match (img.new_tag.as_deref().filter(|s| !s.is_empty()), img.digest.as_deref().filter(|s| !s.is_empty())) {
        (Some(nt), Some(dg)) => {
            tag = nt.to_string();
            digest = dg.to_string();
        }
        (Some(nt), None) => {
            tag = nt.to_string();
            digest.clear();
        }
        (None, Some(dg)) => {
            tag.clear();
            digest = dg.to_string();
        }
        (None, None) => {}
    }
    if let Some(sfx) = img.tag_suffix.as_deref().filter(|s| !s.is_empty()) {
        tag.push_str(sfx);
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    Some(name)
}

fn walk_containers(v: &mut Value, img: &Image) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = child
                {
                    for c in items.iter_mut() {
                        if let Some(Value::String(s)) = c.get_mut("image")
                            && let Some(new) = update(s, img)
                        {
                            *s = new;
                        }
                    }
                }
                walk_containers(child, img);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk_containers(i, img)),
        _ => {}
    }
}

pub fn apply(acc: &mut Acc, img: &Image) -> Result<(), RenderError> {
    let specs = acc.config.images.clone();
    for r in &mut acc.resources {
        walk_containers(&mut r.obj, img);
        let gvk = r.gvk();
        for spec in matching(&specs, &gvk) {
            let _ = visit(&mut r.obj, &spec.segments(), false, &mut |v| {
                if let Some(new) = v.as_str().and_then(|s| update(s, img)) {
                    *v = Value::String(new);
                }
                Ok(())
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_kustomize() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(split("reg:5000/app:v1"), ("reg:5000/app", "v1", ""));
        assert_eq!(split("app@sha256:abc"), ("app", "", "sha256:abc"));
        assert_eq!(split("app:v1@sha256:abc"), ("app", "v1", "sha256:abc"));
    }
}
