//! Trying the hosts of a connection, and each address of a host, in
//! libpq's order: which failures move on to the next address or host,
//! and what a finished session is checked for (target_session_attrs).

use super::*;

impl Connector {
    /// Tries every host (and every address of every host) in turn.
    pub(super) async fn try_targets(
        &self,
        dbname: &str,
        prompted: Option<&str>,
    ) -> Result<Opened, Failure> {
        let mut targets: Vec<&Target> = self.settings.targets.iter().collect();
        if self.settings.load_balance_random {
            use rand::seq::SliceRandom;
            targets.shuffle(&mut rand::rng());
        }
        let attrs = self.settings.target_session_attrs;
        let passes: &[TargetSessionAttrs] = if attrs == TargetSessionAttrs::PreferStandby {
            &[TargetSessionAttrs::Standby, TargetSessionAttrs::Any]
        } else {
            std::slice::from_ref(&self.settings.target_session_attrs)
        };
        let mut errors: Vec<AttemptError> = Vec::new();
        let mut password_missing = false;
        for &want in passes {
            for target in &targets {
                let password = self.password_for(target, dbname, prompted);
                let pw = password.as_ref().map(|(p, _)| p.as_str());
                match self.try_target(target, dbname, pw, want, &mut errors).await {
                    Ok(client) => return Ok(client),
                    Err(Stop::Next | Stop::NextHost) => {}
                    Err(Stop::Abort(kind)) => {
                        if kind == FailureKind::PasswordMissing {
                            password_missing = true;
                        }
                        let mut note = None;
                        if kind == FailureKind::Server("28P01".to_string())
                            && matches!(password, Some((_, PasswordSource::File)))
                        {
                            if let Some(file) = &self.settings.passfile {
                                note = Some(format!(
                                    "password retrieved from file \"{}\"",
                                    file.display()
                                ));
                            }
                        }
                        return Err(Failure {
                            attempts: errors,
                            note,
                            password_missing,
                        });
                    }
                }
            }
        }
        Err(Failure {
            attempts: errors,
            note: None,
            password_missing,
        })
    }

    /// One host: resolve it and try its addresses.
    async fn try_target(
        &self,
        target: &Target,
        dbname: &str,
        password: Option<&str>,
        want: TargetSessionAttrs,
        errors: &mut Vec<AttemptError>,
    ) -> Result<Opened, Stop> {
        match target.kind() {
            TargetKind::Socket => {
                let prefix = message::socket_prefix(target);
                self.attempt(target, None, dbname, password, want, &prefix, errors)
                    .await
            }
            TargetKind::Address => {
                let ip = match parse_hostaddr(target) {
                    Ok(ip) => ip,
                    Err(e) => {
                        errors.push(e);
                        return Err(Stop::Next);
                    }
                };
                let prefix = message::tcp_prefix(target, ip);
                self.attempt(target, Some(ip), dbname, password, want, &prefix, errors)
                    .await
            }
            TargetKind::Name => {
                let addrs = match lookup_addresses(target).await {
                    Ok(addrs) => addrs,
                    Err(e) => {
                        errors.push(e);
                        return Err(Stop::Next);
                    }
                };
                let mut addrs = addrs;
                if self.settings.load_balance_random {
                    use rand::seq::SliceRandom;
                    addrs.shuffle(&mut rand::rng());
                }
                for ip in addrs {
                    let prefix = message::tcp_prefix(target, ip);
                    match self
                        .attempt(target, Some(ip), dbname, password, want, &prefix, errors)
                        .await
                    {
                        Err(Stop::Next) => continue,
                        other => return other,
                    }
                }
                Err(Stop::Next)
            }
        }
    }

