//! Resolution (precedence) tests with an explicit environment, and
//! connection-failure messages that need no server.

use std::collections::HashMap;
use std::time::Duration;

use std::path::{Path, PathBuf};

use super::*;

struct Env {
    vars: HashMap<String, String>,
    _home: tempfile::TempDir,
}

impl Env {
    /// An environment with only HOME set (to an empty temp dir).
    fn new() -> Env {
        let home = tempfile::tempdir().unwrap();
        let mut vars = HashMap::new();
        vars.insert("HOME".to_string(), home.path().display().to_string());
        // Keep the real /etc/postgresql-common out of the tests.
        vars.insert(
            "PGSYSCONFDIR".to_string(),
            home.path().join("nosysconf").display().to_string(),
        );
        Env { vars, _home: home }
    }

    fn set(mut self, k: &str, v: &str) -> Env {
        self.vars.insert(k.to_string(), v.to_string());
        self
    }

    fn home(&self) -> &Path {
        self._home.path()
    }

    fn resolve(&self, args: &ConnectArgs) -> Result<Settings, ConnError> {
        let get = |k: &str| self.vars.get(k).cloned();
        resolve(args, &get)
    }
}

fn args(conninfo: Option<&str>) -> ConnectArgs {
    ConnectArgs {
        conninfo: conninfo.map(str::to_string),
        ..ConnectArgs::default()
    }
}

