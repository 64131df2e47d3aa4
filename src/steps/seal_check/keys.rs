//! Sealing key material: RSA private keys (PEM, PKCS#1 or PKCS#8) and certificates (PEM), from PEM text or the
//! `{"tls.crt": PEM, "tls.key": PEM}` JSON that sealed-secrets key Secrets and AWS Secrets Manager entries hold.
//!
//! Private key bytes live in [`zeroize::Zeroizing`] buffers while they are parsed; aws-lc-rs holds the key
//! itself (and frees it with `RSA_free`, which clears it).

use super::der;
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, PrivateDecryptingKey};
use base64::Engine;
use zeroize::Zeroizing;

/// Why key material could not be used. Messages name the source and what to do; they never contain key bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{source_name}: {message}")]
    Invalid { source_name: String, message: String },
    #[error("{source_name}: cannot read: {error}")]
    Read { source_name: String, error: std::io::Error },
}

fn invalid(source: &str, message: impl Into<String>) -> KeyError {
    KeyError::Invalid { source_name: source.to_string(), message: message.into() }
}

/// An RSA private key that can open sealed values.
pub struct PrivateKey {
    /// The key's name in reports (`current`, a file stem, a configured name).
    pub name: String,
    /// Where it came from, for messages.
    pub source: String,
    pub key: OaepPrivateDecryptingKey,
    pub bits: usize,
    /// SSH-style `SHA256:` fingerprint of the public key.
    pub fingerprint: String,
    /// DER SubjectPublicKeyInfo of the public key, to match certificates.
    pub spki: Vec<u8>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("name", &self.name)
            .field("bits", &self.bits)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// A sealing certificate (the public half kubeseal seals with).
#[derive(Debug, Clone)]
pub struct Certificate {
    pub name: String,
    pub source: String,
    pub bits: usize,
    pub fingerprint: String,
    pub spki: Vec<u8>,
    pub subject_cn: Option<String>,
    pub not_before: jiff::Timestamp,
    pub not_after: jiff::Timestamp,
}

/// The key material of one cluster group.
#[derive(Debug, Default)]
pub struct Keyring {
    pub keys: Vec<PrivateKey>,
    pub certs: Vec<Certificate>,
}

/// How much a keyring can prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No key material: YAML shape, base64 and framing.
    Structure,
    /// Certificates only: also the RSA block size.
    Cert,
    /// Private keys: every value is opened.
    Decrypt,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Structure => "structure",
            Level::Cert => "cert",
            Level::Decrypt => "decrypt",
        }
    }
}

impl Keyring {
    pub fn level(&self) -> Level {
        if !self.keys.is_empty() {
            Level::Decrypt
        } else if !self.certs.is_empty() {
            Level::Cert
        } else {
            Level::Structure
        }
    }

