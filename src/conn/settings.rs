//! Resolving the connection settings from the command line, a service
//! file, the environment and the compiled-in defaults, in libpq's order
//! (as pg_dumpall drives it):
//!
//! 1. the `-d` conninfo/URI keywords (except `dbname`), then `-h`/`-p`/`-U`
//!    on top of them (empty values count as not given);
//! 2. the service file group named by `service` (keyword or `PGSERVICE`)
//!    fills what is still unset;
//! 3. the environment variables fill what is still unset;
//! 4. compiled-in defaults.
//!
//! Note that, as in libpq, a service file entry overrides the
//! corresponding environment variable.

pub(crate) use super::user::{home_dir, os_user};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::auth::{RequireAuth, SecuritySettings};
use super::conninfo::{self, KEYWORDS};
use super::pgpass::{is_unix_socket_path, DEFAULT_SOCKET_DIR};
use super::service;
use super::{ConnError, ConnectArgs};

/// `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// Parses an `sslmode` value; the error is libpq's message.
    pub(crate) fn parse(s: &str) -> Result<SslMode, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return Err(format!("invalid sslmode value: \"{s}\"")),
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// `target_session_attrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetSessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

/// `channel_binding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// One host to try, after splitting the `host`/`hostaddr`/`port` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The host as given: a name, an IP address or a socket directory
    /// (the default socket directory when neither host nor hostaddr is
    /// given); empty when only `hostaddr` is given.
    pub host: String,
    /// The numeric `hostaddr`, empty if not given.
    pub hostaddr: String,
    /// The port number.
    pub port: u16,
    /// The port as written (empty if not given), used for `.pgpass`.
    pub port_str: String,
}

/// How a [`Target`] is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    /// A Unix-domain socket in the directory `host`.
    Socket,
    /// TCP to the numeric `hostaddr`.
    Address,
    /// TCP to the addresses `host` resolves to.
    Name,
}

impl Target {
    pub(crate) fn kind(&self) -> TargetKind {
        if !self.hostaddr.is_empty() {
            TargetKind::Address
        } else if is_unix_socket_path(&self.host) {
            TargetKind::Socket
        } else {
            TargetKind::Name
        }
    }

    /// The path of the socket file, as libpq spells it in messages.
    pub(crate) fn socket_path(&self) -> String {
        format!("{}/.s.PGSQL.{}", self.host, self.port)
    }

    /// The host name the password file is searched with (before the
    /// localhost mapping): the host, else the hostaddr.
    pub(crate) fn pgpass_host(&self) -> &str {
        if self.host.is_empty() {
            &self.hostaddr
        } else {
            &self.host
        }
    }
}

/// TLS-related settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TlsSettings {
    /// `sslrootcert` (a path or `system`).
    pub rootcert: Option<String>,
    /// `sslcert`.
    pub cert: Option<String>,
    /// `sslkey`.
    pub key: Option<String>,
    /// `sslcrl`.
    pub crl: Option<String>,
    /// `sslcrldir`.
    pub crldir: Option<String>,
    /// `sslpassword`: the pass phrase of an encrypted `sslkey`.
    pub password: Option<super::tls::KeyPassword>,
    /// The home directory, for the `~/.postgresql/*` defaults.
    pub home: Option<PathBuf>,
    /// `sslcertmode=disable`: never send a client certificate.
    pub no_client_cert: bool,
    /// `sslcertmode=require`: the server must ask for a client certificate
    /// and get one.
    pub cert_required: bool,
    /// `sslsni` (default on).
    pub sni: bool,
    /// `sslnegotiation=direct`.
    pub direct: bool,
    /// `ssl_min_protocol_version` is TLSv1.3.
    pub min_tls13: bool,
    /// `ssl_max_protocol_version` is TLSv1.2 (or lower).
    pub max_tls12: bool,
}