    /// One address: connect (with TLS as sslmode says), check the session
    /// attributes, with `connect_timeout` covering it all.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        target: &Target,
        ip: Option<IpAddr>,
        dbname: &str,
        password: Option<&str>,
        want: TargetSessionAttrs,
        prefix: &str,
        errors: &mut Vec<AttemptError>,
    ) -> Result<Opened, Stop> {
        let s = &self.settings;
        let socket = ip.is_none();
        if s.gssenc_required {
            errors.push(gssenc_refusal(target, socket));
            return Err(Stop::Abort(FailureKind::Other));
        }
        let tls_host = if target.host.is_empty() {
            target.hostaddr.clone()
        } else {
            target.host.clone()
        };
        let mut cfg = self.session_config(target, dbname, password);
        let transport = match ip {
            None => Transport::Unix(target.socket_path()),
            Some(ip) => Transport::Tcp(ip, target.port),
        };
        // Unix sockets never use TLS. Otherwise, as libpq: "prefer" tries
        // TLS first and retries without it if the handshake or the server
        // refuses; "allow" tries without TLS first and retries with it if
        // the server refuses.
        let mode = if socket { SslMode::Disable } else { s.sslmode };
        let plan = tls_plan(mode);
        for (i, &use_tls) in plan.iter().enumerate() {
            let last = i + 1 == plan.len();
            let tls = match self.tls_for(use_tls) {
                Ok(tls) => tls,
                Err(e) => {
                    errors.push(failed_attempt(&tls_host, prefix, e, None));
                    if last {
                        return Err(Stop::Next);
                    }
                    continue;
                }
            };
            cfg.ssl_mode(if use_tls {
                PgSslMode::Require
            } else {
                PgSslMode::Disable
            });
            let result = self
                .connect_with_timeout(&cfg, &transport, tls, want, &tls_host)
                .await;
            let (text, kind) = match result {
                // libpq's sslcertmode=require check of a connection
                // without TLS (TLS ones are checked by the connector).
                Ok(_) if !use_tls && s.tls.cert_required => (
                    "server did not request an SSL certificate".to_string(),
                    FailureKind::Other,
                ),
                Ok(client) => return Ok(client),
                Err(e) => e,
            };
            let next = after_failure(&kind, mode, last);
            if !matches!(next, AfterFailure::RetrySilently) {
                errors.push(failed_attempt(&tls_host, prefix, text, Some(&kind)));
            }
            if let AfterFailure::Stop(stop) = next {
                return Err(stop);
            }
        }
        Err(Stop::Next)
    }

    /// The session parameters every attempt of this connection sends, so
    /// that `attempt` only deals with transports and retries.
    fn session_config(
        &self,
        target: &Target,
        dbname: &str,
        password: Option<&str>,
    ) -> tokio_postgres::Config {
        let s = &self.settings;
        let mut cfg = tokio_postgres::Config::new();
        cfg.user(&s.user).dbname(dbname).port(target.port);
        if let Some(pw) = password {
            cfg.password(pw);
        }
        if let Some(o) = &s.options {
            cfg.options(o);
        }
        match &s.application_name {
            Some(a) => cfg.application_name(a),
            None => cfg.application_name(crate::diag::program()),
        };
        cfg.channel_binding(match s.channel_binding {
            ChannelBinding::Disable => PgChannelBinding::Disable,
            ChannelBinding::Prefer => PgChannelBinding::Prefer,
            ChannelBinding::Require => PgChannelBinding::Require,
        });
        if s.tls.direct {
            cfg.ssl_negotiation(SslNegotiation::Direct);
        }
        cfg
    }

    /// The TLS connector for a handshake that uses TLS (built once, so its
    /// error is reported for every attempt that needs it).
    fn tls_for(&self, use_tls: bool) -> Result<Option<tls::TlsConnector>, String> {
        if !use_tls {
            return Ok(None);
        }
        match self.tls_connector() {
            Ok(t) => Ok(Some(t.clone())),
            Err(e) => Err(e.clone()),
        }
    }

    /// Connects and checks the session attributes, within
    /// `connect_timeout` when one is set.
    async fn connect_with_timeout(
        &self,
        cfg: &tokio_postgres::Config,
        transport: &Transport,
        tls: Option<tls::TlsConnector>,
        want: TargetSessionAttrs,
        tls_host: &str,
    ) -> Result<Opened, (String, FailureKind)> {
        let fut = self.connect_and_check(cfg, transport, tls, want, tls_host);
        match self.settings.connect_timeout {
            Some(d) => match tokio::time::timeout(d, fut).await {
                Ok(r) => r,
                Err(_) => Err(("timeout expired".to_string(), FailureKind::Other)),
            },
            None => fut.await,
        }
    }
}

