//! Connection strings as libpq parses them: `key = value` pairs and
//! `postgresql://` URIs (`PQconninfoParse`).
//!
//! The result is the list of keywords given, in order, with their raw
//! values (later duplicates override earlier ones when applied).

/// Every keyword libpq 18 accepts, with the environment variable it falls
/// back to (`PQconninfoOptions`).
pub(crate) const KEYWORDS: &[(&str, Option<&str>)] = &[
    ("service", Some("PGSERVICE")),
    ("user", Some("PGUSER")),
    ("password", Some("PGPASSWORD")),
    ("passfile", Some("PGPASSFILE")),
    ("channel_binding", Some("PGCHANNELBINDING")),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT")),
    ("dbname", Some("PGDATABASE")),
    ("host", Some("PGHOST")),
    ("hostaddr", Some("PGHOSTADDR")),
    ("port", Some("PGPORT")),
    ("client_encoding", Some("PGCLIENTENCODING")),
    ("options", Some("PGOPTIONS")),
    ("application_name", Some("PGAPPNAME")),
    ("fallback_application_name", None),
    ("keepalives", None),
    ("keepalives_idle", None),
    ("keepalives_interval", None),
    ("keepalives_count", None),
    ("tcp_user_timeout", None),
    ("sslmode", Some("PGSSLMODE")),
    ("sslnegotiation", Some("PGSSLNEGOTIATION")),
    ("sslcompression", Some("PGSSLCOMPRESSION")),
    ("sslcert", Some("PGSSLCERT")),
    ("sslkey", Some("PGSSLKEY")),
    ("sslcertmode", Some("PGSSLCERTMODE")),
    ("sslpassword", None),
    ("sslkeylogfile", None),
    ("sslrootcert", Some("PGSSLROOTCERT")),
    ("sslcrl", Some("PGSSLCRL")),
    ("sslcrldir", Some("PGSSLCRLDIR")),
    ("sslsni", Some("PGSSLSNI")),
    ("requirepeer", Some("PGREQUIREPEER")),
    ("require_auth", Some("PGREQUIREAUTH")),
    ("min_protocol_version", Some("PGMINPROTOCOLVERSION")),
    ("max_protocol_version", Some("PGMAXPROTOCOLVERSION")),
    ("ssl_min_protocol_version", Some("PGSSLMINPROTOCOLVERSION")),
    ("ssl_max_protocol_version", Some("PGSSLMAXPROTOCOLVERSION")),
    ("gssencmode", Some("PGGSSENCMODE")),
    ("krbsrvname", Some("PGKRBSRVNAME")),
    ("gsslib", Some("PGGSSLIB")),
    ("gssdelegation", Some("PGGSSDELEGATION")),
    ("replication", None),
    ("target_session_attrs", Some("PGTARGETSESSIONATTRS")),
    ("load_balance_hosts", Some("PGLOADBALANCEHOSTS")),
    ("scram_client_key", None),
    ("scram_server_key", None),
    ("oauth_issuer", None),
    ("oauth_client_id", None),
    ("oauth_client_secret", None),
    ("oauth_scope", None),
];

/// Whether libpq knows `keyword`.
pub(crate) fn is_keyword(keyword: &str) -> bool {
    KEYWORDS.iter().any(|(k, _)| *k == keyword)
}

/// C's `isspace` in the C locale.
pub(crate) fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Length of the URI designator `s` starts with, 0 if none.
pub(crate) fn uri_prefix_length(s: &str) -> usize {
    for prefix in ["postgresql://", "postgres://"] {
        if s.starts_with(prefix) {
            return prefix.len();
        }
    }
    0
}

/// Parses a conninfo string or URI (libpq's `parse_connection_string`).
/// Errors carry libpq's message text.
pub(crate) fn parse(s: &str) -> Result<Vec<(String, String)>, String> {
    if uri_prefix_length(s) != 0 {
        super::uri::parse_uri(s)
    } else {
        parse_keyword_value(s)
    }
}

/// `conninfo_storeval`: validates the keyword (translating the obsolete
/// `requiressl`) and records the value.
pub(super) fn store(
    out: &mut Vec<(String, String)>,
    keyword: &str,
    value: &str,
    uri_param: bool,
) -> Result<(), String> {
    let (keyword, value) = if keyword == "requiressl" {
        let v = if value.starts_with('1') {
            "require"
        } else {
            "prefer"
        };
        ("sslmode", v)
    } else {
        (keyword, value)
    };
    if !is_keyword(keyword) {
        return Err(if uri_param {
            format!("invalid URI query parameter: \"{keyword}\"")
        } else {
            format!("invalid connection option \"{keyword}\"")
        });
    }
    out.push((keyword.to_string(), value.to_string()));
    Ok(())
}

