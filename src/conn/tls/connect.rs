//! tokio-postgres's TLS hooks, with what libpq checks around the
//! handshake:
//!
//! - `sslnegotiation=direct`: the server must have selected the ALPN
//!   protocol "postgresql" (libpq sends it, and refuses a direct
//!   connection without it);
//! - `sslcertmode=require`: the server must have asked for a client
//!   certificate and been sent one. libpq reports this when the server says
//!   AuthenticationOk (so an authentication error comes first), hence the
//!   stream watches the server's messages for it;
//! - each connection gets its own verifier (it knows the host name as
//!   given, which libpq matches against the certificate) and its own
//!   client-certificate resolver (which records whether the server asked).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::ResolvesClientCert;
use rustls::pki_types::ServerName;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::Decode;

use super::verify::{Trust, Verifier};
use super::LibpqError;

/// Everything a TLS attempt needs; cheap to clone.
#[derive(Clone)]
pub(crate) struct TlsConnector(pub(super) Arc<ConnectorParts>);

pub(super) struct ConnectorParts {
    /// Protocol versions, ALPN, SNI; verifier and client certificate are
    /// set per connection.
    pub config: ClientConfig,
    /// None: any server certificate is accepted (the config's verifier).
    pub trust: Option<Arc<Trust>>,
    pub client_key: Option<Arc<CertifiedKey>>,
    pub direct: bool,
    pub cert_required: bool,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnector").finish_non_exhaustive()
    }
}

/// Sends the client certificate (if any) and records what happened.
#[derive(Debug)]
struct ClientCert {
    key: Option<Arc<CertifiedKey>>,
    requested: AtomicBool,
    sent: AtomicBool,
}

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.requested.store(true, Ordering::SeqCst);
        self.sent.store(self.key.is_some(), Ordering::SeqCst);
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

impl<S> MakeTlsConnect<S> for TlsConnector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type TlsConnect = Connect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<Connect> {
        Ok(Connect {
            parts: self.0.clone(),
            host: domain.to_string(),
        })
    }
}

/// One TLS attempt to `host`.
pub(crate) struct Connect {
    parts: Arc<ConnectorParts>,
    host: String,
}

fn libpq_io(text: &str) -> io::Error {
    io::Error::other(LibpqError(text.to_string()))
}

impl Connect {
    async fn run<S>(self, stream: S) -> io::Result<TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let parts = &self.parts;
        let cert = Arc::new(ClientCert {
            key: parts.client_key.clone(),
            requested: AtomicBool::new(false),
            sent: AtomicBool::new(false),
        });
        let mut config = parts.config.clone();
        config.client_auth_cert_resolver = cert.clone();
        if let Some(trust) = &parts.trust {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(Verifier {
                    trust: trust.clone(),
                    host: self.host.clone(),
                }));
        }
        // A host rustls cannot use as a server name gets no SNI (our
        // verifier matches the host as given, not this placeholder).
        let name = match ServerName::try_from(self.host.clone()) {
            Ok(n) => n,
            Err(_) => {
                config.enable_sni = false;
                ServerName::from(std::net::Ipv4Addr::UNSPECIFIED)
            }
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tls = connector.connect(name, stream).await?;
        if parts.direct {
            match tls.get_ref().1.alpn_protocol() {
                Some(b"postgresql") => {}
                None => {
                    return Err(libpq_io(
                        "direct SSL connection was established without ALPN protocol negotiation extension",
                    ))
                }
                Some(_) => {
                    return Err(libpq_io(
                        "SSL connection was established with unexpected ALPN protocol",
                    ))
                }
            }
        }
        let failure = if !parts.cert_required {
            None
        } else if !cert.requested.load(Ordering::SeqCst) {
            Some("server did not request an SSL certificate")
        } else if !cert.sent.load(Ordering::SeqCst) {
            Some("server accepted connection without a valid SSL certificate")
        } else {
            None
        };
        Ok(TlsStream {
            inner: tls,
            watch: failure.map(AuthWatch::new),
        })
    }
}

impl<S> TlsConnect<S> for Connect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(self.run(stream))
    }
}