    /// RSA block sizes (bytes) this keyring accepts; empty at the structure level.
    pub fn block_sizes(&self) -> Vec<usize> {
        let mut v: Vec<usize> =
            self.keys.iter().map(|k| k.bits / 8).chain(self.certs.iter().map(|c| c.bits / 8)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Add every key and certificate found in `text` (PEM blocks, or the `tls.crt`/`tls.key` JSON). `name`
    /// names them in reports; `source` says where they came from. Returns how many were added.
    pub fn add_text(&mut self, name: &str, source: &str, text: &str) -> Result<usize, KeyError> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            return self.add_json(name, source, trimmed);
        }
        let blocks = pem_blocks(source, text)?;
        if blocks.is_empty() {
            return Err(invalid(
                source,
                "no PEM block found: expected `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN PRIVATE KEY-----` or \
                 `-----BEGIN CERTIFICATE-----`, or a JSON object with `tls.key` / `tls.crt`",
            ));
        }
        let mut added = 0;
        for (label, der) in blocks {
            match label.as_str() {
                "RSA PRIVATE KEY" => {
                    let pkcs8 = der::pkcs1_to_pkcs8(&der);
                    self.keys.push(private_key(name, source, &pkcs8)?);
                }
                "PRIVATE KEY" => self.keys.push(private_key(name, source, &der)?),
                "CERTIFICATE" => self.certs.push(certificate(name, source, &der)?),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(invalid(
                        source,
                        "the private key is encrypted with a passphrase; decrypt it first (`openssl pkey -in KEY -out \
                         PLAIN`), the controller's keys are unencrypted",
                    ));
                }
                "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                    return Err(invalid(
                        source,
                        format!("a bare {label} is not enough: give the sealing certificate (`kubeseal --fetch-cert`)"),
                    ));
                }
                other => {
                    return Err(invalid(
                        source,
                        format!("unsupported PEM block `{other}`: expected an RSA private key or a certificate"),
                    ));
                }
            }
            added += 1;
        }
        Ok(added)
    }

    fn add_json(&mut self, name: &str, source: &str, text: &str) -> Result<usize, KeyError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            // serde_json's message names a position only, never the content.
            invalid(source, format!("not valid JSON ({e}); expected {{\"tls.crt\": PEM, \"tls.key\": PEM}} or a PEM"))
        })?;
        let obj =
            value.as_object().ok_or_else(|| invalid(source, "expected a JSON object with `tls.key` / `tls.crt`"))?;
        let mut added = 0;
        for field in ["tls.key", "tls.crt"] {
            match obj.get(field) {
                None => {}
                Some(serde_json::Value::String(pem)) => {
                    let pem = Zeroizing::new(pem.clone());
                    added += self.add_text(name, &format!("{source} ({field})"), &pem)?;
                }
                Some(_) => return Err(invalid(source, format!("`{field}` must be a string holding a PEM"))),
            }
        }
        if added == 0 {
            return Err(invalid(source, "the JSON object has neither `tls.key` nor `tls.crt`"));
        }
        Ok(added)
    }
}

/// A PEM block: its label and DER bytes.
pub type PemBlock = (String, Zeroizing<Vec<u8>>);

/// The PEM blocks of `text`: `(label, DER bytes)`. Text outside blocks is ignored.
pub fn pem_blocks(source: &str, text: &str) -> Result<Vec<PemBlock>, KeyError> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = Zeroizing::new(String::new());
        let mut closed = false;
        for l in lines.by_ref() {
            let l = l.trim();
            if l == end {
                closed = true;
                break;
            }
            if l.contains(':') {
                if l.starts_with("Proc-Type") {
                    return Err(invalid(
                        source,
                        "the private key is encrypted with a passphrase; decrypt it first (`openssl rsa -in KEY -out \
                         PLAIN`)",
                    ));
                }
                continue;
            }
            body.push_str(l);
        }
        if !closed {
            return Err(invalid(source, format!("PEM block `{label}` has no `{end}` line")));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| invalid(source, format!("PEM block `{label}` is not valid base64")))?;
        out.push((label.to_string(), Zeroizing::new(der)));
    }
    Ok(out)
}

fn private_key(name: &str, source: &str, pkcs8: &[u8]) -> Result<PrivateKey, KeyError> {
    let key = PrivateDecryptingKey::from_pkcs8(pkcs8)
        .map_err(|_| invalid(source, "not a usable RSA private key (malformed, or not RSA)"))?;
    let public = key.public_key();
    let spki = AsDer::<PublicKeyX509Der>::as_der(&public)
        .map_err(|_| invalid(source, "cannot encode the public key of this private key"))?
        .as_ref()
        .to_vec();
    let key = OaepPrivateDecryptingKey::new(key).map_err(|_| invalid(source, "the key cannot do RSA-OAEP"))?;
    let bits = key.key_size_bits();
    let fingerprint = fingerprint(&spki).map_err(|m| invalid(source, m))?;
    Ok(PrivateKey { name: name.to_string(), source: source.to_string(), key, bits, fingerprint, spki })
}

