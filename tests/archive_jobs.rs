//! `-j N` with `--format=directory`: several databases at once, each
//! into its own archive; every file is what `-j1` writes (toc.dat but
//! for its creation time, data files byte for byte), map.dat in the same
//! order. When the server refuses connections, fewer jobs, said once;
//! when it refuses even one, pg_dumpall's error and no directory.
//! Within a database (src/dump/database/directory/split.rs), every table
//! worth a worker (`PGDUMPALL_RS_SPLIT_MIN_PAGES=0`): every data file and
//! `pg_restore -f -` of every archive as at `-j1`, workers having written
//! some (the phase log says which); a table a worker cannot lock at once
//! (an ACCESS EXCLUSIVE request queued behind the dump's lock) is written
//! by the leader, without deadlock.

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

/// The split's settings: every table worth a worker, the phase log on.
const SPLIT_ENV: &[(&str, &str)] = &[
    ("PGDUMPALL_RS_SPLIT_MIN_PAGES", "0"),
    ("PGDUMPALL_RS_LOG", "pgdumpall_rs::phase=debug"),
];

/// Only the database `name`, so that the jobs' connections go to it.
fn only(name: &str) -> Vec<String> {
    let all = ["postgres", "template1", "split db", "locks"];
    (all.iter().filter(|&&db| db != name))
        .map(|db| format!("--exclude-database={db}"))
        .collect()
}

/// Many tables of many kinds in one database, and large objects.
fn load_split(cluster: &Cluster) {
    cluster.psql("postgres", "CREATE DATABASE \"split db\";");
    cluster.psql(
        "split db",
        "CREATE SCHEMA \"Odd \"\"S\"\"\";\n\
         SELECT format('CREATE TABLE t%s (id int, f float8, ts timestamptz, b bytea, j jsonb)', g) \
           FROM generate_series(1, 8) g \\gexec\n\
         SELECT format('INSERT INTO t%s SELECT g, g / 7.0, timestamptz ''2024-01-01'' + g * interval ''1 min'', \
           decode(md5(g::text), ''hex''), jsonb_build_object(''k'', g) FROM generate_series(1, %s) g', i, i * 2500) \
           FROM generate_series(1, 8) i \\gexec\n\
         CREATE TABLE \"Odd \"\"S\"\"\".\"Tab\te\" (k text, v text);\n\
         INSERT INTO \"Odd \"\"S\"\"\".\"Tab\te\" SELECT g::text, repeat(E'x\\\\y\\n', g % 5) FROM generate_series(1, 3000) g;\n\
         CREATE TABLE parent (id int, label text);\n\
         CREATE TABLE child (extra numeric(10,2)) INHERITS (parent);\n\
         INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 2000) g;\n\
         INSERT INTO child SELECT g, 'c' || g, g / 4.0 FROM generate_series(1, 2000) g;\n\
         CREATE TABLE empty_one (x int);\n\
         SELECT lo_from_bytea(0, decode(repeat(md5(g::text), g % 40), 'hex')) IS NOT NULL \
           FROM generate_series(1, 150) g;",
    );
}

/// `pg_restore -f -` of every database archive of `dir`, by OID.
fn restored_scripts(dir: &Path) -> Vec<(String, Vec<u8>)> {
    read_map(dir)
        .into_iter()
        .map(|(oid, name)| {
            let archive = dir.join("databases").join(&oid);
            let args = ["-f", "-", "--restrict-key", RESTRICT_KEY];
            let mut args = args.to_vec();
            args.push(archive.to_str().unwrap());
            let out = run_program(&reference_bin("pg_restore"), &args, &[]);
            assert_success(&out, &format!("pg_restore of {name}"));
            (oid, out.stdout)
        })
        .collect()
}

