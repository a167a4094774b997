//! `--format=directory`: each database's archive against PostgreSQL's own
//! oracle. On the test clusters (zoo, types_routines, views_postdata,
//! relations; large objects included), for every database:
//! * `pg_restore -f -` of our archive is byte for byte `pg_dump`'s plain
//!   output of the database, with the same options;
//! * `pg_restore -l` (with -C, so the database's own entries show) of
//!   ours lists what it lists for `pg_dump -Fd`'s archive, dump ids
//!   included;
//! * `pg_restore -c`, `-c --if-exists` and `-C -c --if-exists` print the
//!   same script for both archives (every entry's drop statement is
//!   pg_dump's);
//! * with `--archive-version=1.14`, pg_restore 14 lists and prints it;
//! * a round trip: `psql -f globals.sql`, then `pg_restore -j 4` of each
//!   database into a fresh cluster, compared by the reference's dump with
//!   the reference's plain dump restored by psql.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::*;

const FIXTURES: &[&str] = &[
    "zoo.sql",
    "types_routines.sql",
    "views_postdata.sql",
    "relations.sql",
];

/// (our dump's and pg_dump's options, pg_restore's options).
const OPTION_SETS: &[(&[&str], &[&str])] = &[
    (&[], &[]),
    (&["-s"], &[]),
    (&["-a"], &[]),
    (&["-O", "-x"], &["-O", "-x"]),
];

fn run(bin: &Path, args: &[&str]) -> Output {
    run_program(bin, args, &[])
}

/// `pg_restore -l` with the archive's time and program masked (the dump
/// ids are compared as they are).
fn listing(bin: &Path, archive: &Path) -> String {
    let out = run(bin, &["-l", "-C", archive.to_str().unwrap()]);
    assert_success(&out, &format!("pg_restore -l {}", archive.display()));
    lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("; Archive created at") && !l.starts_with(";     Dumped by"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// pg_restore's options whose scripts must be the same for our archive and
/// pg_dump's: the drop statements (`-c`), pg_restore's rewriting of them
/// (`--if-exists`), and the database's own (`-C`).
const CLEAN_OPTIONS: &[&[&str]] = &[
    &["-c"],
    &["-c", "--if-exists"],
    &["-C", "-c", "--if-exists"],
];

/// `pg_restore -f - <options>` of our archive and of pg_dump's print the
/// same script, for each of [`CLEAN_OPTIONS`].
fn compare_clean_scripts(ours: &Path, theirs: &Path, context: &str) {
    let pg_restore = reference_bin("pg_restore");
    for options in CLEAN_OPTIONS {
        let script = |archive: &Path| {
            let mut args = vec!["-f", "-", "--restrict-key", RESTRICT_KEY];
            args.extend_from_slice(options);
            args.push(archive.to_str().unwrap());
            let out = run(&pg_restore, &args);
            assert_success(&out, &format!("pg_restore {options:?} {context}"));
            out.stdout
        };
        assert_same_dump(
            &script(ours),
            &script(theirs),
            &format!("pg_restore {} {context}", options.join(" ")),
        );
    }
}

/// Our directory dump of `cluster` into `dir` with `args`, verified; the
/// default options' also damaged (see [`check_verify_finds_a_changed_byte`]).
fn dump_directory(cluster: &Cluster, dir: &Path, args: &[&str]) {
    // (Warnings, such as -a's about circular foreign keys, are the plain
    // format's, tested with it.)
    dump_directory_with_env(cluster, dir, args, &[]);
    if args.is_empty() {
        check_verify_finds_a_changed_byte(dir);
    }
}

/// A copy of `dir` with one byte of a table's data file changed fails
/// verify, naming the file.
fn check_verify_finds_a_changed_byte(dir: &Path) {
    let copy = dir.with_extension("damaged");
    let cp = std::process::Command::new("cp")
        .args(["-r", dir.to_str().unwrap(), copy.to_str().unwrap()])
        .status()
        .expect("cp");
    assert!(cp.success());
    let databases = copy.join("databases");
    let data = std::fs::read_dir(&databases)
        .expect("databases/")
        .flatten()
        .flat_map(|db| std::fs::read_dir(db.path()).expect("an archive").flatten())
        .map(|f| f.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.ends_with(".dat") && name != "toc.dat" && std::fs::metadata(p).unwrap().len() > 0
        })
        .expect("a table's data file");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[0] ^= 0x20;
    std::fs::write(&data, bytes).unwrap();
    let verify = run_program(&ours_bin(), &["verify", copy.to_str().unwrap()], &[]);
    assert_eq!(verify.status.code(), Some(1), "verify of a damaged copy");
    let report = lossy(&verify.stdout) + &lossy(&verify.stderr);
    let file = data.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        report.contains("FAILED") && report.contains(&file),
        "verify must name {file}: {report}"
    );
    std::fs::remove_dir_all(&copy).unwrap();
}

