//! TLS settings behave as libpq 18's: each case runs the reference
//! pg_dumpall (libpq 18 with OpenSSL) and ours with the same connection
//! string against a TLS-enabled server 18, and both must succeed, or fail
//! with the same message. Certificates are made at test time by
//! tests/support/tls-certs.sh (openssl). TLS behaviour is client-side, so
//! one server version is enough.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use support::*;

/// The certificate directory, made once per test run.
fn certs() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls-certs.sh");
        let out = Command::new("bash")
            .arg(script)
            .arg(dir.path())
            .output()
            .expect("run tls-certs.sh");
        assert!(
            out.status.success(),
            "tls-certs.sh failed: {}",
            lossy(&out.stderr)
        );
        dir
    })
    .path()
}

fn cert(name: &str) -> String {
    certs().join(name).display().to_string()
}

/// An empty home directory, so no ~/.postgresql file is picked up.
fn empty_home() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
        .path()
}

/// A server 18 with TLS on, serving certificate `name` (`name.crt`,
/// `name.key` from the certificate directory); it asks clients for a
/// certificate signed by the test CA when `ask_client_cert`.
fn tls_cluster(name: &str, ask_client_cert: bool) -> Cluster {
    let mut c = Cluster::start("18");
    let ca = certs().join("ca.crt");
    c.enable_ssl(
        &certs().join(format!("{name}.crt")),
        &certs().join(format!("{name}.key")),
        ask_client_cert.then_some(ca.as_path()),
    );
    c
}

