//! Differential test harness shared by the integration tests.
//!
//! Every integration test file says `mod support;` and uses what it needs:
//!
//! ```ignore
//! mod support;
//! use support::*;
//!
//! cluster_test!(globals_only, |version| {
//!     let cluster = Cluster::start(version);
//!     load_globals_fixture(&cluster);
//!     let args = ["-g", "--restrict-key", RESTRICT_KEY];
//!     let reference = run_reference(&cluster, &args);
//!     let ours = run_ours(&cluster, &args);
//!     assert_success(&reference, "reference");
//!     assert_success(&ours, "ours");
//!     assert_same_dump(&ours.stdout, &reference.stdout, &format!("-g on {version}"));
//! });
//! ```
//!
//! `cluster_test!` generates one `#[test]` per PostgreSQL major version,
//! `globals_only::v14` ... `globals_only::v18`.
//!
//! The toolsets come from `scripts/fetch-postgres.sh` (see [`pg_cache`]).
//! The reference is `pg_dumpall` 18.6; `psql` 18.6 is used for every client
//! side operation.  The harness only runs our binary as a program.
//!
//! Environment knobs:
//! * `PGDUMPALL_RS_TEST_VERSIONS`: space/comma separated versions to test
//!   ("14 16" or "14.23,16.15"); the others' tests are skipped, each with
//!   a `SKIPPED` line (`.ci/run` unsets it: CI tests every version).
//! * `PGDUMPALL_RS_SKIP_CLUSTER_TESTS`: when set (not "0"), every test that
//!   needs a toolset is skipped, each with a `SKIPPED` line. Without it, a
//!   missing toolset fails the test.
//! * `PGDUMPALL_RS_SKIP_LOG`: file each `SKIPPED` line is appended to
//!   (scripts/test.sh sets it and prints the count).
//! * `PGDUMPALL_RS_PG_CACHE`: toolset cache, as for fetch-postgres.sh.
//! * `PGDUMPALL_RS_TEST_TMPDIR`: where clusters live (default: /dev/shm if
//!   it has 4 GiB free, else the system temp dir; must be traversable by
//!   the server's OS user).
//! * `PGDUMPALL_RS_TEST_OS_USER`: OS user that runs servers when the tests
//!   run as root (default `postgres`, else `pgdumpall_test`, created if
//!   missing).
//! * `PGDUMPALL_RS_TEST_TIMEOUT`: per-command timeout in seconds (300).
//! * `PGDUMPALL_RS_TEST_TRACE`: when set, every command the harness runs is
//!   printed to stderr with its duration.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{CStr, CString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The PostgreSQL versions the harness knows, oldest first.
pub const ALL_VERSIONS: [&str; 5] = ["14.23", "15.19", "16.15", "17.11", "18.6"];
/// The version whose `pg_dumpall` (and `psql`) is the reference.
pub const REFERENCE_VERSION: &str = "18.6";
/// The `\restrict` key every test passes to both programs.
pub const RESTRICT_KEY: &str = "pgdumpallrsTestRestrictKey0123456789";
/// The bootstrap superuser of every test cluster.
pub const SUPERUSER: &str = "postgres";

/// Bumped whenever the way template data directories are initialised
/// changes, so stale cached templates are not reused.
const TEMPLATE_FORMAT: u32 = 1;

// ---------------------------------------------------------------------------
// Versions and toolsets
// ---------------------------------------------------------------------------

/// Maps "14", "14.23" (or any version in [`ALL_VERSIONS`]) to the full
/// version string.  Panics on an unknown version.
pub fn resolve_version(version: &str) -> &'static str {
    let v = version.trim();
    ALL_VERSIONS
        .iter()
        .copied()
        .find(|full| *full == v || full.split('.').next() == Some(v))
        .unwrap_or_else(|| panic!("unknown PostgreSQL version {v:?}; known: {ALL_VERSIONS:?}"))
}

/// The major version number of a version string ("16.15" -> 16).
pub fn major_of(version: &str) -> u32 {
    let full = resolve_version(version);
    full.split('.').next().unwrap().parse().unwrap()
}

/// The server versions under test (full version strings, oldest first).
/// All five unless `PGDUMPALL_RS_TEST_VERSIONS` narrows the list.
pub fn versions() -> Vec<&'static str> {
    match std::env::var("PGDUMPALL_RS_TEST_VERSIONS") {
        Ok(list) if !list.trim().is_empty() => {
            let wanted: Vec<&'static str> = list
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(resolve_version)
                .collect();
            ALL_VERSIONS
                .iter()
                .copied()
                .filter(|v| wanted.contains(v))
                .collect()
        }
        _ => ALL_VERSIONS.to_vec(),
    }
}

/// The toolset cache, as in scripts/fetch-postgres.sh:
/// `${PGDUMPALL_RS_PG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/postgres}`.
pub fn pg_cache() -> PathBuf {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = nonempty("PGDUMPALL_RS_PG_CACHE") {
        return PathBuf::from(dir);
    }
    let base = match nonempty("XDG_CACHE_HOME") {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(nonempty("HOME").unwrap_or_else(|| "/".into())).join(".cache"),
    };
    base.join("pgdumpall-rs").join("postgres")
}

/// The `bin` directory of a fetched toolset, if it is there.
pub fn toolset(version: &str) -> Option<PathBuf> {
    let bin = pg_cache().join(resolve_version(version)).join("bin");
    let ok = ["pg_dumpall", "psql", "initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|p| bin.join(p).is_file());
    ok.then_some(bin)
}

/// Path of `program` in the toolset of `version`; panics if missing.
pub fn bin(version: &str, program: &str) -> PathBuf {
    let dir = toolset(version).unwrap_or_else(|| panic!("{}", missing_message(version)));
    let path = dir.join(program);
    assert!(path.is_file(), "{} does not exist", path.display());
    path
}

/// Path of `program` in the reference (18.6) toolset.
pub fn reference_bin(program: &str) -> PathBuf {
    bin(REFERENCE_VERSION, program)
}

/// Our binary.
pub fn ours_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pgdumpall-rs"))
}

fn missing_message(version: &str) -> String {
    format!(
        "PostgreSQL {} not found in {}; run scripts/fetch-postgres.sh",
        resolve_version(version),
        pg_cache().display()
    )
}

/// True when the environment variable `name` is set to something other
/// than "", "0", "false" or "no".
fn env_flag(name: &str) -> bool {
    match std::env::var(name) {
        Ok(v) => !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no"
        ),
        Err(_) => false,
    }
}

/// True when `PGDUMPALL_RS_SKIP_CLUSTER_TESTS` asks to skip every test
/// that needs a PostgreSQL toolset.
pub fn cluster_tests_skipped() -> bool {
    env_flag("PGDUMPALL_RS_SKIP_CLUSTER_TESTS")
}

/// Writes to the real stderr, bypassing the test harness's output capture,
/// so skips are never silent.
fn loud(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}

/// Reports a skipped test: a `SKIPPED name: reason` line on the real
/// stderr, and the same line appended to `$PGDUMPALL_RS_SKIP_LOG` when set
/// (scripts/test.sh counts them there for its summary).
pub fn record_skip(test_name: &str, reason: &str) {
    let line = format!("SKIPPED {test_name}: {reason}");
    loud(&line);
    if let Some(path) = std::env::var_os("PGDUMPALL_RS_SKIP_LOG").filter(|p| !p.is_empty()) {
        // One write of a short line with O_APPEND: lines of parallel tests
        // do not interleave.
        let appended = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = appended {
            loud(&format!(
                "warning: cannot append to {}: {e}",
                Path::new(&path).display()
            ));
        }
    }
}

