//! Path globs over `/`-separated repository paths: `*` and `?` match within one segment, `**` matches any
//! number of whole segments, `[abc]` a character class.

/// True when `path` matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_matches('/').split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match_segments(&pat, &segs)
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| match_segments(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => match_segment(p.as_bytes(), s.as_bytes()) && match_segments(rest, srest),
            None => false,
        },
    }
}

fn match_segment(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| match_segment(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && match_segment(rest, &s[1..]),
        Some((b'[', rest)) => {
            let Some(end) = rest.iter().position(|b| *b == b']') else {
                return s.first() == Some(&b'[') && match_segment(rest, &s[1..]);
            };
            let Some(&c) = s.first() else { return false };
            let (negate, class) = match rest[..end].split_first() {
                Some((b'!' | b'^', cls)) => (true, cls),
                _ => (false, &rest[..end]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && match_segment(&rest[end + 1..], &s[1..])
        }
        Some((&b, rest)) => s.first() == Some(&b) && match_segment(rest, &s[1..]),
    }
}

/// True when `pattern` has no wildcard.
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("clusters/*/*", "clusters/eu/a"));
        assert!(!matches("clusters/*/*", "clusters/eu"));
        assert!(!matches("clusters/*/*", "clusters/eu/a/b"));
        assert!(matches("**/template/**", "x/template/y/z"));
        assert!(matches("**/template/**", "template"));
        assert!(matches("apps/*", "apps/web"));
        assert!(matches("services/[a-c]*", "services/billing"));
        assert!(!matches("services/[!a-c]*", "services/billing"));
        assert!(matches("a/?b", "a/xb"));
        assert!(matches("./apps/*/", "apps/web"));
    }
}
