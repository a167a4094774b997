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

use super::auth::SecuritySettings;
use super::conninfo::{self, KEYWORDS};
use super::pgpass::is_unix_socket_path;
use super::resolve::{self, Options};
use super::service;
use super::{ConnError, ConnectArgs, SettingError};

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
    /// The encoding a libpq session would start in: `client_encoding` /
    /// `PGCLIENTENCODING` (`auto`: the locale's), else `-c client_encoding`
    /// in `options`; None when the server picks it.
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

/// The option values after steps 1-3 (command line, service, environment).
/// Values may be empty (an empty service entry or environment variable
/// still counts as set, as in libpq).
pub(crate) fn collect_options(
    args: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, ConnError> {
    let mut explicit: BTreeMap<String, String> = BTreeMap::new();
    if let Some(ci) = &args.conninfo {
        for (k, v) in conninfo::parse(ci).map_err(SettingError::Conninfo)? {
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
        let entries = service::lookup_service(&service, env, home.as_deref())
            .map_err(SettingError::Service)?;
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

/// Resolves everything from the command line and an environment (passed
/// in, so tests never touch the process environment).
pub(crate) fn resolve(
    args: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConnError> {
    let opts = Options(collect_options(args, env)?);
    let targets = resolve::targets(&opts)?;
    let user = match opts.nonempty("user") {
        Some(u) => u.to_string(),
        None => os_user().map_err(SettingError::OsUser)?,
    };
    let password = opts.owned("password");
    let home = home_dir(env);
    let passfile = match opts.nonempty("passfile") {
        Some(p) => Some(PathBuf::from(p)),
        None => home.as_ref().map(|h| h.join(".pgpass")),
    };
    let require_auth = resolve::require_auth(&opts)?;
    let channel_binding = resolve::channel_binding(&opts)?;
    let (sslmode, tls) = resolve::tls(&opts, home)?;
    let gssenc_required = resolve::gssenc_required(&opts)?;
    let target_session_attrs = resolve::target_session_attrs(&opts)?;
    let load_balance_random = resolve::load_balance_random(&opts)?;
    let min_protocol_32 = resolve::min_protocol_32(&opts)?;
    let timeouts = resolve::timeouts(&opts)?;
    let client_encoding = super::startup_encoding::requested(
        opts.nonempty("client_encoding"),
        opts.nonempty("options"),
    );

    Ok(Settings {
        targets,
        user,
        password,
        passfile,
        sslmode,
        tls,
        connect_timeout: timeouts.connect_timeout,
        options: opts.owned("options"),
        application_name: opts.owned("application_name"),
        keepalives: timeouts.keepalives,
        keepalives_idle: timeouts.keepalives_idle,
        keepalives_interval: timeouts.keepalives_interval,
        keepalives_count: timeouts.keepalives_count,
        tcp_user_timeout: timeouts.tcp_user_timeout,
        channel_binding,
        target_session_attrs,
        load_balance_random,
        gssenc_required,
        client_encoding,
        security: SecuritySettings {
            require_auth,
            requirepeer: opts.owned("requirepeer"),
            min_protocol_32,
        },
    })
}