/// Body of every test generated by [`cluster_test!`] (and of the other
/// tests that need a toolset): runs `f` with the full version string, or
/// skips the test, visibly ([`record_skip`]), when skipping was asked for:
/// the version is not selected by `PGDUMPALL_RS_TEST_VERSIONS`, or
/// `PGDUMPALL_RS_SKIP_CLUSTER_TESTS` is set. A missing toolset fails the
/// test: a plain `cargo test` without the toolsets must not pass.
pub fn run_versioned<F: FnOnce(&'static str)>(test_name: &str, version: &str, f: F) {
    let full = resolve_version(version);
    if cluster_tests_skipped() {
        record_skip(test_name, "PGDUMPALL_RS_SKIP_CLUSTER_TESTS is set");
        return;
    }
    if !versions().contains(&full) {
        record_skip(
            test_name,
            &format!("PostgreSQL {full} is not selected by PGDUMPALL_RS_TEST_VERSIONS"),
        );
        return;
    }
    for v in [full, REFERENCE_VERSION] {
        if toolset(v).is_none() {
            panic!(
                "{test_name}: {}\n(bash scripts/test.sh fetches the toolsets; \
                 PGDUMPALL_RS_SKIP_CLUSTER_TESTS=1 skips the tests that need them)",
                missing_message(v)
            );
        }
    }
    f(full)
}

