//! Robustness: failure paths (a table dropped while the dump waits for its
//! lock, a database dropped between the database list and its dump, the
//! connection killed mid-COPY, permission denied for a non-superuser, a
//! name that cannot be sent), the number of statements sent per database
//! (it must not grow with the number of tables), and the `-c | psql`
//! upgrade path into a cluster that holds an older copy of the source.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;

use support::*;

const TRAILER: &[u8] = b"--\n-- PostgreSQL database cluster dump complete\n--\n\n";

/// Exit code 1; ours leaves no file behind (the reference leaves a partial
/// one, which must not look complete).
fn assert_failed(out: &Output, file: &Path, ours: bool, what: &str) {
    assert_eq!(out.status.code(), Some(1), "{what}: {}", lossy(&out.stderr));
    if ours {
        assert!(!file.exists(), "{what}: left {}", file.display());
    } else if let Ok(data) = std::fs::read(file) {
        assert!(!data.ends_with(TRAILER), "{what}: complete-looking file");
    }
    let _ = std::fs::remove_file(file);
}

fn programs() -> [(PathBuf, bool); 2] {
    [(reference_bin("pg_dumpall"), false), (ours_bin(), true)]
}

cluster_test!(table_dropped_while_dump_waits_for_its_lock, |version| {
    let cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE fail_db;");
    let file = cluster.dir().join("dump.sql");
    let file_arg = file.to_str().unwrap().to_owned();
    let mut errors = Vec::new();
    for (program, ours) in programs() {
        cluster.psql(
            "fail_db",
            "DROP TABLE IF EXISTS victim, other; CREATE TABLE victim (x int); \
             CREATE TABLE other (y int); INSERT INTO victim VALUES (1);",
        );
        let mut s = PsqlSession::open(&cluster, "fail_db");
        s.send("BEGIN; LOCK TABLE victim IN ACCESS EXCLUSIVE MODE;");
        let locked = "SELECT count(*) FROM pg_locks WHERE relation = 'victim'::regclass \
                      AND mode = 'AccessExclusiveLock' AND granted";
        wait_for(&cluster, "fail_db", locked, "1");
        let dump = spawn_dump(
            program,
            &cluster,
            &["--restrict-key", RESTRICT_KEY, "-f", &file_arg],
        );
        // The dump waits for its ACCESS SHARE lock on the table.
        let waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'victim'::regclass \
                       AND mode = 'AccessShareLock' AND NOT granted";
        wait_for(&cluster, "fail_db", waiting, "1");
        s.send("DROP TABLE victim; COMMIT;");
        s.finish();
        let out = dump.join().unwrap();
        assert_failed(&out, &file, ours, "table dropped");
        errors.push(normalized_stderr(&out));
    }
    assert!(
        errors[0]
            .contains("error: query failed: ERROR:  relation \"public.victim\" does not exist"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("error: pg_dump failed on database \"fail_db\", exiting"));
    assert_eq!(errors[1], errors[0], "ours vs the reference");
});

cluster_test!(index_dropped_while_dump_waits_for_its_lock, |version| {
    // pg_get_indexdef reads the catalogs as they are now, not as the dump's
    // snapshot sees them: an index dropped after the snapshot is still
    // listed, and its definition comes back NULL. OursAsReference stops with an
    // error naming the index (exit 1, no file), never a panic.
    let cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE drop_db;");
    let file = cluster.dir().join("dump.sql");
    let file_arg = file.to_str().unwrap().to_owned();
    for (program, ours) in programs() {
        cluster.psql(
            "drop_db",
            "DROP TABLE IF EXISTS t; CREATE TABLE t (x int); \
             CREATE INDEX t_partial ON t (x) WHERE x > 0;",
        );
        // DROP INDEX holds ACCESS EXCLUSIVE on t until COMMIT.
        let mut s = PsqlSession::open(&cluster, "drop_db");
        s.send("BEGIN; DROP INDEX t_partial;");
        let locked = "SELECT count(*) FROM pg_locks WHERE relation = 't'::regclass \
                      AND mode = 'AccessExclusiveLock' AND granted";
        wait_for(&cluster, "drop_db", locked, "1");
        let dump = spawn_dump(
            program,
            &cluster,
            &["--restrict-key", RESTRICT_KEY, "-f", &file_arg],
        );
        let waiting = "SELECT count(*) FROM pg_locks WHERE relation = 't'::regclass \
                       AND mode = 'AccessShareLock' AND NOT granted";
        wait_for(&cluster, "drop_db", waiting, "1");
        s.send("COMMIT;");
        s.finish();
        let out = dump.join().unwrap();
        let stderr = normalized_stderr(&out);
        if !ours {
            // pg_dump prints the NULL as an empty definition and goes on.
            eprintln!("reference: {:?}\n{stderr}", out.status.code());
            let _ = std::fs::remove_file(&file);
            continue;
        }
        assert_failed(&out, &file, ours, "index dropped");
        assert!(
            stderr.contains(
                "error: query to obtain definition of index \"t_partial\" returned NULL\n\
                 detail: The index was probably dropped while the dump was running.\n\
                 error: pg_dump failed on database \"drop_db\", exiting"
            ),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
});

cluster_test!(backend_terminated_while_waiting_for_a_lock, |version| {
    let cluster = Cluster::start(version);
    cluster.psql(
        "postgres",
        "CREATE DATABASE term_db; \\connect term_db\nCREATE TABLE waited (x int);",
    );
    let file = cluster.dir().join("dump.sql");
    let file_arg = file.to_str().unwrap().to_owned();
    let mut errors = Vec::new();
    for (program, ours) in programs() {
        let mut s = PsqlSession::open(&cluster, "term_db");
        s.send("BEGIN; LOCK TABLE waited IN ACCESS EXCLUSIVE MODE;");
        let dump = spawn_dump(
            program,
            &cluster,
            &["--restrict-key", RESTRICT_KEY, "-f", &file_arg],
        );
        let waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'waited'::regclass \
                       AND mode = 'AccessShareLock' AND NOT granted";
        wait_for(&cluster, "term_db", waiting, "1");
        cluster.query(
            "term_db",
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'waited'::regclass \
             AND mode = 'AccessShareLock' AND NOT granted",
        );
        let out = dump.join().unwrap();
        s.send("COMMIT;");
        s.finish();
        assert_failed(&out, &file, ours, "backend terminated");
        errors.push(normalized_stderr(&out));
    }
    assert!(
        errors[0].contains(
            "error: query failed: FATAL:  terminating connection due to administrator command\n\
             server closed the connection unexpectedly"
        ),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1], errors[0], "ours vs the reference");
});

cluster_test!(interrupted_dump_leaves_no_file, |version| {
    // SIGINT, SIGTERM or SIGHUP while the dump waits for a lock: the
    // reference leaves its partial file; ours removes its temporary file.
    let cluster = Cluster::start(version);
    cluster.psql(
        "postgres",
        "CREATE DATABASE sig_db; \\connect sig_db\nCREATE TABLE waited (x int);",
    );
    let dir = cluster.dir().join("out");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("dump.sql");
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let mut s = PsqlSession::open(&cluster, "sig_db");
        s.send("BEGIN; LOCK TABLE waited IN ACCESS EXCLUSIVE MODE;");
        let mut cmd = Command::new(ours_bin());
        cmd.args(cluster.conn_args());
        cmd.arg("-f").arg(&file);
        without_pg_environment(&mut cmd);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn dump");
        let waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'waited'::regclass \
                       AND mode = 'AccessShareLock' AND NOT granted";
        wait_for(&cluster, "sig_db", waiting, "1");
        let partial = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(partial, 1, "the temporary file exists while dumping");
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let status = child.wait().unwrap();
        // As pg_dumpall ends when pg_dump is interrupted: SIGINT ends with
        // status 1 (pg_dumpall ignores it while pg_dump runs), SIGTERM and
        // SIGHUP kill it (tests/faults.rs checks the messages and the
        // cancel request).
        use std::os::unix::process::ExitStatusExt;
        if sig == libc::SIGINT {
            assert_eq!(status.code(), Some(1), "{status}");
        } else {
            assert_eq!(status.signal(), Some(sig), "{status}");
        }
        s.send("COMMIT;");
        s.finish();
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "signal {sig} left {left:?}");
    }
});

