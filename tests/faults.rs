//! Faults reproduced for real, each compared with what the reference does
//! where it does the same thing: a COPY the server fails, a database the
//! server refuses, the connection cut mid-COPY by a TCP proxy, a proxy
//! that never answers (bounded by connect_timeout), a file size limit, a
//! closed stdout pipe, the server stopped with `pg_ctl stop -m immediate`
//! mid-COPY, and SIGINT/SIGTERM while the dump is blocked on its output.
//!
//! Each must end with exit status 1 (or the reference's death by the
//! signal), one clear message naming the database (and the table during
//! data), no `-f` file or temporary file left, no final `cluster dump
//! complete` line on stdout, and no backend left on the server.
//! (A backend terminated mid-COPY and while waiting for a lock are in
//! tests/robustness.rs.)

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use support::*;

const TRAILER: &[u8] = b"--\n-- PostgreSQL database cluster dump complete\n--\n\n";

/// A database with one table big enough (about 6.6 MB of COPY data) that
/// its COPY fills the pipe and the socket when nobody reads the dump.
fn make_big_database(cluster: &Cluster) {
    cluster.psql(
        "postgres",
        "CREATE DATABASE killdb; \\connect killdb\n\
         CREATE TABLE big AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 60000) g;",
    );
}

/// `program` with `args`, no PG* environment, stdout and stderr piped,
/// in a process group of its own (signalled as a terminal would).
fn spawn(program: &Path, args: &[String], fsize_limit: Option<u64>) -> Child {
    let mut cmd = Command::new(program);
    cmd.args(args);
    without_pg_environment(&mut cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(limit) = fsize_limit {
        // SAFETY: setrlimit is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    cmd.spawn().expect("spawn dump")
}

fn run(program: &Path, args: &[String]) -> Output {
    spawn(program, args, None)
        .wait_with_output()
        .expect("wait for dump")
}

fn args(base: &[String], more: &[&str]) -> Vec<String> {
    let mut all = base.to_vec();
    all.extend(more.iter().map(|s| s.to_string()));
    all
}

fn programs() -> [(PathBuf, bool); 2] {
    [(reference_bin("pg_dumpall"), false), (ours_bin(), true)]
}

/// killdb's COPY is running (not merely prepared ahead, which shows the
/// same query text on an idle session).
const COPYING: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE query LIKE 'COPY public.big %' AND state = 'active' AND pid <> pg_backend_pid()";

/// No session of a dump is left on the server (every client backend but
/// the one asking).
fn assert_no_backend_left(cluster: &Cluster, what: &str) {
    let sql = "SELECT count(*) FROM pg_stat_activity \
               WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
    assert!(
        wait_until(cluster, "postgres", sql, "0", Duration::from_secs(10)),
        "{what}: backends left: {}",
        cluster.query(
            "postgres",
            "SELECT string_agg(datname || ': ' || left(query, 60), '; ') FROM pg_stat_activity \
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    );
}

/// Exit status 1, the final line naming `db`, and nothing left in `dir`
/// (ours) or no complete-looking file (the reference).
fn assert_failed_on(out: &Output, db: &str, ours: bool, dir: Option<&Path>, what: &str) {
    let err = normalized_stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(
        err.ends_with(&format!(
            "error: pg_dump failed on database \"{db}\", exiting"
        )),
        "{what}: {err}"
    );
    assert!(!out.stdout.ends_with(TRAILER), "{what}: complete output");
    if let Some(dir) = dir {
        let left: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        if ours {
            assert!(left.is_empty(), "{what}: left {left:?}");
        } else {
            for f in &left {
                assert!(!std::fs::read(f).unwrap().ends_with(TRAILER), "{what}");
                std::fs::remove_file(f).unwrap();
            }
        }
    }
}

/// An empty directory for `-f` outputs.
fn out_dir(cluster: &Cluster, name: &str) -> PathBuf {
    let dir = cluster.dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------
// A loopback TCP proxy in front of the server
// ---------------------------------------------------------------------------

struct Proxy {
    port: u16,
    /// New connections are accepted and then never answered.
    stall_new: Arc<AtomicBool>,
    /// Connections held open unanswered (closed when the proxy is dropped).
    stalled: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Forwards to 127.0.0.1:`upstream`; a connection whose server side
    /// has sent `cut_after` bytes is cut (both ways, both sockets closed).
    fn start(upstream: u16, cut_after: Option<usize>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stall_new = Arc::new(AtomicBool::new(false));
        let stalled = Arc::new(Mutex::new(Vec::new()));
        let (stall, held) = (stall_new.clone(), stalled.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                if stall.load(Ordering::SeqCst) {
                    held.lock().unwrap().push(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                forward(client, server, cut_after);
            }
        });
        Proxy {
            port,
            stall_new,
            stalled,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        for s in self.stalled.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn forward(client: TcpStream, server: TcpStream, cut_after: Option<usize>) {
    let pump = move |mut from: TcpStream, mut to: TcpStream, limit: Option<usize>| {
        let mut buf = [0u8; 16384];
        let mut total = 0usize;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
            total += n;
            if limit.is_some_and(|l| total >= l) {
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    };
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    thread::spawn(move || pump(client, server, None));
    thread::spawn(move || pump(s2, c2, cut_after));
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

cluster_test!(failures_name_the_database_and_table, |version| {
    let mut cluster = Cluster::start(version);
    make_big_database(&cluster);
    let base = args(&cluster.conn_args(), &["--restrict-key", RESTRICT_KEY]);

    // A row the COPY cannot convert to the client encoding: pg_dump's three
    // lines (table, server message, command), then pg_dumpall's.
    cluster.psql(
        "killdb",
        "CREATE SCHEMA \"S p\"; CREATE TABLE \"S p\".\"T x\" (a int, b text); \
         INSERT INTO \"S p\".\"T x\" VALUES (1, 'ok'), (2, 'snow \u{2603}');",
    );
    let dir = out_dir(&cluster, "encoding");
    let file = dir.join("dump.sql");
    let mut errors = Vec::new();
    for (program, ours) in programs() {
        let out = run(
            &program,
            &args(&base, &["-E", "LATIN1", "-f", file.to_str().unwrap()]),
        );
        assert_failed_on(&out, "killdb", ours, Some(&dir), "COPY error");
        errors.push(normalized_stderr(&out));
    }
    assert!(
        errors[0].starts_with(
            "error: Dumping the contents of table \"T x\" failed: PQgetResult() failed.\n\
             detail: Error message from server: ERROR:  character with byte sequence \
             0xe2 0x98 0x83 in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"\n\
             detail: Command was: COPY \"S p\".\"T x\" (a, b) TO stdout;\n"
        ),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1], errors[0], "COPY error: ours vs the reference");
    cluster.psql("killdb", "DROP SCHEMA \"S p\" CASCADE;");
    assert_no_backend_left(&cluster, "COPY error");

    // A database the server refuses: libpq's line names the socket (host
    // and port) and the server's the database.
    cluster.set_hba(
        "local refused all reject\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n",
    );
    cluster.reload();
    cluster.psql("postgres", "CREATE DATABASE refused;");
    let mut errors = Vec::new();
    for (program, ours) in programs() {
        let out = run(&program, &base);
        assert_failed_on(&out, "refused", ours, None, "refused database");
        errors.push(normalized_stderr(&out));
    }
    let socket = format!("{}/.s.PGSQL.{}", cluster.host(), cluster.port());
    assert!(
        errors[0].contains(&format!(
            "error: connection to server on socket \"{socket}\" failed: FATAL:  \
             pg_hba.conf rejects connection for host \"[local]\", user \"postgres\", \
             database \"refused\""
        )),
        "{}",
        errors[0]
    );
    assert_eq!(
        errors[1], errors[0],
        "refused database: ours vs the reference"
    );
    cluster.psql("postgres", "DROP DATABASE refused;");

    // The connection cut mid-COPY (a proxy closes both sides after 1 MB
    // from the server): libpq's "server closed the connection" from
    // PQgetCopyData, and the backend goes away.
    let proxy = Proxy::start(cluster.port(), Some(1 << 20));
    let via_proxy = args(
        &[],
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &proxy.port.to_string(),
            "-U",
            "postgres",
            "--restrict-key",
            RESTRICT_KEY,
        ],
    );
    let dir = out_dir(&cluster, "cut");
    let file = dir.join("dump.sql");
    let mut errors = Vec::new();
    for (program, ours) in programs() {
        let out = run(&program, &args(&via_proxy, &["-f", file.to_str().unwrap()]));
        assert_failed_on(&out, "killdb", ours, Some(&dir), "connection cut");
        errors.push(normalized_stderr(&out));
        assert_no_backend_left(&cluster, "connection cut");
    }
    assert!(
        errors[0].starts_with(
            "error: Dumping the contents of table \"big\" failed: PQgetCopyData() failed.\n\
             detail: Error message from server: server closed the connection unexpectedly"
        ),
        "{}",
        errors[0]
    );
    assert_eq!(
        errors[1], errors[0],
        "connection cut: ours vs the reference"
    );
    drop(proxy);

    // A server that accepts the connection and never answers:
    // connect_timeout bounds the wait, in libpq's words.
    let proxy = Proxy::start(cluster.port(), None);
    proxy.stall_new.store(true, Ordering::SeqCst);
    let conninfo = format!(
        "host=127.0.0.1 port={} user=postgres connect_timeout=2",
        proxy.port
    );
    let mut errors = Vec::new();
    for (program, _ours) in programs() {
        let started = Instant::now();
        let out = run(&program, &["-d".to_string(), conninfo.clone()]);
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(1), "{}", lossy(&out.stderr));
        assert!(took < Duration::from_secs(10), "stalled for {took:?}");
        assert!(out.stdout.is_empty());
        errors.push(normalized_stderr(&out));
    }
    assert_eq!(
        errors[0],
        format!(
            "error: connection to server at \"127.0.0.1\", port {} failed: timeout expired",
            proxy.port
        )
    );
    assert_eq!(
        errors[1], errors[0],
        "stalled server: ours vs the reference"
    );
    drop(proxy);

    // A file size limit (RLIMIT_FSIZE): the reference's pg_dump dies of
    // SIGXFSZ; ours reports the write error; both say which database.
    let dir = out_dir(&cluster, "fsize");
    let file = dir.join("dump.sql");
    for (program, ours) in programs() {
        let child = spawn(
            &program,
            &args(&base, &["-f", file.to_str().unwrap()]),
            Some(200 * 1024),
        );
        let out = child.wait_with_output().unwrap();
        assert_failed_on(&out, "killdb", ours, Some(&dir), "file size limit");
        if ours {
            assert_eq!(
                normalized_stderr(&out),
                "error: could not write to output file: File too large\n\
                 error: pg_dump failed on database \"killdb\", exiting"
            );
        }
        assert_no_backend_left(&cluster, "file size limit");
    }

    // stdout closed by its reader after 100 bytes (`| head -c 100`).
    for (program, ours) in programs() {
        let mut child = spawn(&program, &base, None);
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = normalized_stderr(&out);
        assert_eq!(out.status.code(), Some(1), "closed pipe: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: pg_dump failed on database \""),
            "closed pipe: {err}"
        );
        if ours {
            assert!(
                err.starts_with("error: could not write to output file: Broken pipe\n"),
                "{err}"
            );
        }
        assert_no_backend_left(&cluster, "closed pipe");
    }

    // The server stopped (`pg_ctl stop -m immediate`) while the COPY waits
    // for the dump's reader.
    for (program, ours) in programs() {
        let child = spawn(&program, &base, None);
        assert!(wait_until(
            &cluster,
            "postgres",
            COPYING,
            "1",
            Duration::from_secs(60)
        ));
        cluster.stop_immediately_and_start();
        let out = child.wait_with_output().unwrap();
        let err = normalized_stderr(&out);
        assert_failed_on(&out, "killdb", ours, None, "server stopped");
        if ours {
            // Sessions read ahead may print the server's WARNING first,
            // as libpq's notice processor does.
            assert!(
                err.contains("error: Dumping the contents of table \"big\" failed: "),
                "{err}"
            );
            assert!(
                err.contains("detail: Command was: COPY public.big (g, pad) TO stdout;"),
                "{err}"
            );
        }
    }
    assert_no_backend_left(&cluster, "server stopped");
});

/// The server log from `from` on.
fn log_since(cluster: &Cluster, from: usize) -> String {
    cluster
        .server_log()
        .get(from..)
        .unwrap_or_default()
        .to_string()
}

/// A psql session holding an ACCESS EXCLUSIVE lock on template1's
/// `waited` until [`LockHolder::release`]. (template1 is the first
/// database dumped: ours reads the next ones ahead, so a lock wait there
/// would come while template1 is still being written, and the signal
/// would name template1, where the reference, one database at a time,
/// names the waiting one.)
struct LockHolder(Child);

impl LockHolder {
    fn take(cluster: &Cluster) -> LockHolder {
        let mut cmd = Command::new(reference_bin("psql"));
        cmd.args(cluster.conn_args());
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "template1"]);
        without_pg_environment(&mut cmd);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn psql");
        let stdin = child.stdin.as_mut().unwrap();
        stdin
            .write_all(b"BEGIN; LOCK TABLE waited IN ACCESS EXCLUSIVE MODE;\n")
            .unwrap();
        stdin.flush().unwrap();
        LockHolder(child)
    }

    fn release(mut self) {
        drop(self.0.stdin.take());
        let status = self.0.wait().unwrap();
        assert!(status.success(), "psql holding the lock: {status}");
    }
}

const WAITING: &str = "SELECT count(*) FROM pg_locks \
     WHERE mode = 'AccessShareLock' AND NOT granted";

/// Signals the whole process group of `child` (as a terminal's ^C does)
/// and waits for it: its status and stderr.
fn signal_and_wait(mut child: Child, sig: libc::c_int) -> Output {
    // SAFETY: signalling the process group of our own child.
    unsafe { libc::kill(-(child.id() as libc::pid_t), sig) };
    let stdout = child.stdout.take().unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    Output {
        status,
        stdout: Vec::new(),
        stderr,
    }
}

cluster_test!(signals_cancel_the_running_query, |version| {
    let cluster = Cluster::start(version);
    make_big_database(&cluster);
    cluster.psql("template1", "CREATE TABLE waited (x int);");
    let base = args(&cluster.conn_args(), &["--restrict-key", RESTRICT_KEY]);

    // The dump waits for a lock (its catalog reading): a backend that a
    // closed connection would not free until the lock is granted. The
    // signal's cancel request ends the wait at once, while the lock is
    // still held.
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let mut errors = Vec::new();
        for (program, ours) in programs() {
            let holder = LockHolder::take(&cluster);
            let log_from = cluster.server_log().len();
            let child = spawn(&program, &base, None);
            assert!(wait_until(
                &cluster,
                "postgres",
                WAITING,
                "1",
                Duration::from_secs(60)
            ));
            let out = signal_and_wait(child, sig);
            assert!(
                wait_until(&cluster, "postgres", WAITING, "0", Duration::from_secs(5)),
                "signal {sig}, ours {ours}: the dump's backend still waits"
            );
            let log = log_since(&cluster, log_from);
            assert!(
                log.contains("canceling statement due to user request"),
                "signal {sig}, ours {ours}: no cancel in the server log:\n{log}"
            );
            holder.release();
            if sig == libc::SIGINT {
                assert_eq!(out.status.code(), Some(1), "{}", out.status);
            } else {
                assert_eq!(out.status.signal(), Some(sig), "{}", out.status);
            }
            errors.push(normalized_stderr(&out));
            assert_no_backend_left(&cluster, "signal during a lock wait");
        }
        let want = if sig == libc::SIGINT {
            "terminated by user\nerror: pg_dump failed on database \"template1\", exiting"
        } else {
            "terminated by user"
        };
        assert_eq!(errors[0], want, "signal {sig}: the reference");
        assert_eq!(errors[1], errors[0], "signal {sig}: ours vs the reference");
    }

    // The dump is blocked writing to a pipe nobody reads, its COPY blocked
    // sending to it (a backend blocked on its client defers a cancel until
    // it can write): the process ends at once all the same, and the COPY's
    // backend with it.
    for (program, ours) in programs() {
        let child = spawn(&program, &base, None);
        assert!(wait_until(
            &cluster,
            "postgres",
            COPYING,
            "1",
            Duration::from_secs(60)
        ));
        let out = signal_and_wait(child, libc::SIGINT);
        assert_failed_on(&out, "killdb", ours, None, "SIGINT during COPY");
        assert!(
            wait_until(&cluster, "postgres", COPYING, "0", Duration::from_secs(5)),
            "ours {ours}: the COPY still runs"
        );
        assert_no_backend_left(&cluster, "SIGINT during COPY");
    }

    // A second SIGINT does not wait for a cancel request the server never
    // answers (the proxy accepts it and stalls).
    let proxy = Proxy::start(cluster.port(), None);
    let via_proxy = args(
        &[],
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &proxy.port.to_string(),
            "-U",
            "postgres",
        ],
    );
    let mut child = spawn(&ours_bin(), &via_proxy, None);
    // Through TCP the whole table may fit in the sockets' buffers, so the
    // COPY may be over already: waiting for killdb's session is enough.
    let reached = "SELECT count(*) FROM pg_stat_activity \
                   WHERE query LIKE 'COPY public.big %' AND pid <> pg_backend_pid()";
    if !wait_until(&cluster, "postgres", reached, "1", Duration::from_secs(60)) {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!("no COPY running: {}", lossy(&out.stderr));
    }
    proxy.stall_new.store(true, Ordering::SeqCst);
    let pid = child.id() as libc::pid_t;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first SIGINT waits for its cancel request"
    );
    let second = Instant::now();
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "{:?}",
        second.elapsed()
    );
    assert_eq!(status.code(), Some(1), "{status}");
    drop(child);
    drop(proxy);
    assert_no_backend_left(&cluster, "second SIGINT");
});
