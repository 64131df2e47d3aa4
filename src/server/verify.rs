//! Webhook authentication: GitHub `X-Hub-Signature-256`, Gitea `X-Gitea-Signature` (HMAC-SHA256 of the raw
//! body) and GitLab `X-Gitlab-Token` (a shared token).
//!
//! Rules (pinned by `signatures.json` in the shared test data):
//! - the raw request bytes are verified, never a re-encoded parse;
//! - GitHub: the header value must be exactly `sha256=` followed by 64 **lowercase** hex digits (GitHub always
//!   sends lowercase; uppercase hex or an uppercase prefix is rejected as malformed); the legacy SHA-1
//!   `X-Hub-Signature` header is never used;
//! - Gitea: the header value is 64 lowercase hex digits without a prefix;
//! - GitLab: the token must equal the configured one byte for byte (case-sensitive, no trimming);
//! - a header sent more than once is malformed;
//! - comparisons are constant-time: MACs through [`Mac::verify_slice`], tokens by comparing SHA-256 digests of
//!   both sides with `subtle` (so neither the content nor the length of the configured token leaks through
//!   timing).
//!
//! Errors never contain the secret, the expected signature or the received header value.

use super::webhook::Provider;
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// GitHub's signature header (SHA-256).
pub const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
/// Gitea's signature header.
pub const GITEA_SIGNATURE: &str = "x-gitea-signature";
/// GitLab's token header.
pub const GITLAB_TOKEN: &str = "x-gitlab-token";

/// Why a delivery was not authenticated. Messages name the header and the problem only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no webhook secret is configured for {provider}; configure one in fleetgate and on the forge's webhook")]
    NoSecret { provider: Provider },
    #[error("the {header} header is missing; set the webhook secret on the forge so that it signs deliveries")]
    Missing { header: &'static str },
    #[error("the {header} header is malformed ({reason}); the delivery was not sent by a correctly configured forge")]
    Malformed { header: &'static str, reason: &'static str },
    #[error(
        "the {header} header does not match the configured webhook secret; check that the forge and fleetgate use the same secret"
    )]
    Mismatch { header: &'static str },
}

/// Authenticate a delivery from `provider` with the configured `secret` (the HMAC key for GitHub and Gitea, the
/// token for GitLab). `body` must be the raw request bytes.
pub fn verify(provider: Provider, headers: &HeaderMap, body: &[u8], secret: &[u8]) -> Result<(), VerifyError> {
    match provider {
        Provider::GitHub => github(headers, body, secret),
        Provider::GitLab => gitlab(headers, secret),
        Provider::Gitea => gitea(headers, body, secret),
    }
}

/// Check GitHub's `X-Hub-Signature-256: sha256=<hex>` over `body` with `secret`.
pub fn github(headers: &HeaderMap, body: &[u8], secret: &[u8]) -> Result<(), VerifyError> {
    let header = GITHUB_SIGNATURE;
    if secret.is_empty() {
        return Err(VerifyError::NoSecret { provider: Provider::GitHub });
    }
    let value = single(headers, header)?;
    let Some(hex) = value.strip_prefix(b"sha256=") else {
        return Err(VerifyError::Malformed { header, reason: "the value must start with `sha256=`" });
    };
    let tag = decode_lower_hex(header, hex)?;
    check_mac(header, secret, body, &tag)
}

/// Check Gitea's `X-Gitea-Signature: <hex>` over `body` with `secret`.
pub fn gitea(headers: &HeaderMap, body: &[u8], secret: &[u8]) -> Result<(), VerifyError> {
    let header = GITEA_SIGNATURE;
    if secret.is_empty() {
        return Err(VerifyError::NoSecret { provider: Provider::Gitea });
    }
    let value = single(headers, header)?;
    let tag = decode_lower_hex(header, value)?;
    check_mac(header, secret, body, &tag)
}