fn invalid(r: Result<Settings, ConnError>) -> String {
    match r {
        Err(ConnError::Invalid(m)) => m.to_string(),
        Err(e) => panic!("expected Invalid, got {e:?}"),
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

fn hosts(s: &Settings) -> Vec<(String, String, u16)> {
    s.targets
        .iter()
        .map(|t| (t.host.clone(), t.hostaddr.clone(), t.port))
        .collect()
}

fn t(host: &str, hostaddr: &str, port: u16) -> (String, String, u16) {
    (host.to_string(), hostaddr.to_string(), port)
}

#[test]
fn defaults() {
    let env = Env::new();
    let s = env.resolve(&args(None)).unwrap();
    assert_eq!(hosts(&s), vec![t("/var/run/postgresql", "", 5432)]);
    assert_eq!(s.targets[0].kind(), TargetKind::Socket);
    assert_eq!(s.targets[0].port_str, "");
    assert_eq!(s.user, settings::os_user().unwrap());
    assert_eq!(s.password, None);
    assert_eq!(s.passfile, Some(env.home().join(".pgpass")));
    assert_eq!(s.sslmode, SslMode::Prefer);
    assert_eq!(s.application_name, None);
    assert_eq!(s.options, None);
    assert_eq!(s.connect_timeout, None);
    assert_eq!(s.client_encoding, None);
    assert_eq!(s.target_session_attrs, TargetSessionAttrs::Any);
    assert_eq!(s.channel_binding, ChannelBinding::Prefer);
    assert!(s.keepalives);
    assert!(s.tls.sni);
    assert_eq!(s.tls.home.as_deref(), Some(env.home()));
}

#[test]
fn environment() {
    let env = Env::new()
        .set("PGHOST", "db.example.com")
        .set("PGPORT", "6543")
        .set("PGUSER", "alice")
        .set("PGPASSWORD", "s3cret")
        .set("PGPASSFILE", "/x/pgpass")
        .set("PGSSLMODE", "require")
        .set("PGAPPNAME", "myapp")
        .set("PGCONNECT_TIMEOUT", "7")
        .set("PGOPTIONS", "-c work_mem=1MB")
        .set("PGCLIENTENCODING", "LATIN1")
        .set("PGTARGETSESSIONATTRS", "read-write")
        .set("PGDATABASE", "ignored");
    let s = env.resolve(&args(None)).unwrap();
    assert_eq!(hosts(&s), vec![t("db.example.com", "", 6543)]);
    assert_eq!(s.targets[0].kind(), TargetKind::Name);
    assert_eq!(s.user, "alice");
    assert_eq!(s.password.as_deref(), Some("s3cret"));
    assert_eq!(s.passfile, Some(PathBuf::from("/x/pgpass")));
    assert_eq!(s.sslmode, SslMode::Require);
    assert_eq!(s.application_name.as_deref(), Some("myapp"));
    assert_eq!(s.connect_timeout, Some(Duration::from_secs(7)));
    assert_eq!(s.options.as_deref(), Some("-c work_mem=1MB"));
    assert_eq!(s.client_encoding.as_deref(), Some("LATIN1"));
    assert_eq!(s.target_session_attrs, TargetSessionAttrs::ReadWrite);

    let env = Env::new().set("PGHOSTADDR", "127.0.0.1");
    let s = env.resolve(&args(None)).unwrap();
    assert_eq!(hosts(&s), vec![t("", "127.0.0.1", 5432)]);
    assert_eq!(s.targets[0].kind(), TargetKind::Address);
    assert_eq!(s.targets[0].pgpass_host(), "127.0.0.1");
}

#[test]
fn conninfo_overrides_environment_and_options_override_conninfo() {
    let env = Env::new()
        .set("PGHOST", "envhost")
        .set("PGPORT", "1111")
        .set("PGUSER", "envuser")
        .set("PGSSLMODE", "disable");
    let a = args(Some(
        "host=cihost port=2222 user=ciuser sslmode=verify-ca dbname=zzz",
    ));
    let s = env.resolve(&a).unwrap();
    assert_eq!(hosts(&s), vec![t("cihost", "", 2222)]);
    assert_eq!(s.user, "ciuser");
    assert_eq!(s.sslmode, SslMode::VerifyCa);

    let mut a = a;
    a.host = Some("opthost".into());
    a.port = Some("3333".into());
    a.user = Some("optuser".into());
    let s = env.resolve(&a).unwrap();
    assert_eq!(hosts(&s), vec![t("opthost", "", 3333)]);
    assert_eq!(s.user, "optuser");

    // Empty values count as not given, so the environment shows through.
    let a = ConnectArgs {
        conninfo: Some("host='' port=2222".into()),
        host: Some(String::new()),
        user: Some(String::new()),
        ..ConnectArgs::default()
    };
    let s = env.resolve(&a).unwrap();
    assert_eq!(hosts(&s), vec![t("envhost", "", 2222)]);
    assert_eq!(s.user, "envuser");

    // The last duplicate wins, even when it is empty.
    let s = env.resolve(&args(Some("host=a host=''"))).unwrap();
    assert_eq!(hosts(&s), vec![t("envhost", "", 1111)]);
}

#[test]
fn uri_conninfo() {
    let env = Env::new().set("PGPASSWORD", "envpw");
    let s = env
        .resolve(&args(Some(
            "postgresql://bob:p%40ss@h1:5433,[::1]:5434/ignored?application_name=x&connect_timeout=1",
        )))
        .unwrap();
    assert_eq!(hosts(&s), vec![t("h1", "", 5433), t("::1", "", 5434)]);
    assert_eq!(s.user, "bob");
    assert_eq!(s.password.as_deref(), Some("p@ss"));
    assert_eq!(s.application_name.as_deref(), Some("x"));
    // libpq treats 1 second as 2.
    assert_eq!(s.connect_timeout, Some(Duration::from_secs(2)));

    let s = env
        .resolve(&args(Some("postgres://%2Ftmp%2Fsock:5499")))
        .unwrap();
    assert_eq!(hosts(&s), vec![t("/tmp/sock", "", 5499)]);
    assert_eq!(s.targets[0].socket_path(), "/tmp/sock/.s.PGSQL.5499");

    assert_eq!(
        invalid(env.resolve(&args(Some("postgresql://x/?foo=bar")))),
        "invalid URI query parameter: \"foo\""
    );
}

#[test]
fn service_precedence() {
    let env = Env::new();
    let file = env.home().join("services.conf");
    std::fs::write(
        &file,
        "[svc]\nhost=svchost\nport=2\nuser=svcuser\nsslmode=require\n[other]\nport=3\n",
    )
    .unwrap();
    let env = env
        .set("PGSERVICEFILE", &file.display().to_string())
        .set("PGPORT", "1")
        .set("PGUSER", "envuser")
        .set("PGAPPNAME", "envapp");

    // The service keyword selects the group; service entries beat the
    // environment (libpq), the environment fills the rest.
    let s = env.resolve(&args(Some("service=svc"))).unwrap();
    assert_eq!(hosts(&s), vec![t("svchost", "", 2)]);
    assert_eq!(s.user, "svcuser");
    assert_eq!(s.sslmode, SslMode::Require);
    assert_eq!(s.application_name.as_deref(), Some("envapp"));

    // Conninfo keywords and -p beat the service.
    let s = env.resolve(&args(Some("service=svc port=4"))).unwrap();
    assert_eq!(hosts(&s), vec![t("svchost", "", 4)]);
    let mut a = args(Some("service=svc"));
    a.port = Some("5".into());
    a.user = Some("optuser".into());
    let s = env.resolve(&a).unwrap();
    assert_eq!(hosts(&s), vec![t("svchost", "", 5)]);
    assert_eq!(s.user, "optuser");

    // PGSERVICE works too, and the keyword beats it.
    let env = env.set("PGSERVICE", "other");
    let s = env.resolve(&args(None)).unwrap();
    assert_eq!(hosts(&s), vec![t("/var/run/postgresql", "", 3)]);
    let s = env.resolve(&args(Some("service=svc"))).unwrap();
    assert_eq!(hosts(&s), vec![t("svchost", "", 2)]);

    assert_eq!(
        invalid(env.resolve(&args(Some("service=nosuch")))),
        "definition of service \"nosuch\" not found"
    );
}

#[test]
fn host_lists() {
    let env = Env::new();
    let s = env
        .resolve(&args(Some("host=a,/tmp,,b port=1,2,3,")))
        .unwrap();
    assert_eq!(
        hosts(&s),
        vec![
            t("a", "", 1),
            t("/tmp", "", 2),
            t("/var/run/postgresql", "", 3),
            t("b", "", 5432)
        ]
    );
    let s = env.resolve(&args(Some("host=a,b port=7"))).unwrap();
    assert_eq!(hosts(&s), vec![t("a", "", 7), t("b", "", 7)]);
    let s = env
        .resolve(&args(Some("host=a,b hostaddr=10.0.0.1,10.0.0.2")))
        .unwrap();
    assert_eq!(
        hosts(&s),
        vec![t("a", "10.0.0.1", 5432), t("b", "10.0.0.2", 5432)]
    );
    assert_eq!(s.targets[0].pgpass_host(), "a");
    assert_eq!(
        invalid(env.resolve(&args(Some("host=a,b port=1,2,3")))),
        "could not match 3 port numbers to 2 hosts"
    );
    assert_eq!(
        invalid(env.resolve(&args(Some("host=a hostaddr=1.2.3.4,5.6.7.8")))),
        "could not match 1 host names to 2 hostaddr values"
    );
}

#[test]
fn ports() {
    let env = Env::new();
    assert_eq!(
        invalid(env.resolve(&args(Some("port=abc")))),
        "invalid integer value \"abc\" for connection option \"port\""
    );
    assert_eq!(
        invalid(env.resolve(&args(Some("port=99999")))),
        "invalid port number: \"99999\""
    );
    assert_eq!(
        invalid(env.resolve(&args(Some("port=0")))),
        "invalid port number: \"0\""
    );
    let s = env.resolve(&args(Some("port=' 12 '"))).unwrap();
    assert_eq!(s.targets[0].port, 12);
    assert_eq!(s.targets[0].port_str, " 12 ");
    let env = env.set("PGPORT", "x");
    assert_eq!(
        invalid(env.resolve(&args(None))),
        "invalid integer value \"x\" for connection option \"port\""
    );
}

#[test]
fn sslmode_values() {
    for (v, m) in [
        ("disable", SslMode::Disable),
        ("allow", SslMode::Allow),
        ("prefer", SslMode::Prefer),
        ("require", SslMode::Require),
        ("verify-ca", SslMode::VerifyCa),
        ("verify-full", SslMode::VerifyFull),
    ] {
        assert_eq!(SslMode::parse(v).unwrap(), m);
        assert_eq!(m.as_str(), v);
    }
    assert_eq!(
        SslMode::parse("x").unwrap_err(),
        "invalid sslmode value: \"x\""
    );
    let env = Env::new();
    assert_eq!(
        invalid(env.resolve(&args(Some("sslmode=x")))),
        "invalid sslmode value: \"x\""
    );
    // An empty PGSSLMODE is set, and invalid.
    let env2 = Env::new().set("PGSSLMODE", "");
    assert_eq!(
        invalid(env2.resolve(&args(None))),
        "invalid sslmode value: \"\""
    );
    // sslrootcert=system makes verify-full the default, and refuses weaker.
    let s = env.resolve(&args(Some("sslrootcert=system"))).unwrap();
    assert_eq!(s.sslmode, SslMode::VerifyFull);
    assert_eq!(
        invalid(env.resolve(&args(Some("sslrootcert=system sslmode=verify-ca")))),
        "weak sslmode \"verify-ca\" may not be used with sslrootcert=system (use \"verify-full\")"
    );
    assert_eq!(
        invalid(env.resolve(&args(Some("sslnegotiation=direct")))),
        "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")"
    );
    let s = env
        .resolve(&args(Some("sslnegotiation=direct sslmode=require")))
        .unwrap();
    assert!(s.tls.direct);
    // PGREQUIRESSL, and the obsolete requiressl keyword.
    let env3 = Env::new().set("PGREQUIRESSL", "1");
    assert_eq!(env3.resolve(&args(None)).unwrap().sslmode, SslMode::Require);
    assert_eq!(
        env3.resolve(&args(Some("sslmode=disable")))
            .unwrap()
            .sslmode,
        SslMode::Disable
    );
    assert_eq!(
        env.resolve(&args(Some("requiressl=1"))).unwrap().sslmode,
        SslMode::Require
    );
}

#[test]
fn other_validations() {
    let env = Env::new();
    for (ci, msg) in [
        ("channel_binding=x", "invalid channel_binding value: \"x\""),
        ("gssencmode=x", "invalid gssencmode value: \"x\""),
        ("sslcertmode=x", "invalid sslcertmode value: \"x\""),
        (
            "target_session_attrs=x",
            "invalid target_session_attrs value: \"x\"",
        ),
        (
            "load_balance_hosts=x",
            "invalid load_balance_hosts value: \"x\"",
        ),
        ("sslnegotiation=x", "invalid sslnegotiation value: \"x\""),
        ("require_auth=x", "invalid require_auth value: \"x\""),
        (
            "require_auth=password,password",
            "require_auth method \"password\" is specified more than once",
        ),
        (
            "require_auth=!password,md5",
            "require_auth method \"md5\" cannot be mixed with negative methods",
        ),
        (
            "ssl_min_protocol_version=x",
            "invalid \"ssl_min_protocol_version\" value: \"x\"",
        ),
        (
            "ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=tlsv1.2",
            "invalid SSL protocol version range",
        ),
        (
            "min_protocol_version=3.2 max_protocol_version=3.0",
            "\"min_protocol_version\" is greater than \"max_protocol_version\"",
        ),
        (
            "connect_timeout=x",
            "invalid integer value \"x\" for connection option \"connect_timeout\"",
        ),
    ] {
        assert_eq!(invalid(env.resolve(&args(Some(ci)))), msg, "{ci}");
    }
    let s = env
        .resolve(&args(Some(
            "target_session_attrs=prefer-standby load_balance_hosts=random keepalives=0 connect_timeout=0 client_encoding=auto sslsni=0 channel_binding=require",
        )))
        .unwrap();
    assert_eq!(s.target_session_attrs, TargetSessionAttrs::PreferStandby);
    assert!(s.load_balance_random);
    assert!(!s.keepalives);
    assert_eq!(s.connect_timeout, None);
    // auto: the encoding of the process's locale, never the word itself.
    assert_ne!(s.client_encoding.as_deref(), Some("auto"));
    assert!(!s.tls.sni);
    assert_eq!(s.channel_binding, ChannelBinding::Require);
}

#[test]
fn debug_hides_password() {
    let env = Env::new();
    let s = env.resolve(&args(Some("password=hunter2"))).unwrap();
    assert_eq!(s.password.as_deref(), Some("hunter2"));
    let text = format!("{s:?}");
    assert!(!text.contains("hunter2"), "{text}");
    let c = Connector::new_with_env(args(Some("password=hunter2")), &|k| {
        env.vars.get(k).cloned()
    })
    .unwrap();
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn connector_accessors() {
    let env = Env::new().set("PGCLIENTENCODING", "SQL_ASCII");
    let c = Connector::new_with_env(
        ConnectArgs {
            user: Some("bob".into()),
            ..ConnectArgs::default()
        },
        &|k| env.vars.get(k).cloned(),
    )
    .unwrap();
    assert_eq!(c.user(), "bob");
    assert_eq!(c.requested_client_encoding().as_deref(), Some("SQL_ASCII"));
}

fn failed(r: Result<Connection, ConnError>) -> String {
    match r {
        Err(e @ ConnError::Failed { .. }) => e.to_string(),
        Err(e) => panic!("expected Failed, got {e:?}"),
        Ok(_) => panic!("expected a failure"),
    }
}

#[tokio::test]
async fn socket_failure_message() {
    let env = Env::new();
    let dir = env.home().join("nosock");
    let c = Connector::new_with_env(
        ConnectArgs {
            host: Some(dir.display().to_string()),
            password_prompt: PasswordPrompt::Never,
            ..ConnectArgs::default()
        },
        &|k| env.vars.get(k).cloned(),
    )
    .unwrap();
    assert_eq!(
        failed(c.connect("postgres").await),
        format!(
            "connection to server on socket \"{}/.s.PGSQL.5432\" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?",
            dir.display()
        )
    );
}

#[tokio::test]
async fn tcp_failure_message() {
    // Port 1 on the loopback: nothing listens there.
    let env = Env::new();
    let c = Connector::new_with_env(
        ConnectArgs {
            conninfo: Some("host=127.0.0.1,localhost hostaddr=127.0.0.1,127.0.0.1 port=1".into()),
            password_prompt: PasswordPrompt::Never,
            ..ConnectArgs::default()
        },
        &|k| env.vars.get(k).cloned(),
    )
    .unwrap();
    let hint = "\n\tIs the server running on that host and accepting TCP/IP connections?";
    assert_eq!(
        failed(c.connect("postgres").await),
        format!(
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused{hint}\nconnection to server at \"127.0.0.1\", port 1 failed: Connection refused{hint}"
        )
    );

    let c = Connector::new_with_env(
        ConnectArgs {
            conninfo: Some("hostaddr=zz".into()),
            ..ConnectArgs::default()
        },
        &|k| env.vars.get(k).cloned(),
    )
    .unwrap();
    assert_eq!(
        failed(c.connect("postgres").await),
        "could not parse network address \"zz\": Name or service not known"
    );
}

/// The connect future can be spawned on a multi-threaded runtime, and the
/// connector shared between tasks.
#[allow(dead_code)]
fn connect_future_is_send(c: &Connector) {
    fn is_send<T: Send>(_: &T) {}
    fn is_send_sync<T: Send + Sync>() {}
    is_send(&c.connect("x"));
    is_send_sync::<Connector>();
}