/// A `hostaddr` as an IP address, or libpq's error when it is not one.
fn parse_hostaddr(target: &Target) -> Result<IpAddr, AttemptError> {
    target.hostaddr.parse().map_err(|_| AttemptError {
        host: target.hostaddr.clone(),
        server: String::new(),
        message: format!(
            "could not parse network address \"{}\": Name or service not known",
            target.hostaddr
        ),
        sqlstate: None,
    })
}

/// The distinct addresses a host name resolves to, in resolver order, or
/// libpq's error when it resolves to none.
async fn lookup_addresses(target: &Target) -> Result<Vec<IpAddr>, AttemptError> {
    match tokio::net::lookup_host((target.host.as_str(), target.port)).await {
        Ok(a) => {
            let mut v: Vec<IpAddr> = Vec::new();
            for sa in a {
                if !v.contains(&sa.ip()) {
                    v.push(sa.ip());
                }
            }
            Ok(v)
        }
        Err(e) => {
            let text = e.to_string();
            let text = text
                .strip_prefix("failed to lookup address information: ")
                .unwrap_or(&text)
                .to_string();
            Err(AttemptError {
                host: target.host.clone(),
                server: String::new(),
                message: format!(
                    "could not translate host name \"{}\" to address: {}",
                    target.host, text
                ),
                sqlstate: None,
            })
        }
    }
}

/// The error of `gssencmode=require`, which we can never satisfy.
fn gssenc_refusal(target: &Target, socket: bool) -> AttemptError {
    // libpq 18 built with GSSAPI (as pg_dumpall 18.6 is) checks this
    // before connecting to an address, and gives up the whole
    // connection: over a socket GSSAPI encryption is impossible, over
    // TCP it needs Kerberos credentials. We have no GSSAPI, so we
    // always answer as libpq does without a credential cache.
    let why = if socket {
        "GSSAPI encryption required but it is not supported over a local socket"
    } else {
        "GSSAPI encryption required but no credential cache"
    };
    // No server was reached: the message stands alone.
    AttemptError {
        host: target.host.clone(),
        server: String::new(),
        message: why.to_string(),
        sqlstate: None,
    }
}

/// Which handshakes to try, in order (true: TLS), for an `sslmode`.
fn tls_plan(mode: SslMode) -> &'static [bool] {
    match mode {
        SslMode::Disable => &[false],
        SslMode::Allow => &[false, true],
        SslMode::Prefer => &[true, false],
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => &[true],
    }
}

/// Where to go after a failure no retry covers: authentication-stage
/// failures end the whole connection, the rest move on.
fn stop_after(kind: FailureKind) -> Stop {
    match kind {
        FailureKind::PasswordMissing | FailureKind::Server(_) | FailureKind::Refused => {
            Stop::Abort(kind)
        }
        _ => Stop::Next,
    }
}

/// SQLSTATE 57P03: the server is starting up, shutting down, or a standby
/// not accepting connections.
const CANNOT_CONNECT_NOW: &str = "57P03";

/// How an attempt ended without a session.
enum Stop {
    /// Try the next address/host.
    Next,
    /// Try the next host (skipping the other addresses of this one).
    NextHost,
    /// Give up (authentication-stage failures are not retried elsewhere).
    Abort(FailureKind),
}

pub(super) fn spawn_connection<S, T>(conn: tokio_postgres::Connection<S, T>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut conn = conn;
        loop {
            match std::future::poll_fn(|cx| conn.poll_message(cx)).await {
                Some(Ok(tokio_postgres::AsyncMessage::Notice(notice))) => {
                    // libpq's default notice processor: the message as is.
                    use std::io::Write;
                    let text = message::db_error_text(&notice);
                    let _ = writeln!(std::io::stderr().lock(), "{text}");
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "database connection ended with an error");
                    break;
                }
                None => break,
            }
        }
    });
}

