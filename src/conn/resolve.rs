//! The steps of [`super::settings::resolve`], each turning the collected
//! option values into one part of the [`Settings`](super::settings::Settings).
//! The steps run in libpq's order, so that the first invalid value reported
//! is the one libpq reports.

use std::collections::BTreeMap;
use std::time::Duration;

use super::auth::RequireAuth;
use super::conninfo;
use super::pgpass::DEFAULT_SOCKET_DIR;
use super::settings::{ChannelBinding, SslMode, Target, TargetSessionAttrs, TlsSettings};
use super::{ConnError, SettingError};

/// The collected option values, with the lookups every step needs.
pub(super) struct Options(pub(super) BTreeMap<String, String>);

impl Options {
    /// A value as set, possibly empty.
    pub(super) fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }

    /// A value that is set and not empty (libpq treats empty as unset).
    pub(super) fn nonempty(&self, k: &str) -> Option<&str> {
        self.get(k).filter(|v| !v.is_empty())
    }

    /// An owned copy of a non-empty value, for the settings that keep it.
    pub(super) fn owned(&self, k: &str) -> Option<String> {
        self.nonempty(k).map(str::to_string)
    }

    /// A non-empty value parsed as libpq's integer parameters are.
    fn int(&self, k: &str) -> Result<Option<i32>, ConnError> {
        self.nonempty(k)
            .map(|v| parse_int(v, k).map_err(ConnError::from))
            .transpose()
    }
}

/// libpq's `pqParseIntParam`: an int with optional surrounding blanks.
fn parse_int(value: &str, keyword: &str) -> Result<i32, SettingError> {
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
    Err(SettingError::Integer {
        keyword: keyword.to_string(),
        value: value.to_string(),
    })
}

/// A positive number of seconds as a duration; zero or less means "unset".
fn seconds(v: i32) -> Option<Duration> {
    (v > 0).then(|| Duration::from_secs(v as u64))
}

/// Splits a comma-separated `host`/`hostaddr`/`port` list.
fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// libpq's message for a keyword given a value outside its set.
fn invalid_value(keyword: &str, value: &str) -> ConnError {
    ConnError::Invalid(SettingError::Value {
        keyword: keyword.to_string(),
        value: value.to_string(),
    })
}

/// The hosts to try, from the `host`, `hostaddr` and `port` lists.
pub(super) fn targets(opts: &Options) -> Result<Vec<Target>, ConnError> {
    let (hosts, hostaddrs) = hosts_and_hostaddrs(opts)?;
    let ports = ports(opts, hosts.len())?;
    hosts
        .into_iter()
        .zip(hostaddrs)
        .zip(ports)
        .map(|((host, hostaddr), port_str)| target(host, hostaddr, port_str))
        .collect()
}

/// The `host` and `hostaddr` lists, of equal length (empty entries where a
/// list is not given); `hostaddr` decides how many hosts there are.
fn hosts_and_hostaddrs(opts: &Options) -> Result<(Vec<String>, Vec<String>), ConnError> {
    let hostaddr = opts.nonempty("hostaddr");
    let host = opts.nonempty("host");
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
                return Err(SettingError::HostaddrCount {
                    names: v.len(),
                    addresses: n,
                }
                .into());
            }
            v
        }
        None => vec![String::new(); n],
    };
    Ok((hosts, hostaddrs))
}

/// The `port` list for `n` hosts: one port serves them all, else one each.
fn ports(opts: &Options, n: usize) -> Result<Vec<String>, ConnError> {
    let Some(p) = opts.nonempty("port") else {
        return Ok(vec![String::new(); n]);
    };
    let v = split_list(p);
    if v.len() == 1 {
        Ok(vec![v[0].clone(); n])
    } else if v.len() != n {
        Err(SettingError::PortCount {
            ports: v.len(),
            hosts: n,
        }
        .into())
    } else {
        Ok(v)
    }
}