/// Check GitLab's `X-Gitlab-Token` against the configured `token`.
pub fn gitlab(headers: &HeaderMap, token: &[u8]) -> Result<(), VerifyError> {
    let header = GITLAB_TOKEN;
    if token.is_empty() {
        return Err(VerifyError::NoSecret { provider: Provider::GitLab });
    }
    let value = single(headers, header)?;
    if value.is_empty() {
        return Err(VerifyError::Malformed { header, reason: "the value is empty" });
    }
    // Digests have a fixed length: the comparison takes the same time whatever the lengths and contents.
    let given = Sha256::digest(value);
    let expected = Sha256::digest(token);
    if bool::from(given.as_slice().ct_eq(expected.as_slice())) { Ok(()) } else { Err(VerifyError::Mismatch { header }) }
}

/// The one value of `header` (names are case-insensitive in [`HeaderMap`]).
fn single<'h>(headers: &'h HeaderMap, header: &'static str) -> Result<&'h [u8], VerifyError> {
    let mut values = headers.get_all(header).iter();
    let Some(value) = values.next() else {
        return Err(VerifyError::Missing { header });
    };
    if values.next().is_some() {
        return Err(VerifyError::Malformed { header, reason: "the header is sent more than once" });
    }
    Ok(value.as_bytes())
}

/// Decode exactly 64 lowercase hex digits (a SHA-256 MAC).
fn decode_lower_hex(header: &'static str, hex: &[u8]) -> Result<[u8; 32], VerifyError> {
    if hex.len() != 64 {
        return Err(VerifyError::Malformed { header, reason: "the signature must be 64 lowercase hex digits" });
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        match (digit(pair[0]), digit(pair[1])) {
            (Some(hi), Some(lo)) => *o = (hi << 4) | lo,
            _ => {
                return Err(VerifyError::Malformed { header, reason: "the signature must be 64 lowercase hex digits" });
            }
        }
    }
    Ok(out)
}

