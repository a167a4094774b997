//! `-j N`: the same script as `-j1` (itself the reference's), byte for
//! byte, for several option sets and with the spools spilling to disk;
//! nothing left behind by SIGTERM (no temporary file, no backend); no
//! deadlock with a session waiting for ACCESS EXCLUSIVE; fewer jobs, said
//! once, when the server refuses connections, and the reference's error
//! when it refuses every one.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["--inserts"],
    &["-a"],
    &["-s"],
    &["-c", "--exclude-database=jobs_skip*"],
];

/// A spool memory cap small enough for jobs_big's data to spill.
const SMALL_CAP: &str = "65536";

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("jobs.sql"));
}

/// Runs ours with `args` (and the restrict key), spools capped at
/// [`SMALL_CAP`] and spilling into `spill` (which must be empty after).
fn run_jobs(cluster: &Cluster, args: &[&str], spill: &Path) -> Output {
    let args = with_restrict_key(args);
    let spill_dir = spill.to_str().expect("UTF-8 path");
    let out = run_with_env(
        &ours_bin(),
        cluster,
        &args,
        &[("PGDUMPALL_RS_SPOOL_CAP", SMALL_CAP), ("TMPDIR", spill_dir)],
    );
    assert_eq!(entries(spill), Vec::<String>::new(), "left in {spill_dir}");
    out
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn spill_dir(cluster: &Cluster) -> std::path::PathBuf {
    let spill = cluster.dir().join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    spill
}

cluster_test!(jobs_write_what_one_job_writes, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let spill = spill_dir(&cluster);
    for args in OPTION_SETS {
        let (one, _) = assert_matches_reference(&cluster, args);
        for jobs in ["-j2", "-j5"] {
            let mut with_jobs = args.to_vec();
            with_jobs.push(jobs);
            let context = format!("{version} {}", with_jobs.join(" "));
            let out = run_jobs(&cluster, &with_jobs, &spill);
            assert_success(&out, &context);
            assert_same_dump(&out.stdout, &one.stdout, &context);
            assert_eq!(lossy(&out.stderr), lossy(&one.stderr), "{context}");
        }
    }
    // Into a file, --jobs spelled long.
    let file = cluster.dir().join("out").join("dump.sql");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let file_arg = file.to_str().unwrap();
    let (one, _) = assert_matches_reference(&cluster, &[]);
    let out = run_jobs(&cluster, &["--jobs=3", "-f", file_arg], &spill);
    assert_success(&out, "--jobs=3 -f");
    assert_same_dump(&std::fs::read(&file).unwrap(), &one.stdout, "--jobs=3 -f");
    assert_eq!(
        entries(file.parent().unwrap()),
        vec!["dump.sql".to_string()]
    );
});

/// Whether process `pid` has a file open in `dir` (an unlinked spool file
/// shows as `DIR/... (deleted)` or `DIR/#N (deleted)`).
fn has_file_open_in(pid: u32, dir: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .any(|target| target.starts_with(dir))
}

cluster_test!(sigterm_leaves_no_spool_file_and_no_backend, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    // Sorted right after template1: the head of the dump, held up by a
    // lock while the databases after it finish into their spools.
    cluster.psql(
        "postgres",
        "CREATE DATABASE \"AAA blocked\"; \\connect \"AAA blocked\"\nCREATE TABLE waited (x int);",
    );
    let spill = spill_dir(&cluster);
    let out_dir = cluster.dir().join("sigterm-out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut locker = PsqlSession::open(&cluster, "AAA blocked");
    locker.send("BEGIN; LOCK TABLE waited IN ACCESS EXCLUSIVE MODE;");
    let mut cmd = Command::new(ours_bin());
    cmd.args(cluster.conn_args());
    cmd.args(["-j4", "-f"]).arg(out_dir.join("dump.sql"));
    without_pg_environment(&mut cmd);
    cmd.env("PGDUMPALL_RS_SPOOL_CAP", SMALL_CAP)
        .env("TMPDIR", &spill);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn dump");
    let waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'waited'::regclass \
                   AND mode = 'AccessShareLock' AND NOT granted";
    wait_for(&cluster, "AAA blocked", waiting, "1");
    // jobs_big's output, bigger than the cap, spills while it waits.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !has_file_open_in(child.id(), &spill) {
        assert!(Instant::now() < deadline, "no spool file was opened");
        thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
    assert_eq!(entries(&spill), Vec::<String>::new(), "spool files left");
    assert_eq!(entries(&out_dir), Vec::<String>::new(), "output left");
    locker.send("COMMIT;");
    locker.finish();
    // The backend that waited for the lock notices the client is gone
    // once it gets the lock; the others at once.
    let others = "SELECT count(*) FROM pg_stat_activity \
                  WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
    wait_for(&cluster, "postgres", others, "0");
});

