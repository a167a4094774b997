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

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::settings::{SslMode, TlsSettings};

const ROOT_CERT_FILE: &str = ".postgresql/root.crt";
const ROOT_CRL_FILE: &str = ".postgresql/root.crl";
const USER_CERT_FILE: &str = ".postgresql/postgresql.crt";
const USER_KEY_FILE: &str = ".postgresql/postgresql.key";

/// Where the "system" root certificates are (OpenSSL's default on Debian).
const SYSTEM_CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How the server certificate will be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
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

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let f = std::fs::File::open(path).map_err(|e| crate::conn::message::io_text(&e))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(f))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no certificate found".to_string());
    }
    Ok(certs)
}

fn load_roots(
    settings: &TlsSettings,
    mode: SslMode,
) -> Result<(Option<RootCertStore>, Option<PathBuf>), String> {
    if settings.rootcert.as_deref() == Some("system") {
        let file = std::env::var_os("SSL_CERT_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(SYSTEM_CA_FILE));
        let certs = read_certs(&file)
            .map_err(|e| format!("could not load system root certificate paths: {e}"))?;
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(certs);
        return Ok((Some(roots), None));
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
            let mut roots = RootCertStore::empty();
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "could not read root certificate file \"{}\": no usable certificate found",
                    p.display()
                ));
            }
            Ok((Some(roots), path))
        }
        _ if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) => {
            const HINT: &str = "Either provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.";
            Err(match &path {
                Some(p) => format!(
                    "root certificate file \"{}\" does not exist\n{HINT}",
                    p.display()
                ),
                None => {
                    format!("could not get home directory to locate root certificate file\n{HINT}")
                }
            })
        }
        _ => Ok((None, None)),
    }
}

fn load_crls(
    settings: &TlsSettings,
) -> Vec<rustls::pki_types::CertificateRevocationListDer<'static>> {
    let Some(path) = default_file(&settings.crl, &settings.home, ROOT_CRL_FILE) else {
        return Vec::new();
    };
    // As in libpq, a missing or unreadable CRL is silently ignored.
    let Ok(f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    rustls_pemfile::crls(&mut BufReader::new(f))
        .filter_map(Result::ok)
        .collect()
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

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "certificate present, but not private key file \"{}\"",
                path.display()
            ))
        }
        Err(e) => {
            return Err(format!(
                "could not stat private key file \"{}\": {}",
                path.display(),
                crate::conn::message::io_text(&e)
            ))
        }
    };
    if !meta.is_file() {
        return Err(format!(
            "private key file \"{}\" is not a regular file",
            path.display()
        ));
    }
    check_key_permissions(path, &meta)?;
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "could not load private key file \"{}\": {}",
            path.display(),
            crate::conn::message::io_text(&e)
        )
    })?;
    if let Ok(Some(key)) = rustls_pemfile::private_key(&mut &bytes[..]) {
        return Ok(key);
    }
    // Not PEM: try DER, as libpq does.
    PrivateKeyDer::try_from(bytes).map_err(|e| {
        format!(
            "could not load private key file \"{}\": {e}",
            path.display()
        )
    })
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
    let key = load_key(&key_path)?;
    Ok(Some((certs, key, key_path)))
}

/// Builds the rustls configuration for `mode`. Errors are libpq's messages.
pub fn client_config(
    settings: &TlsSettings,
    mode: SslMode,
) -> Result<(ClientConfig, Verification), String> {
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

    let (roots, root_file) = load_roots(settings, mode)?;
    let (verifier, verification): (Arc<dyn ServerCertVerifier>, Verification) = match roots {
        None => (
            Arc::new(AcceptAnyServerCert(provider.clone())),
            Verification::None,
        ),
        Some(roots) => {
            let mut vb =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            if root_file.is_some() {
                let crls = load_crls(settings);
                if !crls.is_empty() {
                    vb = vb.with_crls(crls).allow_unknown_revocation_status();
                }
            }
            let webpki = vb
                .build()
                .map_err(|e| format!("could not set up certificate verification: {e}"))?;
            if mode == SslMode::VerifyFull {
                (webpki as Arc<dyn ServerCertVerifier>, Verification::Full)
            } else {
                (Arc::new(ChainOnly(webpki)), Verification::Chain)
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match load_client_cert(settings)? {
        Some((certs, key, key_path)) => builder.with_client_auth_cert(certs, key).map_err(|e| {
            format!(
                "certificate does not match private key file \"{}\": {e}",
                key_path.display()
            )
        })?,
        None => builder.with_no_client_auth(),
    };
    config.enable_sni = settings.sni;
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok((config, verification))
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

/// verify-ca: the chain must verify, the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain first and the name last, so a name
        // error means the chain was fine.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
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
            let (_, v) = client_config(&s, mode).unwrap();
            assert_eq!(v, Verification::None);
        }
        let err = client_config(&s, SslMode::VerifyCa).unwrap_err();
        assert_eq!(
            err,
            format!(
                "root certificate file \"{}/.postgresql/root.crt\" does not exist\nEither provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.",
                home.path().display()
            )
        );
        assert!(client_config(&s, SslMode::VerifyFull).is_err());
    }

    #[test]
    fn unreadable_root_file() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(ROOT_CERT_FILE), "not a certificate\n").unwrap();
        let s = settings(home.path());
        let err = client_config(&s, SslMode::Require).unwrap_err();
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
        let err = client_config(&s, SslMode::Prefer).unwrap_err();
        assert_eq!(
            err,
            format!(
                "certificate present, but not private key file \"{}\"",
                key.display()
            )
        );
        std::fs::write(&key, "x").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = client_config(&s, SslMode::Prefer).unwrap_err();
        assert!(err.contains("has group or world access"), "{err}");
        // sslcertmode=disable: never send one.
        s.no_client_cert = true;
        assert!(client_config(&s, SslMode::Prefer).is_ok());
        // A missing certificate file is fine.
        s.no_client_cert = false;
        s.cert = Some(home.path().join("nope.crt").display().to_string());
        assert!(client_config(&s, SslMode::Prefer).is_ok());
    }
}
