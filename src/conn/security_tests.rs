//! `require_auth`, `channel_binding=require`, `requirepeer` and
//! `min_protocol_version` decisions, and the startup watcher, without a
//! server. The expected texts are libpq 18's (checked with psql 18).

use super::auth::*;
use super::observe::Watch;
use super::*;

fn parse(v: &str) -> RequireAuth {
    RequireAuth::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// The outcome of a startup in which the server makes `requests`
/// (code and body), under `require_auth=ra`, without TLS.
fn outcome(ra: &str, requests: &[(i32, &[u8])]) -> Result<(), String> {
    outcome_with(Some(parse(ra)), false, false, requests)
}

fn outcome_with(
    ra: Option<RequireAuth>,
    cb_required: bool,
    tls: bool,
    requests: &[(i32, &[u8])],
) -> Result<(), String> {
    let mut check = AuthCheck::new(Requirements {
        require_auth: ra,
        channel_binding_required: cb_required,
        channel_binding_disabled: false,
        tls,
    });
    for (code, body) in requests {
        check.request(*code, body)?;
    }
    Ok(())
}

const SCRAM_LIST: &[u8] = b"SCRAM-SHA-256\0\0";
const PLUS_LIST: &[u8] = b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0";
const OAUTH_LIST: &[u8] = b"OAUTHBEARER\0\0";

fn trust() -> Vec<(i32, &'static [u8])> {
    vec![(AUTH_OK, b"")]
}
fn cleartext() -> Vec<(i32, &'static [u8])> {
    vec![(AUTH_PASSWORD, b""), (AUTH_OK, b"")]
}
fn md5() -> Vec<(i32, &'static [u8])> {
    vec![(AUTH_MD5, b"salt"), (AUTH_OK, b"")]
}
fn scram() -> Vec<(i32, &'static [u8])> {
    vec![
        (AUTH_SASL, SCRAM_LIST),
        (AUTH_SASL_CONT, b"r=..."),
        (AUTH_SASL_FIN, b"v=..."),
        (AUTH_OK, b""),
    ]
}

fn failed(ra: &str, reason: &str) -> Result<(), String> {
    Err(format!(
        "authentication method requirement \"{ra}\" failed: {reason}"
    ))
}

#[test]
fn require_auth_scram_refuses_everything_else() {
    let ra = "scram-sha-256";
    assert_eq!(outcome(ra, &scram()), Ok(()));
    assert_eq!(
        outcome(ra, &cleartext()),
        failed(ra, "server requested a cleartext password")
    );
    assert_eq!(
        outcome(ra, &md5()),
        failed(ra, "server requested a hashed password")
    );
    assert_eq!(
        outcome(ra, &trust()),
        failed(ra, "server did not complete authentication")
    );
    assert_eq!(
        outcome(ra, &[(AUTH_GSS, b"")]),
        failed(ra, "server requested GSSAPI authentication")
    );
    assert_eq!(
        outcome(ra, &[(AUTH_SSPI, b"")]),
        failed(ra, "server requested SSPI authentication")
    );
    assert_eq!(
        outcome(ra, &[(2, b"")]),
        failed(ra, "server requested an unknown authentication type")
    );
    // A SCRAM exchange the server cuts short with OK.
    assert_eq!(
        outcome(
            ra,
            &scram()[..2]
                .iter()
                .chain(&trust())
                .copied()
                .collect::<Vec<_>>()
        ),
        failed(ra, "server did not complete authentication")
    );
}

#[test]
fn require_auth_lists_and_none() {
    assert_eq!(outcome("password", &cleartext()), Ok(()));
    assert_eq!(outcome("md5", &md5()), Ok(()));
    assert_eq!(
        outcome("password", &md5()),
        failed("password", "server requested a hashed password")
    );
    assert_eq!(outcome("md5,password", &cleartext()), Ok(()));
    assert_eq!(outcome("none", &trust()), Ok(()));
    assert_eq!(
        outcome("none", &scram()),
        failed("none", "server requested SASL authentication")
    );
    assert_eq!(outcome("scram-sha-256,none", &trust()), Ok(()));
    assert_eq!(outcome("scram-sha-256,none", &scram()), Ok(()));
    assert_eq!(
        outcome("scram-sha-256,none", &cleartext()),
        failed(
            "scram-sha-256,none",
            "server requested a cleartext password"
        )
    );
    assert_eq!(
        outcome("gss", &scram()),
        failed("gss", "server requested SASL authentication")
    );
    assert_eq!(
        outcome("oauth", &scram()),
        failed("oauth", "server requested SCRAM-SHA-256 authentication")
    );
    assert_eq!(
        outcome("gss,sspi", &trust()),
        failed("gss,sspi", "server did not complete authentication")
    );
}

#[test]
fn require_auth_negations() {
    for good in [trust(), scram()] {
        assert_eq!(outcome("!password,!md5", &good), Ok(()));
    }
    assert_eq!(
        outcome("!password,!md5", &cleartext()),
        failed("!password,!md5", "server requested a cleartext password")
    );
    assert_eq!(
        outcome("!password,!md5", &md5()),
        failed("!password,!md5", "server requested a hashed password")
    );
    assert_eq!(
        outcome("!scram-sha-256", &scram()),
        failed(
            "!scram-sha-256",
            "server requested SCRAM-SHA-256 authentication"
        )
    );
    // With every SASL mechanism refused, SASL itself is.
    assert_eq!(
        outcome("!scram-sha-256,!oauth", &scram()),
        failed(
            "!scram-sha-256,!oauth",
            "server requested SASL authentication"
        )
    );
    assert_eq!(outcome("!scram-sha-256", &cleartext()), Ok(()));
    assert_eq!(outcome("!none", &cleartext()), Ok(()));
    assert_eq!(
        outcome("!none", &trust()),
        failed("!none", "server did not complete authentication")
    );
    assert_eq!(outcome("!gss,!sspi", &trust()), Ok(()));
}

#[test]
fn require_auth_validation_messages() {
    for (v, msg) in [
        ("scram-sha-256,", "invalid require_auth value: \"\""),
        ("!", "invalid require_auth value: \"\""),
        ("!!md5", "invalid require_auth value: \"!md5\""),
        (
            "SCRAM-SHA-256",
            "invalid require_auth value: \"SCRAM-SHA-256\"",
        ),
        (" md5", "invalid require_auth value: \" md5\""),
        (
            "md5,!password",
            "negative require_auth method \"!password\" cannot be mixed with non-negative methods",
        ),
        (
            "!md5,password",
            "require_auth method \"password\" cannot be mixed with negative methods",
        ),
        (
            "none,!none",
            "negative require_auth method \"!none\" cannot be mixed with non-negative methods",
        ),
        (
            "md5,md5",
            "require_auth method \"md5\" is specified more than once",
        ),
        (
            "!md5,!md5",
            "require_auth method \"!md5\" is specified more than once",
        ),
        (
            "none,none",
            "require_auth method \"none\" is specified more than once",
        ),
        (
            "!none,!none",
            "require_auth method \"!none\" is specified more than once",
        ),
        (
            "!oauth,!oauth",
            "require_auth method \"!oauth\" is specified more than once",
        ),
        (
            "scram-sha-256,scram-sha-256",
            "require_auth method \"scram-sha-256\" is specified more than once",
        ),
    ] {
        assert_eq!(RequireAuth::parse(v), Err(msg.to_string()), "{v}");
    }
    for v in [
        "gss,sspi",
        "sspi,gss",
        "!gss,!sspi",
        "oauth,scram-sha-256,none",
    ] {
        parse(v);
    }
}

#[test]
fn channel_binding_require_messages() {
    let cb = |tls: bool, reqs: &[(i32, &[u8])]| outcome_with(None, true, tls, reqs);
    assert_eq!(
        cb(false, &cleartext()),
        Err("channel binding required but not supported by server's authentication request".into())
    );
    assert_eq!(
        cb(true, &trust()),
        Err(
            "channel binding required, but server authenticated client without channel binding"
                .into()
        )
    );
    assert_eq!(
        cb(false, &scram()),
        Err("channel binding required, but SSL not in use".into())
    );
    assert_eq!(
        cb(true, &scram()),
        Err("channel binding is required, but server did not offer an authentication method that supports channel binding".into())
    );
    let plus = [(AUTH_SASL, PLUS_LIST), (AUTH_SASL_FIN, b""), (AUTH_OK, b"")];
    assert_eq!(cb(true, &plus), Ok(()));
    // require_auth is checked first.
    assert_eq!(
        outcome_with(Some(parse("md5")), true, false, &scram()),
        failed("md5", "server requested SASL authentication")
    );
    assert_eq!(
        outcome_with(Some(parse("oauth")), false, true, &plus),
        failed(
            "oauth",
            "server requested SCRAM-SHA-256-PLUS authentication"
        )
    );
    assert_eq!(
        outcome_with(
            Some(parse("scram-sha-256")),
            false,
            false,
            &[(AUTH_SASL, OAUTH_LIST)]
        ),
        failed(
            "scram-sha-256",
            "server requested OAUTHBEARER authentication"
        )
    );
    assert_eq!(
        outcome_with(None, false, false, &[(AUTH_SASL, PLUS_LIST)]),
        Err("server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection".into())
    );
}

#[test]
fn requirepeer_and_protocol_messages() {
    assert_eq!(check_peer("postgres", "postgres"), Ok(()));
    assert_eq!(
        check_peer("root", "postgres"),
        Err("requirepeer specifies \"root\", but actual peer user name is \"postgres\"".into())
    );
    assert_eq!(
        protocol_refusal(),
        "server only supports protocol version 3.0, but \"min_protocol_version\" was set to 3.2"
    );
}

/// An authentication request as the server sends it.
fn msg(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![kind];
    v.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn auth_msg(code: i32, rest: &[u8]) -> Vec<u8> {
    let mut body = code.to_be_bytes().to_vec();
    body.extend_from_slice(rest);
    msg(b'R', &body)
}

fn watch(ra: &str) -> Box<Watch> {
    let req = Requirements {
        require_auth: Some(parse(ra)),
        ..Requirements::default()
    };
    Watch::new(Some(AuthCheck::new(req)), None).expect("a watch")
}

#[test]
fn watcher_finds_requests_split_anywhere() {
    let mut stream = msg(b'v', b"\0\0\0\0");
    stream.extend(auth_msg(AUTH_SASL, SCRAM_LIST));
    stream.extend(auth_msg(AUTH_SASL_CONT, b"r=abc"));
    stream.extend(auth_msg(AUTH_SASL_FIN, b"v=xyz"));
    stream.extend(auth_msg(AUTH_OK, b""));
    stream.extend(msg(b'S', b"a\0b\0"));
    for chunk in [1, 2, 3, 5, 7, stream.len()] {
        let mut w = watch("scram-sha-256");
        let mut done = false;
        for part in stream.chunks(chunk) {
            if w.feed(part).unwrap() {
                done = true;
                break;
            }
        }
        assert!(done, "chunk {chunk}");
        let mut w = watch("password");
        let refused = stream.chunks(chunk).map(|p| w.feed(p)).find(|r| r.is_err());
        assert_eq!(
            refused,
            Some(failed("password", "server requested SASL authentication").map(|_| false)),
            "chunk {chunk}"
        );
    }
}

#[test]
fn watcher_skips_other_messages() {
    let mut stream = msg(b'N', b"SNOTICE\0Mhello\0\0");
    stream.extend(auth_msg(AUTH_PASSWORD, b""));
    let mut w = watch("scram-sha-256");
    assert_eq!(
        w.feed(&stream),
        failed("scram-sha-256", "server requested a cleartext password").map(|_| false)
    );
    // The refusal sticks.
    assert!(w.feed(b"").is_err());
    assert!(Watch::new(None, None).is_none());
}

#[test]
fn security_settings_resolve() {
    let get = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    let args = |ci: &str| ConnectArgs {
        conninfo: Some(ci.to_string()),
        user: Some("u".into()),
        ..ConnectArgs::default()
    };
    let env = get(&[("HOME", "/nonexistent"), ("PGSYSCONFDIR", "/nonexistent")]);
    let s = resolve(
        &args("requirepeer=postgres min_protocol_version=latest require_auth=md5"),
        &env,
    )
    .unwrap();
    assert_eq!(s.security.requirepeer.as_deref(), Some("postgres"));
    assert!(s.security.min_protocol_32);
    assert_eq!(s.security.require_auth, Some(parse("md5")));
    let s = resolve(
        &args("min_protocol_version=3.0 max_protocol_version=latest"),
        &env,
    )
    .unwrap();
    assert!(!s.security.min_protocol_32);
    // Empty in the environment: invalid, as in libpq.
    let empty = get(&[
        ("HOME", "/nonexistent"),
        ("PGSYSCONFDIR", "/nonexistent"),
        ("PGMINPROTOCOLVERSION", ""),
    ]);
    match resolve(&args(""), &empty) {
        Err(ConnError::Invalid(m)) => {
            assert_eq!(m.to_string(), "invalid min_protocol_version value: \"\"")
        }
        other => panic!("{other:?}"),
    }
    for (ci, msg) in [
        (
            "min_protocol_version=3.1",
            "invalid min_protocol_version value: \"3.1\"",
        ),
        (
            "max_protocol_version=3",
            "invalid max_protocol_version value: \"3\"",
        ),
        (
            "min_protocol_version=latest max_protocol_version=3.0",
            "\"min_protocol_version\" is greater than \"max_protocol_version\"",
        ),
    ] {
        match resolve(&args(ci), &env) {
            Err(ConnError::Invalid(m)) => assert_eq!(m.to_string(), msg, "{ci}"),
            other => panic!("{ci}: {other:?}"),
        }
    }
}
