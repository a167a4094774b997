//! `pgdumpall-rs verify` on real pg_dump directory archives (pg_dump of
//! each server's own version, 14 to 18, with every compression it has):
//! whole archives verify; a truncated data file, a damaged compressed
//! stream and a cluster layout without its manifest fail with a message
//! naming the fault. (Manifests and one-byte changes are covered by the
//! unit tests in src/verify/tests.rs, on directories built there.)

mod support;
use support::*;

use std::path::Path;

const FIXTURE: &str = "
CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 20000) g;
CREATE TABLE \"Empty tab\" (a int);
SELECT lo_from_bytea(0, convert_to(repeat('large object ', 2000), 'UTF8'));
";

fn verify(dir: &Path) -> std::process::Output {
    run_program(&ours_bin(), &["verify", dir.to_str().unwrap()], &[])
}

fn pg_dump_fd(cluster: &Cluster, compress: &str, dir: &Path) {
    let mut args: Vec<String> = cluster.conn_args();
    args.extend(["-Fd", "-Z", compress, "-f"].map(String::from));
    args.push(dir.to_str().unwrap().into());
    args.push("verifydb".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_program(&cluster.bin("pg_dump"), &args, &[]);
    assert_success(&out, &format!("pg_dump -Fd -Z {compress}"));
}

/// The biggest file of an archive: the 20000-row table's data.
fn biggest_file(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
}

cluster_test!(pg_dump_archives_verify, |version| {
    let cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE verifydb");
    cluster.psql("verifydb", FIXTURE);
    let methods: &[&str] = if cluster.major() >= 16 {
        &["none", "gzip", "lz4", "zstd", "zstd:long"]
    } else {
        &["0", "5"]
    };
    let scratch = tempfile::tempdir().unwrap();
    for (i, method) in methods.iter().enumerate() {
        let dir = scratch.path().join(format!("a{i}"));
        pg_dump_fd(&cluster, method, &dir);
        let ok = verify(&dir);
        let said = String::from_utf8_lossy(&ok.stdout).into_owned();
        assert!(ok.status.success(), "{version} -Z {method}: {said}");
        assert!(said.contains(": OK ("), "{said}");
        // 2 tables' data, the blob list and the one blob.
        assert!(said.contains("4 data file(s) read"), "{said}");

        let data = biggest_file(&dir);
        let bytes = std::fs::read(&data).unwrap();
        std::fs::write(&data, &bytes[..bytes.len() - 200]).unwrap();
        let cut = verify(&dir);
        let said = String::from_utf8_lossy(&cut.stdout).into_owned();
        assert_eq!(cut.status.code(), Some(1), "{version} -Z {method}: {said}");
        // The report names the file as the TOC does: without its suffix.
        let name = data.file_name().unwrap().to_string_lossy().into_owned();
        let toc_name = format!("{}.dat", name.split(".dat").next().unwrap());
        assert!(
            said.contains("FAILED: ") && said.contains(&toc_name),
            "{said}"
        );
    }

    // A cluster layout assembled from pg_dumpall -g and pg_dump -Fd, with
    // no manifest: incomplete.
    let layout = scratch.path().join("cluster");
    let oid = cluster.query(
        "postgres",
        "SELECT oid FROM pg_database WHERE datname = 'verifydb'",
    );
    let oid = oid.trim();
    std::fs::create_dir_all(layout.join("databases")).unwrap();
    pg_dump_fd(&cluster, methods[1], &layout.join("databases").join(oid));
    let globals = run_reference(&cluster, &["-g"]);
    assert_success(&globals, "pg_dumpall -g");
    std::fs::write(layout.join("globals.sql"), &globals.stdout).unwrap();
    std::fs::write(layout.join("map.dat"), format!("{oid} verifydb\n")).unwrap();
    let out = verify(&layout);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("FAILED: manifest.txt is missing"), "{said}");
    assert!(said.contains("1 problem(s)"), "{said}");
});
