//! The rustls client configuration for an `sslmode`, following libpq's
//! `initialize_SSL`:
//!
//! - the root certificate file (`sslrootcert`, default
//!   `~/.postgresql/root.crt`) is loaded when it exists, and then the
//!   server's chain is verified whatever the mode (this is how `require`
//!   behaves like `verify-ca` when that file exists);
//! - without it, `verify-ca`/`verify-full` fail and the other modes accept
//!   any server certificate;
//! - only `verify-full` checks the host name;
//! - a client certificate (`sslcert`, default `~/.postgresql/postgresql.crt`)
//!   is sent when the file exists, with its key (`sslkey`, default
//!   `~/.postgresql/postgresql.key`).

mod connect;
mod key;
mod names;
mod verify;

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, ServerName, TrustAnchor, UnixTime,
};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

pub(crate) use connect::TlsConnector;

use super::settings::{SslMode, TlsSettings};
use connect::ConnectorParts;
use verify::{Crls, Trust};

/// A failure worded as libpq words it (the text after the
/// `connection to server ... failed: ` prefix).
#[derive(Debug)]
pub(crate) struct LibpqError(pub String);

impl std::fmt::Display for LibpqError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LibpqError {}

/// `sslpassword` (hidden from `Debug` output).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct KeyPassword(pub String);

impl std::fmt::Debug for KeyPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("********")
    }
}

const ROOT_CERT_FILE: &str = ".postgresql/root.crt";
const ROOT_CRL_FILE: &str = ".postgresql/root.crl";
const USER_CERT_FILE: &str = ".postgresql/postgresql.crt";
const USER_KEY_FILE: &str = ".postgresql/postgresql.key";

/// Where OpenSSL looks for the "system" root certificates when
/// `SSL_CERT_FILE` / `SSL_CERT_DIR` are not set (its OPENSSLDIR on Debian;
/// both lead to /etc/ssl/certs).
const SYSTEM_CA_FILE: &str = "/usr/lib/ssl/cert.pem";
const SYSTEM_CA_DIR: &str = "/usr/lib/ssl/certs";

/// How the server certificate will be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verification {
    /// Any certificate is accepted.
    None,
    /// The chain must lead to a trusted root; the name is not checked.
    Chain,
    /// Chain and host name.
    Full,
}

fn default_file(explicit: &Option<String>, home: &Option<PathBuf>, rel: &str) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(PathBuf::from(p)),
        None => home.as_ref().map(|h| h.join(rel)),
    }
}

/// The text of a PEM parsing error, as rustls-pemfile 2 (which this
/// replaced) worded it.
pub(super) fn pem_error_text(e: pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { end_marker } => format!(
            "section end {:?} missing",
            String::from_utf8_lossy(&end_marker)
        ),
        pem::Error::IllegalSectionStart { line } => format!(
            "illegal section start: {:?}",
            String::from_utf8_lossy(&line)
        ),
        pem::Error::Base64Decode(e) => e,
        pem::Error::Io(e) => crate::conn::message::io_text(&e),
        other => other.to_string(),
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let f = std::fs::File::open(path).map_err(|e| crate::conn::message::io_text(&e))?;
    let certs = CertificateDer::pem_reader_iter(&mut BufReader::new(f))
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error_text)?;
    if certs.is_empty() {
        return Err("no certificate found".to_string());
    }
    Ok(certs)
}

/// The certificates of OpenSSL's hashed directory `dir`: files
/// `<subject hash>.0`, `.1`, ... (up to the first missing one), keeping
/// those whose subject hash is the file's, as OpenSSL's lookup does.
fn hashed_dir_certs(dir: &Path) -> Vec<CertificateDer<'static>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut hashes: Vec<u32> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (h, _) = name.split_once('.')?;
            (h.len() == 8
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| u32::from_str_radix(h, 16).ok())?
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut out = Vec::new();
    for h in hashes {
        for n in 0.. {
            let Ok(certs) = read_certs(&dir.join(format!("{h:08x}.{n}"))) else {
                break;
            };
            out.extend(certs.into_iter().filter(|c| subject_hash(c) == Some(h)));
        }
    }
    out
}

fn subject_hash(der: &[u8]) -> Option<u32> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    names::openssl_name_hash(&cert.tbs_certificate.subject)
}

/// `sslrootcert=system`: OpenSSL's default verify paths, `SSL_CERT_FILE`
/// (a bundle) and `SSL_CERT_DIR` (hashed directories, `:`-separated).
/// Missing ones are not an error; verification fails later instead.
fn system_roots() -> Vec<CertificateDer<'static>> {
    let var = |k: &str, default: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.into())
    };
    let mut certs =
        read_certs(Path::new(&var("SSL_CERT_FILE", SYSTEM_CA_FILE))).unwrap_or_default();
    for dir in std::env::split_paths(&var("SSL_CERT_DIR", SYSTEM_CA_DIR)) {
        certs.extend(hashed_dir_certs(&dir));
    }
    certs
}

