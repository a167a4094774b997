//! Connection failure messages worded as libpq words them.

use std::error::Error as StdError;
use std::net::IpAddr;

use tokio_postgres::error::{DbError, SqlState};

use super::settings::Target;
use super::tls::LibpqError;

/// `strerror` text of an I/O error, without Rust's " (os error N)".
pub(crate) fn io_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            let s = std::io::Error::from_raw_os_error(code).to_string();
            match s.rfind(" (os error ") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
        None => e.to_string(),
    }
}

/// `connection to server ... failed: ` for a socket attempt.
pub(crate) fn socket_prefix(target: &Target) -> String {
    format!(
        "connection to server on socket \"{}\" failed: ",
        target.socket_path()
    )
}

/// `connection to server at ... failed: ` for a TCP attempt to `addr`.
pub(crate) fn tcp_prefix(target: &Target, addr: IpAddr) -> String {
    let addr = addr.to_string();
    if !target.hostaddr.is_empty() {
        format!(
            "connection to server at \"{}\", port {} failed: ",
            target.hostaddr, target.port
        )
    } else if target.host != addr {
        format!(
            "connection to server at \"{}\" ({}), port {} failed: ",
            target.host, addr, target.port
        )
    } else {
        format!(
            "connection to server at \"{}\", port {} failed: ",
            target.host, target.port
        )
    }
}

/// The hint libpq adds after a failed `connect()`.
pub(crate) fn connect_hint(socket: bool) -> &'static str {
    if socket {
        "\n\tIs the server running locally and accepting connections on that socket?"
    } else {
        "\n\tIs the server running on that host and accepting TCP/IP connections?"
    }
}

/// A server error as libpq prints it: `SEVERITY:  message`, then
/// `DETAIL:` and `HINT:` lines.
pub(crate) fn db_error_text(e: &DbError) -> String {
    let mut s = format!("{}:  {}", e.severity(), e.message());
    if let Some(d) = e.detail() {
        s.push_str(&format!("\nDETAIL:  {d}"));
    }
    if let Some(h) = e.hint() {
        s.push_str(&format!("\nHINT:  {h}"));
    }
    s
}

/// One failed connection attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    /// The host (name, address or socket directory) tried.
    pub host: String,
    /// libpq's `connection to server ... failed: ` naming the server and
    /// address, or "" when no server was reached (a host name that does
    /// not resolve).
    pub server: String,
    /// What went wrong, in libpq's words (may span lines).
    pub message: String,
    /// The server's SQLSTATE, when the server refused the session.
    pub sqlstate: Option<SqlState>,
}

pub(super) fn failure_text(attempts: &[AttemptError], note: Option<&str>) -> String {
    let mut lines: Vec<String> = attempts
        .iter()
        .map(|a| format!("{}{}", a.server, a.message))
        .collect();
    lines.extend(note.map(str::to_string));
    lines.join("\n")
}

/// An attempt's failure, with the server's SQLSTATE if it refused.
pub(super) fn failed_attempt(
    host: &str,
    prefix: &str,
    message: String,
    kind: Option<&FailureKind>,
) -> AttemptError {
    AttemptError {
        host: host.to_string(),
        server: prefix.to_string(),
        message,
        sqlstate: match kind {
            Some(FailureKind::Server(code)) => Some(SqlState::from_code(code)),
            _ => None,
        },
    }
}

/// What went wrong in one attempt, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// `connect()` failed (the hint line applies).
    Connect,
    /// The server demanded a password and none was given.
    PasswordMissing,
    /// The TLS handshake failed (`prefer` retries without TLS).
    Tls,
    /// The server does not do TLS at all (`prefer` goes on without).
    TlsUnsupported,
    /// An error reported by the server; the SQLSTATE.
    Server(String),
    /// The client's own requirements refused the server (`require_auth`,
    /// `channel_binding`, `requirepeer`, `min_protocol_version`).
    Refused,
    /// Anything else.
    Other,
}

fn find_source<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        // io::Error hides its payload from source(); look inside.
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(t) = inner.downcast_ref::<T>() {
                    return Some(t);
                }
                if let Some(t) = find_source::<T>(inner) {
                    return Some(t);
                }
            }
        }
        cur = err.source();
    }
    None
}