/// `conninfo_parse`: whitespace-separated `key = value` pairs.
fn parse_keyword_value(s: &str) -> Result<Vec<(String, String)>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        if is_c_space(chars[i]) {
            i += 1;
            continue;
        }
        // The parameter name runs to '=' or whitespace.
        let start = i;
        while i < n && chars[i] != '=' && !is_c_space(chars[i]) {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        while i < n && is_c_space(chars[i]) {
            i += 1;
        }
        if i >= n || chars[i] != '=' {
            return Err(format!(
                "missing \"=\" after \"{name}\" in connection info string"
            ));
        }
        i += 1;
        while i < n && is_c_space(chars[i]) {
            i += 1;
        }
        let mut value = String::new();
        if i < n && chars[i] == '\'' {
            i += 1;
            loop {
                if i >= n {
                    return Err("unterminated quoted string in connection info string".to_string());
                }
                match chars[i] {
                    '\\' => {
                        i += 1;
                        if i < n {
                            value.push(chars[i]);
                            i += 1;
                        }
                    }
                    '\'' => {
                        i += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < n {
                let c = chars[i];
                if is_c_space(c) {
                    i += 1;
                    break;
                }
                if c == '\\' {
                    i += 1;
                    if i < n {
                        value.push(chars[i]);
                        i += 1;
                    }
                } else {
                    value.push(c);
                    i += 1;
                }
            }
        }
        store(&mut out, &name, &value, false)?;
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// `conninfo_uri_decode`: percent-decoding.
pub(crate) fn uri_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hi = bytes.get(i + 1).copied().and_then(hex_value);
        let lo = bytes.get(i + 2).copied().and_then(hex_value);
        match (hi, lo) {
            (Some(hi), Some(lo)) => {
                let c = (hi << 4) | lo;
                if c == 0 {
                    return Err(format!(
                        "forbidden value %00 in percent-encoded value: \"{s}\""
                    ));
                }
                out.push(c);
                i += 3;
            }
            _ => return Err(format!("invalid percent-encoded token: \"{s}\"")),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keyword_value_basic() {
        assert_eq!(
            parse("host=h port = 5433  user= bob").unwrap(),
            kv(&[("host", "h"), ("port", "5433"), ("user", "bob")])
        );
        assert_eq!(parse("").unwrap(), kv(&[]));
        assert_eq!(parse("   ").unwrap(), kv(&[]));
        assert_eq!(parse("host=").unwrap(), kv(&[("host", "")]));
        assert_eq!(
            parse("host= port=1").unwrap(),
            kv(&[("host", "port=1")]),
            "libpq skips blanks after '=' so the value is the next word"
        );
    }

    #[test]
    fn keyword_value_quotes_and_escapes() {
        assert_eq!(
            parse(r"password='a b\'c\\d' user=x").unwrap(),
            kv(&[("password", r"a b'c\d"), ("user", "x")])
        );
        assert_eq!(parse("options=''").unwrap(), kv(&[("options", "")]));
        assert_eq!(parse(r"password=a\ b").unwrap(), kv(&[("password", "a b")]));
        assert_eq!(
            parse("application_name='x'user=y").unwrap(),
            kv(&[("application_name", "x"), ("user", "y")])
        );
        assert_eq!(parse("user=ü").unwrap(), kv(&[("user", "ü")]));
    }

    #[test]
    fn keyword_value_errors() {
        assert_eq!(
            parse("foo").unwrap_err(),
            "missing \"=\" after \"foo\" in connection info string"
        );
        assert_eq!(
            parse("host = 'a\\'b' port").unwrap_err(),
            "missing \"=\" after \"port\" in connection info string"
        );
        assert_eq!(
            parse("foo=bar").unwrap_err(),
            "invalid connection option \"foo\""
        );
        assert_eq!(
            parse("host='abc").unwrap_err(),
            "unterminated quoted string in connection info string"
        );
        assert_eq!(
            parse("dbname=x tty=y").unwrap_err(),
            "invalid connection option \"tty\""
        );
    }

    #[test]
    fn requiressl_translated() {
        assert_eq!(
            parse("requiressl=1").unwrap(),
            kv(&[("sslmode", "require")])
        );
        assert_eq!(parse("requiressl=0").unwrap(), kv(&[("sslmode", "prefer")]));
    }

    #[test]
    fn uri_basic() {
        assert_eq!(
            parse("postgresql://bob:secret@db.example.com:5433/mydb?sslmode=require").unwrap(),
            kv(&[
                ("user", "bob"),
                ("password", "secret"),
                ("host", "db.example.com"),
                ("port", "5433"),
                ("dbname", "mydb"),
                ("sslmode", "require"),
            ])
        );
        assert_eq!(parse("postgres://").unwrap(), kv(&[]));
        assert_eq!(parse("postgresql://h").unwrap(), kv(&[("host", "h")]));
        assert_eq!(parse("postgresql:///db").unwrap(), kv(&[("dbname", "db")]));
        assert_eq!(parse("postgresql://h/").unwrap(), kv(&[("host", "h")]));
        assert_eq!(parse("postgresql://bob@").unwrap(), kv(&[("user", "bob")]));
        assert_eq!(
            parse("postgresql://:pw@h").unwrap(),
            kv(&[("password", "pw"), ("host", "h")])
        );
    }

    #[test]
    fn uri_multi_host_and_ipv6() {
        assert_eq!(
            parse("postgresql://h1:1,h2,[::1]:3/db").unwrap(),
            kv(&[("host", "h1,h2,::1"), ("port", "1,,3"), ("dbname", "db")])
        );
        assert_eq!(
            parse("postgresql://[2001:db8::1]").unwrap(),
            kv(&[("host", "2001:db8::1")])
        );
        assert_eq!(
            parse("postgresql://[::1").unwrap_err(),
            "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgresql://[::1\""
        );
        assert_eq!(
            parse("postgresql://[]").unwrap_err(),
            "IPv6 host address may not be empty in URI: \"postgresql://[]\""
        );
        assert_eq!(
            parse("postgresql://[::1]x").unwrap_err(),
            "unexpected character \"x\" at position 19 in URI (expected \":\" or \"/\"): \"postgresql://[::1]x\""
        );
    }

    #[test]
    fn uri_percent_encoding() {
        assert_eq!(
            parse("postgresql://us%40er:p%3Aw%2F@%2Fvar%2Frun%2Fpostgresql/d%20b").unwrap(),
            kv(&[
                ("user", "us@er"),
                ("password", "p:w/"),
                ("host", "/var/run/postgresql"),
                ("dbname", "d b"),
            ])
        );
        assert_eq!(
            parse("postgresql://%zz@x/").unwrap_err(),
            "invalid percent-encoded token: \"%zz\""
        );
        assert_eq!(
            parse("postgresql://x/%4").unwrap_err(),
            "invalid percent-encoded token: \"%4\""
        );
        assert_eq!(
            parse("postgresql://x/%00").unwrap_err(),
            "forbidden value %00 in percent-encoded value: \"%00\""
        );
        assert_eq!(uri_decode("%C3%BC").unwrap(), "ü");
    }

    #[test]
    fn uri_query_params() {
        assert_eq!(
            parse("postgresql://x?host=%2Ftmp&application_name=a%20b&ssl=true").unwrap(),
            kv(&[
                ("host", "x"),
                ("host", "/tmp"),
                ("application_name", "a b"),
                ("sslmode", "require"),
            ])
        );
        assert_eq!(
            parse("postgresql://x/?foo=bar").unwrap_err(),
            "invalid URI query parameter: \"foo\""
        );
        assert_eq!(
            parse("postgresql://x/?foo").unwrap_err(),
            "missing key/value separator \"=\" in URI query parameter: \"foo\""
        );
        assert_eq!(
            parse("postgresql://x/?port=1=2").unwrap_err(),
            "extra key/value separator \"=\" in URI query parameter: \"port\""
        );
        assert_eq!(
            parse("postgresql://x/db?").unwrap(),
            kv(&[("host", "x"), ("dbname", "db")])
        );
        assert_eq!(
            parse("postgresql://x/db?port=1&").unwrap(),
            kv(&[("host", "x"), ("dbname", "db"), ("port", "1")])
        );
        assert_eq!(
            parse("postgresql://x/db?host=").unwrap(),
            kv(&[("host", "x"), ("dbname", "db"), ("host", "")])
        );
    }
}