/// Checks every database of a directory dump made with `dump_args` (and
/// `-Z compress`) against pg_dump: its plain output, and the listing and
/// clean scripts of its own directory archive made with the same
/// compression.
fn compare_databases(
    cluster: &Cluster,
    dir: &Path,
    dump_args: &[&str],
    restore_args: &[&str],
    compress: &str,
) {
    let pg_dump = reference_bin("pg_dump");
    let pg_restore = reference_bin("pg_restore");
    let databases = read_map(dir);
    assert!(databases.len() > 5, "{databases:?}");
    for (oid, name) in &databases {
        let context = format!("{} {name} {}", cluster.version(), dump_args.join(" "));
        let archive = dir.join("databases").join(oid);
        let connstr = cluster.connstr(name);
        let mut args: Vec<&str> = dump_args.to_vec();
        args.extend(["--restrict-key", RESTRICT_KEY, "-d", &connstr]);
        let reference = run(&pg_dump, &args);
        assert_success(&reference, &format!("pg_dump {context}"));
        let mut args = vec!["-f", "-", "--restrict-key", RESTRICT_KEY];
        args.extend_from_slice(restore_args);
        args.push(archive.to_str().unwrap());
        let ours = run(&pg_restore, &args);
        assert_success(&ours, &format!("pg_restore of ours {context}"));
        assert_same_dump(&ours.stdout, &reference.stdout, &context);

        let reference_dir = dir.join(format!("pg_dump-{oid}"));
        let mut args: Vec<&str> = dump_args.to_vec();
        let target = reference_dir.to_str().unwrap();
        args.extend(["-Fd", "-Z", compress, "-f", target, "-d", &connstr]);
        assert_success(&run(&pg_dump, &args), &format!("pg_dump -Fd {context}"));
        let theirs = listing(&pg_restore, &reference_dir);
        let ours = listing(&pg_restore, &archive);
        assert_same_dump(ours.as_bytes(), theirs.as_bytes(), &format!("-l {context}"));
        compare_clean_scripts(&archive, &reference_dir, &context);
        std::fs::remove_dir_all(&reference_dir).expect("remove pg_dump's archive");
    }
}

/// Analyzes the catalogs pg_dump's unordered queries read, in every
/// database of `cluster`, once its fixtures are loaded. pg_dump's
/// function query has no ORDER BY and its plan (a hash join or not)
/// follows the catalog statistics, so the functions' dump ids do too:
/// left to autovacuum, the statistics could change between our dump and
/// pg_dump's, and the ids with them. (Not the whole database: ANALYZE of
/// a foreign table connects to its server. The reference's vacuumdb takes
/// --all with -t on every server version.)
fn settle_statistics(cluster: &Cluster) {
    let conn = cluster.conn_args();
    let mut args: Vec<&str> = conn.iter().map(String::as_str).collect();
    args.extend(["--all", "--analyze-only", "--quiet"]);
    for catalog in [
        "pg_proc",
        "pg_init_privs",
        "pg_depend",
        "pg_namespace",
        "pg_cast",
        "pg_transform",
        "pg_policy",
        "pg_class",
        "pg_type",
    ] {
        args.extend(["-t", catalog]);
    }
    let out = run(&reference_bin("vacuumdb"), &args);
    assert_success(&out, "vacuumdb --all --analyze-only");
}

/// Every database of a 1.14 archive lists and prints with pg_restore 14.
fn check_readable_by_14(dir: &Path) {
    let pg_restore = bin("14", "pg_restore");
    for (oid, name) in read_map(dir) {
        let archive = dir.join("databases").join(&oid);
        let archive = archive.to_str().unwrap();
        for args in [
            &["-l", archive][..],
            &["-f", "-", archive],
            &["-C", "-f", "-", archive],
        ] {
            let out = run(&pg_restore, args);
            assert_success(&out, &format!("pg_restore 14 {args:?} of {name}"));
            assert!(out.stderr.is_empty(), "{name}: {}", lossy(&out.stderr));
        }
    }
}

