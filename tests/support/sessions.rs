//! Helpers of the tests that run a dump against a busy server: a psql
//! session fed statement by statement (to hold locks while a dump runs),
//! waiting for the server to reach a state, a dump in a thread, stderr
//! made comparable between the reference and ours, and our binary under
//! the reference's name.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::{lossy, ours_bin, reference_bin, run_program, Cluster};

/// A psql session fed statement by statement from the test.
pub struct PsqlSession {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl PsqlSession {
    pub fn open(cluster: &Cluster, db: &str) -> PsqlSession {
        let mut cmd = Command::new(reference_bin("psql"));
        cmd.args(cluster.conn_args());
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db]);
        without_pg_environment(&mut cmd);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn psql session");
        let stdin = child.stdin.take();
        PsqlSession { child, stdin }
    }

    pub fn send(&mut self, sql: &str) {
        let stdin = self.stdin.as_mut().expect("session open");
        stdin.write_all(sql.as_bytes()).expect("write to psql");
        stdin.write_all(b"\n").expect("write to psql");
        stdin.flush().expect("flush psql");
    }

    /// Ends the session; it must have succeeded.
    pub fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for psql session");
        assert!(status.success(), "psql session failed: {status}");
    }
}

impl Drop for PsqlSession {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            drop(self.stdin.take());
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Removes every PG* variable from `cmd`'s environment.
pub fn without_pg_environment(cmd: &mut Command) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PG") {
            cmd.env_remove(&k);
        }
    }
}

/// Polls `sql` (a query returning one value) in `db` until it returns
/// `want`; false after `limit`.
pub fn wait_until(cluster: &Cluster, db: &str, sql: &str, want: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cluster.query(db, sql) == want {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// [`wait_until`] with a minute's limit; failing the test after it.
pub fn wait_for(cluster: &Cluster, db: &str, sql: &str, want: &str) {
    assert!(
        wait_until(cluster, db, sql, want, Duration::from_secs(60)),
        "timed out waiting for {sql} = {want}"
    );
}

/// Runs `program` against `cluster` with `args` in a thread.
pub fn spawn_dump(
    program: PathBuf,
    cluster: &Cluster,
    args: &[&str],
) -> thread::JoinHandle<Output> {
    let mut all = cluster.conn_args();
    all.extend(args.iter().map(|s| s.to_string()));
    thread::spawn(move || {
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run_program(&program, &refs, &[])
    })
}

/// stderr with each line's program prefix (`pg_dump: `, `pg_dumpall: `,
/// `pgdumpall-rs: `) removed, so the reference and ours compare.
pub fn normalized_stderr(out: &Output) -> String {
    lossy(&out.stderr)
        .lines()
        .map(|l| {
            for p in ["pg_dumpall: ", "pg_dump: ", "pgdumpall-rs: "] {
                if let Some(rest) = l.strip_prefix(p) {
                    return rest.to_string();
                }
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Our binary under the reference's name, so that both speak as
/// `pg_dumpall:` and their messages compare byte for byte.
pub struct OursAsReference {
    _dir: tempfile::TempDir,
    pub bin: PathBuf,
}

impl OursAsReference {
    pub fn new() -> OursAsReference {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("pg_dumpall");
        std::os::unix::fs::symlink(ours_bin(), &bin).expect("symlink our binary");
        OursAsReference { _dir: dir, bin }
    }
}

/// The queued-lock scene of the -j tests: once the dump holds ACCESS
/// SHARE on `held` and waits for `blocked` (which another session holds
/// ACCESS EXCLUSIVE), a new session asks for ACCESS EXCLUSIVE on `held`
/// and waits in the queue, where a worker's lock request on `held` would
/// queue behind it. Returns that session, its transaction open.
pub fn queue_access_exclusive(
    cluster: &Cluster,
    db: &str,
    blocked: &str,
    held: &str,
) -> PsqlSession {
    let share_lock = |table: &str, granted: bool| {
        format!(
            "SELECT count(*) FROM pg_locks WHERE relation = '{table}'::regclass \
             AND mode = 'AccessShareLock' AND granted = {granted}"
        )
    };
    wait_for(cluster, db, &share_lock(blocked, false), "1");
    wait_for(cluster, db, &share_lock(held, true), "1");
    let mut exclusive = PsqlSession::open(cluster, db);
    exclusive.send(&format!(
        "BEGIN; LOCK TABLE {held} IN ACCESS EXCLUSIVE MODE;"
    ));
    let queued = format!(
        "SELECT count(*) FROM pg_locks WHERE relation = '{held}'::regclass \
         AND mode = 'AccessExclusiveLock' AND NOT granted"
    );
    wait_for(cluster, db, &queued, "1");
    exclusive
}
