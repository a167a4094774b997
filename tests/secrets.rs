//! Passwords stay secret, and password authentication behaves as libpq
//! does, against real servers: scram-sha-256 and md5 roles reached with
//! PGPASSWORD, a connection string's password, a password file (found
//! through a service file), a password file others may read (ignored with
//! libpq's warning), a wrong password, and a server without TLS under
//! sslmode=prefer and require. Each outcome (exit code and stderr) is the
//! reference's, byte for byte; the password appears in no message, and in
//! none of our log lines at the most verbose level.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::*;

const PASSWORD: &str = "S3cr3t-pw-Zq9";
const WRONG: &str = "Wr0ng-pw-Kx7";

/// Runs both; asserts the same exit code and stderr, and that no secret
/// shows in either stream of ours. Returns ours.
fn same_outcome(ours: &OursAsReference, args: &[&str], env: &[(&str, &str)], what: &str) -> Output {
    let reference = run_program(&reference_bin("pg_dumpall"), args, env);
    let mine = run_program(&ours.bin, args, env);
    assert_eq!(
        (mine.status.code(), lossy(&mine.stderr)),
        (reference.status.code(), lossy(&reference.stderr)),
        "{what}: (exit code, stderr) of ours vs the reference"
    );
    assert_no_secret(&mine, what);
    mine
}

fn assert_no_secret(out: &Output, what: &str) {
    for secret in [PASSWORD, WRONG] {
        for (stream, bytes) in [("stderr", &out.stderr), ("stdout", &out.stdout)] {
            assert!(
                !lossy(bytes).contains(secret),
                "{what}: the password shows on {stream}:\n{}",
                lossy(bytes)
            );
        }
    }
}

fn write_file(dir: &Path, name: &str, contents: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

cluster_test!(
    passwords_stay_secret_and_authenticate_like_libpq,
    |version| {
        let cluster = Cluster::start(version);
        cluster.psql(
            "postgres",
            &format!(
                "SET password_encryption = 'scram-sha-256';\n\
             CREATE ROLE u_scram SUPERUSER LOGIN PASSWORD '{PASSWORD}';\n\
             SET client_min_messages = error;\n\
             SET password_encryption = 'md5';\n\
             CREATE ROLE u_md5 SUPERUSER LOGIN PASSWORD '{PASSWORD}';\n"
            ),
        );
        cluster.set_hba(
            "local all all trust\n\
         host all u_md5 127.0.0.1/32 md5\n\
         host all u_scram 127.0.0.1/32 scram-sha-256\n\
         host all all 127.0.0.1/32 reject\n",
        );
        cluster.reload();
        let ours = OursAsReference::new();
        let dir = tempfile::tempdir().unwrap();
        let no_passfile = dir.path().join("none");
        let no_passfile = no_passfile.to_str().unwrap();
        let port = cluster.port().to_string();
        let tcp = |user: &str| format!("host=127.0.0.1 port={port} user={user}");
        let globals = ["-g", "--restrict-key", RESTRICT_KEY];

        for user in ["u_scram", "u_md5"] {
            // PGPASSWORD.
            let conn = tcp(user);
            let args = [&["-d", conn.as_str()][..], &globals[..]].concat();
            let env = [("PGPASSWORD", PASSWORD), ("PGPASSFILE", no_passfile)];
            let out = same_outcome(&ours, &args, &env, &format!("{user} PGPASSWORD"));
            assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));

            // A wrong password in the connection string.
            let conn = format!("{} password={WRONG}", tcp(user));
            let args = [&["-d", conn.as_str()][..], &globals[..]].concat();
            let out = same_outcome(
                &ours,
                &args,
                &[("PGPASSFILE", no_passfile)],
                &format!("{user} wrong password"),
            );
            assert_eq!(out.status.code(), Some(1));
            assert!(
                lossy(&out.stderr).contains("password authentication failed"),
                "{}",
                lossy(&out.stderr)
            );

            // A service file naming the server, a password file the password.
            let service = write_file(
                dir.path(),
                &format!("service-{user}"),
                &format!("[svc]\nhost=127.0.0.1\nport={port}\nuser={user}\n"),
                0o600,
            );
            let line = format!("127.0.0.1:{port}:*:{user}:{PASSWORD}\n");
            let private = write_file(dir.path(), &format!("pgpass-{user}"), &line, 0o600);
            let env = [
                ("PGSERVICEFILE", service.to_str().unwrap()),
                ("PGPASSFILE", private.to_str().unwrap()),
            ];
            let args = [&["-d", "service=svc"][..], &globals[..]].concat();
            let out = same_outcome(&ours, &args, &env, &format!("{user} service + pgpass"));
            assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));

            // The same password file readable by others: ignored, with
            // libpq's warning, so no password is sent. (-w: with no terminal
            // the reference prompts on stdin once per database it tries,
            // postgres then template1, where ours prompts once.)
            let shared = write_file(dir.path(), &format!("shared-{user}"), &line, 0o644);
            let env = [
                ("PGSERVICEFILE", service.to_str().unwrap()),
                ("PGPASSFILE", shared.to_str().unwrap()),
            ];
            let args_w = [&args[..], &["-w"][..]].concat();
            let out = same_outcome(&ours, &args_w, &env, &format!("{user} world-readable"));
            assert_eq!(out.status.code(), Some(1));
            assert!(
                lossy(&out.stderr).contains("has group or world access"),
                "{}",
                lossy(&out.stderr)
            );
        }

        // The most verbose logging of ours, with the password in the
        // connection string and in PGPASSWORD, for a whole dump and for a
        // failed one: the password shows in no line.
        for (conn, what) in [
            (
                format!("{} password={PASSWORD}", tcp("u_scram")),
                "whole dump",
            ),
            (format!("{} password={WRONG}", tcp("u_md5")), "failed dump"),
        ] {
            let out = run_program(
                &ours_bin(),
                &["-d", &conn, "--restrict-key", RESTRICT_KEY],
                &[
                    ("PGPASSWORD", PASSWORD),
                    ("PGPASSFILE", no_passfile),
                    ("PGDUMPALL_RS_LOG", "trace"),
                    ("RUST_LOG", "trace"),
                ],
            );
            if what == "whole dump" {
                assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
                assert!(
                    lossy(&out.stderr).contains("DEBUG"),
                    "{what}: logging is on"
                );
            } else {
                assert_eq!(out.status.code(), Some(1), "{}", lossy(&out.stderr));
            }
            assert_no_secret(&out, &format!("{what} logged at trace"));
        }

        // The server has no TLS: sslmode=prefer goes on without it, require
        // fails with libpq's message.
        for mode in ["prefer", "require"] {
            let conn = format!("{} sslmode={mode}", tcp("u_scram"));
            let args = [&["-d", conn.as_str()][..], &globals[..]].concat();
            let env = [("PGPASSWORD", PASSWORD), ("PGPASSFILE", no_passfile)];
            let out = same_outcome(&ours, &args, &env, &format!("sslmode={mode}"));
            let want = if mode == "prefer" { 0 } else { 1 };
            assert_eq!(out.status.code(), Some(want), "{}", lossy(&out.stderr));
        }
    }
);
