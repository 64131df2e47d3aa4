//! Checking one sealed value: base64, framing, and (with private keys) opening it as the controller does.
//!
//! A value is `base64(StdEncoding)` of `uint16_be(len(rsa)) || rsa || aes`: `rsa` is RSA-OAEP (SHA-256, MGF1
//! SHA-256, label = scope label) of a 32-byte session key, `aes` is AES-256-GCM of the plaintext under that key
//! with a 12-byte all-zero nonce and the 16-byte tag appended. Opening happens in zeroed-on-drop buffers and
//! the plaintext is dropped at once: only the outcome leaves this module.

use super::keys::Keyring;
use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rsa::OAEP_SHA256_MGF1SHA256;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;
use zeroize::Zeroizing;

/// The AES-GCM tag length.
const TAG_LEN: usize = 16;

/// The result of checking one value. The codes are those of the test vectors' `expect.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum Outcome {
    /// Passed at the level of the keyring; `key` names the key that opened it (decrypt level).
    Ok { key: Option<String> },
    /// Not valid standard base64 with padding.
    InvalidBase64 { detail: String },
    /// Shorter than the framing requires.
    TooShort { detail: String },
    /// The RSA block's length is no key's size.
    RsaLengthMismatch { detail: String },
    /// No key opened the session key with the label the controller computes.
    RsaOaepFailed,
    /// A key opened the session key but AES-GCM authentication failed.
    AesGcmFailed { key: String },
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Ok { .. } => "ok",
            Outcome::InvalidBase64 { .. } => "invalid-base64",
            Outcome::TooShort { .. } => "too-short",
            Outcome::RsaLengthMismatch { .. } => "rsa-length-mismatch",
            Outcome::RsaOaepFailed => "rsa-oaep-failed",
            Outcome::AesGcmFailed { .. } => "aes-gcm-failed",
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok { .. })
    }

    /// The key that opened the value, or whose session key failed AES-GCM.
    pub fn key(&self) -> Option<&str> {
        match self {
            Outcome::Ok { key } => key.as_deref(),
            Outcome::AesGcmFailed { key } => Some(key),
            _ => None,
        }
    }
}

/// Go's `base64.StdEncoding`: standard alphabet, padding required, non-zero trailing bits accepted.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Decode as Go's `base64.StdEncoding.DecodeString` does (CR and LF are skipped, anything else must be valid).
pub fn decode_go_base64(value: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    if let Some((i, c)) =
        cleaned.char_indices().find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
    {
        let shown = if c.is_ascii_graphic() { format!("{c:?}") } else { format!("U+{:04X}", c as u32) };
        return Err(format!("illegal character {shown} at offset {i}"));
    }
    if !cleaned.len().is_multiple_of(4) {
        return Err(format!(
            "length {} is not a multiple of 4 (missing `=` padding? Go's StdEncoding requires it)",
            cleaned.len()
        ));
    }
    GO_STD.decode(cleaned.as_bytes()).map_err(|e| match e {
        base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol { offset: i, .. } => {
            format!("misplaced padding or symbol at offset {i}")
        }
        base64::DecodeError::InvalidPadding => "invalid `=` padding".to_string(),
        base64::DecodeError::InvalidLength(_) => "invalid length".to_string(),
    })
}

/// Check one sealed value against a keyring. `label` is the scope label the controller computes; without one
/// (namespace unknown) the value is not opened, only its framing and size are checked.
pub fn check_value(value: &str, label: Option<&[u8]>, ring: &Keyring) -> Outcome {
    let bytes = match decode_go_base64(value) {
        Ok(b) => b,
        Err(detail) => return Outcome::InvalidBase64 { detail },
    };
    check_bytes(&bytes, label, ring)
}