const ROOT_HINT: &str = "Either provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.";

/// The trusted certificates, and whether they came from a root file (not
/// `system`); None when there is nothing to verify against.
fn load_roots(
    settings: &TlsSettings,
    mode: SslMode,
) -> Result<Option<(Vec<CertificateDer<'static>>, bool)>, String> {
    if settings.rootcert.as_deref() == Some("system") {
        return Ok(Some((system_roots(), false)));
    }
    let path = default_file(&settings.rootcert, &settings.home, ROOT_CERT_FILE);
    match &path {
        Some(p) if std::fs::metadata(p).is_ok() => {
            let certs = read_certs(p).map_err(|e| {
                format!(
                    "could not read root certificate file \"{}\": {e}",
                    p.display()
                )
            })?;
            Ok(Some((certs, true)))
        }
        _ if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) => Err(match &path {
            Some(p) => format!(
                "root certificate file \"{}\" does not exist\n{ROOT_HINT}",
                p.display()
            ),
            None => {
                format!("could not get home directory to locate root certificate file\n{ROOT_HINT}")
            }
        }),
        _ => Ok(None),
    }
}

/// The revocation lists, None when libpq would not check revocation: a
/// CRL file (`sslcrl`, default `~/.postgresql/root.crl`) counts when it
/// holds a CRL (a missing or unreadable one is ignored, as in libpq); a
/// `sslcrldir` counts whenever it is set, even if it does not exist (libpq
/// then refuses every certificate).
fn load_crls(settings: &TlsSettings) -> Option<Crls> {
    let file = default_file(&settings.crl, &settings.home, ROOT_CRL_FILE)
        .and_then(|p| std::fs::File::open(p).ok())
        .map(|f| {
            CertificateRevocationListDer::pem_reader_iter(&mut BufReader::new(f))
                .filter_map(Result::ok)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let dir = settings.crldir.as_ref().map(PathBuf::from);
    if file.is_empty() && dir.is_none() {
        return None;
    }
    Some(Crls { file, dir })
}

fn check_key_permissions(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = meta.permissions().mode();
        let bad = if meta.uid() == 0 {
            // S_IWGRP | S_IXGRP | S_IRWXO
            mode & 0o037 != 0
        } else {
            mode & 0o077 != 0
        };
        if bad {
            return Err(format!(
                "private key file \"{}\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    Ok(())
}

fn load_key(path: &Path, password: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "certificate present, but not private key file \"{}\"",
                path.display()
            ))
        }
        Err(e) => return Err(key::read_error(path, "stat", &e)),
    };
    if !meta.is_file() {
        return Err(format!(
            "private key file \"{}\" is not a regular file",
            path.display()
        ));
    }
    check_key_permissions(path, &meta)?;
    let bytes = std::fs::read(path).map_err(|e| key::read_error(path, "load", &e))?;
    key::parse_key(path, bytes, password)
}

/// The client certificate chain and key to send, if any.
fn load_client_cert(
    settings: &TlsSettings,
) -> Result<
    Option<(
        Vec<CertificateDer<'static>>,
        PrivateKeyDer<'static>,
        PathBuf,
    )>,
    String,
> {
    if settings.no_client_cert {
        return Ok(None);
    }
    let Some(cert_path) = default_file(&settings.cert, &settings.home, USER_CERT_FILE) else {
        return Ok(None);
    };
    match std::fs::metadata(&cert_path) {
        Ok(_) => {}
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(format!(
                "could not open certificate file \"{}\": {}",
                cert_path.display(),
                crate::conn::message::io_text(&e)
            ))
        }
    }
    let certs = read_certs(&cert_path).map_err(|e| {
        format!(
            "could not read certificate file \"{}\": {e}",
            cert_path.display()
        )
    })?;
    let Some(key_path) = default_file(&settings.key, &settings.home, USER_KEY_FILE) else {
        return Ok(None);
    };
    let password = settings.password.as_ref().map(|p| p.0.as_str());
    let key = load_key(&key_path, password)?;
    Ok(Some((certs, key, key_path)))
}

/// The client certificate and key as rustls signs with them.
fn certified_key(
    provider: &CryptoProvider,
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    key_path: &Path,
) -> Result<Arc<CertifiedKey>, String> {
    let mismatch = |e: rustls::Error| {
        format!(
            "certificate does not match private key file \"{}\": {e}",
            key_path.display()
        )
    };
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(mismatch)?;
    let ck = CertifiedKey::new(certs, signing);
    match ck.keys_match() {
        Err(e @ rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(mismatch(e))
        }
        _ => Ok(Arc::new(ck)),
    }
}