/// Generates one `#[test]` per PostgreSQL version: `name::v14` ... `name::v18`.
///
/// ```ignore
/// cluster_test!(my_test, |version| {
///     let cluster = Cluster::start(version); // version is e.g. "16.15"
///     ...
/// });
/// ```
///
/// Attributes before the name (e.g. `#[ignore]`) are put on every test.
/// The body is compiled inside `mod name { use super::*; ... }`.
#[macro_export]
macro_rules! cluster_test {
    ($(#[$meta:meta])* $name:ident, |$version:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($version: &'static str) {
                $body
            }

            $(#[$meta])*
            #[test]
            fn v14() {
                $crate::support::run_versioned(concat!(stringify!($name), "::v14"), "14", body)
            }
            $(#[$meta])*
            #[test]
            fn v15() {
                $crate::support::run_versioned(concat!(stringify!($name), "::v15"), "15", body)
            }
            $(#[$meta])*
            #[test]
            fn v16() {
                $crate::support::run_versioned(concat!(stringify!($name), "::v16"), "16", body)
            }
            $(#[$meta])*
            #[test]
            fn v17() {
                $crate::support::run_versioned(concat!(stringify!($name), "::v17"), "17", body)
            }
            $(#[$meta])*
            #[test]
            fn v18() {
                $crate::support::run_versioned(concat!(stringify!($name), "::v18"), "18", body)
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Running programs
// ---------------------------------------------------------------------------

fn command_timeout() -> Duration {
    let secs = std::env::var("PGDUMPALL_RS_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

fn trace_enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PGDUMPALL_RS_TEST_TRACE").is_some_and(|v| !v.is_empty()))
}

/// Removes every PG* variable from the command's environment (the rest of
/// the environment is inherited unchanged), then sets `env`.
fn clean_env(cmd: &mut Command, env: &[(&str, &str)]) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PG") {
            cmd.env_remove(&k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion with a timeout, in its own session (so it has
/// no controlling terminal and cannot prompt for a password), feeding it
/// `stdin` (or /dev/null).  Panics if it cannot be spawned or times out.
fn run_command(cmd: Command, stdin: Option<Vec<u8>>) -> Output {
    let what = describe(&cmd);
    try_run_command(cmd, stdin).unwrap_or_else(|e| panic!("cannot run {what}: {e}"))
}

/// [`run_command`], returning an error when the program cannot be spawned.
fn try_run_command(mut cmd: Command, stdin: Option<Vec<u8>>) -> std::io::Result<Output> {
    let what = describe(&cmd);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let writer = stdin.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + command_timeout();
    let mut nap = Duration::from_millis(1);
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().expect("wait for killed child");
            }
            Ok(None) => {
                thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(20));
            }
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if trace_enabled() {
        loud(&format!(
            "[trace] {:>7.3}s {} {what}",
            started.elapsed().as_secs_f64(),
            status
        ));
    }
    if timed_out {
        panic!(
            "timed out after {:?}: {what}\n--- stderr ---\n{}",
            command_timeout(),
            String::from_utf8_lossy(&stderr)
        );
    }
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Runs a client program (`bin` with exactly `args`) with the PG* variables
/// removed from the environment and `env` added, stdin from /dev/null.
pub fn run_program(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args);
    clean_env(&mut cmd, env);
    run_command(cmd, None)
}

/// Runs `bin` with the cluster's connection arguments followed by `args`,
/// PG* variables removed from the environment and `env` added.
pub fn run_with_env(bin: &Path, cluster: &Cluster, args: &[&str], env: &[(&str, &str)]) -> Output {
    let conn = cluster.conn_args();
    let mut all: Vec<&str> = conn.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    run_program(bin, &all, env)
}

/// Runs the reference `pg_dumpall` (18.6) against `cluster` with `args`.
pub fn run_reference(cluster: &Cluster, args: &[&str]) -> Output {
    run_with_env(&reference_bin("pg_dumpall"), cluster, args, &[])
}

/// Runs our binary against `cluster` with `args`, in the same environment
/// as [`run_reference`].
pub fn run_ours(cluster: &Cluster, args: &[&str]) -> Output {
    run_with_env(&ours_bin(), cluster, args, &[])
}

/// Panics, showing stderr, unless the program succeeded.
pub fn assert_success(output: &Output, what: &str) {
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n--- stderr ---\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

// ---------------------------------------------------------------------------
// The OS user that runs the servers
// ---------------------------------------------------------------------------

struct ServerUser {
    name: String,
    uid: u32,
    gid: u32,
    /// True when we are root and must switch to `uid`/`gid`.
    switch: bool,
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let cname = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer into static storage, read at once
    // under the lock.
    unsafe {
        let pw = libc::getpwnam(cname.as_ptr());
        if pw.is_null() {
            None
        } else {
            Some(((*pw).pw_uid, (*pw).pw_gid))
        }
    }
}

fn server_user() -> &'static ServerUser {
    static USER: OnceLock<ServerUser> = OnceLock::new();
    USER.get_or_init(|| {
        // SAFETY: trivial libc getters.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if euid != 0 {
            // SAFETY: getpwuid's result is read at once, before any other
            // passwd lookup of this thread.
            let name = unsafe {
                let pw = libc::getpwuid(euid);
                if pw.is_null() {
                    format!("uid {euid}")
                } else {
                    CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned()
                }
            };
            return ServerUser {
                name,
                uid: euid,
                gid: egid,
                switch: false,
            };
        }
        let candidates: Vec<String> = match std::env::var("PGDUMPALL_RS_TEST_OS_USER") {
            Ok(u) if !u.is_empty() => vec![u],
            _ => vec!["postgres".into(), "pgdumpall_test".into()],
        };
        for name in &candidates {
            if let Some((uid, gid)) = lookup_user(name) {
                return ServerUser {
                    name: name.clone(),
                    uid,
                    gid,
                    switch: true,
                };
            }
        }
        let name = candidates.last().unwrap().clone();
        let out = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                &name,
            ])
            .output()
            .unwrap_or_else(|e| panic!("running as root and no user to run servers; useradd: {e}"));
        // 9: the user exists already (created concurrently).
        if !out.status.success() && out.status.code() != Some(9) {
            panic!(
                "running as root and no user to run servers; useradd {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let (uid, gid) = lookup_user(&name).expect("user just created");
        ServerUser {
            name,
            uid,
            gid,
            switch: true,
        }
    })
}

/// A command that runs as the server's OS user.
fn server_command(program: &Path) -> Command {
    let user = server_user();
    let mut cmd = Command::new(program);
    if user.switch {
        cmd.uid(user.uid).gid(user.gid);
    }
    clean_env(&mut cmd, &[("LC_ALL", "C")]);
    cmd
}

fn chown_to_server(path: &Path) {
    let user = server_user();
    if user.switch {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    }
}

/// Creates a directory with `mode` (regardless of the umask); an existing
/// directory is left as it is.
fn mkdir_mode(path: &Path, mode: u32) {
    match fs::create_dir(path) {
        Ok(()) => fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
        Err(e) => panic!("mkdir {}: {e}", path.display()),
    }
}

// ---------------------------------------------------------------------------
// Scratch space, server-side toolsets, template data directories
// ---------------------------------------------------------------------------

/// Where clusters, templates and toolset mirrors live:
/// `$PGDUMPALL_RS_TEST_TMPDIR` if set; else /dev/shm when it is a tmpfs
/// with at least 4 GiB free (clusters on a RAM disk start and fill many
/// times faster than on a loaded ext4); else the system temp dir.
pub fn scratch_base() -> PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        if let Some(d) = std::env::var_os("PGDUMPALL_RS_TEST_TMPDIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(d);
        }
        let shm = Path::new("/dev/shm");
        if free_bytes(shm).is_some_and(|free| free >= 4 << 30) {
            return shm.to_path_buf();
        }
        std::env::temp_dir()
    })
    .clone()
}

fn free_bytes(dir: &Path) -> Option<u64> {
    let c = CString::new(dir.to_str()?).ok()?;
    // SAFETY: statvfs fills the zeroed struct we pass.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return None;
        }
        if libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) != 0 {
            return None;
        }
        Some(st.f_bavail as u64 * st.f_frsize as u64)
    }
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A per-OS-user cache directory under the scratch directory (toolset
/// mirrors, template data directories), reused across test processes.
fn cache_dir(what: &str) -> PathBuf {
    // SAFETY: trivial libc getter.
    let euid = unsafe { libc::geteuid() };
    scratch_base().join(format!("pgdumpall-rs-{what}-u{euid}"))
}

/// Identity of a toolset's build, for cache keys.
fn toolset_key(full: &str) -> String {
    let postgres = bin(full, "postgres");
    let md = fs::metadata(&postgres).unwrap_or_else(|e| panic!("{}: {e}", postgres.display()));
    format!("{full}-{:x}-{:x}-{:x}", md.dev(), md.ino(), md.mtime())
}

/// Copies (hard-links where possible) a directory tree.
fn mirror_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    fs::create_dir(dst)?;
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755))?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let ft = entry.file_type()?;
        if ft.is_dir() {
            mirror_tree(&from, &to)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

/// The bin directory from which the server's OS user runs initdb, pg_ctl
/// and postgres.  That is the toolset itself unless the server user cannot
/// reach it (e.g. the cache is under /root, mode 0700): then a hard-linked
/// mirror of the toolset under the scratch directory.
fn server_bin_dir(full: &'static str) -> PathBuf {
    static DIRS: Mutex<BTreeMap<&'static str, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = dirs.get(full) {
        return d.clone();
    }
    let original = toolset(full).unwrap_or_else(|| panic!("{}", missing_message(full)));
    let usable = |bin: &Path| {
        let mut cmd = server_command(&bin.join("postgres"));
        cmd.arg("--version");
        try_run_command(cmd, None).is_ok_and(|o| o.status.success())
    };
    let dir = if !server_user().switch || usable(&original) {
        original
    } else {
        let root = cache_dir("toolsets");
        mkdir_mode(&root, 0o755);
        let dest = root.join(toolset_key(full));
        if !dest.join("bin").join("postgres").is_file() {
            let tmp = root.join(format!(".tmp-{}", unique_suffix()));
            mirror_tree(original.parent().unwrap(), &tmp)
                .unwrap_or_else(|e| panic!("mirroring toolset {full} to {}: {e}", tmp.display()));
            if fs::rename(&tmp, &dest).is_err() {
                // Somebody else won the race.
                let _ = fs::remove_dir_all(&tmp);
            }
        }
        let bin = dest.join("bin");
        assert!(
            usable(&bin),
            "OS user {} cannot run {}; is {} traversable?",
            server_user().name,
            bin.join("postgres").display(),
            scratch_base().display()
        );
        bin
    };
    dirs.insert(full, dir.clone());
    dir
}

/// A directory of extension files (`.control`, `.sql`) that every server
/// this test process starts finds in its `share/extension`: see
/// [`install_test_extensions`].
static TEST_EXTENSIONS: OnceLock<PathBuf> = OnceLock::new();

/// Makes every cluster this test process starts from now on (restore
/// targets included) run from a copy of its toolset whose
/// `share/extension` also holds the files of `dir`. The copy is a
/// hard-linked mirror under the scratch directory, keyed by the toolset and
/// the files' contents; the toolset cache itself is never written. Call it
/// with the same directory from every test of a binary.
pub fn install_test_extensions(dir: &Path) {
    let installed = TEST_EXTENSIONS.get_or_init(|| dir.to_path_buf());
    assert_eq!(installed, dir, "one extension directory per test binary");
}

/// The bin directory of `full`'s toolset with the files of `extensions`
/// added to its share/extension (cached, see [`install_test_extensions`]).
fn toolset_with_extensions(full: &'static str, extensions: &Path) -> PathBuf {
    static DIRS: Mutex<BTreeMap<&'static str, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = dirs.get(full) {
        return d.clone();
    }
    let mut files: Vec<(std::ffi::OsString, Vec<u8>)> = fs::read_dir(extensions)
        .unwrap_or_else(|e| panic!("{}: {e}", extensions.display()))
        .map(|e| {
            let e = e.expect("extension directory entry");
            let data =
                fs::read(e.path()).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
            (e.file_name(), data)
        })
        .collect();
    files.sort();
    // FNV-1a over the names and contents: a new copy when they change.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, data) in &files {
        for b in name
            .as_encoded_bytes()
            .iter()
            .chain([0u8].iter())
            .chain(data)
        {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let root = cache_dir("toolsets-ext");
    mkdir_mode(&root, 0o755);
    let dest = root.join(format!("{}-x{hash:016x}", toolset_key(full)));
    if !dest.join("bin").join("postgres").is_file() {
        let original = toolset(full).unwrap_or_else(|| panic!("{}", missing_message(full)));
        let tmp = root.join(format!(".tmp-{}", unique_suffix()));
        mirror_tree(original.parent().unwrap(), &tmp)
            .unwrap_or_else(|e| panic!("mirroring toolset {full} to {}: {e}", tmp.display()));
        let ext_dir = tmp.join("share").join("extension");
        for (name, data) in &files {
            let to = ext_dir.join(name);
            // Never write through a hard link into the toolset cache.
            let _ = fs::remove_file(&to);
            fs::write(&to, data).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644))
                .unwrap_or_else(|e| panic!("chmod {}: {e}", to.display()));
        }
        if fs::rename(&tmp, &dest).is_err() {
            // Somebody else won the race.
            let _ = fs::remove_dir_all(&tmp);
        }
    }
    let bin = dest.join("bin");
    dirs.insert(full, bin.clone());
    bin
}