cluster_test!(
    directory_split_tables_write_what_one_job_writes,
    |version| {
        let cluster = Cluster::start(version);
        load_split(&cluster);
        let base = only("split db");
        for extra in [&[][..], &["-Z", "zstd"], &["--inserts"]] {
            let dump = |jobs: &str| {
                let dir = cluster.dir().join(format!("split-j{jobs}"));
                let mut args = vec!["-j", jobs, "--restrict-key", RESTRICT_KEY];
                args.extend(base.iter().map(String::as_str));
                args.extend_from_slice(extra);
                let out = dump_directory_with_env(&cluster, &dir, &args, SPLIT_ENV);
                let found = (dump_files(&dir), restored_scripts(&dir));
                std::fs::remove_dir_all(&dir).expect("remove the dump");
                (found, lossy(&out.stderr))
            };
            let ((one, one_scripts), _) = dump("1");
            let ((many, many_scripts), stderr) = dump("4");
            let context = format!("{version} -j4 {extra:?}, every table split");
            assert_same_files(&many, &one, &context);
            assert!(
                many_scripts == one_scripts,
                "{context}: pg_restore -f - differs"
            );
            // (The leader writes the files from the front meanwhile: how
            // many the workers get depends on the machine's speed.)
            let by_workers = stderr.matches("a worker reads").count();
            assert!(
                by_workers >= 2,
                "{context}: {by_workers} files by workers\n{stderr}"
            );
            assert!(!stderr.contains("warning:"), "{context}: {stderr}");
        }
    }
);

cluster_test!(
    directory_split_leaves_a_queued_access_exclusive_table_to_the_leader,
    |version| {
        let cluster = Cluster::start(version);
        cluster.psql(
            "postgres",
            "CREATE DATABASE locks; \\connect locks\n\
             CREATE TABLE a_long AS SELECT generate_series(1, 3000000) AS w;\n\
             CREATE TABLE b_queued AS SELECT generate_series(1, 1000) AS x;\n\
             CREATE TABLE c_blocked (y int);\n\
             CREATE TABLE d_after AS SELECT generate_series(1, 1000) AS z;",
        );
        let base = only("locks");
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend(["--restrict-key", RESTRICT_KEY]);
        let one_dir = cluster.dir().join("locks-j1");
        dump_directory_with_env(&cluster, &one_dir, &args, &[]);
        // The dump holds b_queued's ACCESS SHARE lock and waits for
        // c_blocked; then another session queues for ACCESS EXCLUSIVE on
        // b_queued, which a worker's lock request would queue behind.
        let mut holder = PsqlSession::open(&cluster, "locks");
        holder.send("BEGIN; LOCK TABLE c_blocked IN ACCESS EXCLUSIVE MODE;");
        let dir = cluster.dir().join("locks-j4");
        let dump = {
            let mut all = cluster.conn_args();
            all.extend(["-Fd", "-j4", "--lock-wait-timeout=60s", "-f"].map(String::from));
            all.push(dir.to_str().unwrap().to_owned());
            all.extend(args.iter().map(|s| s.to_string()));
            std::thread::spawn(move || {
                let refs: Vec<&str> = all.iter().map(String::as_str).collect();
                run_program(&ours_bin(), &refs, SPLIT_ENV)
            })
        };
        let mut exclusive = queue_access_exclusive(&cluster, "locks", "c_blocked", "b_queued");
        let started = std::time::Instant::now();
        holder.send("COMMIT;");
        holder.finish();
        let out = dump.join().unwrap();
        assert!(started.elapsed().as_secs() < 60, "the dump hung");
        assert_success(&out, "-F d -j4 with a queued ACCESS EXCLUSIVE request");
        assert_same_files(
            &dump_files(&dir),
            &dump_files(&one_dir),
            "-j4 past a queued lock",
        );
        let stderr = lossy(&out.stderr);
        // A worker asked for b_queued's lock, was refused at once, and the
        // leader wrote it; a worker wrote d_after.
        assert!(stderr.contains("worker lock refused"), "{stderr}");
        assert!(
            !stderr.contains("a worker reads TABLE DATA b_queued"),
            "{stderr}"
        );
        assert!(
            stderr.contains("a worker reads TABLE DATA d_after"),
            "{stderr}"
        );
        exclusive.send("COMMIT;");
        exclusive.finish();
    }
);