/// A failure our TLS layer already worded as libpq does, wherever it is
/// in the chain of causes (rustls keeps a verifier's own error in
/// `CertificateError::Other`).
fn libpq_text(e: &tokio_postgres::Error) -> Option<String> {
    let cause = e.source()?;
    if let Some(l) = find_source::<LibpqError>(cause) {
        return Some(l.0.clone());
    }
    match find_source::<rustls::Error>(cause)? {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o)) => {
            o.0.downcast_ref::<LibpqError>().map(|l| l.0.clone())
        }
        _ => None,
    }
}

/// OpenSSL's wording of a TLS alert: `sslv3 alert handshake failure`,
/// `tlsv1 alert unknown ca`, `tlsv13 alert certificate required`.
fn alert_text(a: &rustls::AlertDescription) -> String {
    use rustls::AlertDescription as A;
    let words = match a {
        A::UnknownCA => "unknown ca".to_string(),
        A::BadCertificateStatusResponse => "bad certificate status response".to_string(),
        other => {
            let name = format!("{other:?}");
            let mut w = String::new();
            for c in name.chars() {
                if c.is_ascii_uppercase() && !w.is_empty() {
                    w.push(' ');
                }
                w.push(c.to_ascii_lowercase());
            }
            w
        }
    };
    let version = match a {
        A::CloseNotify
        | A::UnexpectedMessage
        | A::BadRecordMac
        | A::DecompressionFailure
        | A::HandshakeFailure
        | A::NoCertificate
        | A::BadCertificate
        | A::UnsupportedCertificate
        | A::CertificateRevoked
        | A::CertificateExpired
        | A::CertificateUnknown
        | A::IllegalParameter => "sslv3",
        A::CertificateRequired | A::MissingExtension => "tlsv13",
        _ => "tlsv1",
    };
    format!("{version} alert {words}")
}

fn tls_text(e: &tokio_postgres::Error, host: &str) -> String {
    if let Some(text) = libpq_text(e) {
        return text;
    }
    let cause = e.source();
    if let Some(cause) = cause {
        if let Some(r) = find_source::<rustls::Error>(cause) {
            return match r {
                rustls::Error::InvalidCertificate(ce) => match ce {
                    rustls::CertificateError::NotValidForName => {
                        format!("server certificate does not match host name \"{host}\"")
                    }
                    rustls::CertificateError::NotValidForNameContext { presented, .. } => {
                        let presented: Vec<String> =
                            presented.iter().map(|p| presented_name(p)).collect();
                        match presented.first() {
                            Some(p) if presented.len() == 1 => format!(
                                "server certificate for \"{p}\" does not match host name \"{host}\""
                            ),
                            Some(p) => format!(
                                "server certificate for \"{p}\" (and {} other name{}) does not match host name \"{host}\"",
                                presented.len() - 1,
                                if presented.len() == 2 { "" } else { "s" }
                            ),
                            None => format!(
                                "server certificate does not match host name \"{host}\""
                            ),
                        }
                    }
                    _ => "SSL error: certificate verify failed".to_string(),
                },
                rustls::Error::AlertReceived(a) => format!("SSL error: {}", alert_text(a)),
                other => format!("SSL error: {other}"),
            };
        }
        let text = cause.to_string();
        if text == "server does not support TLS" {
            return "server does not support SSL, but SSL was required".to_string();
        }
        if let Some(io) = find_source::<std::io::Error>(cause) {
            if io.kind() == std::io::ErrorKind::UnexpectedEof {
                return "SSL error: unexpected eof while reading".to_string();
            }
            return format!("SSL SYSCALL error: {}", io_text(io));
        }
        return format!("SSL error: {text}");
    }
    "SSL error".to_string()
}

/// rustls spells presented names `DnsName("x")` / `IpAddress(1.2.3.4)`;
/// libpq shows just the name.
fn presented_name(p: &str) -> String {
    if let (Some(a), Some(b)) = (p.find('"'), p.rfind('"')) {
        if b > a {
            return p[a + 1..b].to_string();
        }
    }
    if let (Some(a), Some(b)) = (p.find('('), p.rfind(')')) {
        if b > a {
            return p[a + 1..b].to_string();
        }
    }
    p.to_string()
}

const CLOSED: &str = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.";