/// The initdb of every test cluster: superuser postgres, trust, UTF8, C.
fn initdb_command(bin_dir: &Path, data: &Path) -> Command {
    let mut cmd = server_command(&bin_dir.join("initdb"));
    cmd.arg("-D").arg(data);
    cmd.args([
        "-U",
        SUPERUSER,
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    ]);
    cmd
}

/// A freshly initdb'd, never started data directory for `full`, cached
/// across test processes under the scratch directory.  Clusters start from
/// a copy of it, which is much faster than running initdb each time.
fn template_data_dir(full: &'static str) -> PathBuf {
    static DIRS: Mutex<BTreeMap<&'static str, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = dirs.get(full) {
        return d.clone();
    }
    let bin_dir = server_bin_dir(full);
    let root = cache_dir("templates");
    mkdir_mode(&root, 0o755);
    let dest = root.join(format!(
        "{}-f{TEMPLATE_FORMAT}-u{}",
        toolset_key(full),
        server_user().uid
    ));
    if !dest.join("data").join("PG_VERSION").is_file() {
        let tmp = root.join(format!(".tmp-{}", unique_suffix()));
        mkdir_mode(&tmp, 0o755);
        chown_to_server(&tmp);
        let cmd = initdb_command(&bin_dir, &tmp.join("data"));
        let out = run_command(cmd, None);
        if !out.status.success() {
            let _ = fs::remove_dir_all(&tmp);
            panic!(
                "initdb {full} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if fs::rename(&tmp, &dest).is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
    }
    let data = dest.join("data");
    dirs.insert(full, data.clone());
    data
}

fn pid_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH))
}

/// Stops and removes clusters left behind by test processes that died
/// without unwinding (SIGKILL, Ctrl-C), and half-built templates or
/// toolset mirrors of dead processes.  Runs once per process.
fn reap_stale_clusters() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for cache in ["pgdumpall-rs-templates", "pgdumpall-rs-toolsets"] {
            let Ok(entries) = fs::read_dir(scratch_base().join(cache)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let pid = name
                    .strip_prefix(".tmp-")
                    .and_then(|r| r.split('-').next())
                    .and_then(|p| p.parse().ok());
                if let Some(pid) = pid {
                    if !pid_alive(pid) {
                        let _ = fs::remove_dir_all(entry.path());
                    }
                }
            }
        }
        let Ok(entries) = fs::read_dir(scratch_base()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().starts_with("pgdumpall-rs-test-") {
                continue;
            }
            let dir = entry.path();
            let owner = fs::read_to_string(dir.join("owner"))
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok());
            match owner {
                Some(pid) if pid_alive(pid) => continue,
                Some(_) => {}
                None => {
                    // Being created right now, or garbage: only reap old ones.
                    let old = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .map(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(600))
                        .unwrap_or(false);
                    if !old {
                        continue;
                    }
                }
            }
            if let Ok(pidfile) = fs::read_to_string(dir.join("data").join("postmaster.pid")) {
                if let Some(pid) = pidfile
                    .lines()
                    .next()
                    .and_then(|l| l.trim().parse::<i32>().ok())
                {
                    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    if String::from_utf8_lossy(&cmdline).contains("postgres") {
                        // SAFETY: plain signal to a postmaster we identified.
                        unsafe { libc::kill(pid, libc::SIGQUIT) };
                    }
                }
            }
            let _ = fs::remove_dir_all(&dir);
        }
    });
}

// ---------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------

static PORTS_IN_USE: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

fn reserve_port() -> u16 {
    loop {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut ports = PORTS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
        if ports.insert(port) {
            return port;
        }
    }
}

fn release_port(port: u16) {
    PORTS_IN_USE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&port);
}

/// A throwaway PostgreSQL cluster, stopped (immediate shutdown) and deleted
/// on drop, also when the test panics.  Superuser `postgres`, trust
/// authentication, UTF8, locale C, fsync off, listening on the socket
/// directory [`Cluster::host`] and on 127.0.0.1:[`Cluster::port`].
pub struct Cluster {
    version: &'static str,
    major: u32,
    dir: PathBuf,
    host: String,
    port: u16,
    server_bin: PathBuf,
    running: bool,
}

impl Cluster {
    /// Starts a fresh cluster of `version` ("16" or "16.15").
    pub fn start(version: &str) -> Cluster {
        let full = resolve_version(version);
        if toolset(full).is_none() {
            panic!("{}", missing_message(full));
        }
        reap_stale_clusters();
        let server_bin = match TEST_EXTENSIONS.get() {
            Some(extensions) => toolset_with_extensions(full, extensions),
            None => server_bin_dir(full),
        };
        let template = template_data_dir(full);
        Cluster::start_from(full, server_bin, Some(&template))
    }

    /// Starts a fresh cluster whose server programs (initdb, pg_ctl,
    /// postgres) are those in `server_bin`, e.g. a distribution's build of
    /// major `version` with features the toolsets lack (ICU). Its data
    /// directory is made by that initdb (no template); clients are still
    /// the 18.6 toolset's.
    pub fn start_with_server_bin(version: &str, server_bin: &Path) -> Cluster {
        let full = resolve_version(version);
        reap_stale_clusters();
        Cluster::start_from(full, server_bin.to_path_buf(), None)
    }

    /// Starts a cluster of `version` on a copy of the stopped data
    /// directory `data` (e.g. the regression corpus that
    /// scripts/regression-corpus.sh caches), which this process may read
    /// but the server's OS user maybe not (root's home): it is first copied
    /// by us into a staging directory given to the server's user, which
    /// is removed once the cluster has its own copy (a staging directory
    /// of a process that died is reaped like a cluster's).
    pub fn start_from_data_dir(version: &str, data: &Path) -> Cluster {
        let full = resolve_version(version);
        reap_stale_clusters();
        let server_bin = server_bin_dir(full);
        assert!(
            data.join("PG_VERSION").is_file(),
            "{}: not a data directory",
            data.display()
        );
        let staging = scratch_base().join(format!("pgdumpall-rs-test-{}", unique_suffix()));
        mkdir_mode(&staging, 0o755);
        fs::write(staging.join("owner"), std::process::id().to_string()).expect("write owner file");
        let mut cp = Command::new("cp");
        cp.arg("-a").arg(data).arg(staging.join("data"));
        assert_success(&run_command(cp, None), "copying the data directory");
        if server_user().switch {
            let mut chown = Command::new("chown");
            chown
                .arg("-R")
                .arg(format!("{}:{}", server_user().uid, server_user().gid));
            chown.arg(&staging);
            assert_success(&run_command(chown, None), "chown of the data directory");
        }
        let cluster = Cluster::start_from(full, server_bin, Some(&staging.join("data")));
        let _ = fs::remove_dir_all(&staging);
        cluster
    }