cluster_test!(waiting_access_exclusive_does_not_deadlock, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    cluster.psql(
        "postgres",
        "CREATE DATABASE \"AAA locks\"; \\connect \"AAA locks\"\n\
         CREATE TABLE a_first AS SELECT generate_series(1, 1000) AS x;\n\
         CREATE TABLE b_blocked (y int);",
    );
    let (one, _) = assert_matches_reference(&cluster, &[]);
    // The dump holds a_first's ACCESS SHARE lock and waits for b_blocked;
    // then another session queues for ACCESS EXCLUSIVE on a_first.
    let mut holder = PsqlSession::open(&cluster, "AAA locks");
    holder.send("BEGIN; LOCK TABLE b_blocked IN ACCESS EXCLUSIVE MODE;");
    let spill = spill_dir(&cluster);
    let dump = {
        let mut all = cluster.conn_args();
        all.extend(
            with_restrict_key(&["-j4", "--lock-wait-timeout=60s"])
                .iter()
                .map(|s| s.to_string()),
        );
        let spill = spill.to_str().unwrap().to_owned();
        thread::spawn(move || {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            run_program(&ours_bin(), &refs, &[("TMPDIR", &spill)])
        })
    };
    let mut exclusive = queue_access_exclusive(&cluster, "AAA locks", "b_blocked", "a_first");
    holder.send("COMMIT;");
    holder.finish();
    let started = Instant::now();
    let out = dump.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(60), "the dump hung");
    assert_success(&out, "-j4 with a queued ACCESS EXCLUSIVE request");
    assert_same_dump(&out.stdout, &one.stdout, "-j4 past a queued lock");
    exclusive.send("COMMIT;");
    exclusive.finish();
});

cluster_test!(refused_connections_mean_fewer_jobs, |version| {
    let mut cluster = Cluster::start(version);
    load(&cluster);
    let spill = spill_dir(&cluster);
    let (one, _) = assert_matches_reference(&cluster, &[]);
    // Room for the cluster session and two more: -j5 gets two or three
    // of its five (a closed session's slot frees a moment after).
    cluster.append_conf("max_connections = 3\nsuperuser_reserved_connections = 0\n");
    cluster.restart();
    let out = run_jobs(&cluster, &["-j5"], &spill);
    assert_success(&out, "-j5 with max_connections = 3");
    assert_same_dump(&out.stdout, &one.stdout, "-j5 with max_connections = 3");
    let stderr = lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("warning: the server refused a connection")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("; going on with "), "{stderr}");

    // Room for the cluster session only: not one job, and the error is
    // the reference's (its pg_dump for template1 cannot connect).
    cluster.append_conf("max_connections = 1\n");
    cluster.restart();
    let reference = run_reference(&cluster, &with_restrict_key(&[]));
    assert_eq!(
        reference.status.code(),
        Some(1),
        "{}",
        lossy(&reference.stderr)
    );
    let out = run_jobs(&cluster, &["-j5"], &spill);
    assert_eq!(out.stdout, reference.stdout, "-j5 with max_connections = 1");
    assert_eq!(normalized_stderr(&out), normalized_stderr(&reference));
});

cluster_test!(a_full_lock_table_means_fewer_jobs, |version| {
    // Every database being dumped holds ACCESS SHARE locks on all its
    // tables, and the server's lock table is shared: with the smallest
    // max_locks_per_transaction, one database of 250 tables fits, six at
    // once do not ("out of shared memory"). -j6 backs off to fewer jobs;
    // -j1 stops reading the next databases ahead.
    let mut cluster = Cluster::start(version);
    cluster.append_conf("max_locks_per_transaction = 10\nmax_connections = 10\n");
    cluster.restart();
    for i in 1..=6 {
        let db = format!("locks{i}");
        cluster.psql("postgres", &format!("CREATE DATABASE {db};"));
        cluster.psql(
            &db,
            "SELECT format('CREATE TABLE t%s (x int)', g) FROM generate_series(1, 250) g \\gexec",
        );
    }
    let (one, _) = assert_matches_reference(&cluster, &[]);
    let spill = spill_dir(&cluster);
    let out = run_jobs(&cluster, &["-j6"], &spill);
    assert_success(&out, "-j6 with a small lock table");
    assert_same_dump(&out.stdout, &one.stdout, "-j6 with a small lock table");
    let stderr = lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "pgdumpall-rs: warning: the server ran out of shared memory for locks; going on with "
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
});

cluster_test!(
    a_big_database_gets_its_helper_session_under_jobs,
    |version| {
        // A database of 2,000 relations or more has its catalogs read over two
        // sessions (the second joins the first's snapshot), under -j too when
        // the budget has a connection free: template1, postgres and big take
        // three of -j4's four. The shared reads include the column defaults
        // and, on 18, every sequence's value.
        let mut cluster = Cluster::start(version);
        cluster.psql("postgres", "CREATE DATABASE big");
        cluster.psql(
            "big",
            "DO $$ BEGIN FOR i IN 1..700 LOOP \
           EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, v text DEFAULT %L || %s, \
             n numeric CHECK (n > 0))', i, 'v', i); \
           IF i % 3 = 0 THEN PERFORM setval(format('t%s_id_seq', i), i * 7, i % 2 = 0); END IF; \
         END LOOP; END $$; \
         INSERT INTO t5 (n) VALUES (1), (2);",
        );
        let reference = run_reference(&cluster, &with_restrict_key(&[]));
        assert_success(&reference, "reference");
        cluster.append_conf("log_statement = 'all'\nlog_line_prefix = '%d|'\n");
        cluster.restart();
        let before = cluster.server_log().len();
        let ours = run_ours(&cluster, &with_restrict_key(&["-j", "4"]));
        assert_success(&ours, "ours -j4");
        assert_same_dump(&ours.stdout, &reference.stdout, &format!("-j4 {version}"));
        let log = cluster.server_log()[before..].to_string();
        // The snapshot is exported for the helper session, which then
        // joins it, unless the main session has read everything before
        // the helper could connect (a loaded machine).
        let exports = log
            .lines()
            .filter(|l| l.starts_with("big|") && l.contains("pg_export_snapshot()"))
            .count();
        let big: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with("big|"))
            .take(40)
            .collect();
        assert!(
            exports >= 1,
            "no snapshot exported for a helper session:\n{}\n{}",
            big.join("\n"),
            lossy(&ours.stderr)
        );
    }
);