/// Everything resolved, ready to connect. (Its `Debug` output hides the
/// password.)
#[derive(Clone)]
pub(crate) struct Settings {
    pub targets: Vec<Target>,
    pub user: String,
    /// `password` keyword, service entry or `PGPASSWORD` (never empty).
    pub password: Option<String>,
    /// The password file to search (`passfile`, `PGPASSFILE`, `~/.pgpass`).
    pub passfile: Option<PathBuf>,
    pub sslmode: SslMode,
    pub tls: TlsSettings,
    /// `connect_timeout`, per host (None: wait forever).
    pub connect_timeout: Option<Duration>,
    /// `options` (`PGOPTIONS`).
    pub options: Option<String>,
    /// An explicit `application_name` (`PGAPPNAME`); None means the
    /// fallback (the program name) is used.
    pub application_name: Option<String>,
    pub keepalives: bool,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_count: Option<u32>,
    pub tcp_user_timeout: Option<Duration>,
    pub channel_binding: ChannelBinding,
    pub target_session_attrs: TargetSessionAttrs,
    /// `load_balance_hosts=random`.
    pub load_balance_random: bool,
    /// `gssencmode=require`: every connection attempt fails, with the
    /// message of pg_dumpall 18.6's libpq (built with GSSAPI) when it has
    /// no Kerberos credentials (we have no GSSAPI).
    pub gssenc_required: bool,
    /// `client_encoding` / `PGCLIENTENCODING` (None when unset, empty or
    /// `auto`).
    pub client_encoding: Option<String>,
    /// `require_auth`, `requirepeer`, `min_protocol_version`.
    pub security: SecuritySettings,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("targets", &self.targets)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("passfile", &self.passfile)
            .field("sslmode", &self.sslmode)
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .field("options", &self.options)
            .field("application_name", &self.application_name)
            .field("keepalives", &self.keepalives)
            .field("keepalives_idle", &self.keepalives_idle)
            .field("keepalives_interval", &self.keepalives_interval)
            .field("keepalives_count", &self.keepalives_count)
            .field("tcp_user_timeout", &self.tcp_user_timeout)
            .field("channel_binding", &self.channel_binding)
            .field("target_session_attrs", &self.target_session_attrs)
            .field("load_balance_random", &self.load_balance_random)
            .field("gssenc_required", &self.gssenc_required)
            .field("client_encoding", &self.client_encoding)
            .field("security", &self.security)
            .finish()
    }
}