/// What the server certificate is verified against, for `mode`.
fn trust(
    settings: &TlsSettings,
    mode: SslMode,
    provider: &Arc<CryptoProvider>,
) -> Result<(Option<Arc<Trust>>, Verification), String> {
    let Some((roots, from_file)) = load_roots(settings, mode)? else {
        return Ok((None, Verification::None));
    };
    let anchors: Vec<TrustAnchor<'static>> = roots
        .iter()
        .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
        .map(|a| a.to_owned())
        .collect();
    if from_file && anchors.is_empty() {
        return Err(format!(
            "could not read root certificate file \"{}\": no usable certificate found",
            default_file(&settings.rootcert, &settings.home, ROOT_CERT_FILE)
                .unwrap_or_default()
                .display()
        ));
    }
    let full = mode == SslMode::VerifyFull;
    let trust = Trust {
        provider: provider.clone(),
        roots,
        anchors,
        crls: if from_file { load_crls(settings) } else { None },
        full,
    };
    let v = if full {
        Verification::Full
    } else {
        Verification::Chain
    };
    Ok((Some(Arc::new(trust)), v))
}

/// Builds the TLS connector for `mode`. Errors are libpq's messages.
pub(crate) fn connector(
    settings: &TlsSettings,
    mode: SslMode,
) -> Result<(TlsConnector, Verification), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if settings.min_tls13 {
        &[&rustls::version::TLS13]
    } else if settings.max_tls12 {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| format!("could not set SSL protocol version: {e}"))?;
    let (trust, verification) = trust(settings, mode, &provider)?;
    // The connector puts a per-connection verifier in place of this one
    // when there is something to verify against.
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider.clone())))
        .with_no_client_auth();
    let client_key = match load_client_cert(settings)? {
        Some((certs, key, key_path)) => Some(certified_key(&provider, certs, key, &key_path)?),
        None => None,
    };
    config.enable_sni = settings.sni;
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    let parts = ConnectorParts {
        config,
        trust,
        client_key,
        direct: settings.direct,
        cert_required: settings.cert_required,
    };
    Ok((TlsConnector(Arc::new(parts)), verification))
}

/// Accepts any server certificate (libpq without a root certificate), but
/// still checks the handshake signatures.
#[derive(Debug)]
struct AcceptAnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(home: &Path) -> TlsSettings {
        TlsSettings {
            home: Some(home.to_path_buf()),
            sni: true,
            ..TlsSettings::default()
        }
    }

    #[test]
    fn no_root_file() {
        let home = tempfile::tempdir().unwrap();
        let s = settings(home.path());
        for mode in [SslMode::Prefer, SslMode::Require, SslMode::Allow] {
            let (_, v) = connector(&s, mode).unwrap();
            assert_eq!(v, Verification::None);
        }
        let err = connector(&s, SslMode::VerifyCa).unwrap_err();
        assert_eq!(
            err,
            format!(
                "root certificate file \"{}/.postgresql/root.crt\" does not exist\nEither provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.",
                home.path().display()
            )
        );
        assert!(connector(&s, SslMode::VerifyFull).is_err());
    }

    #[test]
    fn unreadable_root_file() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(ROOT_CERT_FILE), "not a certificate\n").unwrap();
        let s = settings(home.path());
        let err = connector(&s, SslMode::Require).unwrap_err();
        assert!(
            err.starts_with("could not read root certificate file"),
            "{err}"
        );
    }

    #[test]
    fn client_key_checks() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let cert = home.path().join("c.crt");
        let key = home.path().join("c.key");
        std::fs::write(
            &cert,
            "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let mut s = settings(home.path());
        s.cert = Some(cert.display().to_string());
        s.key = Some(key.display().to_string());
        let err = connector(&s, SslMode::Prefer).unwrap_err();
        assert_eq!(
            err,
            format!(
                "certificate present, but not private key file \"{}\"",
                key.display()
            )
        );
        std::fs::write(&key, "x").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = connector(&s, SslMode::Prefer).unwrap_err();
        assert!(err.contains("has group or world access"), "{err}");
        // sslcertmode=disable: never send one.
        s.no_client_cert = true;
        assert!(connector(&s, SslMode::Prefer).is_ok());
        // A missing certificate file is fine.
        s.no_client_cert = false;
        s.cert = Some(home.path().join("nope.crt").display().to_string());
        assert!(connector(&s, SslMode::Prefer).is_ok());
    }
}
