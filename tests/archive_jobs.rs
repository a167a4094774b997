//! `-j N` with `--format=directory`: several databases at once, each
//! into its own archive; every file is what `-j1` writes (toc.dat but
//! for its creation time, data files byte for byte), map.dat in the same
//! order. When the server refuses connections, fewer jobs, said once;
//! when it refuses even one, pg_dumpall's error and no directory.

mod support;

use std::path::Path;

use support::*;

/// zoo.sql and relations.sql: a dozen databases, large objects, a
/// tablespace.
fn load(cluster: &Cluster) {
    let ts = cluster.tablespace_dir("rel_ts");
    let tsdir = ts.to_str().expect("tablespace path is UTF-8");
    for f in ["zoo.sql", "relations.sql"] {
        cluster.psql_file_vars("postgres", &fixture(f), &[("tsdir", tsdir)]);
    }
}

/// Our directory dump with `-j jobs` and `extra`, as [`dump_files`]
/// reads it (the directory removed after); and its stderr.
fn dump(cluster: &Cluster, name: &str, jobs: &str, extra: &[&str]) -> (Files, String) {
    let dir = cluster.dir().join(name);
    let mut args = vec!["-j", jobs, "--restrict-key", RESTRICT_KEY];
    args.extend_from_slice(extra);
    let out = dump_directory_with_env(cluster, &dir, &args, &[]);
    let files = dump_files(&dir);
    std::fs::remove_dir_all(&dir).expect("remove the dump");
    (files, lossy(&out.stderr))
}

type Files = std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>;

cluster_test!(directory_jobs_write_what_one_job_writes, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for extra in [&[][..], &["-Z", "zstd"]] {
        let (one, _) = dump(&cluster, "one", "1", extra);
        assert!(one.len() > 10, "{:?}", one.keys());
        for jobs in ["2", "4"] {
            let (many, _) = dump(&cluster, "many", jobs, extra);
            assert_same_files(&many, &one, &format!("-j{jobs} {extra:?} against -j1"));
        }
    }
});

cluster_test!(
    directory_jobs_back_off_when_connections_are_refused,
    |version| {
        let mut cluster = Cluster::start(version);
        load(&cluster);
        let (one, quiet) = dump(&cluster, "one", "1", &[]);
        assert_eq!(quiet, "", "-j1 says nothing");
        // Room for the cluster session and two more: -j5 gets two or three
        // of its five (a closed session's slot frees a moment after).
        cluster.append_conf("max_connections = 3\nsuperuser_reserved_connections = 0\n");
        cluster.restart();
        let (many, stderr) = dump(&cluster, "many", "5", &[]);
        assert_same_files(&many, &one, "-j5 with max_connections = 3");
        assert_eq!(
            stderr
                .matches("warning: the server refused a connection")
                .count(),
            1,
            "{stderr}"
        );
        assert!(stderr.contains("; going on with "), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");

        // Room for the cluster session only: no job can be had, which is
        // pg_dumpall's error for the first database (its pg_dump cannot
        // connect), and no directory is left.
        cluster.append_conf("max_connections = 1\n");
        cluster.restart();
        let reference = run_reference(&cluster, &with_restrict_key(&[]));
        assert_eq!(
            reference.status.code(),
            Some(1),
            "{}",
            lossy(&reference.stderr)
        );
        let dir = cluster.dir().join("none");
        let ours = run_ours(&cluster, &["-Fd", "-j4", "-f", dir.to_str().unwrap()]);
        assert_eq!(ours.status.code(), Some(1), "{}", lossy(&ours.stderr));
        assert_eq!(normalized_stderr(&ours), normalized_stderr(&reference));
        assert!(!Path::new(&dir).exists(), "a failed run left {dir:?}");
    }
);
