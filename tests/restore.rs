//! `pgdumpall-rs restore DIR` driving the stock psql and pg_restore: a
//! directory assembled from `pg_dumpall -g` and `pg_dump -Fd` of every
//! database (the layout of our directory format) is restored into a fresh
//! cluster, which then dumps exactly as the original; nothing is dropped;
//! pg_restore's version is checked against the archives.

mod support;
use support::*;

use std::path::Path;

const FIXTURE: &str = r#"
CREATE ROLE "Alice ""A""" LOGIN;
CREATE DATABASE "db One" OWNER "Alice ""A""";
CREATE DATABASE skipped;
"#;

fn assemble(cluster: &Cluster, dir: &Path) {
    std::fs::create_dir_all(dir.join("databases")).unwrap();
    let globals = run_reference(cluster, &["-g", "--restrict-key", RESTRICT_KEY]);
    assert_success(&globals, "pg_dumpall -g");
    std::fs::write(dir.join("globals.sql"), &globals.stdout).unwrap();
    let list = cluster.query(
        "postgres",
        "SELECT oid || ' ' || datname FROM pg_database WHERE datallowconn ORDER BY oid",
    );
    let mut map = String::new();
    for line in list.lines() {
        let (oid, name) = line.split_once(' ').unwrap();
        let mut args = cluster.conn_args();
        let target = dir.join("databases").join(oid);
        args.extend(["-Fd", "-Z", "5", "-j", "2", "-f"].map(String::from));
        args.push(target.to_str().unwrap().into());
        args.push(cluster.connstr(name));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_success(
            &run_program(&cluster.bin("pg_dump"), &args, &[]),
            "pg_dump -Fd",
        );
        map.push_str(&format!("{oid} {name}\n"));
    }
    std::fs::write(dir.join("map.dat"), map).unwrap();
}

fn restore(target: &Cluster, bindir: &Path, dir: &Path, extra: &[&str]) -> std::process::Output {
    let port = target.port().to_string();
    let mut args = vec![
        "restore",
        "-h",
        target.host(),
        "-p",
        &port,
        "-U",
        SUPERUSER,
        "--bindir",
        bindir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(dir.to_str().unwrap());
    run_program(&ours_bin(), &args, &[])
}

cluster_test!(cluster_restore_round_trip, |version| {
    let source = Cluster::start(version);
    source.psql("postgres", FIXTURE);
    source.psql(
        "db One",
        "CREATE TABLE t (id int PRIMARY KEY, v text); \
         INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 5000) g; \
         CREATE INDEX ON t (v); COMMENT ON TABLE t IS 'restored';",
    );
    source.psql("postgres", "CREATE TABLE p AS SELECT 1 AS one");
    source.psql("skipped", "CREATE TABLE s (a int)");
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("dump");
    assemble(&source, &dir);
    let bindir = source.bin("pg_restore").parent().unwrap().to_path_buf();

    let target = Cluster::start(version);
    let out = restore(
        &target,
        &bindir,
        &dir,
        &[
            "--no-verify",
            "-j",
            "2",
            "--jobs-per-database",
            "2",
            "--exclude-database",
            "skipped",
        ],
    );
    assert_success(&out, "restore");
    let args = [
        "--restrict-key",
        RESTRICT_KEY,
        "--exclude-database",
        "skipped",
    ];
    let original = run_reference(&source, &args);
    let restored = run_reference(&target, &args);
    assert_success(&restored, "dump of the restored cluster");
    assert_same_dump(
        &restored.stdout,
        &original.stdout,
        &format!("restore on {version}"),
    );
    assert_eq!(
        target
            .query(
                "postgres",
                "SELECT count(*) FROM pg_database WHERE datname = 'skipped'"
            )
            .trim(),
        "0"
    );

    // Again into the same cluster: "db One" exists, and is not dropped.
    let again = restore(&target, &bindir, &dir, &["--no-verify", "--no-globals"]);
    assert_eq!(again.status.code(), Some(1));
    let said = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(said.contains("pg_restore failed for database"), "{said}");
    assert_eq!(
        target.query("db One", "SELECT count(*) FROM t").trim(),
        "5000"
    );

    // Without --no-verify, a directory with no manifest is refused.
    let refused = restore(&target, &bindir, &dir, &["--no-globals"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        said.contains("manifest.txt is missing") && said.contains("nothing was restored"),
        "{said}"
    );

    // pg_restore 14 cannot read what pg_dump 16 and later write.
    if source.major() >= 16 {
        let old = bin("14", "pg_restore").parent().unwrap().to_path_buf();
        let out = restore(&target, &old, &dir, &["--no-verify", "--no-globals"]);
        assert_eq!(out.status.code(), Some(1));
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        let needed = if source.major() == 16 { "16" } else { "17" };
        assert!(
            said.contains(&format!("it needs pg_restore {needed} or later")),
            "{said}"
        );
    }
});