cluster_test!(database_dropped_after_the_database_list, |version| {
    let cluster = Cluster::start(version);
    let file = cluster.dir().join("dump.sql");
    let file_arg = file.to_str().unwrap().to_owned();
    cluster.psql(
        "postgres",
        "CREATE DATABASE a_block; \\connect a_block\nCREATE TABLE blocker (x int);",
    );
    // OursAsReference reads the next databases' catalogs ahead (two at a time) while
    // one waits: databases between the blocked one and the dropped one keep
    // zz_gone out of that window, so its connection happens after the drop
    // for both programs.
    for filler in ["m1", "m2", "m3"] {
        cluster.psql("postgres", &format!("CREATE DATABASE {filler};"));
    }
    let mut errors = Vec::new();
    for (program, ours) in programs() {
        cluster.psql("postgres", "CREATE DATABASE zz_gone;");
        // The dump of a_block (before zz_gone) waits for a lock while
        // zz_gone, already in the database list, is dropped.
        let mut s = PsqlSession::open(&cluster, "a_block");
        s.send("BEGIN; LOCK TABLE blocker IN ACCESS EXCLUSIVE MODE;");
        let dump = spawn_dump(
            program,
            &cluster,
            &["--restrict-key", RESTRICT_KEY, "-f", &file_arg],
        );
        let waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'blocker'::regclass \
                       AND mode = 'AccessShareLock' AND NOT granted";
        wait_for(&cluster, "a_block", waiting, "1");
        cluster.psql("postgres", "DROP DATABASE zz_gone;");
        s.send("COMMIT;");
        s.finish();
        let out = dump.join().unwrap();
        assert_failed(&out, &file, ours, "database dropped");
        errors.push(normalized_stderr(&out));
    }
    assert!(
        errors[0].contains("FATAL:  database \"zz_gone\" does not exist"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("error: pg_dump failed on database \"zz_gone\", exiting"));
    assert_eq!(errors[1], errors[0], "ours vs the reference");
});

cluster_test!(connection_killed_mid_copy, |version| {
    let cluster = Cluster::start(version);
    cluster.psql(
        "postgres",
        "CREATE DATABASE killdb; \\connect killdb\n\
         CREATE TABLE big AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 60000) g;",
    );
    let mut errors = Vec::new();
    for (program, _ours) in programs() {
        // Nobody reads the dump's stdout until the backend is killed: the
        // COPY stalls with the pipe and the socket full.
        let mut cmd = Command::new(&program);
        cmd.args(cluster.conn_args());
        cmd.args(["--restrict-key", RESTRICT_KEY]);
        without_pg_environment(&mut cmd);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd.spawn().expect("spawn dump");
        let copying = "SELECT count(*) FROM pg_stat_activity \
                       WHERE query LIKE 'COPY public.big %' AND state = 'active' AND pid <> pg_backend_pid()";
        wait_for(&cluster, "postgres", copying, "1");
        cluster.query(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE query LIKE 'COPY public.big %' AND state = 'active' AND pid <> pg_backend_pid()",
        );
        let out = child.wait_with_output().expect("wait for dump");
        assert_eq!(out.status.code(), Some(1), "{}", lossy(&out.stderr));
        assert!(!out.stdout.ends_with(TRAILER));
        errors.push(normalized_stderr(&out));
    }
    for e in &errors {
        // Which libpq call sees the end depends on when the termination
        // arrives: the connection closing mid-stream (PQgetCopyData) or the
        // server's FATAL message ending the COPY (PQgetResult). pg_dump
        // itself says either under load; so may we.
        let failed = |call: &str| {
            e.contains(&format!(
                "error: Dumping the contents of table \"big\" failed: {call}() failed."
            ))
        };
        assert!(failed("PQgetCopyData") || failed("PQgetResult"), "{e}");
        assert!(e.contains("detail: Error message from server: "), "{e}");
        assert!(
            e.contains("detail: Command was: COPY public.big (g, pad) TO stdout;"),
            "{e}"
        );
        assert!(
            e.contains("error: pg_dump failed on database \"killdb\", exiting"),
            "{e}"
        );
    }
});

cluster_test!(permission_denied_for_a_non_superuser, |version| {
    let cluster = Cluster::start(version);
    cluster.psql(
        "postgres",
        "CREATE ROLE limited LOGIN; CREATE DATABASE perm; \\connect perm\n\
         CREATE TABLE open_t (x int); GRANT SELECT ON open_t TO limited; \
         CREATE TABLE secret (x int);",
    );
    let file = cluster.dir().join("dump.sql");
    let file_arg = file.to_str().unwrap().to_owned();
    let host = cluster.host().to_owned();
    let port = cluster.port().to_string();
    for extra in [&[][..], &["--no-role-passwords"][..]] {
        let mut args = vec![
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            "limited",
            "--restrict-key",
            RESTRICT_KEY,
            "-f",
            &file_arg,
        ];
        args.extend_from_slice(extra);
        let mut errors = Vec::new();
        for (program, ours) in programs() {
            let out = run_program(&program, &args, &[]);
            assert_failed(&out, &file, ours, &format!("limited {extra:?}"));
            errors.push(normalized_stderr(&out));
        }
        let expect = if extra.is_empty() {
            "error: query failed: ERROR:  permission denied for table pg_authid"
        } else {
            "error: query failed: ERROR:  permission denied for table secret"
        };
        assert!(errors[0].contains(expect), "{}", errors[0]);
        if extra.is_empty() {
            // Both stop at the roles query (whose text differs).
            assert!(errors[1].contains(expect), "{}", errors[1]);
        } else {
            assert_eq!(errors[1], errors[0], "ours vs the reference");
        }
    }
});

cluster_test!(names_that_are_not_utf8_dump_like_the_reference, |version| {
    // A SQL_ASCII database may hold names that are not valid UTF-8: they
    // go to the server as their bytes (tests/legacy_encodings.rs has the
    // whole byte range).
    let cluster = Cluster::start(version);
    cluster.psql(
        "postgres",
        "CREATE DATABASE raw_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;\n\
         \\connect raw_ascii\nSET client_encoding = 'SQL_ASCII';\n\
         DO $$ BEGIN EXECUTE format('CREATE TABLE %I (x int)', 'caf' || chr(233)); END $$;",
    );
    assert_matches_reference(&cluster, &[]);
});

/// Statements a helper session adds: pg_export_snapshot, and on the
/// helper the server-version query every connection makes, the session
/// settings, and BEGIN with SET TRANSACTION SNAPSHOT.
const HELPER_STATEMENTS: usize = 4;

cluster_test!(
    statements_do_not_grow_with_the_number_of_tables,
    |version| {
        let mut cluster = Cluster::start(version);
        // LATIN1 databases with non-ASCII table and column names: the names
        // that are not UTF-8 on the wire must not cost one query each either.
        let make = |db: &str, n: usize| {
            cluster.psql(
            "postgres",
            &format!(
                "CREATE DATABASE {db} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;\n\
                 \\connect {db}\n\
                 DO $$ BEGIN FOR i IN 1..{n} LOOP \
                   EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, ref int, \"vé\" text CHECK (\"vé\" <> %L), \
                     u int UNIQUE)', 'tè' || i, 'bad'); \
                   EXECUTE format('CREATE INDEX ON %I (\"vé\")', 'tè' || i); \
                   IF i > 1 THEN EXECUTE format('ALTER TABLE %I ADD FOREIGN KEY (ref) REFERENCES %I', \
                     'tè' || i, 'tè' || (i - 1)); END IF; \
                   EXECUTE format('INSERT INTO %I VALUES (1, NULL, %L, 1)', 'tè' || i, 'rôw ' || i); \
                   EXECUTE format('COMMENT ON TABLE %I IS %L', 'tè' || i, 'täble ' || i); \
                 END LOOP; END $$;"
            ),
        );
        };
        make("bulk100", 100);
        make("bulk1000", 1000);
        let log = our_logged_statements(&mut cluster, &[], &format!("bulk {version}"));
        let log = log.as_str();
        let small = statement_counts(log, "bulk100");
        let large = statement_counts(log, "bulk1000");
        eprintln!("statements (other, COPY): 100 tables {small:?}, 1000 tables {large:?}");
        assert_eq!(small.1, 100, "COPY statements for 100 tables");
        assert_eq!(large.1, 1000, "COPY statements for 1000 tables");
        // A database of 2,000 user relations or more also gets a helper session
        // for some catalog reads: a fixed handful of statements to export
        // and join the snapshot (the reads themselves only move).
        assert!(
            large.0 >= small.0 && large.0 <= small.0 + HELPER_STATEMENTS,
            "statements other than COPY: {} for 1000 tables, {} for 100",
            large.0,
            small.0
        );
        assert!(small.0 > 0);
    }
);

cluster_test!(empty_tables_skip_the_copy_and_others_keep_it, |version| {
    // Tables whose heap file is empty are written without asking the
    // server for their (empty) COPY. Every table that has a row, or
    // only ever had rows, must still be copied: in the default
    // tablespace, in another one, in a database whose default
    // tablespace is another one, unlogged, refilled after a TRUNCATE,
    // with every row deleted but the pages still there.
    let mut cluster = Cluster::start(version);
    let ts = cluster.tablespace_dir("empty_ts");
    let tables = "CREATE TABLE t_empty (a int, b text);\n\
             CREATE TABLE t_full (a int, b text);\n\
             INSERT INTO t_full VALUES (1, 'one'), (2, NULL);\n\
             CREATE TABLE t_deleted (a int) WITH (autovacuum_enabled = false);\n\
             INSERT INTO t_deleted SELECT generate_series(1, 100);\n\
             DELETE FROM t_deleted;\n\
             CREATE UNLOGGED TABLE t_unlogged (a int);\n\
             INSERT INTO t_unlogged VALUES (7);\n\
             CREATE UNLOGGED TABLE t_unlogged_empty (a int);\n\
             CREATE TABLE t_refilled (a int);\n\
             INSERT INTO t_refilled VALUES (1);\n\
             BEGIN; TRUNCATE t_refilled; INSERT INTO t_refilled VALUES (2); COMMIT;\n\
             CREATE TABLE t_toasted (a text);\n\
             INSERT INTO t_toasted SELECT string_agg(md5(i::text), '') FROM generate_series(1, 2000) i;\n";
    cluster.psql(
        "postgres",
        &format!(
            "CREATE TABLESPACE empty_ts LOCATION '{}';\n\
                 CREATE DATABASE in_ts TABLESPACE empty_ts;\n\
                 CREATE TABLE t_ts (a int) TABLESPACE empty_ts;\n\
                 INSERT INTO t_ts VALUES (1);\n\
                 CREATE TABLE t_ts_empty (a int) TABLESPACE empty_ts;\n\
                 {tables}",
            ts.display()
        ),
    );
    cluster.psql(
        "in_ts",
        &format!(
            "{tables}CREATE TABLE t_default_ts (a int) TABLESPACE pg_default;\n\
                 INSERT INTO t_default_ts VALUES (3);\n\
                 CREATE TABLE t_default_ts_empty (a int) TABLESPACE pg_default;\n"
        ),
    );
    let args = ["--restrict-key", RESTRICT_KEY];
    let reference = run_reference(&cluster, &args);
    assert_success(&reference, "reference");
    cluster.append_conf("log_statement = 'all'\nlog_line_prefix = '%d|'\n");
    cluster.restart();
    let before = cluster.server_log().len();
    let ours = run_ours(&cluster, &args);
    assert_success(&ours, "ours");
    assert_same_dump(
        &mask_tablespace_locations(&ours.stdout),
        &mask_tablespace_locations(&reference.stdout),
        &format!("empty tables {version}"),
    );
    let log = cluster.server_log();
    let log = &log[before..];
    // t_full, t_deleted, t_unlogged, t_refilled, t_toasted, and t_ts or
    // t_default_ts: six COPYs, none for the three empty tables.
    assert_eq!(statement_counts(log, "postgres").1, 6, "COPYs in postgres");
    assert_eq!(statement_counts(log, "in_ts").1, 6, "COPYs in in_ts");
    // A non-superuser (here with pg_read_all_data) cannot read file
    // sizes: every table is copied, and the output is the same.
    cluster.psql(
        "postgres",
        "CREATE ROLE reader LOGIN; GRANT pg_read_all_data TO reader;",
    );
    let mut as_reader = vec!["-U", "reader", "--no-role-passwords"];
    as_reader.extend_from_slice(&args);
    let reference = run_reference(&cluster, &as_reader);
    assert_success(&reference, "reference as reader");
    let before = cluster.server_log().len();
    let ours = run_ours(&cluster, &as_reader);
    assert_success(&ours, "ours as reader");
    assert_same_dump(
        &mask_tablespace_locations(&ours.stdout),
        &mask_tablespace_locations(&reference.stdout),
        &format!("empty tables as reader {version}"),
    );
    let log = cluster.server_log();
    assert_eq!(
        statement_counts(&log[before..], "in_ts").1,
        9,
        "COPYs as reader"
    );
});

/// psql's error lines of a restore into `cluster`, from the level word
/// on (the `psql:FILE:LINE: ` prefix removed), the socket directory and
/// port replaced by placeholders.
fn restore_errors(out: &Output, cluster: &Cluster) -> Vec<String> {
    lossy(&out.stderr)
        .lines()
        .filter_map(|l| {
            let at = ["ERROR:", "FATAL:", "error:"]
                .iter()
                .filter_map(|w| l.find(w))
                .min()?;
            Some(
                l[at..]
                    .replace(cluster.host(), "<host>")
                    .replace(&cluster.port().to_string(), "<port>"),
            )
        })
        .collect()
}

cluster_test!(clean_dump_upgrades_an_older_copy, |version| {
    // The source: the zoo.  An older copy of it is restored from our dump
    // into a second cluster; then the source changes and our `-c` dump is
    // run into that copy, which must then equal the source.
    let source = Cluster::start(version);
    source.psql_file("postgres", &fixture("zoo.sql"));
    // pg_dumpall writes the name of a LATIN1 database in LATIN1 in
    // CREATE DATABASE, which a UTF-8 restore misreads: give it an ASCII
    // name here so that the copies can equal the source.
    source.psql(
        "postgres",
        "ALTER DATABASE \"Zoo \"\"Lat1\"\" été\" RENAME TO zoo_lat1;",
    );
    let key = ["--restrict-key", RESTRICT_KEY];
    let first = run_ours(&source, &key);
    assert_success(&first, "ours, first dump");
    let target_version = restore_target(version);
    let ours_copy = Cluster::start(target_version);
    let reference_copy = Cluster::start(target_version);
    let older = source.dir().join("older.sql");
    std::fs::write(&older, &first.stdout).unwrap();
    ours_copy.restore_file("postgres", &older);
    reference_copy.restore_file("postgres", &older);

    source.psql(
        "zoo",
        "INSERT INTO \"Zoo Schema\".t VALUES (3, 'three');\n\
         DELETE FROM \"Zoo Schema\".tree WHERE id = 3;\n\
         ALTER TABLE \"Zoo Schema\".t ADD COLUMN added text DEFAULT 'new';\n\
         CREATE TABLE \"select\".\"new table\" (id int PRIMARY KEY REFERENCES \"Zoo Schema\".t);\n\
         DROP VIEW ünï.\"vüe \"\"x\"\"\";\n\
         COMMENT ON TABLE \"Zoo Schema\".t IS 'changed';\n\
         CREATE ROLE \"New Role\";\n\
         GRANT SELECT ON \"Zoo Schema\".t TO \"New Role\";",
    );

    let clean_args = ["-c", "--restrict-key", RESTRICT_KEY];
    let ours = run_ours(&source, &clean_args);
    let reference = run_reference(&source, &clean_args);
    assert_success(&ours, "ours -c");
    assert_success(&reference, "reference -c");
    assert_same_dump(&ours.stdout, &reference.stdout, &format!("-c on {version}"));
    let ours_file = source.dir().join("ours-clean.sql");
    let reference_file = source.dir().join("reference-clean.sql");
    std::fs::write(&ours_file, &ours.stdout).unwrap();
    std::fs::write(&reference_file, &reference.stdout).unwrap();
    let (o, r) = thread::scope(|s| {
        let o = s.spawn(|| ours_copy.restore_file("postgres", &ours_file));
        let r = s.spawn(|| reference_copy.restore_file("postgres", &reference_file));
        (o.join().unwrap(), r.join().unwrap())
    });
    let ours_errors = restore_errors(&o, &ours_copy);
    let reference_errors = restore_errors(&r, &reference_copy);
    assert_eq!(
        ours_errors, reference_errors,
        "errors of our -c dump piped into the older copy"
    );

    let want = run_reference(&source, &key);
    assert_success(&want, "reference dump of the source");
    let got = run_reference(&ours_copy, &key);
    assert_success(&got, "reference dump of the upgraded copy");
    if major_of(version) == major_of(target_version) {
        assert_same_dump(&got.stdout, &want.stdout, "upgraded copy vs source");
    } else {
        // A 14 source restored into 18: compare with the reference's own
        // -c path.
        let reference_got = run_reference(&reference_copy, &key);
        assert_same_dump(
            &got.stdout,
            &reference_got.stdout,
            "upgraded copy vs the reference's upgraded copy",
        );
    }
});

cluster_test!(full_output_device_fails_the_dump, |version| {
    // Both end with exit code 1 and "No space left on device" (the
    // reference's pg_dump notices it when closing its output).
    let cluster = Cluster::start(version);
    for (program, _ours) in programs() {
        let out = run_with_env(&program, &cluster, &["-f", "/dev/full"], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", lossy(&out.stderr));
        let err = normalized_stderr(&out);
        assert!(err.contains("No space left on device"), "{err}");
    }
});

cluster_test!(a_role_limited_to_two_connections_can_dump, |version| {
    // pg_dumpall needs two sessions at a time (its own and one pg_dump's).
    // So must we: databases read ahead and helper sessions that find no
    // free slot wait for their turn or leave the work to the main session.
    let cluster = Cluster::start(version);
    let mut sql = String::from(
        "CREATE ROLE dumper LOGIN CONNECTION LIMIT 2; GRANT pg_read_all_data TO dumper;\n",
    );
    for db in ["d1", "d2", "d3", "d4"] {
        sql.push_str(&format!(
            "CREATE DATABASE {db} OWNER dumper;\n\\connect {db}\n\
             CREATE TABLE t (x int PRIMARY KEY); INSERT INTO t VALUES (1), (2);\n"
        ));
        if db == "d2" {
            // Big enough for a helper session.
            sql.push_str(
                "DO $$ BEGIN FOR i IN 1..600 LOOP \
                 EXECUTE format('CREATE TABLE big%s (id int PRIMARY KEY, v text)', i); \
                 END LOOP; END $$;\n",
            );
        }
        sql.push_str("\\connect postgres\n");
    }
    cluster.psql("postgres", &sql);
    let args = [
        "-U",
        "dumper",
        "--no-role-passwords",
        "--restrict-key",
        RESTRICT_KEY,
    ];
    let reference = run_reference(&cluster, &args);
    assert_success(&reference, "reference");
    let ours = run_ours(&cluster, &args);
    assert_success(&ours, "ours");
    assert_same_dump(
        &ours.stdout,
        &reference.stdout,
        "limited to two connections",
    );
});
