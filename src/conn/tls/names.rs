//! Names in certificates: libpq's host name rule for `verify-full`, and
//! OpenSSL's subject-name hash (the file names of hashed directories such
//! as `sslcrldir` and `SSL_CERT_DIR`).
//!
//! libpq's rule (checked against psql 18): the host is matched against the
//! subjectAltName entries; for a host name, against the dNSName entries,
//! and against the Common Name only when there is no dNSName entry; for an
//! IP address, against iPAddress entries (by value) and dNSName entries
//! (as text), and against the Common Name when there is no iPAddress
//! entry. Comparison ignores case; a name starting with `*.` matches one
//! whole first label. rustls never looks at the Common Name, hence this
//! module.

use std::net::IpAddr;

use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Encode, Tag, Tagged};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::name::Name;
use x509_cert::Certificate;

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// A subjectAltName entry libpq looks at.
enum AltName {
    Dns(String),
    Ip(Vec<u8>),
}

impl AltName {
    fn text(&self) -> String {
        match self {
            AltName::Dns(s) => s.clone(),
            AltName::Ip(b) => match <[u8; 4]>::try_from(b.as_slice()) {
                Ok(v4) => IpAddr::from(v4).to_string(),
                Err(_) => match <[u8; 16]>::try_from(b.as_slice()) {
                    Ok(v6) => IpAddr::from(v6).to_string(),
                    Err(_) => String::new(),
                },
            },
        }
    }
}

fn alt_names(cert: &Certificate) -> Vec<AltName> {
    let exts = cert.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    let Some(ext) = exts.iter().find(|e| e.extn_id == SUBJECT_ALT_NAME) else {
        return Vec::new();
    };
    let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
        return Vec::new();
    };
    san.0
        .into_iter()
        .filter_map(|g| match g {
            GeneralName::DnsName(s) => Some(AltName::Dns(s.to_string())),
            GeneralName::IpAddress(o) => Some(AltName::Ip(o.as_bytes().to_vec())),
            _ => None,
        })
        .collect()
}

/// The first Common Name of the subject, as text.
fn common_name(cert: &Certificate) -> Option<String> {
    cert.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|ava| ava.oid == COMMON_NAME)
        .map(|ava| String::from_utf8_lossy(ava.value.value()).into_owned())
}

/// `pattern` matches `host` as libpq matches names: ignoring case, and
/// `*.rest` matching any single non-empty label followed by `.rest`.
fn name_matches(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(rest) if rest.starts_with('.') => match host.find('.') {
            Some(i) if i > 0 => host[i..].eq_ignore_ascii_case(rest),
            _ => false,
        },
        _ => false,
    }
}

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// Checks `host` against the server certificate `der` the way libpq's
/// `verify-full` does; the error is libpq's message.
pub(crate) fn check_host(der: &[u8], host: &str) -> Result<(), String> {
    let cert = Certificate::from_der(der)
        .map_err(|_| "could not get server's host name from server certificate".to_string())?;
    let alts = alt_names(&cert);
    let ip = host.parse::<IpAddr>().ok();
    let mut checked: Vec<String> = Vec::new();
    for alt in &alts {
        let ok = match (alt, ip) {
            (AltName::Dns(n), _) => name_matches(n, host),
            (AltName::Ip(b), Some(ip)) => *b == ip_bytes(ip),
            (AltName::Ip(_), None) => false,
        };
        if ok {
            return Ok(());
        }
        checked.push(alt.text());
    }
    let use_cn = match ip {
        None => !alts.iter().any(|a| matches!(a, AltName::Dns(_))),
        Some(_) => !alts.iter().any(|a| matches!(a, AltName::Ip(_))),
    };
    if use_cn {
        if let Some(cn) = common_name(&cert) {
            if name_matches(&cn, host) {
                return Ok(());
            }
            checked.push(cn);
        }
    }
    Err(match checked.len() {
        0 => "could not get server's host name from server certificate".to_string(),
        1 => format!(
            "server certificate for \"{}\" does not match host name \"{host}\"",
            checked[0]
        ),
        n => format!(
            "server certificate for \"{}\" (and {} other name{}) does not match host name \"{host}\"",
            checked[0],
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    })
}

/// Canonical form of a string value, as OpenSSL hashes names: UTF-8,
/// leading and trailing white space removed, inner runs of white space
/// made one space, ASCII lower-cased.
fn canonical_text(tag: Tag, bytes: &[u8]) -> Option<String> {
    let text = match tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        Tag::TeletexString => bytes.iter().map(|&b| b as char).collect(),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => return None,
    };
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    let mut out = String::new();
    for word in text.split(ws).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    Some(out)
}

/// A DER tag-length-value.
pub(super) fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        v.push(0x80 | bytes.len() as u8);
        v.extend(bytes);
    }
    v.extend_from_slice(content);
    v
}

/// OpenSSL's `X509_NAME_hash` (what `openssl x509 -hash`, `openssl crl
/// -hash` and `openssl rehash` print): SHA-1 of the canonical encoding of
/// the name, first four bytes as a little-endian number.
pub(crate) fn openssl_name_hash(name: &Name) -> Option<u32> {
    let mut canon = Vec::new();
    for rdn in name.0.iter() {
        let mut avas: Vec<Vec<u8>> = Vec::new();
        for ava in rdn.0.iter() {
            let oid = der_tlv(0x06, ava.oid.as_bytes());
            let value = match canonical_text(ava.value.tag(), ava.value.value()) {
                Some(t) => der_tlv(0x0c, t.as_bytes()),
                None => ava.value.to_der().ok()?,
            };
            avas.push(der_tlv(0x30, &[oid, value].concat()));
        }
        avas.sort();
        canon.extend(der_tlv(0x31, &avas.concat()));
    }
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &canon);
    let b = digest.as_ref();
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(name_matches("*.b.example", "x.B.example"));
        assert!(!name_matches("*.b.example", "y.x.b.example"));
        assert!(!name_matches("*.b.example", ".b.example"));
        assert!(!name_matches("*x.example", "ax.example"));
        assert!(name_matches("LOCALHOST", "localhost"));
    }

    #[test]
    fn canonical() {
        assert_eq!(
            canonical_text(Tag::PrintableString, b"  Foo   Bar\t").as_deref(),
            Some("foo bar")
        );
        assert_eq!(canonical_text(Tag::OctetString, b"x"), None);
    }
}
