//! Connection security settings against real servers: `require_auth`,
//! `requirepeer`, `min_protocol_version`, password-file entries that stay
//! with their host, and SQLSTATE 57P03 moving on to the next host. Each
//! outcome (exit code and stderr) is the reference's, byte for byte, unless
//! noted.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use support::*;

/// Runs the reference and ours with the same arguments and environment.
fn both(ours: &OursAsReference, args: &[&str], env: &[(&str, &str)]) -> (Output, Output) {
    let reference = run_program(&reference_bin("pg_dumpall"), args, env);
    let mine = run_program(&ours.bin, args, env);
    (reference, mine)
}

/// Asserts that ours ends as the reference does (exit code and stderr).
fn assert_same_outcome(
    ours: &OursAsReference,
    args: &[&str],
    env: &[(&str, &str)],
    what: &str,
) -> Output {
    let (reference, mine) = both(ours, args, env);
    assert_eq!(
        (mine.status.code(), lossy(&mine.stderr)),
        (reference.status.code(), lossy(&reference.stderr)),
        "{what}: (exit code, stderr) of ours vs the reference"
    );
    mine
}

fn write_passfile(dir: &Path, line: &str) -> PathBuf {
    let path = dir.join("pgpass");
    std::fs::write(&path, format!("{line}\n")).expect("write pgpass");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// One role per authentication method over TCP; local connections trust.
fn auth_cluster(version: &str) -> Cluster {
    let cluster = Cluster::start(version);
    cluster.psql(
        "postgres",
        "CREATE ROLE u_pw SUPERUSER LOGIN PASSWORD 'pw';\n\
         CREATE ROLE u_scram SUPERUSER LOGIN PASSWORD 'pw';\n\
         CREATE ROLE u_trust SUPERUSER LOGIN;\n\
         SET client_min_messages = error;\n\
         SET password_encryption = 'md5';\n\
         CREATE ROLE u_md5 SUPERUSER LOGIN PASSWORD 'pw';\n",
    );
    cluster.set_hba(
        "local all all trust\n\
         host all u_pw 127.0.0.1/32 password\n\
         host all u_md5 127.0.0.1/32 md5\n\
         host all u_scram 127.0.0.1/32 scram-sha-256\n\
         host all all 127.0.0.1/32 trust\n",
    );
    cluster
}

const METHODS: [&str; 10] = [
    "scram-sha-256",
    "password",
    "md5",
    "none",
    "!none",
    "!password,!md5",
    "scram-sha-256,none",
    "!scram-sha-256",
    "oauth",
    "gss,sspi",
];

/// Whether libpq 18 connects as `user` (of [`auth_cluster`]) under
/// `require_auth=method` (as psql 18 does).
fn accepted(user: &str, method: &str) -> bool {
    let ok: &[&str] = match user {
        "u_pw" => &["password", "!none", "!scram-sha-256"],
        "u_md5" => &["md5", "!none", "!scram-sha-256"],
        "u_scram" => &[
            "scram-sha-256",
            "!none",
            "!password,!md5",
            "scram-sha-256,none",
        ],
        _ => &[
            "none",
            "!password,!md5",
            "scram-sha-256,none",
            "!scram-sha-256",
        ],
    };
    ok.contains(&method)
}

cluster_test!(require_auth_is_enforced_like_libpq, |version| {
    let cluster = auth_cluster(version);
    let ours = OursAsReference::new();
    let port = cluster.port().to_string();
    for user in ["u_pw", "u_md5", "u_scram", "u_trust"] {
        for method in METHODS {
            let conninfo = format!("require_auth={method}");
            let args = [
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                user,
                "-w",
                "-g",
                "-d",
                &conninfo,
            ];
            // Refused: a wrong password, which the server would log as
            // failing if it were ever sent.
            let refused = !accepted(user, method);
            let env = [("PGPASSWORD", if refused { "wrong" } else { "pw" })];
            let what = format!("{user} with require_auth={method} on {version}");
            let out = assert_same_outcome(&ours, &args, &env, &what);
            assert_eq!(out.status.success(), !refused, "{what}");
            // The same through PGREQUIREAUTH.
            let env_args = ["-h", "127.0.0.1", "-p", &port, "-U", user, "-w", "-g"];
            let env = [env[0], ("PGREQUIREAUTH", method)];
            assert_same_outcome(&ours, &env_args, &env, &format!("{what} (PGREQUIREAUTH)"));
        }
    }
    let log = cluster.server_log();
    assert!(
        !log.contains("password authentication failed"),
        "a password was sent although require_auth refused the method:\n{log}"
    );
});

cluster_test!(min_protocol_version_is_never_weakened, |version| {
    let cluster = Cluster::start(version);
    let ours = OursAsReference::new();
    let port = cluster.port().to_string();
    for (conninfo, ok) in [
        ("min_protocol_version=3.0", true),
        ("max_protocol_version=3.2", true),
        ("min_protocol_version=3.0 max_protocol_version=latest", true),
        ("min_protocol_version=3.2", false),
        ("min_protocol_version=latest", false),
    ] {
        let args = [
            "-h",
            cluster.host(),
            "-p",
            &port,
            "-U",
            SUPERUSER,
            "-g",
            "-d",
            conninfo,
        ];
        let what = format!("{conninfo} on {version}");
        if ok || cluster.major() < 18 {
            let out = assert_same_outcome(&ours, &args, &[], &what);
            assert_eq!(out.status.success(), ok, "{what}");
            continue;
        }
        // A server 18 speaks 3.2 with libpq; we speak 3.0 only, so we
        // refuse as libpq refuses a 3.0-only server, never connecting with
        // less than asked.
        let out = run_program(&ours.bin, &args, &[]);
        assert!(!out.status.success(), "{what}");
        assert_eq!(
            lossy(&out.stderr),
            format!(
                "pg_dumpall: error: connection to server on socket \"{}/.s.PGSQL.{port}\" failed: server only supports protocol version 3.0, but \"min_protocol_version\" was set to 3.2\n",
                cluster.host()
            ),
            "{what}"
        );
    }
    // An empty setting in the environment is invalid, as in libpq.
    let args = ["-h", cluster.host(), "-p", &port, "-U", SUPERUSER, "-g"];
    for var in ["PGMINPROTOCOLVERSION", "PGMAXPROTOCOLVERSION"] {
        assert_same_outcome(&ours, &args, &[(var, "")], &format!("empty {var}"));
    }
});

/// The OS user the cluster's server runs as.
fn server_os_user(cluster: &Cluster) -> String {
    let uid = std::fs::metadata(cluster.data_dir())
        .expect("data directory")
        .uid();
    // SAFETY: getpwuid's result is read at once; tests here are the only
    // callers in this process that mind.
    unsafe {
        let pw = libc::getpwuid(uid);
        assert!(!pw.is_null(), "no passwd entry for uid {uid}");
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

#[test]
fn requirepeer_is_enforced_like_libpq() {
    run_versioned("requirepeer_is_enforced_like_libpq", "18", |version| {
        let cluster = Cluster::start(version);
        let ours = OursAsReference::new();
        let port = cluster.port().to_string();
        let peer = server_os_user(&cluster);
        let hosts = format!("{0},{0}", cluster.host());
        for (requirepeer, ok) in [
            (peer.as_str(), true),
            ("no_such_os_user", false),
            ("", true),
        ] {
            let conninfo = format!("requirepeer='{requirepeer}' host={hosts}");
            let args = ["-p", &port, "-U", SUPERUSER, "-g", "-d", &conninfo];
            let out = assert_same_outcome(&ours, &args, &[], &conninfo);
            assert_eq!(out.status.success(), ok, "{conninfo}");
        }
        // Only Unix-domain sockets have a peer to check.
        let args = ["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER, "-g"];
        let env = [("PGREQUIREPEER", "no_such_os_user")];
        let out = assert_same_outcome(&ours, &args, &env, "requirepeer over TCP");
        assert!(out.status.success());
        let args = ["-h", cluster.host(), "-p", &port, "-U", SUPERUSER, "-g"];
        let out = assert_same_outcome(&ours, &args, &env, "PGREQUIREPEER");
        assert!(!out.status.success());
    });
}

/// Host A's password-file entry must never be offered to host B. A and B
/// both know the role with the same password, so a leaked password would
/// log in; A's database `ro_db` is read-only, so with
/// target_session_attrs=read-write its connection moves on to B, for
/// which the password file has no entry.
#[test]
fn pgpass_password_stays_with_its_host() {
    run_versioned("pgpass_password_stays_with_its_host", "18", |version| {
        let a = Cluster::start(version);
        let b = Cluster::start(version);
        for c in [&a, &b] {
            c.psql(
                "postgres",
                "CREATE ROLE u_leak SUPERUSER LOGIN PASSWORD 'secret-a';\nCREATE DATABASE ro_db;\n",
            );
            c.append_conf("log_connections = on");
        }
        a.psql(
            "postgres",
            "ALTER DATABASE ro_db SET default_transaction_read_only = on;",
        );
        a.set_hba("local all all trust\nhost all u_leak 127.0.0.1/32 scram-sha-256\n");
        b.set_hba("local all all trust\nhost all u_leak 127.0.0.1/32 password\n");
        let dir = tempfile::tempdir().expect("temp dir");
        let passfile = write_passfile(
            dir.path(),
            &format!("127.0.0.1:{}:*:u_leak:secret-a", a.port()),
        );
        let conninfo = format!(
            "host=127.0.0.1,127.0.0.1 port={},{} user=u_leak target_session_attrs=read-write",
            a.port(),
            b.port()
        );
        let args = [
            "-w",
            "-d",
            conninfo.as_str(),
            "--restrict-key",
            RESTRICT_KEY,
        ];
        let env = [("PGPASSFILE", passfile.to_str().expect("UTF-8 path"))];
        let ours = OursAsReference::new();
        let (reference, mine) = both(&ours, &args, &env);
        assert!(!reference.status.success(), "{}", lossy(&reference.stderr));
        assert_eq!(
            mine.status.code(),
            reference.status.code(),
            "{}",
            lossy(&mine.stderr)
        );
        let want = format!(
            "connection to server at \"127.0.0.1\", port {} failed: session is read-only\nconnection to server at \"127.0.0.1\", port {} failed: fe_sendauth: no password supplied\n",
            a.port(),
            b.port()
        );
        for (who, out) in [("reference", &reference), ("ours", &mine)] {
            assert!(
                lossy(&out.stderr).contains(&want),
                "{who}:\n{}",
                lossy(&out.stderr)
            );
        }
        let log = b.server_log();
        assert!(
            !log.contains("authorized: user=u_leak"),
            "host B accepted host A's password-file password:\n{log}"
        );
    });
}

/// A server that answers every startup with FATAL 57P03, as a server
/// still starting up does, until dropped.
struct StartingUpServer {
    port: u16,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
    thread: Option<thread::JoinHandle<()>>,
}

impl StartingUpServer {
    fn start() -> StartingUpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let (stop2, served2) = (stop.clone(), served.clone());
        let thread = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let _ = refuse_startup(conn);
                        served2.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        StartingUpServer {
            port,
            stop,
            served,
            thread: Some(thread),
        }
    }
}

impl Drop for StartingUpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads the startup packet (declining SSL and GSS encryption), answers
/// with the error.
fn refuse_startup(mut conn: TcpStream) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    loop {
        let mut head = [0u8; 8];
        conn.read_exact(&mut head)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let code = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        let mut rest = vec![0u8; len.saturating_sub(8)];
        conn.read_exact(&mut rest)?;
        // SSLRequest, GSSENCRequest
        if code == 80877103 || code == 80877104 {
            conn.write_all(b"N")?;
            continue;
        }
        break;
    }
    let fields = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0";
    let mut msg = vec![b'E'];
    msg.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
    msg.extend_from_slice(fields);
    conn.write_all(&msg)
}

#[test]
fn cannot_connect_now_moves_on_to_the_next_host() {
    run_versioned(
        "cannot_connect_now_moves_on_to_the_next_host",
        "18",
        |version| {
            let cluster = Cluster::start(version);
            let starting = StartingUpServer::start();
            let ours = OursAsReference::new();
            // The starting server first, then the real one.
            let conninfo = format!(
                "host=127.0.0.1,{} port={},{} user={SUPERUSER}",
                cluster.host(),
                starting.port,
                cluster.port()
            );
            let args = ["-g", "-d", conninfo.as_str()];
            let out = assert_same_outcome(&ours, &args, &[], "57P03, then a server");
            assert!(out.status.success());
            // Both fail: both messages, in order.
            let conninfo = format!(
                "host=127.0.0.1,127.0.0.1 port={},1 user={SUPERUSER}",
                starting.port
            );
            let args = ["-g", "-d", conninfo.as_str()];
            let out = assert_same_outcome(&ours, &args, &[], "57P03, then nothing");
            assert!(!out.status.success());
            assert!(starting.served.load(Ordering::Relaxed) >= 4);
        },
    );
}

#[test]
fn gssencmode_require_fails_like_the_reference() {
    run_versioned(
        "gssencmode_require_fails_like_the_reference",
        "18",
        |version| {
            let cluster = Cluster::start(version);
            let ours = OursAsReference::new();
            // Over the socket, over TCP (no Kerberos credentials here), and as
            // PGGSSENCMODE; prefer connects.
            for (conninfo, env, ok) in [
                (
                    format!("host={} gssencmode=require", cluster.host()),
                    None,
                    false,
                ),
                ("host=127.0.0.1 gssencmode=require".to_string(), None, false),
                (format!("host={}", cluster.host()), Some("require"), false),
                ("host=127.0.0.1".to_string(), Some("prefer"), true),
            ] {
                let conninfo = format!("{conninfo} port={} user={SUPERUSER}", cluster.port());
                let args = ["-g", "-d", conninfo.as_str()];
                let env: Vec<(&str, &str)> = env.map(|v| ("PGGSSENCMODE", v)).into_iter().collect();
                let out = assert_same_outcome(&ours, &args, &env, &conninfo);
                assert_eq!(out.status.success(), ok, "{conninfo}");
            }
        },
    );
}