/// libpq's `pqParseIntParam`: an int with optional surrounding blanks.
fn parse_int(value: &str, keyword: &str) -> Result<i32, String> {
    let t = value.trim_matches(conninfo::is_c_space);
    let ok = !t.is_empty() && {
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    // strtol does not accept trailing blanks before the number ends, but it
    // skips leading blanks; interior blanks are an error either way.
    let leading_ok = value
        .trim_start_matches(conninfo::is_c_space)
        .starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
    if ok && leading_ok {
        if let Ok(v) = t.parse::<i32>() {
            return Ok(v);
        }
    }
    Err(format!(
        "invalid integer value \"{value}\" for connection option \"{keyword}\""
    ))
}

fn seconds(v: i32) -> Option<Duration> {
    (v > 0).then(|| Duration::from_secs(v as u64))
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// The option values after steps 1-3 (command line, service, environment).
/// Values may be empty (an empty service entry or environment variable
/// still counts as set, as in libpq).
pub(crate) fn collect_options(
    args: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, ConnError> {
    let mut explicit: BTreeMap<String, String> = BTreeMap::new();
    if let Some(ci) = &args.conninfo {
        for (k, v) in conninfo::parse(ci).map_err(ConnError::Invalid)? {
            explicit.insert(k, v);
        }
    }
    // pg_dumpall never passes the -d dbname on, and drops empty values.
    explicit.remove("dbname");
    explicit.retain(|_, v| !v.is_empty());
    for (k, v) in [
        ("host", &args.host),
        ("port", &args.port),
        ("user", &args.user),
    ] {
        if let Some(v) = v {
            if !v.is_empty() {
                explicit.insert(k.to_string(), v.clone());
            }
        }
    }
    let mut opts = explicit;

    let service = opts.get("service").cloned().or_else(|| env("PGSERVICE"));
    if let Some(service) = service {
        let home = home_dir(env);
        let entries =
            service::lookup_service(&service, env, home.as_deref()).map_err(ConnError::Invalid)?;
        for (k, v) in entries {
            opts.entry(k).or_insert(v);
        }
    }

    for (kw, var) in KEYWORDS {
        let Some(var) = var else { continue };
        // pg_dumpall always names the database.
        if *kw == "dbname" || opts.contains_key(*kw) {
            continue;
        }
        if let Some(v) = env(var) {
            opts.insert(kw.to_string(), v);
        }
    }
    if !opts.contains_key("sslmode") {
        if let Some(v) = env("PGREQUIRESSL") {
            if v.starts_with('1') {
                opts.insert("sslmode".to_string(), "require".to_string());
            }
        }
    }
    Ok(opts)
}

fn invalid_value(keyword: &str, value: &str) -> ConnError {
    ConnError::Invalid(format!("invalid {keyword} value: \"{value}\""))
}

/// Resolves everything from the command line and an environment (passed
/// in, so tests never touch the process environment).
pub(crate) fn resolve(
    args: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConnError> {
    let opts = collect_options(args, env)?;
    let get = |k: &str| opts.get(k).map(String::as_str);
    let nonempty = |k: &str| get(k).filter(|v| !v.is_empty());
    let inv = ConnError::Invalid;

    // Hosts, hostaddrs and ports.
    let hostaddr = nonempty("hostaddr");
    let host = nonempty("host");
    let n = match (hostaddr, host) {
        (Some(ha), _) => split_list(ha).len(),
        (None, Some(h)) => split_list(h).len(),
        (None, None) => 1,
    };
    let hostaddrs = hostaddr
        .map(split_list)
        .unwrap_or_else(|| vec![String::new(); n]);
    let hosts = match host {
        Some(h) => {
            let v = split_list(h);
            if v.len() != n {
                return Err(inv(format!(
                    "could not match {} host names to {} hostaddr values",
                    v.len(),
                    n
                )));
            }
            v
        }
        None => vec![String::new(); n],
    };
    let ports = match nonempty("port") {
        Some(p) => {
            let v = split_list(p);
            if v.len() == 1 {
                vec![v[0].clone(); n]
            } else if v.len() != n {
                return Err(inv(format!(
                    "could not match {} port numbers to {} hosts",
                    v.len(),
                    n
                )));
            } else {
                v
            }
        }
        None => vec![String::new(); n],
    };
    let mut targets = Vec::with_capacity(n);
    for ((host, hostaddr), port_str) in hosts.into_iter().zip(hostaddrs).zip(ports) {
        let host = if host.is_empty() && hostaddr.is_empty() {
            DEFAULT_SOCKET_DIR.to_string()
        } else {
            host
        };
        let port = if port_str.is_empty() {
            5432
        } else {
            let v = parse_int(&port_str, "port").map_err(inv)?;
            if !(1..=65535).contains(&v) {
                return Err(inv(format!("invalid port number: \"{port_str}\"")));
            }
            v as u16
        };
        targets.push(Target {
            host,
            hostaddr,
            port,
            port_str,
        });
    }

    let user = match nonempty("user") {
        Some(u) => u.to_string(),
        None => os_user().map_err(inv)?,
    };
    let password = nonempty("password").map(str::to_string);
    let home = home_dir(env);
    let passfile = match nonempty("passfile") {
        Some(p) => Some(PathBuf::from(p)),
        None => home.as_ref().map(|h| h.join(".pgpass")),
    };

    let require_auth = nonempty("require_auth")
        .map(RequireAuth::parse)
        .transpose()
        .map_err(inv)?;

    let channel_binding = match get("channel_binding") {
        None => ChannelBinding::Prefer,
        Some("disable") => ChannelBinding::Disable,
        Some("prefer") => ChannelBinding::Prefer,
        Some("require") => ChannelBinding::Require,
        Some(v) => return Err(invalid_value("channel_binding", v)),
    };

    let rootcert = nonempty("sslrootcert").map(str::to_string);
    let sslmode = match get("sslmode") {
        Some(v) => SslMode::parse(v).map_err(inv)?,
        None if rootcert.as_deref() == Some("system") => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    let direct = match get("sslnegotiation") {
        None | Some("postgres") => false,
        Some("direct") => true,
        Some(v) => return Err(invalid_value("sslnegotiation", v)),
    };
    if direct && matches!(sslmode, SslMode::Disable | SslMode::Allow | SslMode::Prefer) {
        return Err(inv(format!(
            "weak sslmode \"{}\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")",
            sslmode.as_str()
        )));
    }
    if rootcert.as_deref() == Some("system") && sslmode != SslMode::VerifyFull {
        return Err(inv(format!(
            "weak sslmode \"{}\" may not be used with sslrootcert=system (use \"verify-full\")",
            sslmode.as_str()
        )));
    }
    let tls_version = |k: &str| -> Result<Option<u8>, ConnError> {
        match nonempty(k) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "tlsv1" => Ok(Some(0)),
                "tlsv1.1" => Ok(Some(1)),
                "tlsv1.2" => Ok(Some(2)),
                "tlsv1.3" => Ok(Some(3)),
                _ => Err(inv(format!("invalid \"{k}\" value: \"{v}\""))),
            },
        }
    };
    let min_tls = tls_version("ssl_min_protocol_version")?;
    let max_tls = tls_version("ssl_max_protocol_version")?;
    if let (Some(min), Some(max)) = (min_tls, max_tls) {
        if min > max {
            return Err(inv("invalid SSL protocol version range".to_string()));
        }
    }
    let no_client_cert = match get("sslcertmode") {
        None | Some("allow") | Some("require") => false,
        Some("disable") => true,
        Some(v) => return Err(invalid_value("sslcertmode", v)),
    };
    let gssenc_required = match get("gssencmode") {
        None | Some("disable") | Some("prefer") => false,
        Some("require") => true,
        Some(v) => return Err(invalid_value("gssencmode", v)),
    };
    let target_session_attrs = match get("target_session_attrs") {
        None | Some("any") => TargetSessionAttrs::Any,
        Some("read-write") => TargetSessionAttrs::ReadWrite,
        Some("read-only") => TargetSessionAttrs::ReadOnly,
        Some("primary") => TargetSessionAttrs::Primary,
        Some("standby") => TargetSessionAttrs::Standby,
        Some("prefer-standby") => TargetSessionAttrs::PreferStandby,
        Some(v) => return Err(invalid_value("target_session_attrs", v)),
    };
    let load_balance_random = match get("load_balance_hosts") {
        None | Some("disable") => false,
        Some("random") => true,
        Some(v) => return Err(invalid_value("load_balance_hosts", v)),
    };
    // An empty value (from the environment) is invalid, as in libpq.
    let protocol_version = |k: &str| -> Result<Option<u8>, ConnError> {
        match get(k) {
            None => Ok(None),
            Some("3.0") => Ok(Some(0)),
            Some("3.2") | Some("latest") => Ok(Some(2)),
            Some(v) => Err(invalid_value(k, v)),
        }
    };
    let min_proto = protocol_version("min_protocol_version")?;
    let max_proto = protocol_version("max_protocol_version")?;
    if let (Some(min), Some(max)) = (min_proto, max_proto) {
        if min > max {
            return Err(inv(
                "\"min_protocol_version\" is greater than \"max_protocol_version\"".to_string(),
            ));
        }
    }

    let int_opt = |k: &str| -> Result<Option<i32>, ConnError> {
        nonempty(k)
            .map(|v| parse_int(v, k).map_err(inv))
            .transpose()
    };
    let connect_timeout =
        int_opt("connect_timeout")?.and_then(|t| seconds(if t == 1 { 2 } else { t }));
    let keepalives = match int_opt("keepalives") {
        Ok(v) => v != Some(0),
        Err(_) => return Err(inv("keepalives parameter must be an integer".to_string())),
    };
    let keepalives_idle = int_opt("keepalives_idle")?.and_then(seconds);
    let keepalives_interval = int_opt("keepalives_interval")?.and_then(seconds);
    let keepalives_count = int_opt("keepalives_count")?
        .filter(|&c| c > 0)
        .map(|c| c as u32);
    let tcp_user_timeout = int_opt("tcp_user_timeout")?
        .filter(|&ms| ms > 0)
        .map(|ms| Duration::from_millis(ms as u64));

    let client_encoding = nonempty("client_encoding")
        .filter(|v| !v.eq_ignore_ascii_case("auto"))
        .map(str::to_string);

    let tls = TlsSettings {
        rootcert,
        cert: nonempty("sslcert").map(str::to_string),
        key: nonempty("sslkey").map(str::to_string),
        crl: nonempty("sslcrl").map(str::to_string),
        crldir: nonempty("sslcrldir").map(str::to_string),
        password: nonempty("sslpassword").map(|p| super::tls::KeyPassword(p.to_string())),
        home,
        no_client_cert,
        cert_required: get("sslcertmode") == Some("require"),
        sni: get("sslsni").is_none_or(|v| v.starts_with('1')),
        direct,
        min_tls13: min_tls == Some(3),
        max_tls12: max_tls.is_some_and(|v| v <= 2),
    };

    Ok(Settings {
        targets,
        user,
        password,
        passfile,
        sslmode,
        tls,
        connect_timeout,
        options: nonempty("options").map(str::to_string),
        application_name: nonempty("application_name").map(str::to_string),
        keepalives,
        keepalives_idle,
        keepalives_interval,
        keepalives_count,
        tcp_user_timeout,
        channel_binding,
        target_session_attrs,
        load_balance_random,
        gssenc_required,
        client_encoding,
        security: SecuritySettings {
            require_auth,
            requirepeer: nonempty("requirepeer").map(str::to_string),
            min_protocol_32: min_proto == Some(2),
        },
    })
}