/// stderr without program prefixes and OpenSSL's pass phrase prompts.
fn messages(out: &Output) -> String {
    lossy(&out.stderr)
        .lines()
        .filter(|l| *l != "Enter PEM pass phrase:")
        .map(|l| {
            for p in ["pg_dumpall: ", "pgdumpall-rs: "] {
                if let Some(rest) = l.strip_prefix(p) {
                    return rest.to_string();
                }
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs both programs with `-g -d CONNINFO` (host localhost on
/// 127.0.0.1 plus `extra`) and the environment `env`; they must agree, and
/// succeed when `expected` is None, else fail with a message containing
/// it. Returns our output.
fn check(cluster: &Cluster, extra: &str, env: &[(&str, &str)], expected: Option<&str>) -> Output {
    let conninfo = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user={SUPERUSER} {extra}",
        cluster.port()
    );
    let home = empty_home().display().to_string();
    let mut all_env: Vec<(&str, &str)> = vec![("HOME", home.as_str())];
    all_env.extend_from_slice(env);
    let args = ["-g", "-d", conninfo.as_str()];
    let reference = run_program(&reference_bin("pg_dumpall"), &args, &all_env);
    let ours = run_program(&ours_bin(), &args, &all_env);
    let (r, o) = (messages(&reference), messages(&ours));
    assert_eq!(
        (ours.status.code(), o.as_str()),
        (reference.status.code(), r.as_str()),
        "{extra}: ours vs the reference"
    );
    match expected {
        None => assert_success(&ours, extra),
        Some(m) => assert!(
            !ours.status.success() && o.contains(m),
            "{extra}: expected {m:?}, got {o:?}"
        ),
    }
    ours
}

const VERIFY_FAILED: &str = "SSL error: certificate verify failed";

fn on_18(name: &str, f: impl FnOnce(&'static str)) {
    run_versioned(name, "18", f);
}

#[test]
fn crldir_refuses_revoked_certificate() {
    on_18("crldir_refuses_revoked_certificate", |_| {
        let c = tls_cluster("revoked", false);
        let root = format!("sslmode=verify-full sslrootcert={}", cert("ca.crt"));
        check(&c, &root, &[], None);
        check(
            &c,
            &format!("{root} sslcrldir={}", cert("crldir")),
            &[],
            Some(VERIFY_FAILED),
        );
        check(
            &c,
            &format!("{root} sslcrl={}", cert("ca.crl")),
            &[],
            Some(VERIFY_FAILED),
        );
        // A directory that does not exist: checking is on, no list found.
        check(
            &c,
            &format!("{root} sslcrldir={}", cert("nope")),
            &[],
            Some(VERIFY_FAILED),
        );
    });
}

#[test]
fn crl_must_cover_the_issuer() {
    on_18("crl_must_cover_the_issuer", |_| {
        let c = tls_cluster("server", false);
        let root = format!("sslmode=verify-full sslrootcert={}", cert("ca.crt"));
        check(
            &c,
            &format!("{root} sslcrldir={}", cert("crldir")),
            &[],
            None,
        );
        check(&c, &format!("{root} sslcrl={}", cert("ca.crl")), &[], None);
        check(
            &c,
            &format!("{root} sslcrl={}", cert("ca2.crl")),
            &[],
            Some(VERIFY_FAILED),
        );
        // An unreadable CRL file is ignored, as in libpq.
        check(
            &c,
            &format!("{root} sslcrl={}", cert("nope.crl")),
            &[],
            None,
        );
    });
}

#[test]
fn crl_check_covers_the_whole_chain() {
    on_18("crl_check_covers_the_whole_chain", |_| {
        let c = tls_cluster("server-chain", false);
        let root = format!("sslmode=verify-full sslrootcert={}", cert("ca.crt"));
        check(&c, &root, &[], None);
        check(
            &c,
            &format!("{root} sslcrl={}", cert("ca.crl")),
            &[],
            Some(VERIFY_FAILED),
        );
        check(
            &c,
            &format!("{root} sslcrl={}", cert("int.crl")),
            &[],
            Some(VERIFY_FAILED),
        );
        let both = certs().join("ca-int.crl");
        let text = [cert("ca.crl"), cert("int.crl")].map(|p| std::fs::read_to_string(p).unwrap());
        std::fs::write(&both, text.concat()).unwrap();
        check(&c, &format!("{root} sslcrl={}", both.display()), &[], None);
    });
}

#[test]
fn sslcertmode_require() {
    on_18("sslcertmode_require", |_| {
        let mut c = tls_cluster("server", true);
        let with_cert = format!(
            "sslcert={} sslkey={}",
            cert("client.crt"),
            cert("client.key")
        );
        check(
            &c,
            "sslmode=require sslcertmode=require",
            &[],
            Some("server accepted connection without a valid SSL certificate"),
        );
        // Reported at AuthenticationOk, before the missing database.
        check(
            &c,
            "sslmode=require sslcertmode=require dbname=nosuchdb",
            &[],
            Some("server accepted connection without a valid SSL certificate"),
        );
        check(
            &c,
            &format!("sslmode=require sslcertmode=require {with_cert}"),
            &[],
            None,
        );
        check(
            &c,
            &format!("sslmode=require sslcertmode=allow {with_cert}"),
            &[],
            None,
        );
        check(
            &c,
            &format!("sslmode=require sslcertmode=disable {with_cert}"),
            &[],
            None,
        );
        check(&c, "sslmode=require sslcertmode=allow", &[], None);
        check(
            &c,
            "sslmode=disable sslcertmode=require",
            &[],
            Some("server did not request an SSL certificate"),
        );
        c.append_conf("ssl_ca_file = ''");
        c.restart();
        check(
            &c,
            &format!("sslmode=require sslcertmode=require {with_cert}"),
            &[],
            Some("server did not request an SSL certificate"),
        );
        check(&c, "sslmode=require sslcertmode=allow", &[], None);
    });
}

/// A TLS server (openssl s_server) that selects no ALPN protocol; killed
/// on drop.
struct PlainTlsServer(std::process::Child, u16);

impl PlainTlsServer {
    fn start() -> PlainTlsServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", &cert("server.crt"), "-key", &cert("server.key")])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        PlainTlsServer(child, port)
    }
}

impl Drop for PlainTlsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn direct_negotiation_requires_alpn() {
    on_18("direct_negotiation_requires_alpn", |_| {
        let c = tls_cluster("server", false);
        check(&c, "sslmode=require sslnegotiation=direct", &[], None);
        // A client that does not check ALPN would wait for the server's
        // answer: connect_timeout makes that a failure, not a hang.
        let fake = PlainTlsServer::start();
        let conninfo = format!("host=localhost hostaddr=127.0.0.1 port={} user=x sslmode=require sslnegotiation=direct connect_timeout=10", fake.1);
        let home = empty_home().display().to_string();
        let env = [("HOME", home.as_str())];
        let args = ["-g", "-d", conninfo.as_str()];
        let reference = run_program(&reference_bin("pg_dumpall"), &args, &env);
        let ours = run_program(&ours_bin(), &args, &env);
        assert_eq!(messages(&ours), messages(&reference));
        assert!(
            messages(&ours).contains(
                "direct SSL connection was established without ALPN protocol negotiation extension"
            ),
            "{}",
            messages(&ours)
        );
    });
}

#[test]
fn verify_ca_checks_the_chain_only() {
    on_18("verify_ca_checks_the_chain_only", |_| {
        let mut c = tls_cluster("unknown", false);
        let ca = format!("sslrootcert={}", cert("ca.crt"));
        // Unknown CA and a wrong name: refused for the chain.
        check(
            &c,
            &format!("sslmode=verify-ca {ca}"),
            &[],
            Some(VERIFY_FAILED),
        );
        check(
            &c,
            &format!("sslmode=require {ca}"),
            &[],
            Some(VERIFY_FAILED),
        );
        check(&c, "sslmode=require", &[], None);
        c.enable_ssl(
            &certs().join("wrongname.crt"),
            &certs().join("wrongname.key"),
            None,
        );
        check(&c, &format!("sslmode=verify-ca {ca}"), &[], None);
        check(
            &c,
            &format!("sslmode=verify-full {ca}"),
            &[],
            Some("server certificate for \"wrong.example\" does not match host name \"localhost\""),
        );
    });
}

#[test]
fn common_name_and_self_signed_roots() {
    on_18("common_name_and_self_signed_roots", |_| {
        let mut c = tls_cluster("cnonly", false);
        let ca = format!("sslrootcert={}", cert("ca.crt"));
        check(&c, &format!("sslmode=verify-full {ca}"), &[], None);
        check(
            &c,
            &format!("sslmode=verify-full {ca} host=LOCALHOST"),
            &[],
            None,
        );
        check(
            &c,
            &format!("sslmode=verify-full {ca} host=127.0.0.1"),
            &[],
            Some("server certificate for \"localhost\" does not match host name \"127.0.0.1\""),
        );
        // PostgreSQL's documented recipe: server.crt copied to root.crt.
        c.enable_ssl(
            &certs().join("selfsigned.crt"),
            &certs().join("selfsigned.key"),
            None,
        );
        let own = format!("sslrootcert={}", cert("selfsigned.crt"));
        check(&c, &format!("sslmode=verify-ca {own}"), &[], None);
        check(&c, &format!("sslmode=verify-full {own}"), &[], None);
        check(
            &c,
            &format!("sslmode=verify-full {ca}"),
            &[],
            Some(VERIFY_FAILED),
        );
        // With CRL checking, it needs a CRL of its own.
        check(
            &c,
            &format!("sslmode=verify-full {own} sslcrl={}", cert("ca.crl")),
            &[],
            Some(VERIFY_FAILED),
        );
    });
}

#[test]
fn system_roots_from_the_environment() {
    on_18("system_roots_from_the_environment", |_| {
        let c = tls_cluster("server", false);
        let (file, dir) = (cert("ca.crt"), cert("certdir"));
        let nope = cert("nope");
        check(
            &c,
            "sslrootcert=system",
            &[("SSL_CERT_FILE", &file), ("SSL_CERT_DIR", &nope)],
            None,
        );
        check(
            &c,
            "sslrootcert=system",
            &[("SSL_CERT_FILE", &nope), ("SSL_CERT_DIR", &dir)],
            None,
        );
        check(
            &c,
            "sslrootcert=system",
            &[("SSL_CERT_FILE", &nope), ("SSL_CERT_DIR", &nope)],
            Some(VERIFY_FAILED),
        );
    });
}

#[test]
fn encrypted_client_keys() {
    on_18("encrypted_client_keys", |_| {
        let c = tls_cluster("server", true);
        for key in ["client-pkcs8.key", "client-trad.key", "client-3des.key"] {
            let base = format!(
                "sslmode=require sslcertmode=require sslcert={} sslkey={}",
                cert("client.crt"),
                cert(key)
            );
            check(&c, &format!("{base} sslpassword=secret"), &[], None);
            check(
                &c,
                &format!("{base} sslpassword=wrong"),
                &[],
                Some(": bad decrypt"),
            );
            // No pass phrase and nothing to read it from.
            let ours = check(&c, &base, &[], Some(": processing error"));
            assert!(lossy(&ours.stderr).starts_with("Enter PEM pass phrase:\n"));
        }
    });
}
