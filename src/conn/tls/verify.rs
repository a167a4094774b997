//! Server certificate verification as libpq (with OpenSSL) does it.
//!
//! - The chain is verified by webpki directly (`EndEntityCert::
//!   verify_for_usage`), never by reading meaning into the order of
//!   rustls's checks; the host name is checked separately, with libpq's
//!   rule (see [`super::names`]), only for `verify-full`.
//! - A certificate that is itself in the root file is trusted as it is
//!   (PostgreSQL's documented recipe copies a self-signed `server.crt` to
//!   `root.crt`); OpenSSL accepts it, webpki would refuse a CA certificate
//!   used as an end entity.
//! - When revocation lists are configured (`sslcrl` that could be read, or
//!   any `sslcrldir`), libpq sets OpenSSL's `CRL_CHECK | CRL_CHECK_ALL`:
//!   every certificate of the chain needs a CRL from its issuer, and one
//!   that is missing fails the handshake like a revoked one ("certificate
//!   verify failed"). The directory is searched the OpenSSL way, by the
//!   hash of the issuer's name: `<hash>.r0`, `<hash>.r1`, ... up to the
//!   first missing file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, ServerName, TrustAnchor, UnixTime,
};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_cert::der::Decode;
use x509_cert::Certificate;

use super::{names, LibpqError};

/// Revocation lists to check the chain against.
#[derive(Debug, Default)]
pub(crate) struct Crls {
    /// From the `sslcrl` file.
    pub file: Vec<CertificateRevocationListDer<'static>>,
    /// The `sslcrldir` directory.
    pub dir: Option<PathBuf>,
}

/// What the verifier trusts and checks; shared by all connections.
#[derive(Debug)]
pub(crate) struct Trust {
    pub provider: Arc<CryptoProvider>,
    /// The trusted certificates as read (for the self-signed case).
    pub roots: Vec<CertificateDer<'static>>,
    pub anchors: Vec<TrustAnchor<'static>>,
    /// None: no revocation checking.
    pub crls: Option<Crls>,
    /// `verify-full`: check the host name too.
    pub full: bool,
}

/// The verifier of one connection (it knows the host name as given).
#[derive(Debug)]
pub(crate) struct Verifier {
    pub trust: Arc<Trust>,
    pub host: String,
}

fn verify_failed() -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
}

fn libpq_error(text: String) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(LibpqError(
        text,
    )))))
}

fn issuer_hash(der: &[u8]) -> Option<u32> {
    let cert = Certificate::from_der(der).ok()?;
    names::openssl_name_hash(&cert.tbs_certificate.issuer)
}

/// The CRLs of the directory for the issuers of `certs`, as OpenSSL's
/// hashed-directory lookup finds them (PEM only: a file without a PEM CRL
/// is an error, as in OpenSSL).
fn dir_crls(
    dir: &std::path::Path,
    certs: &[&CertificateDer<'_>],
) -> Result<Vec<CertificateRevocationListDer<'static>>, rustls::Error> {
    let mut hashes: Vec<u32> = certs.iter().filter_map(|c| issuer_hash(c)).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut out = Vec::new();
    for h in hashes {
        for n in 0.. {
            let Ok(bytes) = std::fs::read(dir.join(format!("{h:08x}.r{n}"))) else {
                break;
            };
            let crls: Vec<_> = CertificateRevocationListDer::pem_slice_iter(&bytes)
                .filter_map(Result::ok)
                .collect();
            if crls.is_empty() {
                return Err(libpq_error("SSL error: no start line".to_string()));
            }
            out.extend(crls);
        }
    }
    Ok(out)
}

fn parse_crls(ders: &[CertificateRevocationListDer<'_>]) -> Vec<CertRevocationList<'static>> {
    ders.iter()
        .filter_map(|d| OwnedCertRevocationList::from_der(d).ok())
        .map(CertRevocationList::from)
        .collect()
}

impl Trust {
    /// All CRLs that apply to a chain made of `certs`.
    fn crls_for(
        &self,
        crls: &Crls,
        certs: &[&CertificateDer<'_>],
    ) -> Result<Vec<CertRevocationList<'static>>, rustls::Error> {
        let mut ders = crls.file.clone();
        if let Some(dir) = &crls.dir {
            ders.extend(dir_crls(dir, certs)?);
        }
        Ok(parse_crls(&ders))
    }

    /// The chain of `ee`, through `intermediates`, leads to a root.
    fn verify_chain(
        &self,
        ee: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        if self.roots.iter().any(|r| r.as_ref() == ee.as_ref()) {
            return self.verify_trusted_itself(ee, now);
        }
        let cert = EndEntityCert::try_from(ee).map_err(|_| verify_failed())?;
        let mut all: Vec<&CertificateDer<'_>> = vec![ee];
        all.extend(intermediates.iter());
        let crls = match &self.crls {
            Some(c) => Some(self.crls_for(c, &all)?),
            None => None,
        };
        let crl_refs: Vec<&CertRevocationList<'_>> = crls.iter().flatten().collect();
        let revocation = match &crls {
            None => None,
            Some(_) => Some(
                RevocationOptionsBuilder::new(&crl_refs)
                    // Checking is on but there is no list at all.
                    .map_err(|_| verify_failed())?
                    .with_depth(RevocationCheckDepth::Chain)
                    .with_status_policy(UnknownStatusPolicy::Deny)
                    .with_expiration_policy(ExpirationPolicy::Enforce)
                    .build(),
            ),
        };
        cert.verify_for_usage(
            self.provider.signature_verification_algorithms.all,
            &self.anchors,
            intermediates,
            now,
            KeyUsage::server_auth(),
            revocation,
            None,
        )
        .map(|_| ())
        .map_err(|e| {
            tracing::debug!(error = %e, "server certificate chain refused");
            verify_failed()
        })
    }

    /// `ee` is one of the trusted certificates: it must be within its
    /// validity period and, when CRLs are checked, covered by a CRL it
    /// issued that does not list it (OpenSSL's `CRL_CHECK_ALL` on a chain
    /// of one self-signed certificate).
    fn verify_trusted_itself(
        &self,
        ee: &CertificateDer<'_>,
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        let cert = Certificate::from_der(ee).map_err(|_| verify_failed())?;
        let validity = &cert.tbs_certificate.validity;
        let now = Duration::from_secs(now.as_secs());
        if now < validity.not_before.to_unix_duration()
            || now > validity.not_after.to_unix_duration()
        {
            return Err(verify_failed());
        }
        let Some(crls) = &self.crls else {
            return Ok(());
        };
        let tbs = &cert.tbs_certificate;
        let issuer = x509_cert::der::Encode::to_der(&tbs.issuer).map_err(|_| verify_failed())?;
        let serial = tbs.serial_number.as_bytes();
        let mut covered = false;
        for crl in self.crls_for(crls, &[ee])? {
            if names::der_tlv(0x30, crl.issuer()) == issuer {
                if crl.find_serial(serial).ok().flatten().is_some() {
                    return Err(verify_failed());
                }
                covered = true;
            }
        }
        if covered {
            Ok(())
        } else {
            Err(verify_failed())
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.trust.verify_chain(end_entity, intermediates, now)?;
        if self.trust.full {
            names::check_host(end_entity, &self.host).map_err(libpq_error)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.trust.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.trust.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let algs = &self.trust.provider.signature_verification_algorithms;
        algs.supported_schemes()
    }
}
