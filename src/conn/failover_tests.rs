//! Which password goes to which host, and which server errors move on to
//! the next host, against a fake server on the loopback.

use std::os::unix::fs::PermissionsExt;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

fn connector(conninfo: &str, env: &[(&str, &str)]) -> Connector {
    let vars: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([
            ("HOME".to_string(), "/nonexistent".to_string()),
            ("PGSYSCONFDIR".to_string(), "/nonexistent".to_string()),
        ])
        .collect();
    let args = ConnectArgs {
        conninfo: Some(conninfo.to_string()),
        user: Some("u".into()),
        password_prompt: PasswordPrompt::Never,
        ..ConnectArgs::default()
    };
    Connector::new_with_env(args, &|k| {
        vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
    .unwrap()
}

#[test]
fn password_file_entries_stay_with_their_host() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pgpass");
    std::fs::write(&file, "127.0.0.1:5001:*:u:secret-a\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let env = [("PGPASSFILE", file.to_str().unwrap())];
    let c = connector("host=127.0.0.1,127.0.0.1 port=5001,5002", &env);
    let (a, b) = (&c.settings.targets[0], &c.settings.targets[1]);
    let pw = |t, db| c.password_for(t, db, None).map(|(p, _)| p);
    assert_eq!(pw(a, "db1").as_deref(), Some("secret-a"));
    assert_eq!(pw(b, "db1"), None);
    assert_eq!(pw(b, "db1"), None, "still none after A's was used");
    // A given or prompted password applies to every host.
    let c = connector(
        "host=127.0.0.1,127.0.0.1 port=5001,5002 password=given",
        &env,
    );
    for t in &c.settings.targets {
        assert_eq!(c.password_for(t, "db1", None).unwrap().0, "given");
        assert_eq!(c.password_for(t, "db1", Some("typed")).unwrap().0, "typed");
    }
}

/// A server answering every startup with FATAL `code`; returns its port.
async fn failing_server(code: &'static str, text: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            if read_startup(&mut conn).await.is_err() {
                continue;
            }
            let fields = format!("SFATAL\0VFATAL\0C{code}\0M{text}\0\0");
            let mut msg = vec![b'E'];
            msg.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
            msg.extend_from_slice(fields.as_bytes());
            let _ = conn.write_all(&msg).await;
        }
    });
    port
}

/// Reads up to the startup packet, declining TLS and GSS encryption.
async fn read_startup(conn: &mut tokio::net::TcpStream) -> std::io::Result<()> {
    loop {
        let mut head = [0u8; 8];
        conn.read_exact(&mut head).await?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let code = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        let mut rest = vec![0u8; len.saturating_sub(8)];
        conn.read_exact(&mut rest).await?;
        if code != 80877103 && code != 80877104 {
            return Ok(());
        }
        conn.write_all(b"N").await?;
    }
}

fn failed(r: Result<Connection, ConnError>) -> String {
    match r {
        Err(e @ ConnError::Failed { .. }) => e.to_string(),
        Err(e) => panic!("expected Failed, got {e:?}"),
        Ok(_) => panic!("expected a failure"),
    }
}

#[tokio::test]
async fn cannot_connect_now_tries_the_next_host() {
    let port = failing_server("57P03", "the database system is starting up").await;
    let c = connector(
        &format!("host=127.0.0.1,127.0.0.1 port={port},1 sslmode=disable"),
        &[],
    );
    let hint = "\n\tIs the server running on that host and accepting TCP/IP connections?";
    assert_eq!(
        failed(c.connect("postgres").await),
        format!(
            "connection to server at \"127.0.0.1\", port {port} failed: FATAL:  the database system is starting up\nconnection to server at \"127.0.0.1\", port 1 failed: Connection refused{hint}"
        )
    );
    // The same after the server declined TLS (sslmode=prefer).
    let c = connector(&format!("host=127.0.0.1 port={port}"), &[]);
    assert_eq!(
        failed(c.connect("postgres").await),
        format!("connection to server at \"127.0.0.1\", port {port} failed: FATAL:  the database system is starting up")
    );
}

#[tokio::test]
async fn other_server_errors_end_the_attempt() {
    let port = failing_server("28000", "no pg_hba.conf entry").await;
    let c = connector(
        &format!("host=127.0.0.1,127.0.0.1 port={port},1 sslmode=disable"),
        &[],
    );
    assert_eq!(
        failed(c.connect("postgres").await),
        format!("connection to server at \"127.0.0.1\", port {port} failed: FATAL:  no pg_hba.conf entry")
    );
}

#[tokio::test]
async fn gssencmode_require_fails_before_connecting_like_libpq() {
    // pg_dumpall 18.6's libpq has GSSAPI: it gives up the whole connection
    // at the first address, before connecting, without the usual
    // "connection to server ... failed:" prefix. Nothing listens on port 1.
    let c = connector("host=/tmp port=1 gssencmode=require", &[]);
    assert_eq!(
        failed(c.connect("postgres").await),
        "GSSAPI encryption required but it is not supported over a local socket"
    );
    let c = connector("host=127.0.0.1,/tmp port=1 gssencmode=require", &[]);
    assert_eq!(
        failed(c.connect("postgres").await),
        "GSSAPI encryption required but no credential cache"
    );
    // A host that does not resolve is passed over first, as in libpq.
    let c = connector(
        "host=nonexistent.invalid,/tmp port=1 gssencmode=require",
        &[],
    );
    assert_eq!(
        failed(c.connect("postgres").await),
        "could not translate host name \"nonexistent.invalid\" to address: Name or service not known\n\
         GSSAPI encryption required but it is not supported over a local socket"
    );
    // prefer and disable connect as usual (here: refused).
    let c = connector(
        "host=127.0.0.1 port=1 gssencmode=prefer sslmode=disable",
        &[],
    );
    assert!(failed(c.connect("postgres").await).contains("Connection refused"));
}