/// Describes a tokio-postgres connection error (the text after the
/// `connection to server ... failed: ` prefix) and classifies it.
pub(crate) fn describe(
    e: &tokio_postgres::Error,
    tls_host: &str,
    socket: bool,
) -> (String, FailureKind) {
    if let Some(r) = e.source().and_then(find_source::<super::observe::Refused>) {
        return (r.0.clone(), FailureKind::Refused);
    }
    if let Some(db) = e.as_db_error() {
        return (
            db_error_text(db),
            FailureKind::Server(db.code().code().to_string()),
        );
    }
    let kind = e.to_string();
    if let Some(text) = libpq_text(e) {
        let failure = if kind == "error performing TLS handshake" {
            FailureKind::Tls
        } else {
            FailureKind::Other
        };
        return (text, failure);
    }
    let cause = e.source();
    let cause_text = cause.map(|c| c.to_string()).unwrap_or_default();
    match kind.as_str() {
        "error connecting to server" => connect_failure(cause, cause_text, socket),
        "error performing TLS handshake" => {
            if cause_text == "server does not support TLS" {
                (
                    "server does not support SSL, but SSL was required".to_string(),
                    FailureKind::TlsUnsupported,
                )
            } else {
                (tls_text(e, tls_host), FailureKind::Tls)
            }
        }
        "invalid configuration" if cause_text == "password missing" => (
            "fe_sendauth: no password supplied".to_string(),
            FailureKind::PasswordMissing,
        ),
        "connection closed" => (CLOSED.to_string(), FailureKind::Other),
        "error communicating with the server" => {
            (receive_failure_text(cause, cause_text), FailureKind::Other)
        }
        "authentication error" => (auth_failure_text(&cause_text), FailureKind::Other),
        "timeout waiting for server" => ("timeout expired".to_string(), FailureKind::Other),
        _ => {
            let text = if cause_text.is_empty() {
                kind
            } else {
                format!("{kind}: {cause_text}")
            };
            (text, FailureKind::Other)
        }
    }
}

/// libpq's words for a failure to connect to the server's address or
/// socket (the OS error, with its hint when the OS gave a number).
fn connect_failure(
    cause: Option<&(dyn StdError + 'static)>,
    cause_text: String,
    socket: bool,
) -> (String, FailureKind) {
    let io = cause.and_then(find_source::<std::io::Error>);
    match io {
        Some(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            ("timeout expired".to_string(), FailureKind::Other)
        }
        Some(io) if io.raw_os_error().is_some() => (
            format!("{}{}", io_text(io), connect_hint(socket)),
            FailureKind::Connect,
        ),
        Some(io) => (io_text(io), FailureKind::Other),
        None => (cause_text, FailureKind::Other),
    }
}

/// libpq's words for a connection that broke while reading from the server.
fn receive_failure_text(cause: Option<&(dyn StdError + 'static)>, cause_text: String) -> String {
    match cause.and_then(find_source::<std::io::Error>) {
        Some(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => CLOSED.to_string(),
        Some(io) => format!("could not receive data from server: {}", io_text(io)),
        None => cause_text,
    }
}

/// libpq's words for tokio-postgres's authentication errors.
fn auth_failure_text(cause_text: &str) -> String {
    match cause_text {
        "unsupported authentication method" => {
            "authentication method requested by the server is not supported".to_string()
        }
        "unsupported SASL mechanism" => {
            "none of the server's SASL authentication mechanisms are supported".to_string()
        }
        "server did not use channel binding" => {
            "channel binding required, but server authenticated client without channel binding"
                .to_string()
        }
        "unexpected message from server" | "" => {
            "authentication failed: unexpected message from server".to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(host: &str, hostaddr: &str, port: u16) -> Target {
        Target {
            host: host.to_string(),
            hostaddr: hostaddr.to_string(),
            port,
            port_str: port.to_string(),
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            socket_prefix(&target("/var/run/postgresql", "", 5432)),
            "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: "
        );
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            tcp_prefix(&target("127.0.0.1", "", 1), ip),
            "connection to server at \"127.0.0.1\", port 1 failed: "
        );
        assert_eq!(
            tcp_prefix(&target("localhost", "", 1), ip),
            "connection to server at \"localhost\" (127.0.0.1), port 1 failed: "
        );
        assert_eq!(
            tcp_prefix(&target("foo", "127.0.0.1", 1), ip),
            "connection to server at \"127.0.0.1\", port 1 failed: "
        );
        let ip6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            tcp_prefix(&target("localhost", "", 5), ip6),
            "connection to server at \"localhost\" (::1), port 5 failed: "
        );
    }

    #[test]
    fn presented_names() {
        assert_eq!(presented_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("plain"), "plain");
    }

    #[test]
    fn strerror() {
        let e = std::io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(io_text(&e), "Connection refused");
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(io_text(&e), "No such file or directory");
    }
}
