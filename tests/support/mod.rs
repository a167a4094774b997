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

mod archive;
mod cluster;
mod commands;
mod compare;
mod restore;
mod server;
mod sessions;
// Each test binary uses a part of the harness.
#[allow(unused_imports)]
pub use archive::*;
#[allow(unused_imports)]
pub use cluster::*;
#[allow(unused_imports)]
pub use commands::*;
#[allow(unused_imports)]
pub use compare::*;
#[allow(unused_imports)]
pub use restore::*;
#[allow(unused_imports)]
pub use server::*;
#[allow(unused_imports)]
pub use sessions::*;