/// One target, with the default socket directory and port filled in and
/// the port checked.
fn target(host: String, hostaddr: String, port_str: String) -> Result<Target, ConnError> {
    let host = if host.is_empty() && hostaddr.is_empty() {
        DEFAULT_SOCKET_DIR.to_string()
    } else {
        host
    };
    let port = if port_str.is_empty() {
        5432
    } else {
        let v = parse_int(&port_str, "port")?;
        if !(1..=65535).contains(&v) {
            return Err(SettingError::Port(port_str).into());
        }
        v as u16
    };
    Ok(Target {
        host,
        hostaddr,
        port,
        port_str,
    })
}

/// `require_auth`, parsed into the methods it allows.
pub(super) fn require_auth(opts: &Options) -> Result<Option<RequireAuth>, ConnError> {
    opts.nonempty("require_auth")
        .map(RequireAuth::parse)
        .transpose()
        .map_err(|m| SettingError::RequireAuth(m).into())
}

/// `channel_binding` (default `prefer`).
pub(super) fn channel_binding(opts: &Options) -> Result<ChannelBinding, ConnError> {
    match opts.get("channel_binding") {
        None => Ok(ChannelBinding::Prefer),
        Some("disable") => Ok(ChannelBinding::Disable),
        Some("prefer") => Ok(ChannelBinding::Prefer),
        Some("require") => Ok(ChannelBinding::Require),
        Some(v) => Err(invalid_value("channel_binding", v)),
    }
}

/// `sslmode` and all the TLS settings, checked against each other.
pub(super) fn tls(
    opts: &Options,
    home: Option<std::path::PathBuf>,
) -> Result<(SslMode, TlsSettings), ConnError> {
    let rootcert = opts.owned("sslrootcert");
    let (sslmode, direct) = sslmode_and_negotiation(opts, rootcert.as_deref())?;
    let (min_tls, max_tls) = tls_version_range(opts)?;
    let no_client_cert = match opts.get("sslcertmode") {
        None | Some("allow") | Some("require") => false,
        Some("disable") => true,
        Some(v) => return Err(invalid_value("sslcertmode", v)),
    };
    let tls = TlsSettings {
        rootcert,
        cert: opts.owned("sslcert"),
        key: opts.owned("sslkey"),
        crl: opts.owned("sslcrl"),
        crldir: opts.owned("sslcrldir"),
        password: opts
            .nonempty("sslpassword")
            .map(|p| super::tls::KeyPassword(p.to_string())),
        home,
        no_client_cert,
        cert_required: opts.get("sslcertmode") == Some("require"),
        sni: opts.get("sslsni").is_none_or(|v| v.starts_with('1')),
        direct,
        min_tls13: min_tls == Some(3),
        max_tls12: max_tls.is_some_and(|v| v <= 2),
    };
    Ok((sslmode, tls))
}

/// `sslmode` (its default depends on `sslrootcert`) and whether
/// `sslnegotiation=direct`, refusing the weak modes either one forbids.
fn sslmode_and_negotiation(
    opts: &Options,
    rootcert: Option<&str>,
) -> Result<(SslMode, bool), ConnError> {
    let sslmode = match opts.get("sslmode") {
        Some(v) => SslMode::parse(v).map_err(|_| invalid_value("sslmode", v))?,
        None if rootcert == Some("system") => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    let direct = match opts.get("sslnegotiation") {
        None | Some("postgres") => false,
        Some("direct") => true,
        Some(v) => return Err(invalid_value("sslnegotiation", v)),
    };
    if direct && matches!(sslmode, SslMode::Disable | SslMode::Allow | SslMode::Prefer) {
        return Err(SettingError::WeakSslMode {
            mode: sslmode.as_str(),
            with: "sslnegotiation=direct",
            allowed: "\"require\", \"verify-ca\", or \"verify-full\"",
        }
        .into());
    }
    if rootcert == Some("system") && sslmode != SslMode::VerifyFull {
        return Err(SettingError::WeakSslMode {
            mode: sslmode.as_str(),
            with: "sslrootcert=system",
            allowed: "\"verify-full\"",
        }
        .into());
    }
    Ok((sslmode, direct))
}

/// `ssl_min_protocol_version` and `ssl_max_protocol_version` as minor
/// TLS 1.x numbers, refusing a range that is empty.
fn tls_version_range(opts: &Options) -> Result<(Option<u8>, Option<u8>), ConnError> {
    let tls_version = |k: &str| -> Result<Option<u8>, ConnError> {
        match opts.nonempty(k) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "tlsv1" => Ok(Some(0)),
                "tlsv1.1" => Ok(Some(1)),
                "tlsv1.2" => Ok(Some(2)),
                "tlsv1.3" => Ok(Some(3)),
                _ => Err(SettingError::QuotedValue {
                    keyword: k.to_string(),
                    value: v.to_string(),
                }
                .into()),
            },
        }
    };
    let min_tls = tls_version("ssl_min_protocol_version")?;
    let max_tls = tls_version("ssl_max_protocol_version")?;
    if let (Some(min), Some(max)) = (min_tls, max_tls) {
        if min > max {
            return Err(SettingError::SslProtocolRange.into());
        }
    }
    Ok((min_tls, max_tls))
}

