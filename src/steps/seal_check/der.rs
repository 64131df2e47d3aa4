//! Just enough DER to read RSA keys and X.509 certificates: a bounded, panic-free TLV reader and the one
//! structure we write (a PKCS#8 wrapper around a PKCS#1 key).

/// DER tags used here.
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// `1.2.840.113549.1.1.1` (rsaEncryption), DER content bytes.
pub const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// `2.5.4.3` (commonName).
pub const COMMON_NAME_OID: &[u8] = &[0x55, 0x04, 0x03];

/// A malformed DER structure (the message says what was expected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerError(pub String);

fn bad(msg: impl Into<String>) -> DerError {
    DerError(msg.into())
}

/// A cursor over DER bytes.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

/// One element: its tag, its content bytes and its whole encoding (tag, length and content).
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element, whatever its tag.
    pub fn any(&mut self) -> Result<Tlv<'a>, DerError> {
        let all = self.rest;
        let (&tag, after_tag) = all.split_first().ok_or_else(|| bad("unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(bad("multi-byte tags are not supported"));
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or_else(|| bad("missing length"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err(bad("unsupported length encoding"));
            }
            let bytes = after_len.get(..n).ok_or_else(|| bad("truncated length"))?;
            after_len = after_len.get(n..).unwrap_or_default();
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let content = after_len.get(..len).ok_or_else(|| bad("element longer than its data"))?;
        let header = all.len() - after_len.len();
        let raw = all.get(..header + len).ok_or_else(|| bad("element longer than its data"))?;
        self.rest = after_len.get(len..).unwrap_or_default();
        Ok(Tlv { tag, content, raw })
    }

    /// The next element, which must have tag `tag`.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, DerError> {
        let t = self.any()?;
        if t.tag != tag {
            return Err(bad(format!("expected {what} (tag 0x{tag:02x}), found tag 0x{:02x}", t.tag)));
        }
        Ok(t)
    }

    /// The next element when it has tag `tag`; nothing is consumed otherwise.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, DerError> {
        match self.rest.first() {
            Some(&t) if t == tag => self.any().map(Some),
            _ => Ok(None),
        }
    }
}

/// The content of a single SEQUENCE that makes up all of `bytes`.
pub fn sequence<'a>(bytes: &'a [u8], what: &str) -> Result<Reader<'a>, DerError> {
    let mut r = Reader::new(bytes);
    let seq = r.expect(SEQUENCE, what)?;
    if !r.is_empty() {
        return Err(bad(format!("trailing data after {what}")));
    }
    Ok(Reader::new(seq.content))
}

/// An unsigned big-endian INTEGER's magnitude without leading zero bytes.
pub fn unsigned<'a>(t: &Tlv<'a>) -> &'a [u8] {
    let mut c = t.content;
    while let [0, rest @ ..] = c {
        c = rest;
    }
    c
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let body = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | body.len() as u8);
        out.extend_from_slice(body);
    }
}

/// Encode one element.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// Wrap a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo` (version 0, rsaEncryption, NULL parameters).
/// The result holds the key: the caller zeroes it.
pub fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    let mut algorithm = tlv(OID, RSA_ENCRYPTION_OID);
    algorithm.extend_from_slice(&tlv(NULL, &[]));
    let mut body = zeroize::Zeroizing::new(tlv(INTEGER, &[0]));
    body.extend_from_slice(&tlv(SEQUENCE, &algorithm));
    let octets = zeroize::Zeroizing::new(tlv(OCTET_STRING, pkcs1));
    body.extend_from_slice(&octets);
    zeroize::Zeroizing::new(tlv(SEQUENCE, &body))
}

/// An RSA public key: (modulus, public exponent), big-endian without leading zeros.
pub type RsaPublic = (Vec<u8>, Vec<u8>);

/// The RSA modulus and public exponent of a DER `SubjectPublicKeyInfo`, or `None` when it is not an RSA key.
pub fn rsa_public_from_spki(spki: &[u8]) -> Result<Option<RsaPublic>, DerError> {
    let mut r = sequence(spki, "SubjectPublicKeyInfo")?;
    let mut alg = Reader::new(r.expect(SEQUENCE, "AlgorithmIdentifier")?.content);
    let oid = alg.expect(OID, "algorithm OID")?;
    if oid.content != RSA_ENCRYPTION_OID {
        return Ok(None);
    }
    let bits = r.expect(BIT_STRING, "subjectPublicKey")?;
    let key = bits.content.get(1..).ok_or_else(|| bad("empty subjectPublicKey"))?;
    let mut k = sequence(key, "RSAPublicKey")?;
    let n = k.expect(INTEGER, "modulus")?;
    let e = k.expect(INTEGER, "publicExponent")?;
    Ok(Some((unsigned(&n).to_vec(), unsigned(&e).to_vec())))
}

