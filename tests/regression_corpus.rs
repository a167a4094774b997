//! PostgreSQL's own regression database (what `make installcheck` leaves
//! behind), dumped by ours and by the reference, byte for byte, and
//! restored both ways.
//!
//! The corpus is built and cached by scripts/regression-corpus.sh (Debian's
//! source package of each major; 15 and 18 on deb.debian.org). These tests
//! are `#[ignore]`d in the ordinary suite, which cannot build the corpus;
//! run them with
//! `bash scripts/regression-corpus.sh 15 18 &&
//!  PGDUMPALL_RS_TEST_VERSIONS="15 18" bash scripts/test.sh --test regression_corpus -- --ignored`.
//! A selected version without a cached corpus fails: it is never skipped.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-s"],
    &["-a"],
    &["-c", "--if-exists"],
    &["-O", "-x"],
    &["--quote-all-identifiers"],
];

/// The cached data directory of `major`'s corpus, as in the script:
/// `${PGDUMPALL_RS_REGRESSION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/regression}/<major>/cluster/data`.
fn corpus_data_dir(major: u32) -> PathBuf {
    let cache = regression_cache();
    let data = cache.join(major.to_string()).join("cluster").join("data");
    assert!(
        data.join("PG_VERSION").is_file(),
        "no regression corpus for {major} in {}: run `bash scripts/regression-corpus.sh {major}`",
        data.display()
    );
    data
}

/// The corpus's C functions name their libraries by absolute path: the
/// directory the script recorded in `libdir`, which lives in the temp dir
/// (the server's OS user must reach it) and may have been cleaned since:
/// re-created from the script's copy.
fn ensure_libdir(cluster_cache: &Path) {
    let recorded = fs::read_to_string(cluster_cache.join("libdir"))
        .unwrap_or_else(|e| panic!("{}: {e}", cluster_cache.join("libdir").display()));
    let libdir = PathBuf::from(recorded.trim_end());
    if libdir.join("regress.so").is_file() {
        return;
    }
    fs::create_dir_all(&libdir).unwrap_or_else(|e| panic!("mkdir {}: {e}", libdir.display()));
    for dir in [libdir.as_path(), libdir.parent().unwrap_or(&libdir)] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", dir.display()));
    }
    let saved = cluster_cache.join("lib");
    for entry in fs::read_dir(&saved).unwrap_or_else(|e| panic!("{}: {e}", saved.display())) {
        let from = entry.expect("read_dir entry").path();
        let to = libdir.join(from.file_name().expect("file name"));
        fs::copy(&from, &to).unwrap_or_else(|e| panic!("cp {}: {e}", from.display()));
    }
}

fn start(version: &str) -> Cluster {
    let data = corpus_data_dir(major_of(version));
    ensure_libdir(data.parent().expect("cluster cache"));
    Cluster::start_from_data_dir(version, &data)
}

cluster_test!(
    #[ignore = "needs the corpus of scripts/regression-corpus.sh (run with --ignored)"]
    regression_corpus_matches_reference,
    |version| {
        let cluster = start(version);
        // Every option set is compared, then every failure is reported.
        let mut failures = Vec::new();
        for args in OPTION_SETS {
            match std::panic::catch_unwind(|| assert_matches_reference(&cluster, args)) {
                Ok((_, reference)) => eprintln!(
                    "{version} {args:?}: identical, {} bytes, {} lines",
                    reference.stdout.len(),
                    reference.stdout.split(|&b| b == b'\n').count()
                ),
                Err(_) => failures.push(format!("{args:?}")),
            }
        }
        // The corpus is what the suite left: the regression database, full
        // of every object kind (a cache that lost it must not pass).
        let objects = cluster.query(
            "regression",
            "SELECT (SELECT count(*) FROM pg_class WHERE oid >= 16384) || ' relations, ' || \
             (SELECT count(*) FROM pg_proc WHERE oid >= 16384) || ' functions, ' || \
             (SELECT count(*) FROM pg_type WHERE oid >= 16384) || ' types, ' || \
             (SELECT count(*) FROM pg_operator WHERE oid >= 16384) || ' operators'",
        );
        let databases = cluster.query(
            "postgres",
            "SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database",
        );
        eprintln!(
            "{version}: databases {}; regression: {}",
            databases.trim(),
            objects.trim()
        );
        assert!(
            !objects.starts_with("0 relations"),
            "{version}: the corpus has no relations"
        );
        assert!(
            failures.is_empty(),
            "{version}: dumps differ for {}",
            failures.join(", ")
        );
    }
);

cluster_test!(
    #[ignore = "needs the corpus of scripts/regression-corpus.sh (run with --ignored)"]
    regression_corpus_verbose_matches_reference,
    |version| {
        // -v: every entry's `-- TOC entry N (class C OID O)` and
        // `-- Dependencies:` lines, pg_dump's dump ids over the corpus's
        // every object kind (times masked).
        let cluster = start(version);
        let (ours, _) = assert_verbose_matches_reference(&cluster, &[]);
        let entries = ours
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"-- TOC entry "))
            .count();
        eprintln!("{version} -v: identical, {entries} TOC entry lines");
        assert!(entries > 1000, "{version}: only {entries} TOC entries");
    }
);

cluster_test!(
    #[ignore = "needs the corpus of scripts/regression-corpus.sh (run with --ignored)"]
    regression_corpus_restores_like_the_reference,
    |version| {
        let cluster = start(version);
        let args = with_restrict_key(&[]);
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_success(&reference, &format!("reference {version}"));
        assert_success(&ours, &format!("ours {version}"));
        // Panics on a restore error of ours the reference's restore did not
        // raise, and on any difference between the restored clusters.
        let trip = restore_round_trip_into(
            restore_target(version),
            &ours.stdout,
            &reference.stdout,
            &[],
        );
        assert_eq!(trip.ours_errors, trip.reference_errors, "restore errors");
        eprintln!(
            "{version}: restored both ways, {} restore errors each (the reference's own), \
             redumps identical ({} bytes)",
            trip.reference_errors.len(),
            trip.reference_redump.len()
        );
        for e in &trip.reference_errors {
            eprintln!("  {e}");
        }
    }
);