/// The first column of the first row of a simple query.
async fn simple_value(client: &Client, sql: &str) -> Result<Vec<Option<String>>, String> {
    let msgs = client
        .simple_query(sql)
        .await
        .map_err(|e| match e.as_db_error() {
            Some(db) => message::db_error_text(db),
            None => e.to_string(),
        })?;
    for m in msgs {
        if let SimpleQueryMessage::Row(row) = m {
            return Ok((0..row.len())
                .map(|i| row.try_get(i).ok().flatten().map(str::to_string))
                .collect());
        }
    }
    Err("query returned no rows".to_string())
}

pub(super) async fn check_session_attrs(
    client: &Client,
    want: TargetSessionAttrs,
) -> Result<(), (String, FailureKind)> {
    let fail = |m: &str| Err((m.to_string(), FailureKind::Other));
    match want {
        TargetSessionAttrs::Any => Ok(()),
        TargetSessionAttrs::ReadWrite | TargetSessionAttrs::ReadOnly => {
            let v = simple_value(client, "SHOW transaction_read_only")
                .await
                .map_err(|e| (e, FailureKind::Other))?;
            let read_only = v.first().cloned().flatten().as_deref() == Some("on");
            match (want, read_only) {
                (TargetSessionAttrs::ReadWrite, true) => fail("session is read-only"),
                (TargetSessionAttrs::ReadOnly, false) => fail("session is not read-only"),
                _ => Ok(()),
            }
        }
        TargetSessionAttrs::Primary
        | TargetSessionAttrs::Standby
        | TargetSessionAttrs::PreferStandby => {
            let v = simple_value(client, "SELECT pg_catalog.pg_is_in_recovery()")
                .await
                .map_err(|e| (e, FailureKind::Other))?;
            let standby = v.first().cloned().flatten().as_deref() == Some("t");
            match (want, standby) {
                (TargetSessionAttrs::Primary, true) => fail("server is in hot standby mode"),
                (TargetSessionAttrs::Standby | TargetSessionAttrs::PreferStandby, false) => {
                    fail("server is not in hot standby mode")
                }
                _ => Ok(()),
            }
        }
    }
}

/// Reads the server version, and the client encoding the session started
/// in, into a [`Connection`].
pub(super) async fn finish(opened: Opened) -> Result<Connection, ConnError> {
    let Opened { client, tap } = opened;
    let v = simple_value(
        &client,
        "SELECT pg_catalog.current_setting('server_version_num')::pg_catalog.int4, pg_catalog.current_setting('server_version'), \
         pg_catalog.current_setting('client_encoding')",
    )
    .await
    .map_err(|e| ConnError::Setup {
        step: "get server version",
        reason: Some(e),
    })?;
    let num = v
        .first()
        .cloned()
        .flatten()
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or(ConnError::Setup {
            step: "get server version",
            reason: None,
        })?;
    let version = v.get(1).cloned().flatten().unwrap_or_default();
    let started_client_encoding = v.get(2).cloned().flatten().unwrap_or_default();
    Ok(Connection {
        client,
        copy_tap: tap,
        server_version_num: num,
        server_version: version,
        requested_client_encoding: None,
        started_client_encoding,
    })
}

/// What a failed try of one address leads to.
enum AfterFailure {
    /// Try again with the other sslmode, the failure not reported.
    RetrySilently,
    /// Try again with the other sslmode, the failure reported.
    Retry,
    Stop(Stop),
}

/// libpq's rules after a failed try: "prefer" retries without TLS when
/// the server refuses TLS (silently) or the handshake or server fails;
/// "allow" retries with TLS when the server refuses; "the database system
/// is starting up" and its kind move to the next host (not another address
/// of this one, nor another sslmode).
fn after_failure(kind: &FailureKind, mode: SslMode, last: bool) -> AfterFailure {
    if *kind == FailureKind::Server(CANNOT_CONNECT_NOW.to_string()) {
        return AfterFailure::Stop(Stop::NextHost);
    }
    if !last {
        match (kind, mode) {
            (FailureKind::TlsUnsupported, SslMode::Prefer) => return AfterFailure::RetrySilently,
            (FailureKind::Tls | FailureKind::Server(_), SslMode::Prefer)
            | (FailureKind::Server(_), SslMode::Allow) => return AfterFailure::Retry,
            _ => {}
        }
    }
    AfterFailure::Stop(stop_after(kind.clone()))
}