/// Where [`AuthWatch`] is in the server's message stream.
#[derive(Clone, Copy)]
enum Watching {
    /// Collecting a message header (type byte and length).
    Header,
    /// Collecting an authentication request's code; then skip this many.
    Code(usize),
    /// Skipping the rest of a message body.
    Skip(usize),
}

/// Finds AuthenticationOk ('R', code 0) in the server's bytes.
struct AuthWatch {
    /// The error to report there.
    message: &'static str,
    state: Watching,
    /// The header or code bytes collected so far.
    buf: Vec<u8>,
    /// AuthenticationOk was seen: every read now fails.
    tripped: bool,
}

impl AuthWatch {
    fn new(message: &'static str) -> AuthWatch {
        AuthWatch {
            message,
            state: Watching::Header,
            buf: Vec::new(),
            tripped: false,
        }
    }

    /// Scans `data`; returns where to cut it if it holds AuthenticationOk
    /// (the start of that message, or 0 if it began in an earlier read).
    fn scan(&mut self, data: &[u8]) -> Option<usize> {
        let mut msg_start = 0usize;
        for (i, &b) in data.iter().enumerate() {
            if let Watching::Skip(n) = self.state {
                if n > 0 {
                    self.state = Watching::Skip(n - 1);
                    continue;
                }
                self.state = Watching::Header;
            }
            if matches!(self.state, Watching::Header) && self.buf.is_empty() {
                msg_start = i;
            }
            self.buf.push(b);
            match self.state {
                Watching::Header if self.buf.len() == 5 => {
                    let len =
                        u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]);
                    let body = (len as usize).saturating_sub(4);
                    let auth = self.buf[0] == b'R' && body >= 4;
                    self.buf.clear();
                    self.state = if auth {
                        Watching::Code(body - 4)
                    } else {
                        Watching::Skip(body)
                    };
                }
                Watching::Code(rest) if self.buf.len() == 4 => {
                    if self.buf == [0, 0, 0, 0] {
                        self.tripped = true;
                        return Some(msg_start);
                    }
                    self.buf.clear();
                    self.state = Watching::Skip(rest);
                }
                _ => {}
            }
        }
        None
    }
}

/// The TLS stream handed to tokio-postgres.
pub(crate) struct TlsStream<S> {
    inner: tokio_rustls::client::TlsStream<S>,
    watch: Option<AuthWatch>,
}

/// The hash of tls-server-end-point channel binding (RFC 5929): the
/// certificate's signature hash, SHA-256 for MD5 and SHA-1.
fn end_point_digest(oid: ObjectIdentifier) -> Option<&'static ring::digest::Algorithm> {
    let s = oid.to_string();
    match s.as_str() {
        "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.5"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.2" => Some(&ring::digest::SHA256),
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => Some(&ring::digest::SHA384),
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => Some(&ring::digest::SHA512),
        _ => None,
    }
}

impl<S> tokio_postgres::tls::TlsStream for TlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn channel_binding(&self) -> ChannelBinding {
        let certs = self.inner.get_ref().1.peer_certificates();
        let Some(cert) = certs.and_then(|c| c.first()) else {
            return ChannelBinding::none();
        };
        x509_cert::Certificate::from_der(cert)
            .ok()
            .and_then(|c| end_point_digest(c.signature_algorithm.oid))
            .map_or_else(ChannelBinding::none, |alg| {
                ChannelBinding::tls_server_end_point(
                    ring::digest::digest(alg, cert).as_ref().to_vec(),
                )
            })
    }
}

impl<S> AsyncRead for TlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(w) = &this.watch {
            if w.tripped {
                return Poll::Ready(Err(libpq_io(w.message)));
            }
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(w)) = (&r, &mut this.watch) {
            if let Some(cut) = w.scan(&buf.filled()[before..]) {
                if cut == 0 {
                    return Poll::Ready(Err(libpq_io(w.message)));
                }
                buf.set_filled(before + cut);
            }
        }
        r
    }
}

impl<S> AsyncWrite for TlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