    /// Creates the cluster directory, its data directory (a copy of
    /// `template`, else a fresh initdb) and starts the server.
    fn start_from(full: &'static str, server_bin: PathBuf, template: Option<&Path>) -> Cluster {
        let dir = scratch_base().join(format!("pgdumpall-rs-test-{}", unique_suffix()));
        fs::create_dir(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        fs::write(dir.join("owner"), std::process::id().to_string()).expect("write owner file");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod cluster dir");
        chown_to_server(&dir);
        let host = dir
            .to_str()
            .expect("scratch directory path must be UTF-8")
            .to_owned();
        assert!(
            !host.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == '\\'),
            "scratch directory {host:?} must not contain spaces or quotes"
        );
        let mut cluster = Cluster {
            version: full,
            major: major_of(full),
            dir,
            host,
            port: 0,
            server_bin,
            running: false,
        };

        let init = match template {
            Some(template) => {
                let mut cp = server_command(Path::new("cp"));
                cp.arg("-a").arg(template).arg(cluster.data_dir());
                cp
            }
            None => initdb_command(&cluster.server_bin, &cluster.data_dir()),
        };
        let out = run_command(init, None);
        assert!(
            out.status.success(),
            "making the data directory failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        let mut last_error = String::new();
        for _attempt in 0..6 {
            let port = reserve_port();
            cluster.port = port;
            let out = cluster.pg_ctl_start();
            if out.status.success() {
                cluster.running = true;
                return cluster;
            }
            release_port(port);
            last_error = format!(
                "pg_ctl start (port {port}) failed: {}{}\n--- server log ---\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                cluster.server_log()
            );
        }
        cluster.port = 0;
        panic!(
            "cannot start PostgreSQL {full} in {}:\n{last_error}",
            cluster.dir.display()
        );
    }

    fn pg_ctl_start(&self) -> Output {
        let mut cmd = server_command(&self.server_bin.join("pg_ctl"));
        // Contrib modules that link libpq (postgres_fdw, dblink) carry the
        // build machine's RUNPATH (/opt/postgresql/lib): without this they
        // would load the system's older libpq and miss symbols.
        if let Some(toolset) = self.server_bin.parent() {
            cmd.env("LD_LIBRARY_PATH", toolset.join("lib"));
        }
        cmd.arg("-D").arg(self.data_dir());
        cmd.arg("-l").arg(self.dir.join("log"));
        cmd.args(["-w", "-t", "60", "-o"]);
        cmd.arg(format!(
            // DSM segments as files in the data directory: an immediate
            // shutdown leaves POSIX segments behind in /dev/shm.
            "-p {} -k '{}' -c listen_addresses=127.0.0.1 -c fsync=off -c dynamic_shared_memory_type=mmap",
            self.port, self.host
        ));
        cmd.arg("start");
        run_command(cmd, None)
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let mut cmd = server_command(&self.server_bin.join("pg_ctl"));
        cmd.arg("-D").arg(self.data_dir());
        cmd.args(args);
        run_command(cmd, None)
    }

    /// Full version, e.g. "16.15".
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// Major version, e.g. 16.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The socket directory (use as host).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `-h DIR -p PORT -U postgres`.
    pub fn conn_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            self.host.clone(),
            "-p".into(),
            self.port.to_string(),
            "-U".into(),
            SUPERUSER.into(),
        ]
    }

    /// A libpq connection string for database `db` via the socket.
    pub fn connstr(&self, db: &str) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
        format!(
            "host={} port={} user={} dbname={}",
            quote(&self.host),
            self.port,
            SUPERUSER,
            quote(db)
        )
    }

    /// The cluster's temporary directory (socket dir, data, log, tablespaces).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Contents of the server log so far.
    pub fn server_log(&self) -> String {
        fs::read(self.dir.join("log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Path of `program` in this cluster's version's toolset (for clients
    /// of that version; servers run from a possibly mirrored copy).
    pub fn bin(&self, program: &str) -> PathBuf {
        bin(self.version, program)
    }

    /// Creates (if needed) an empty directory owned by the server's OS user
    /// inside the cluster's directory, for `CREATE TABLESPACE ... LOCATION`.
    pub fn tablespace_dir(&self, name: &str) -> PathBuf {
        let root = self.dir.join("tablespaces");
        if !root.exists() {
            mkdir_mode(&root, 0o755);
            chown_to_server(&root);
        }
        let dir = root.join(name);
        mkdir_mode(&dir, 0o700);
        chown_to_server(&dir);
        dir
    }

    fn psql_command(&self, db: &str, extra: &[&str]) -> Command {
        let mut cmd = Command::new(reference_bin("psql"));
        cmd.args(self.conn_args());
        cmd.args(["-X", "-q", "-d", db]);
        cmd.args(extra);
        clean_env(&mut cmd, &[("PGCLIENTENCODING", "UTF8")]);
        cmd
    }

    /// Runs `sql` (any number of statements, psql meta-commands allowed)
    /// with psql 18.6 `-X -q -v ON_ERROR_STOP=1` on database `db`, without
    /// panicking.  The SQL is fed on stdin, so each statement runs on its
    /// own (CREATE DATABASE works).
    pub fn try_psql(&self, db: &str, sql: &str) -> Output {
        let cmd = self.psql_command(db, &["-v", "ON_ERROR_STOP=1", "-f", "-"]);
        run_command(cmd, Some(sql.as_bytes().to_vec()))
    }

    /// Like [`Cluster::try_psql`], panicking with stderr on failure.
    pub fn psql(&self, db: &str, sql: &str) -> Output {
        let out = self.try_psql(db, sql);
        if !out.status.success() {
            panic!(
                "psql on {db} (PostgreSQL {}) failed:\n--- sql ---\n{sql}\n--- stderr ---\n{}",
                self.version,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    /// Runs one query and returns its unaligned, tuples-only output without
    /// the trailing newline (`psql -At`).
    pub fn query(&self, db: &str, sql: &str) -> String {
        let out = self.psql(
            db,
            &format!("\\pset format unaligned\n\\pset tuples_only on\n{sql}\n"),
        );
        let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
        if s.ends_with('\n') {
            s.pop();
        }
        s
    }

    /// Runs a SQL file with `-v ON_ERROR_STOP=1` and the given psql
    /// variables (`-v name=value`), without panicking.
    pub fn try_psql_file_vars(&self, db: &str, path: &Path, vars: &[(&str, &str)]) -> Output {
        let mut extra: Vec<String> = vec!["-v".into(), "ON_ERROR_STOP=1".into()];
        for (k, v) in vars {
            extra.push("-v".into());
            extra.push(format!("{k}={v}"));
        }
        extra.push("-f".into());
        extra.push(path.to_str().expect("UTF-8 path").into());
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        run_command(self.psql_command(db, &extra), None)
    }

    /// Runs a SQL file, panicking with stderr on failure.
    pub fn psql_file_vars(&self, db: &str, path: &Path, vars: &[(&str, &str)]) -> Output {
        let out = self.try_psql_file_vars(db, path, vars);
        if !out.status.success() {
            panic!(
                "psql -f {} on {db} (PostgreSQL {}) failed:\n{}",
                path.display(),
                self.version,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    /// Runs a SQL file with ON_ERROR_STOP, panicking with stderr on failure.
    pub fn psql_file(&self, db: &str, path: &Path) -> Output {
        self.psql_file_vars(db, path, &[])
    }

    /// Restores a dump file the way a user would: `psql -X -f FILE -d db`,
    /// no ON_ERROR_STOP.  Never panics on SQL errors.
    pub fn restore_file(&self, db: &str, path: &Path) -> Output {
        let cmd = self.psql_command(db, &["-f", path.to_str().expect("UTF-8 path")]);
        run_command(cmd, None)
    }

    /// Replaces pg_hba.conf and reloads the server configuration.
    pub fn set_hba(&self, contents: &str) {
        fs::write(self.data_dir().join("pg_hba.conf"), contents).expect("write pg_hba.conf");
        self.reload();
    }

    /// Appends lines to postgresql.conf (call [`Cluster::reload`] or
    /// [`Cluster::restart`] afterwards).
    pub fn append_conf(&self, lines: &str) {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.data_dir().join("postgresql.conf"))
            .expect("open postgresql.conf");
        writeln!(f, "\n{lines}").expect("append postgresql.conf");
    }

    /// Turns TLS on with the given server certificate and key (and, when
    /// given, the CA file whose clients the server asks for certificates)
    /// and restarts the server. The files are copied into the data
    /// directory, owned by the server's OS user, the key with mode 0600.
    pub fn enable_ssl(&mut self, cert: &Path, key: &Path, ca: Option<&Path>) {
        let data = self.data_dir();
        for (from, to) in [(cert, "server.crt"), (key, "server.key")] {
            fs::copy(from, data.join(to))
                .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        }
        fs::set_permissions(data.join("server.key"), fs::Permissions::from_mode(0o600))
            .expect("chmod server.key");
        let ca_line = match ca {
            Some(ca) => {
                fs::copy(ca, data.join("root.crt")).expect("copy CA file");
                chown_to_server(&data.join("root.crt"));
                "ssl_ca_file = 'root.crt'"
            }
            None => "ssl_ca_file = ''",
        };
        chown_to_server(&data.join("server.crt"));
        chown_to_server(&data.join("server.key"));
        self.append_conf(&format!(
            "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n{ca_line}"
        ));
        self.restart();
    }

    pub fn reload(&self) {
        let out = self.pg_ctl(&["reload"]);
        assert_success(&out, "pg_ctl reload");
    }

    pub fn restart(&mut self) {
        let out = self.pg_ctl(&["-m", "fast", "-w", "stop"]);
        assert_success(&out, "pg_ctl stop");
        self.running = false;
        let out = self.pg_ctl_start();
        if !out.status.success() {
            panic!("restart failed:\n{}", self.server_log());
        }
        self.running = true;
    }
}

/// Alive and not a zombie.
fn process_running(pid: i32) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => !matches!(
            stat.rsplit(')')
                .next()
                .and_then(|r| r.trim_start().chars().next()),
            Some('Z') | Some('X')
        ),
        Err(_) => false,
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            // What `pg_ctl stop -m immediate` does, with faster polling than
            // its 100 ms.
            let pid = fs::read_to_string(self.data_dir().join("postmaster.pid"))
                .ok()
                .and_then(|f| f.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
            match pid {
                Some(pid) if pid > 0 => {
                    // SAFETY: signalling our own postmaster.
                    unsafe { libc::kill(pid, libc::SIGQUIT) };
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while process_running(pid) && Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(2));
                    }
                }
                _ => {
                    let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
                }
            }
        }
        if self.port != 0 {
            release_port(self.port);
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// Path of a file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// Loads tests/fixtures/globals.sql into `cluster` (creating its three
/// tablespace directories).  See the fixture for what it creates; the
/// database `skipme` is meant to be excluded with --exclude-database.
pub fn load_globals_fixture(cluster: &Cluster) {
    let ts: Vec<String> = ["ts1", "ts2", "ts3"]
        .iter()
        .map(|n| cluster.tablespace_dir(n).to_str().unwrap().to_owned())
        .collect();
    cluster.psql_file_vars(
        "postgres",
        &fixture("globals.sql"),
        &[("ts1", &ts[0]), ("ts2", &ts[1]), ("ts3", &ts[2])],
    );
}

// ---------------------------------------------------------------------------
// Comparing dumps
// ---------------------------------------------------------------------------

const DUMPED_BY_PREFIXES: [&[u8]; 2] = [
    b"-- Dumped by pg_dump version",
    b"-- Dumped by pg_dumpall version",
];

fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n').collect()
}

/// Replaces each line starting with an allowed "-- Dumped by" prefix by the
/// prefix alone.
fn mask_dumped_by(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, line) in split_lines(data).into_iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        match DUMPED_BY_PREFIXES.iter().find(|p| line.starts_with(p)) {
            Some(prefix) => out.extend_from_slice(prefix),
            None => out.extend_from_slice(line),
        }
    }
    out
}

fn tablespace_location_regex() -> &'static regex::bytes::Regex {
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::bytes::Regex::new(
            r"(?m)(^CREATE TABLESPACE (?s:.*?) LOCATION )(E?'(?:[^'\\]|''|\\.)*')",
        )
        .unwrap()
    })
}