/// Check decoded ciphertext bytes.
pub fn check_bytes(bytes: &[u8], label: Option<&[u8]>, ring: &Keyring) -> Outcome {
    let Some((prefix, rest)) = bytes.split_first_chunk::<2>() else {
        return Outcome::TooShort { detail: format!("{} byte(s): not even the 2-byte length prefix", bytes.len()) };
    };
    let rsa_len = usize::from(u16::from_be_bytes(*prefix));
    if rest.len() < rsa_len {
        return Outcome::TooShort {
            detail: format!(
                "{} bytes, but the length prefix announces a {rsa_len}-byte RSA block after it: truncated",
                bytes.len()
            ),
        };
    }
    let (rsa, aes) = rest.split_at(rsa_len);
    if aes.len() < TAG_LEN {
        return Outcome::TooShort {
            detail: format!(
                "only {} byte(s) after the {rsa_len}-byte RSA block: less than the 16-byte AES-GCM tag",
                aes.len()
            ),
        };
    }
    let sizes = ring.block_sizes();
    if !sizes.is_empty() && !sizes.contains(&rsa_len) {
        let bits: Vec<String> = sizes.iter().map(|s| format!("{}", s * 8)).collect();
        return Outcome::RsaLengthMismatch {
            detail: format!(
                "the RSA block is {rsa_len} bytes (a {}-bit key), but the sealing keys are {} bits: it was sealed with another key",
                rsa_len * 8,
                bits.join("/")
            ),
        };
    }
    let Some(label) = label.filter(|_| !ring.keys.is_empty()) else {
        return Outcome::Ok { key: None };
    };
    let mut aes_failed: Option<&str> = None;
    for k in ring.keys.iter().filter(|k| k.key.key_size_bytes() == rsa_len) {
        let mut session = Zeroizing::new(vec![0u8; k.key.min_output_size().max(rsa_len)]);
        let Ok(opened) = k.key.decrypt(&OAEP_SHA256_MGF1SHA256, rsa, &mut session, Some(label)) else {
            continue;
        };
        let opened_len = opened.len();
        let session_key = session.get(..opened_len).unwrap_or_default();
        if open_aes(session_key, aes) {
            return Outcome::Ok { key: Some(k.name.clone()) };
        }
        aes_failed.get_or_insert(&k.name);
    }
    match aes_failed {
        Some(name) => Outcome::AesGcmFailed { key: name.to_string() },
        None => Outcome::RsaOaepFailed,
    }
}

/// Open AES-GCM (zero nonce, no associated data) in a buffer that is zeroed when dropped.
fn open_aes(session_key: &[u8], sealed: &[u8]) -> bool {
    let algorithm = match session_key.len() {
        32 => &AES_256_GCM,
        16 => &AES_128_GCM,
        _ => return false,
    };
    let Ok(unbound) = UnboundKey::new(algorithm, session_key) else {
        return false;
    };
    let key = LessSafeKey::new(unbound);
    let mut buf = Zeroizing::new(sealed.to_vec());
    key.open_in_place(Nonce::assume_unique_for_key([0u8; 12]), Aad::empty(), &mut buf).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_follows_go_std_encoding() {
        assert_eq!(decode_go_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_go_base64("aG\r\nk=").unwrap(), b"hi");
        assert_eq!(decode_go_base64("").unwrap(), b"");
        // Non-canonical trailing bits are accepted, as Go's (non-strict) StdEncoding does.
        assert_eq!(decode_go_base64("aGl=").unwrap(), b"hi");
        assert!(decode_go_base64("aGk").unwrap_err().contains("multiple of 4"));
        assert!(decode_go_base64("aG!=").unwrap_err().contains("'!' at offset 2"));
        assert!(decode_go_base64("aG k=").unwrap_err().contains("illegal character"));
        assert!(decode_go_base64("a=Gk").is_err());
        assert!(decode_go_base64("aGk-").is_err());
        assert!(decode_go_base64("aé==").is_err());
    }

    #[test]
    fn framing_without_keys() {
        let ring = Keyring::default();
        assert_eq!(check_bytes(&[], None, &ring).code(), "too-short");
        assert_eq!(check_bytes(&[0], None, &ring).code(), "too-short");
        assert_eq!(check_bytes(&[0, 4, 1, 2, 3], None, &ring).code(), "too-short");
        let mut v = vec![0, 4, 1, 2, 3, 4];
        assert_eq!(check_bytes(&v, None, &ring).code(), "too-short");
        v.extend_from_slice(&[0; 16]);
        assert_eq!(check_bytes(&v, None, &ring), Outcome::Ok { key: None });
    }
}