/// Restores a directory dump into a fresh cluster of `version`: globals
/// with psql, then each database with `pg_restore -j 4` (created with -C,
/// but for template1 and postgres, which exist). Returns the cluster and
/// the restore's error lines.
fn restore_directory(version: &'static str, dir: &Path) -> (Cluster, Vec<String>) {
    let target = Cluster::start(version);
    let globals = std::fs::read(dir.join("globals.sql")).expect("globals.sql");
    let globals = fresh_tablespaces(&target, &globals, "ours");
    let globals = target.restore_file("postgres", &globals);
    let mut errors = error_lines(&globals.stderr);
    let pg_restore = reference_bin("pg_restore");
    let conn = target.conn_args();
    for (oid, name) in read_map(dir) {
        let archive: PathBuf = dir.join("databases").join(&oid);
        let mut args: Vec<&str> = conn.iter().map(String::as_str).collect();
        args.extend(["-j", "4"]);
        if name == "template1" || name == "postgres" {
            args.extend(["-d", &name]);
        } else {
            args.extend(["-C", "-d", "postgres"]);
        }
        args.push(archive.to_str().unwrap());
        let out = run(&pg_restore, &args);
        errors.extend(error_lines(&out.stderr));
    }
    (target, errors)
}

/// `dump` with its tablespaces moved to fresh directories of `cluster`,
/// written into the cluster's directory; returns the file.
fn fresh_tablespaces(cluster: &Cluster, dump: &[u8], label: &str) -> PathBuf {
    let rewritten = rewrite_tablespace_locations(dump, |n| {
        let dir = cluster.tablespace_dir(&format!("restored_{n}"));
        dir.to_str().unwrap().to_owned()
    });
    let file = cluster.dir().join(format!("{label}.sql"));
    std::fs::write(&file, rewritten).expect("write the script");
    file
}

/// The server's error messages of a restore (psql's and pg_restore's
/// prefixes removed).
fn error_lines(stderr: &[u8]) -> Vec<String> {
    lossy(stderr)
        .lines()
        .filter_map(|l| l.find("ERROR:").map(|at| l[at..].to_owned()))
        .collect()
}