/// Replaces the LOCATION of every `CREATE TABLESPACE` statement by
/// `replacement(n)` (n = 0, 1, ... in order of appearance; the result is
/// inserted as a quoted literal).
pub fn rewrite_tablespace_locations(
    data: &[u8],
    mut replacement: impl FnMut(usize) -> String,
) -> Vec<u8> {
    let mut n = 0;
    tablespace_location_regex()
        .replace_all(data, |caps: &regex::bytes::Captures| {
            let mut v = caps[1].to_vec();
            let new = replacement(n);
            n += 1;
            v.extend_from_slice(format!("'{}'", new.replace('\'', "''")).as_bytes());
            v
        })
        .into_owned()
}

fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.truncate(120);
    out
}

fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        return if d.is_absolute() {
            d
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(d)
        };
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// Saves `data` under target/dump-diffs/ as `<test>__<context>.<label>.sql`
/// and returns the path (falling back to the temp dir if target/ is not
/// writable; never panics).
pub fn save_artifact(context: &str, label: &str, data: &[u8]) -> PathBuf {
    let test = thread::current().name().unwrap_or("unknown").to_owned();
    let file = format!(
        "{}__{}.{}.sql",
        sanitize(&test),
        sanitize(context),
        sanitize(label)
    );
    let dirs = [
        target_dir().join("dump-diffs"),
        std::env::temp_dir().join("pgdumpall-rs-dump-diffs"),
    ];
    for dir in &dirs {
        let path = dir.join(&file);
        if fs::create_dir_all(dir)
            .and_then(|()| fs::write(&path, data))
            .is_ok()
        {
            return path;
        }
    }
    loud(&format!("warning: could not save {file} in {dirs:?}"));
    dirs[0].join(file)
}

fn show_lines(lines: &[&[u8]], first: usize, upto: usize, marker_at: usize) -> String {
    let mut s = String::new();
    for (i, line) in lines
        .iter()
        .enumerate()
        .take(upto.min(lines.len()))
        .skip(first)
    {
        let mark = if i == marker_at { '>' } else { ' ' };
        s.push_str(&format!(
            "{mark}{:6} | {}\n",
            i + 1,
            String::from_utf8_lossy(line)
        ));
    }
    if marker_at >= lines.len() {
        s.push_str(&format!(">{:6} | <end of output>\n", lines.len() + 1));
    }
    s
}