/// The fields of an X.509 certificate that seal-check uses.
#[derive(Debug, Clone)]
pub struct CertFields<'a> {
    pub spki: &'a [u8],
    /// `(tag, content)` of notBefore / notAfter.
    pub not_before: (u8, &'a [u8]),
    pub not_after: (u8, &'a [u8]),
    pub subject_cn: Option<String>,
}

/// Read the TBSCertificate fields of a DER certificate.
pub fn certificate(der: &[u8]) -> Result<CertFields<'_>, DerError> {
    let mut cert = sequence(der, "Certificate")?;
    let mut tbs = Reader::new(cert.expect(SEQUENCE, "TBSCertificate")?.content);
    // [0] EXPLICIT version, optional.
    tbs.optional(0xa0)?;
    tbs.expect(INTEGER, "serialNumber")?;
    tbs.expect(SEQUENCE, "signature algorithm")?;
    tbs.expect(SEQUENCE, "issuer")?;
    let mut validity = Reader::new(tbs.expect(SEQUENCE, "validity")?.content);
    let nb = validity.any()?;
    let na = validity.any()?;
    for (t, what) in [(nb, "notBefore"), (na, "notAfter")] {
        if t.tag != UTC_TIME && t.tag != GENERALIZED_TIME {
            return Err(bad(format!("{what} is not a UTCTime or GeneralizedTime")));
        }
    }
    let subject = tbs.expect(SEQUENCE, "subject")?;
    let spki = tbs.expect(SEQUENCE, "subjectPublicKeyInfo")?;
    Ok(CertFields {
        spki: spki.raw,
        not_before: (nb.tag, nb.content),
        not_after: (na.tag, na.content),
        subject_cn: common_name(subject.content),
    })
}

fn common_name(rdns: &[u8]) -> Option<String> {
    let mut r = Reader::new(rdns);
    while !r.is_empty() {
        let set = r.expect(SET, "RDN").ok()?;
        let mut s = Reader::new(set.content);
        while !s.is_empty() {
            let atv = s.expect(SEQUENCE, "AttributeTypeAndValue").ok()?;
            let mut a = Reader::new(atv.content);
            let oid = a.expect(OID, "attribute type").ok()?;
            let value = a.any().ok()?;
            if oid.content == COMMON_NAME_OID {
                return Some(String::from_utf8_lossy(value.content).into_owned());
            }
        }
    }
    None
}

/// A UTCTime or GeneralizedTime (`Z` form, as DER requires) as a timestamp.
pub fn time(tag: u8, content: &[u8]) -> Result<jiff::Timestamp, DerError> {
    let s = std::str::from_utf8(content).map_err(|_| bad("time is not ASCII"))?;
    let s = s.strip_suffix('Z').ok_or_else(|| bad(format!("time {s:?} does not end in Z")))?;
    let (year, rest) = if tag == UTC_TIME {
        let yy: i16 = s.get(..2).and_then(|y| y.parse().ok()).ok_or_else(|| bad("bad UTCTime year"))?;
        // RFC 5280: 50..99 → 19xx, 00..49 → 20xx.
        (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..).unwrap_or_default())
    } else {
        let y: i16 = s.get(..4).and_then(|y| y.parse().ok()).ok_or_else(|| bad("bad GeneralizedTime year"))?;
        (y, s.get(4..).unwrap_or_default())
    };
    let field = |i: usize| -> Result<i8, DerError> {
        rest.get(i..i + 2).and_then(|v| v.parse().ok()).ok_or_else(|| bad(format!("bad time {s:?}")))
    };
    if rest.len() != 10 {
        return Err(bad(format!("unsupported time format {s:?}")));
    }
    let dt = jiff::civil::DateTime::new(year, field(0)?, field(2)?, field(4)?, field(6)?, field(8)?, 0)
        .map_err(|e| bad(format!("bad time {s:?}: {e}")))?;
    dt.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| bad(format!("bad time {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let short = tlv(OCTET_STRING, &[1, 2, 3]);
        assert_eq!(short, vec![4, 3, 1, 2, 3]);
        let long = tlv(OCTET_STRING, &[7; 300]);
        assert_eq!(&long[..4], &[4, 0x82, 0x01, 0x2c]);
        let mut r = Reader::new(&long);
        let t = r.any().unwrap();
        assert_eq!(t.content.len(), 300);
        assert_eq!(t.raw.len(), 304);
        assert!(r.is_empty());
    }

    #[test]
    fn refuses_truncated_and_garbage_input_without_panicking() {
        for bytes in [&[][..], &[0x30], &[0x30, 0x85, 1, 1, 1, 1, 1], &[0x30, 0x05, 1], &[0x1f, 0, 0], &[0x30, 0x80]] {
            assert!(Reader::new(bytes).any().is_err(), "{bytes:?}");
        }
        assert!(certificate(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(rsa_public_from_spki(b"not der").is_err());
    }

    #[test]
    fn parses_times() {
        let t = time(UTC_TIME, b"250101000000Z").unwrap();
        assert_eq!(t.to_string(), "2025-01-01T00:00:00Z");
        let t = time(GENERALIZED_TIME, b"20491231235959Z").unwrap();
        assert_eq!(t.to_string(), "2049-12-31T23:59:59Z");
        assert_eq!(time(UTC_TIME, b"990101000000Z").unwrap().to_string(), "1999-01-01T00:00:00Z");
        assert!(time(UTC_TIME, b"2501010000Z").is_err());
        assert!(time(UTC_TIME, b"251301000000Z").is_err());
    }

    #[test]
    fn wraps_pkcs1_in_pkcs8() {
        let w = pkcs1_to_pkcs8(&[0x30, 0x00]);
        let mut r = sequence(&w, "PrivateKeyInfo").unwrap();
        assert_eq!(r.expect(INTEGER, "version").unwrap().content, &[0]);
        let mut alg = Reader::new(r.expect(SEQUENCE, "alg").unwrap().content);
        assert_eq!(alg.expect(OID, "oid").unwrap().content, RSA_ENCRYPTION_OID);
        assert_eq!(r.expect(OCTET_STRING, "key").unwrap().content, &[0x30, 0x00]);
    }
}