cluster_test!(directory_archives_match_pg_dump, |version| {
    let cluster = Cluster::start(version);
    let ts = cluster.tablespace_dir("rel_ts");
    let tsdir = ts.to_str().expect("tablespace path is UTF-8");
    for f in FIXTURES {
        cluster.psql_file_vars("postgres", &fixture(f), &[("tsdir", tsdir)]);
    }
    settle_statistics(&cluster);
    for (i, (dump_args, restore_args)) in OPTION_SETS.iter().enumerate() {
        let dir = cluster.dir().join(format!("dir{i}"));
        dump_directory(&cluster, &dir, dump_args);
        compare_databases(&cluster, &dir, dump_args, restore_args, "none");
        // globals.sql is what -g writes.
        let mut args = vec!["-g", "--restrict-key", RESTRICT_KEY];
        args.extend_from_slice(dump_args);
        let g = run_ours(&cluster, &args);
        assert_success(&g, "ours -g");
        let globals = std::fs::read(dir.join("globals.sql")).expect("globals.sql");
        let mask = |d: &[u8]| lossy(d).replace(RESTRICT_KEY, "KEY");
        let masked = lossy(&globals);
        let key = masked
            .lines()
            .find_map(|l| l.strip_prefix("\\restrict "))
            .expect("a restrict key")
            .to_owned();
        assert_eq!(masked.replace(&key, "KEY"), mask(&g.stdout), "globals.sql");
        if i > 0 {
            std::fs::remove_dir_all(&dir).expect("remove the dump");
        }
    }

    // -Z: every data and large-object file compressed as pg_dump -Fd -Z
    // compresses them; pg_restore reads them back to the same script.
    for method in ["gzip", "lz4", "zstd"] {
        let dir = cluster.dir().join(format!("dir-{method}"));
        dump_directory(&cluster, &dir, &["-Z", method]);
        compare_databases(&cluster, &dir, &[], &[], method);
        std::fs::remove_dir_all(&dir).expect("remove the dump");
    }

    // A run that fails (a table locked past --lock-wait-timeout) leaves
    // nothing behind: neither the directory it made, nor anything in the
    // empty directory it was given.
    let mut locker = std::process::Command::new(cluster.bin("psql"))
        .args(["-X", "-q", "-d", &cluster.connstr("zoo"), "-c"])
        .arg("BEGIN; LOCK TABLE \"Zoo Schema\".keeper IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30);")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the locking session");
    let wait = std::time::Instant::now();
    while cluster
        .query("postgres", "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND locktype = 'relation'")
        .trim()
        == "0"
    {
        assert!(wait.elapsed().as_secs() < 30, "the lock was never taken");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let fresh = cluster.dir().join("dir-failed");
    let given = cluster.dir().join("dir-given");
    std::fs::create_dir(&given).expect("mkdir");
    for dir in [&fresh, &given] {
        let args = [
            "-Fd",
            "-f",
            dir.to_str().unwrap(),
            "--lock-wait-timeout=100ms",
        ];
        let out = run_ours(&cluster, &args);
        assert_eq!(out.status.code(), Some(1), "{}", lossy(&out.stderr));
        assert!(lossy(&out.stderr).contains("pg_dump failed on database \"zoo\""));
    }
    assert!(!fresh.exists(), "a failed run left its directory");
    assert_eq!(std::fs::read_dir(&given).expect("still there").count(), 0);
    let _ = locker.kill();
    let _ = locker.wait();

    // Archive version 1.14: pg_restore 14 reads every archive.
    let old = cluster.dir().join("dir-1.14");
    dump_directory(&cluster, &old, &["--archive-version=1.14"]);
    check_readable_by_14(&old);

    // The round trip: our directory restored with pg_restore -j 4, the
    // reference's plain dump with psql; the reference's dumps of both
    // compared.
    // (psql stops at the reference's \connect to a non-ASCII name after a
    // LATIN1 database's section, and to the LATIN1 database, whose name
    // the reference writes in LATIN1: see tests/zoo.rs. ASCII names let
    // the reference's restore go through; ours restores them as they are.)
    cluster.psql(
        "postgres",
        "ALTER DATABASE \"Zoo \"\"Lat1\"\" été\" RENAME TO zoo_lat1; \
         ALTER DATABASE \"tr Ödd\" RENAME TO tr_odd;",
    );
    let dir = cluster.dir().join("dir-round-trip");
    dump_directory(&cluster, &dir, &[]);
    let reference = run_reference(&cluster, &with_restrict_key(&[]));
    assert_success(&reference, "reference pg_dumpall");
    let target = restore_target(version);
    let (restored, ours_errors) = restore_directory(target, &dir);
    let baseline = Cluster::start(target);
    let plain = fresh_tablespaces(&baseline, &reference.stdout, "reference");
    let baseline_restore = baseline.restore_file("postgres", &plain);
    let reference_errors = error_lines(&baseline_restore.stderr);
    // Each error of ours is one the reference's restore raised too (as
    // often or more: pg_restore's -j sessions each run the script's
    // settings, e.g. transaction_timeout, which servers before 17 refuse).
    let extra: Vec<&String> = ours_errors
        .iter()
        .filter(|e| !reference_errors.contains(e))
        .collect();
    assert!(
        extra.is_empty(),
        "restore errors the reference's restore did not raise: {extra:#?}"
    );
    // Rows compared in byte order within each table: pg_restore -j 4
    // loads s1.henum's partitions through its root at once (see
    // `sort_copy_rows`).
    let redump = |c: &Cluster| {
        let out = run_reference(c, &with_restrict_key(&[]));
        assert_success(&out, "reference pg_dumpall of a restored cluster");
        sort_copy_rows(&mask_tablespace_locations(&out.stdout))
    };
    assert_same_dump(
        &redump(&restored),
        &redump(&baseline),
        &format!("round trip {version} (restored from ours / from the reference)"),
    );
});

/// The other fixtures, with the objects the four above lack (casts,
/// transforms, text search, foreign data, operators, access methods,
/// statistics, publications, more indexes and constraints...), and an
/// extension with configuration tables in database `cfgdb`: pg_dump reads
/// the column defaults, constraints and indexes of those tables (making
/// them "interesting" when it makes their data objects) and numbers them,
/// although it never prints them; our ids count them too.
const MORE_FIXTURES: &[&str] = &[
    "text_search.sql",
    "foreign_data.sql",
    "collations_casts.sql",
    "operators.sql",
    "statistics.sql",
    "content_options.sql",
    "indexes.sql",
    "extended_statistics.sql",
    "publications.sql",
    "operations.sql",
    "databases.sql",
];

cluster_test!(more_fixtures_match_pg_dump, |version| {
    install_test_extensions(&fixture("extension"));
    let cluster = Cluster::start(version);
    for f in MORE_FIXTURES {
        cluster.psql_file("postgres", &fixture(f));
    }
    cluster.psql_file("opdb", &fixture("operators_ties.sql"));
    cluster.psql("postgres", "CREATE DATABASE cfgdb");
    cluster.psql_file("cfgdb", &fixture("extension_config.sql"));
    settle_statistics(&cluster);
    for (i, (dump_args, restore_args)) in OPTION_SETS.iter().enumerate() {
        let dir = cluster.dir().join(format!("more{i}"));
        dump_directory(&cluster, &dir, dump_args);
        compare_databases(&cluster, &dir, dump_args, restore_args, "none");
        std::fs::remove_dir_all(&dir).expect("remove the dump");
    }
});