/// Compares normalised outputs; on mismatch saves the raw outputs and
/// panics with a description of the first difference.
fn compare_normalized(
    a_norm: &[u8],
    b_norm: &[u8],
    a_raw: &[u8],
    b_raw: &[u8],
    labels: (&str, &str),
    context: &str,
    note: &str,
) {
    if a_norm == b_norm {
        return;
    }
    let a_lines = split_lines(a_norm);
    let b_lines = split_lines(b_norm);
    let first = a_lines
        .iter()
        .zip(&b_lines)
        .position(|(x, y)| x != y)
        .unwrap_or(a_lines.len().min(b_lines.len()));
    let from = first.saturating_sub(2);
    let upto = first + 3;
    let a_path = save_artifact(context, labels.0, a_raw);
    let b_path = save_artifact(context, labels.1, b_raw);
    let esc = |lines: &[&[u8]]| match lines.get(first) {
        Some(l) => format!("{}", l.escape_ascii()),
        None => "<end of output>".into(),
    };
    panic!(
        "{context}: outputs differ{note}\n\
         first difference at line {line} ({a} has {an} lines, {b} has {bn})\n\
         --- {a} ---\n{a_ctx}--- {b} ---\n{b_ctx}\
         escaped line {line}:\n  {a}: {a_esc}\n  {b}: {b_esc}\n\
         full outputs saved:\n  {a}: {a_path}\n  {b}: {b_path}\n  (diff -u {b_path} {a_path})",
        line = first + 1,
        a = labels.0,
        b = labels.1,
        an = a_lines.len(),
        bn = b_lines.len(),
        a_ctx = show_lines(&a_lines, from, upto, first),
        b_ctx = show_lines(&b_lines, from, upto, first),
        a_esc = esc(&a_lines),
        b_esc = esc(&b_lines),
        a_path = a_path.display(),
        b_path = b_path.display(),
    );
}

/// Asserts that our output equals the reference's byte for byte, except
/// for lines starting with `-- Dumped by pg_dump version` or
/// `-- Dumped by pg_dumpall version`.  On mismatch, panics with `context`,
/// the first differing line and its surroundings, and saves both outputs
/// under target/dump-diffs/.
pub fn assert_same_dump(ours: &[u8], reference: &[u8], context: &str) {
    let a = mask_dumped_by(ours);
    let b = mask_dumped_by(reference);
    compare_normalized(&a, &b, ours, reference, ("ours", "reference"), context, "");
}

/// The prefixes of verbose output's time lines (`-v` writes when each
/// script and each database's part started and completed).
const VERBOSE_TIME_PREFIXES: &[&[u8]] = &[b"-- Started on ", b"-- Completed on "];

/// Replaces the time of every `-- Started on` / `-- Completed on` line by
/// `<time>`; every other line is left as it is.
pub fn mask_verbose_times(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, line) in split_lines(data).into_iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        match VERBOSE_TIME_PREFIXES.iter().find(|p| line.starts_with(p)) {
            Some(prefix) => {
                out.extend_from_slice(prefix);
                out.extend_from_slice(b"<time>");
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// Removes the `-- TOC entry N (class C OID O)` and `-- Dependencies: ...`
/// lines verbose pg_dump writes into each entry's header comment.
/// pgdumpall-rs does not write them (README: pg_dump's dump ids count
/// every object it collects, system ones included, which our archive does
/// not model); everything else of `-v` output must match.
pub fn strip_toc_entry_lines(data: &[u8]) -> Vec<u8> {
    let lines = split_lines(data);
    let kept: Vec<&[u8]> = lines
        .iter()
        .enumerate()
        .filter(|&(i, line)| {
            let in_header = i > 0 && lines[i - 1] == b"--";
            let toc = line.starts_with(b"-- TOC entry ") && in_header;
            let deps = line.starts_with(b"-- Dependencies:")
                && i > 0
                && lines[i - 1].starts_with(b"-- TOC entry ");
            !(toc || deps)
        })
        .map(|(_, line)| *line)
        .collect();
    kept.join(&b'\n')
}

/// Runs both with `-v` added to `args` and compares their stdout: the
/// times of the Started/Completed lines masked, the reference's TOC entry
/// lines removed (see [`strip_toc_entry_lines`]).
pub fn assert_verbose_matches_reference(cluster: &Cluster, args: &[&str]) -> (Output, Output) {
    let mut args = with_restrict_key(args);
    args.push("-v");
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    assert_success(&reference, &format!("reference {context}"));
    assert_success(&ours, &format!("ours {context}"));
    let a = mask_dumped_by(&mask_verbose_times(&ours.stdout));
    let b = mask_dumped_by(&mask_verbose_times(&strip_toc_entry_lines(
        &reference.stdout,
    )));
    compare_normalized(
        &a,
        &b,
        &ours.stdout,
        &reference.stdout,
        ("ours", "reference"),
        &context,
        " (verbose: times masked, the reference's TOC entry lines removed)",
    );
    (ours, reference)
}

/// Replaces the LOCATION of every `CREATE TABLESPACE` by
/// `'<tablespace location>'`.
pub fn mask_tablespace_locations(data: &[u8]) -> Vec<u8> {
    rewrite_tablespace_locations(data, |_| "<tablespace location>".into())
}

// ---------------------------------------------------------------------------
// Restore round trip
// ---------------------------------------------------------------------------

/// What [`restore_round_trip`] saw.
pub struct RoundTrip {
    /// Error lines of restoring our dump (see [`restore_round_trip`]).
    pub ours_errors: Vec<String>,
    /// Error lines of restoring the reference dump.
    pub reference_errors: Vec<String>,
    /// Reference pg_dumpall output of the cluster restored from our dump.
    pub ours_redump: Vec<u8>,
    /// Reference pg_dumpall output of the cluster restored from the reference dump.
    pub reference_redump: Vec<u8>,
}

/// The error lines of a psql restore: server errors (`ERROR:`, `FATAL:`)
/// and psql's own (`psql:FILE:LINE: error: ...`, e.g. an invalid
/// meta-command or a failed \connect), with the `psql:FILE:LINE: ` prefix
/// removed and the cluster's socket directory and port replaced by
/// placeholders, so restores into different clusters compare equal.
fn error_lines(stderr: &[u8], cluster: &Cluster) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"^psql:.*?:\d+: ").unwrap());
    let port = cluster.port().to_string();
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| {
            l.contains("ERROR:")
                || l.contains("FATAL:")
                || re
                    .find(l)
                    .is_some_and(|m| l[m.end()..].starts_with("error:"))
        })
        .map(|l| {
            re.replace(l, "")
                .replace(cluster.host(), "<host>")
                .replace(&format!(".s.PGSQL.{port}"), ".s.PGSQL.<port>")
                .replace(&format!("port {port}"), "port <port>")
        })
        .collect()
}

struct Restored {
    cluster: Cluster,
    restore: Output,
    dump: Output,
}

fn restore_and_redump(version: &str, dump: &[u8], label: &str, dump_args: &[&str]) -> Restored {
    let cluster = Cluster::start(version);
    let rewritten = rewrite_tablespace_locations(dump, |n| {
        cluster
            .tablespace_dir(&format!("restored_{n}"))
            .to_str()
            .unwrap()
            .to_owned()
    });
    let file = cluster.dir().join(format!("{label}.sql"));
    fs::write(&file, &rewritten).expect("write dump to restore");
    let restore = cluster.restore_file("postgres", &file);
    let mut args: Vec<&str> = dump_args.to_vec();
    if !args.iter().any(|a| a.starts_with("--restrict-key")) {
        args.push("--restrict-key");
        args.push(RESTRICT_KEY);
    }
    let dump = run_reference(&cluster, &args);
    Restored {
        cluster,
        restore,
        dump,
    }
}