fn check_mac(header: &'static str, secret: &[u8], body: &[u8], tag: &[u8]) -> Result<(), VerifyError> {
    // HMAC accepts keys of any length; an error here would be a bug in the hmac crate, reported as a mismatch.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return Err(VerifyError::Mismatch { header });
    };
    mac.update(body);
    mac.verify_slice(tag).map_err(|_| VerifyError::Mismatch { header })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        tag.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        h
    }

    #[test]
    fn github_docs_vector_and_forgery() {
        let body = b"Hello, World!";
        let secret = b"It's a Secret to Everybody";
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(github(&headers(&[("X-Hub-Signature-256", good)]), body, secret), Ok(()));
        // One flipped digit: a forgery.
        let forged = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18";
        assert_eq!(
            github(&headers(&[("X-Hub-Signature-256", forged)]), body, secret),
            Err(VerifyError::Mismatch { header: GITHUB_SIGNATURE })
        );
        // Signed with another secret.
        let other = format!("sha256={}", sign(b"another secret", body));
        assert!(matches!(
            github(&headers(&[("X-Hub-Signature-256", &other)]), body, secret),
            Err(VerifyError::Mismatch { .. })
        ));
    }

    #[test]
    fn missing_repeated_and_malformed_headers() {
        let body = b"{}";
        let secret = b"s";
        let sig = format!("sha256={}", sign(secret, body));
        assert_eq!(github(&HeaderMap::new(), body, secret), Err(VerifyError::Missing { header: GITHUB_SIGNATURE }));
        assert!(matches!(
            github(&headers(&[("X-Hub-Signature-256", &sig), ("X-Hub-Signature-256", &sig)]), body, secret),
            Err(VerifyError::Malformed { reason: "the header is sent more than once", .. })
        ));
        for bad in ["", "sha256=", "sha256=zz", &sig.to_uppercase(), &sig[7..], &format!("{sig}0"), &format!("{sig} ")]
        {
            assert!(
                matches!(
                    github(&headers(&[("X-Hub-Signature-256", bad)]), body, secret),
                    Err(VerifyError::Malformed { .. })
                ),
                "{bad:?} should be malformed"
            );
        }
        assert_eq!(
            github(&headers(&[("X-Hub-Signature-256", &sig)]), body, b""),
            Err(VerifyError::NoSecret { provider: Provider::GitHub })
        );
    }

    #[test]
    fn non_utf8_and_large_garbage_bodies_are_verified_as_bytes() {
        let secret = b"k";
        let body: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert!(std::str::from_utf8(&body).is_err());
        let sig = format!("sha256={}", sign(secret, &body));
        assert_eq!(github(&headers(&[("X-Hub-Signature-256", &sig)]), &body, secret), Ok(()));
        let mut tampered = body.clone();
        tampered[150_000] ^= 1;
        assert!(matches!(
            github(&headers(&[("X-Hub-Signature-256", &sig)]), &tampered, secret),
            Err(VerifyError::Mismatch { .. })
        ));
        assert_eq!(gitea(&headers(&[("X-Gitea-Signature", &sig[7..])]), &body, secret), Ok(()));
    }

    #[test]
    fn gitea_signature_has_no_prefix() {
        let body = br#"{"ref":"refs/heads/main"}"#;
        let secret = b"gitea-secret";
        let hex = sign(secret, body);
        assert_eq!(gitea(&headers(&[("X-Gitea-Signature", &hex)]), body, secret), Ok(()));
        assert!(matches!(
            gitea(&headers(&[("X-Gitea-Signature", &format!("sha256={hex}"))]), body, secret),
            Err(VerifyError::Malformed { .. })
        ));
        assert!(matches!(
            gitea(&headers(&[("X-Gitea-Signature", &hex)]), b"{}", secret),
            Err(VerifyError::Mismatch { .. })
        ));
        assert_eq!(gitea(&HeaderMap::new(), body, secret), Err(VerifyError::Missing { header: GITEA_SIGNATURE }));
    }

    #[test]
    fn gitlab_token_exact_match_only() {
        let token = b"glwt-token";
        assert_eq!(gitlab(&headers(&[("X-Gitlab-Token", "glwt-token")]), token), Ok(()));
        for bad in ["glwt-toke", "glwt-token ", "GLWT-TOKEN", "glwt-token-and-more", "x"] {
            assert_eq!(
                gitlab(&headers(&[("X-Gitlab-Token", bad)]), token),
                Err(VerifyError::Mismatch { header: GITLAB_TOKEN }),
                "{bad:?}"
            );
        }
        assert!(matches!(gitlab(&headers(&[("X-Gitlab-Token", "")]), token), Err(VerifyError::Malformed { .. })));
        assert_eq!(gitlab(&HeaderMap::new(), token), Err(VerifyError::Missing { header: GITLAB_TOKEN }));
        assert_eq!(
            gitlab(&headers(&[("X-Gitlab-Token", "")]), b""),
            Err(VerifyError::NoSecret { provider: Provider::GitLab })
        );
    }

    #[test]
    fn errors_never_contain_secret_or_signature() {
        let secret = b"very-secret-value";
        let body = b"payload";
        let expected = sign(secret, body);
        let wrong = format!("sha256={}", sign(b"other", body));
        let cases = [
            github(&headers(&[("X-Hub-Signature-256", &wrong)]), body, secret),
            github(&headers(&[("X-Hub-Signature-256", "sha256=nothex")]), body, secret),
            gitea(&headers(&[("X-Gitea-Signature", &wrong[7..])]), body, secret),
            gitlab(&headers(&[("X-Gitlab-Token", "very-secret-valu")]), secret),
        ];
        for case in cases {
            let err = case.unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains("very-secret"), "{text}");
                assert!(!text.contains(&expected), "{text}");
                assert!(!text.contains(&expected[..16]), "{text}");
                assert!(!text.contains(&wrong[7..23]), "{text}");
            }
        }
    }
}