/// `gssencmode`: whether it is `require` (which can never succeed here).
pub(super) fn gssenc_required(opts: &Options) -> Result<bool, ConnError> {
    match opts.get("gssencmode") {
        None | Some("disable") | Some("prefer") => Ok(false),
        Some("require") => Ok(true),
        Some(v) => Err(invalid_value("gssencmode", v)),
    }
}

/// `target_session_attrs` (default `any`).
pub(super) fn target_session_attrs(opts: &Options) -> Result<TargetSessionAttrs, ConnError> {
    match opts.get("target_session_attrs") {
        None | Some("any") => Ok(TargetSessionAttrs::Any),
        Some("read-write") => Ok(TargetSessionAttrs::ReadWrite),
        Some("read-only") => Ok(TargetSessionAttrs::ReadOnly),
        Some("primary") => Ok(TargetSessionAttrs::Primary),
        Some("standby") => Ok(TargetSessionAttrs::Standby),
        Some("prefer-standby") => Ok(TargetSessionAttrs::PreferStandby),
        Some(v) => Err(invalid_value("target_session_attrs", v)),
    }
}

/// `load_balance_hosts`: whether it is `random`.
pub(super) fn load_balance_random(opts: &Options) -> Result<bool, ConnError> {
    match opts.get("load_balance_hosts") {
        None | Some("disable") => Ok(false),
        Some("random") => Ok(true),
        Some(v) => Err(invalid_value("load_balance_hosts", v)),
    }
}

/// `min_protocol_version`/`max_protocol_version`, checked as a range:
/// whether protocol 3.2 is the minimum.
pub(super) fn min_protocol_32(opts: &Options) -> Result<bool, ConnError> {
    // An empty value (from the environment) is invalid, as in libpq.
    let protocol_version = |k: &str| -> Result<Option<u8>, ConnError> {
        match opts.get(k) {
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
            return Err(SettingError::ProtocolRange.into());
        }
    }
    Ok(min_proto == Some(2))
}

/// `connect_timeout`, the keepalive settings and `tcp_user_timeout`.
pub(super) struct Timeouts {
    pub connect_timeout: Option<Duration>,
    pub keepalives: bool,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_count: Option<u32>,
    pub tcp_user_timeout: Option<Duration>,
}

/// The [`Timeouts`], with libpq's adjustments (a 1-second connect timeout
/// becomes 2, zero or less means unset).
pub(super) fn timeouts(opts: &Options) -> Result<Timeouts, ConnError> {
    let connect_timeout = opts
        .int("connect_timeout")?
        .and_then(|t| seconds(if t == 1 { 2 } else { t }));
    let keepalives = match opts.int("keepalives") {
        Ok(v) => v != Some(0),
        Err(_) => return Err(SettingError::Keepalives.into()),
    };
    Ok(Timeouts {
        connect_timeout,
        keepalives,
        keepalives_idle: opts.int("keepalives_idle")?.and_then(seconds),
        keepalives_interval: opts.int("keepalives_interval")?.and_then(seconds),
        keepalives_count: opts
            .int("keepalives_count")?
            .filter(|&c| c > 0)
            .map(|c| c as u32),
        tcp_user_timeout: opts
            .int("tcp_user_timeout")?
            .filter(|&ms| ms > 0)
            .map(|ms| Duration::from_millis(ms as u64)),
    })
}