/// Restores `ours` and `reference` (two dumps of the same cluster) into two
/// fresh clusters of `version` with `psql -X -f FILE -d postgres` (no
/// ON_ERROR_STOP; CREATE TABLESPACE locations are rewritten to fresh
/// directories), then:
/// * asserts that restoring ours raised no error (`ERROR:`, `FATAL:`, or
///   psql's own `error:` lines) that restoring the reference did not raise
///   (compared as multisets, psql's file:line prefixes, socket paths and
///   ports removed);
/// * dumps both restored clusters with the reference pg_dumpall and
///   `dump_args` (plus `--restrict-key`), and asserts the dumps are equal
///   except for "-- Dumped by" lines and tablespace locations.
///
/// Pass `&["-g"]` when only globals were restored, `&[]` for full dumps.
///
/// Note: pg_dump 18 writes `LOCALE_PROVIDER = libc` in CREATE DATABASE,
/// which 14 does not understand, so full (non -g) dumps of a 14 server do
/// not restore into 14; use [`restore_round_trip_into`] with a newer
/// version for those.
pub fn restore_round_trip(
    version: &str,
    ours: &[u8],
    reference: &[u8],
    dump_args: &[&str],
) -> RoundTrip {
    restore_round_trip_into(version, ours, reference, dump_args)
}

/// The server version a dump of a `version` cluster is restored into in
/// round trips: the same, except 14, whose server rejects the
/// LOCALE_PROVIDER clause pg_dump 18 writes; a 14 cluster moves to a newer
/// server, the supported upgrade path.
pub fn restore_target(version: &'static str) -> &'static str {
    if major_of(version) == 14 {
        REFERENCE_VERSION
    } else {
        version
    }
}

/// Dumps `cluster` with ours and the reference (`args` plus the restrict
/// key), asserts both succeed, restores each into a fresh cluster of
/// [`restore_target`] and asserts ours raised exactly the reference's
/// restore errors (the round trip compares the redumps). Returns
/// `(ours, reference)`.
pub fn assert_restores_like_reference(cluster: &Cluster, args: &[&str]) -> (Output, Output) {
    let args = with_restrict_key(args);
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    assert_success(&reference, &format!("reference {context}"));
    assert_success(&ours, &format!("ours {context}"));
    let target = restore_target(cluster.version());
    let trip = restore_round_trip_into(target, &ours.stdout, &reference.stdout, &[]);
    assert_eq!(
        trip.ours_errors, trip.reference_errors,
        "restore errors: {context}"
    );
    (ours, reference)
}

/// [`restore_round_trip`], restoring into clusters of `restore_version`
/// (e.g. a dump of a 14 server into 18, the supported upgrade path).
pub fn restore_round_trip_into(
    restore_version: &str,
    ours: &[u8],
    reference: &[u8],
    dump_args: &[&str],
) -> RoundTrip {
    let version = restore_version;
    let test = thread::current().name().unwrap_or("round trip").to_owned();
    let (o, r) = thread::scope(|s| {
        let o = s.spawn(|| restore_and_redump(version, ours, "ours", dump_args));
        let r = s.spawn(|| restore_and_redump(version, reference, "reference", dump_args));
        let o = o.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        let r = r.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (o, r)
    });
    let context = format!("round trip on {} ({test})", o.cluster.version());

    let ours_errors = error_lines(&o.restore.stderr, &o.cluster);
    let reference_errors = error_lines(&r.restore.stderr, &r.cluster);
    let mut budget: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &reference_errors {
        *budget.entry(e.as_str()).or_default() += 1;
    }
    let mut extra = Vec::new();
    for e in &ours_errors {
        match budget.get_mut(e.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => extra.push(e.clone()),
        }
    }
    let status_worse = !o.restore.status.success() && r.restore.status.success();
    if !extra.is_empty() || status_worse {
        let a = save_artifact(&context, "ours-restore-stderr", &o.restore.stderr);
        let b = save_artifact(&context, "reference-restore-stderr", &r.restore.stderr);
        let c = save_artifact(&context, "ours-dump", ours);
        panic!(
            "{context}: restoring our dump raised errors the reference's restore did not:\n  {}\n\
             psql status: ours {}, reference {}\n\
             restore logs: {} {}\nour dump: {}",
            extra.join("\n  "),
            o.restore.status,
            r.restore.status,
            a.display(),
            b.display(),
            c.display()
        );
    }
    assert_success(
        &o.dump,
        &format!("{context}: reference pg_dumpall of the cluster restored from ours"),
    );
    assert_success(
        &r.dump,
        &format!("{context}: reference pg_dumpall of the cluster restored from the reference"),
    );
    let normalize = |d: &[u8]| mask_dumped_by(&mask_tablespace_locations(d));
    compare_normalized(
        &normalize(&o.dump.stdout),
        &normalize(&r.dump.stdout),
        &o.dump.stdout,
        &r.dump.stdout,
        ("restored-from-ours", "restored-from-reference"),
        &context,
        " (reference pg_dumpall of the two restored clusters)",
    );
    RoundTrip {
        ours_errors,
        reference_errors,
        ours_redump: o.dump.stdout,
        reference_redump: r.dump.stdout,
    }
}

/// Lossy UTF-8 view of program output, for messages.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------
// Differential comparison in one call
// ---------------------------------------------------------------------------

/// `args` followed by `--restrict-key RESTRICT_KEY`.
pub fn with_restrict_key<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--restrict-key", RESTRICT_KEY]);
    v
}

/// Runs the reference and ours against `cluster` with `args` (plus the
/// restrict key), asserts both succeed and their dumps are byte-identical
/// (but for the "-- Dumped by" lines). Returns `(ours, reference)`.
pub fn assert_matches_reference(cluster: &Cluster, args: &[&str]) -> (Output, Output) {
    let args = with_restrict_key(args);
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    assert_success(&reference, &format!("reference {context}"));
    assert_success(&ours, &format!("ours {context}"));
    assert_same_dump(&ours.stdout, &reference.stdout, &context);
    (ours, reference)
}

/// What a hostile role's statements would have left behind after a
/// superuser's restore of `dump` (`psql -X -f`, no ON_ERROR_STOP) into a
/// fresh cluster of [`restore_target`]`(version)`: superusers other than
/// postgres, roles named `pw…` (the security tests' markers), and files
/// in `markers` (payloads using psql's `\!`).
pub fn restore_and_find_escalations(
    version: &'static str,
    dump: &[u8],
    markers: &Path,
) -> Vec<String> {
    let target = Cluster::start(restore_target(version));
    restore_into_and_find_escalations(&target, dump, markers)
}

/// [`restore_and_find_escalations`] into an existing cluster (a `-c` dump
/// can be restored into the same cluster again and again).
pub fn restore_into_and_find_escalations(
    target: &Cluster,
    dump: &[u8],
    markers: &Path,
) -> Vec<String> {
    let file = target.dir().join("dump.sql");
    fs::write(&file, dump).expect("write dump");
    target.restore_file("postgres", &file);
    let roles = target.query(
        "postgres",
        "SELECT rolname FROM pg_catalog.pg_roles \
         WHERE (rolsuper AND rolname <> 'postgres') OR rolname LIKE 'pw%' ORDER BY 1",
    );
    let mut found: Vec<String> = roles.lines().map(str::to_owned).collect();
    if let Ok(entries) = fs::read_dir(markers) {
        for e in entries.flatten() {
            found.push(format!("file {}", e.path().display()));
        }
    }
    found
}