fn certificate(name: &str, source: &str, der_bytes: &[u8]) -> Result<Certificate, KeyError> {
    let fields =
        der::certificate(der_bytes).map_err(|e| invalid(source, format!("not an X.509 certificate: {}", e.0)))?;
    let (n, _) = der::rsa_public_from_spki(fields.spki)
        .map_err(|e| invalid(source, format!("bad public key in the certificate: {}", e.0)))?
        .ok_or_else(|| invalid(source, "the certificate's key is not RSA: sealed-secrets keys are RSA"))?;
    let not_before = der::time(fields.not_before.0, fields.not_before.1)
        .map_err(|e| invalid(source, format!("certificate notBefore: {}", e.0)))?;
    let not_after = der::time(fields.not_after.0, fields.not_after.1)
        .map_err(|e| invalid(source, format!("certificate notAfter: {}", e.0)))?;
    Ok(Certificate {
        name: name.to_string(),
        source: source.to_string(),
        bits: modulus_bits(&n),
        fingerprint: fingerprint(fields.spki).map_err(|m| invalid(source, m))?,
        spki: fields.spki.to_vec(),
        subject_cn: fields.subject_cn,
        not_before,
        not_after,
    })
}

fn modulus_bits(n: &[u8]) -> usize {
    match n.first() {
        None => 0,
        Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

/// The SSH-style fingerprint (`SHA256:` + unpadded base64 of SHA-256 over the `ssh-rsa` public key blob).
pub fn fingerprint(spki: &[u8]) -> Result<String, String> {
    let (n, e) = der::rsa_public_from_spki(spki)
        .map_err(|e| format!("bad public key: {}", e.0))?
        .ok_or_else(|| "not an RSA key".to_string())?;
    let mut blob = Vec::new();
    let mut put = |bytes: &[u8], mpint: bool| {
        let pad = mpint && bytes.first().is_some_and(|b| b & 0x80 != 0);
        let len = bytes.len() + usize::from(pad);
        blob.extend_from_slice(&(len as u32).to_be_bytes());
        if pad {
            blob.push(0);
        }
        blob.extend_from_slice(bytes);
    };
    put(b"ssh-rsa", false);
    put(&e, true);
    put(&n, true);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &blob);
    Ok(format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest.as_ref())))
}

/// A report name for key material read from `path`: its file stem (`keys/current.key` → `current`).
pub fn name_from_path(path: &str) -> String {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = base.split('.').next().unwrap_or(base);
    if stem.is_empty() { base.to_string() } else { stem.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        assert_eq!(name_from_path("keys/current.key"), "current");
        assert_eq!(name_from_path("/a/b/unrelated-2048.crt"), "unrelated-2048");
        assert_eq!(name_from_path("current.secretsmanager.json"), "current");
        assert_eq!(name_from_path(".hidden"), ".hidden");
    }

    #[test]
    fn pem_errors_are_clear_and_never_panic() {
        let mut ring = Keyring::default();
        let e = ring.add_text("x", "x.pem", "hello").unwrap_err().to_string();
        assert!(e.contains("no PEM block"), "{e}");
        let e = ring.add_text("x", "x.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n").unwrap_err().to_string();
        assert!(e.contains("no `-----END PRIVATE KEY-----`"), "{e}");
        let e = ring.add_text("x", "x.pem", "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n");
        assert!(e.unwrap_err().to_string().contains("not valid base64"));
        let e = ring.add_text("x", "x.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert!(e.unwrap_err().to_string().contains("not a usable RSA private key"));
        let e = ring.add_text("x", "x.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert!(e.unwrap_err().to_string().contains("not an X.509 certificate"));
        let e = ring.add_text("x", "x.json", "{\"tls.key\": 1}").unwrap_err().to_string();
        assert!(e.contains("must be a string"), "{e}");
        let e = ring.add_text("x", "x.json", "{\"other\": \"\"}").unwrap_err().to_string();
        assert!(e.contains("neither"), "{e}");
        let e = ring.add_text("x", "x.json", "{not json").unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        assert!(ring.keys.is_empty() && ring.certs.is_empty());
    }

    #[test]
    fn modulus_bits_count_from_the_top_bit() {
        assert_eq!(modulus_bits(&[0x80, 0]), 16);
        assert_eq!(modulus_bits(&[0x01, 0]), 9);
        assert_eq!(modulus_bits(&[]), 0);
    }
}
