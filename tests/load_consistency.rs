//! Consistency under write load (issue 19): pgbench writes at full speed
//! (`-c 4`) into several databases while pgdumpall-rs dumps the cluster.
//! The dump, restored into a fresh cluster, must satisfy pgbench's
//! invariants in every database (each transaction moves the same delta into
//! an account, its teller, its branch and a history row), which holds only
//! if each database's rows were all read in one snapshot.  The test also
//! prints pgbench's throughput without and during the dump (the figures in
//! docs/reliability.md).

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::*;

const DATABASES: [&str; 3] = ["load_a", "load b", "Load\"C"];
/// pgbench's scale: 100,000 accounts per unit.
const SCALE: &str = "1";
/// Upper bound of the pgbench run: the dump must end well inside it (the
/// run is stopped as soon as the dump is done).
const PHASE_SECONDS: u64 = 300;

fn pgbench(cluster: &Cluster, db: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(cluster.bin("pgbench"));
    cmd.args(cluster.conn_args());
    cmd.args(args);
    cmd.arg(db);
    without_pg_environment(&mut cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts `pgbench -n -c 4 -T PHASE_SECONDS` on every database at once;
/// [`stop_load`] ends them as soon as the measurements are taken.
fn start_load(cluster: &Cluster) -> Vec<Child> {
    let seconds = PHASE_SECONDS.to_string();
    DATABASES
        .iter()
        .map(|db| {
            pgbench(cluster, db, &["-n", "-c", "4", "-j", "1", "-T", &seconds])
                .spawn()
                .expect("start pgbench")
        })
        .collect()
}

/// Stops the pgbench runs (still inside their `-T`): a pgbench that
/// failed by itself before that fails the test.
fn stop_load(children: Vec<Child>) {
    for mut child in children {
        if let Some(status) = child.try_wait().expect("poll pgbench") {
            let out = child.wait_with_output().expect("pgbench output");
            panic!(
                "pgbench ended early ({status}):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        child.kill().expect("stop pgbench");
        child.wait().expect("reap pgbench");
    }
}

/// Sums of the four balances of one database, and the history row count.
fn invariants(cluster: &Cluster, db: &str) -> (Vec<String>, i64) {
    let row = cluster.query(
        db,
        "SELECT coalesce((SELECT sum(abalance) FROM pgbench_accounts), 0), \
                coalesce((SELECT sum(bbalance) FROM pgbench_branches), 0), \
                coalesce((SELECT sum(tbalance) FROM pgbench_tellers), 0), \
                coalesce((SELECT sum(delta) FROM pgbench_history), 0), \
                (SELECT count(*) FROM pgbench_history)",
    );
    let mut fields: Vec<String> = row.split('|').map(str::to_string).collect();
    let count = fields.pop().and_then(|c| c.parse().ok()).expect("count");
    (fields, count)
}

/// The restore's errors, less those the reference's dumps raise as well:
/// the bootstrap superuser exists in every cluster (its CREATE ROLE fails),
/// and servers before 17 lack the transaction_timeout pg_dump 18 sets.
fn unexpected_restore_errors(restore: &std::process::Output, target: &Cluster) -> Vec<String> {
    error_lines(&restore.stderr, target)
        .into_iter()
        .filter(|e| {
            !e.contains("role \"postgres\" already exists")
                && !e.contains("parameter \"transaction_timeout\"")
        })
        .collect()
}

fn create_database(cluster: &Cluster, db: &str) {
    let quoted = format!("\"{}\"", db.replace('"', "\"\""));
    cluster.psql("postgres", &format!("CREATE DATABASE {quoted};"));
}

/// Transactions committed so far in every database (pgbench_history rows),
/// and when that was read.
fn committed(cluster: &Cluster) -> (i64, Instant) {
    let total = DATABASES.iter().map(|db| invariants(cluster, db).1).sum();
    (total, Instant::now())
}

fn rate(from: (i64, Instant), to: (i64, Instant)) -> f64 {
    (to.0 - from.0) as f64 / to.1.duration_since(from.1).as_secs_f64()
}

/// Runs one load phase: the write rate over a window without the dump,
/// then the dump and the write rate while it ran.  Both windows lie in the
/// same pgbench run, so warm-up and machine noise weigh on both alike.
fn dump_under_load(cluster: &Cluster, file: &Path, jobs: &str) -> (Duration, f64, f64) {
    let load = start_load(cluster);
    // Let every client connect and the first transactions commit.
    thread::sleep(Duration::from_millis(700));
    let quiet_start = committed(cluster);
    thread::sleep(Duration::from_secs(2));
    let dump_start = committed(cluster);
    let dump = run_ours(
        cluster,
        &[
            "-f",
            file.to_str().expect("UTF-8 path"),
            "--restrict-key",
            RESTRICT_KEY,
            "-j",
            jobs,
        ],
    );
    let dump_end = committed(cluster);
    stop_load(load);
    assert_success(&dump, "pgdumpall-rs under load");
    (
        dump_end.1.duration_since(dump_start.1),
        rate(quiet_start, dump_start),
        rate(dump_start, dump_end),
    )
}

/// Dumps the cluster with `-j jobs` under pgbench's load, restores the dump
/// into a fresh cluster and checks pgbench's invariants there.
fn check_dump_under_load(cluster: &Cluster, version: &'static str, jobs: &str) {
    let file = cluster.dir().join(format!("under_load_j{jobs}.sql"));
    let (dump_time, baseline_tps, loaded_tps) = dump_under_load(cluster, &file, jobs);
    assert!(
        dump_time < Duration::from_secs(PHASE_SECONDS - 60),
        "the dump ({dump_time:?}) outlasted the write load: raise PHASE_SECONDS"
    );
    println!(
        "LOAD {version} -j{jobs}: pgbench commits/s over {} databases: {baseline_tps:.0} without the dump, \
     {loaded_tps:.0} during it ({:.0}%); dump took {:.2}s",
        DATABASES.len(),
        100.0 * loaded_tps / baseline_tps,
        dump_time.as_secs_f64()
    );

    let target = Cluster::start(restore_target(version));
    let restore = target.restore_file("postgres", &file);
    let errors = unexpected_restore_errors(&restore, &target);
    assert!(errors.is_empty(), "restore errors: {errors:#?}");
    let mut moved = 0;
    for db in DATABASES {
        let (sums, history) = invariants(&target, db);
        assert!(
            sums.iter().all(|s| *s == sums[0]),
            "{db} on {version}: balances {sums:?} differ: rows from more than one snapshot"
        );
        // The source kept writing after the snapshot: the dump must hold
        // fewer history rows than the source ends with.
        let (_, source_history) = invariants(cluster, db);
        assert!(
            history > 0 && history < source_history,
            "{db}: {history} history rows dumped, {source_history} in the source"
        );
        moved += history;
    }
    println!("LOAD {version} -j{jobs}: {moved} transactions in the dump, invariants hold");
}

cluster_test!(
    pgbench_invariants_hold_in_dump_taken_under_load,
    |version| {
        let cluster = Cluster::start(version);
        for db in DATABASES {
            create_database(&cluster, db);
            let init = pgbench(&cluster, db, &["-i", "-q", "-s", SCALE])
                .output()
                .expect("run pgbench -i");
            assert!(
                init.status.success(),
                "pgbench -i on {db}: {}",
                String::from_utf8_lossy(&init.stderr)
            );
        }

        // One job, then several databases at once (-j 3): each database's
        // rows must still come from one snapshot.
        for jobs in ["1", "3"] {
            check_dump_under_load(&cluster, version, jobs);
        }
    }
);

/// One round of schema churn: a table created, filled, indexed
/// concurrently and altered, the previous round's table dropped, a
/// database created and the previous one dropped.  Statements may fail
/// (a database a dump is connected to cannot be dropped); returns how
/// many of the two scripts succeeded.
fn churn_round(cluster: &Cluster, i: usize) -> usize {
    let prev = i.wrapping_sub(1);
    let tables = format!(
        "BEGIN;\n\
         CREATE TABLE churn_{i} (id int PRIMARY KEY, v text);\n\
         INSERT INTO churn_{i} SELECT g, md5(g::text) FROM generate_series(1, 2000) g;\n\
         COMMIT;\n\
         CREATE INDEX CONCURRENTLY churn_{i}_v ON churn_{i} (v);\n\
         ALTER TABLE churn_{i} ADD COLUMN w int DEFAULT 7;\n\
         DROP TABLE IF EXISTS churn_{prev};\n"
    );
    let databases =
        format!("CREATE DATABASE churn_db_{i};\nDROP DATABASE IF EXISTS churn_db_{prev};\n");
    [("ddl_churn", tables), ("postgres", databases)]
        .iter()
        .filter(|(db, sql)| cluster.try_psql(db, sql).status.success())
        .count()
}

/// Each churn table is created and filled in one transaction: a dump from
/// one snapshot holds each of them with all its 2,000 rows or not at all.
fn assert_churn_tables_whole(target: &Cluster, n: usize) {
    let tables = target.query(
        "ddl_churn",
        "SELECT relname FROM pg_class WHERE relname ~ '^churn_[0-9]+$' AND relkind = 'r'",
    );
    for table in tables.lines() {
        let rows = target.query("ddl_churn", &format!("SELECT count(*) FROM {table}"));
        assert_eq!(rows, "2000", "dump {n}: {table} restored with {rows} rows");
    }
}

cluster_test!(concurrent_ddl_gives_a_dump_or_a_clean_error, |version| {
    let cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE ddl_churn;");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let file = cluster.dir().join("churn.sql");
    let file_arg = file.to_str().expect("UTF-8 path").to_owned();
    let (outcomes, churned) = thread::scope(|scope| {
        let churn = scope.spawn(|| {
            let mut done = 0;
            // Bounded: stops by itself even if the dumps hang.
            for i in 1..=400 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                done += churn_round(&cluster, i);
            }
            done
        });
        thread::sleep(Duration::from_millis(500));
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            let out = run_ours(&cluster, &["-f", &file_arg, "--restrict-key", RESTRICT_KEY]);
            let dump = std::fs::read(&file).ok();
            let _ = std::fs::remove_file(&file);
            outcomes.push((out, dump));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (outcomes, churn.join().expect("churn thread"))
    });
    assert!(churned > 0, "no churn statement succeeded");

    let mut dumped = 0;
    for (n, (out, dump)) in outcomes.iter().enumerate() {
        let stderr = lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "dump {n} panicked: {stderr}");
        match out.status.code() {
            Some(0) => {
                let dump = dump.as_ref().expect("a successful dump leaves its file");
                std::fs::write(&file, dump).expect("write dump");
                let target = Cluster::start(restore_target(version));
                let restore = target.restore_file("postgres", &file);
                let errors = unexpected_restore_errors(&restore, &target);
                assert!(
                    errors.is_empty(),
                    "dump {n} restores with errors: {errors:#?}"
                );
                assert_churn_tables_whole(&target, n);
                dumped += 1;
            }
            Some(1) => {
                assert!(dump.is_none(), "failed dump {n} left its file");
                assert!(
                    stderr
                        .lines()
                        .any(|l| l.starts_with("pgdumpall-rs: error: ")),
                    "dump {n} failed without pg_dump's kind of error: {stderr}"
                );
                println!(
                    "DDL {version}: dump {n} failed cleanly: {}",
                    stderr.trim_end()
                );
            }
            other => panic!("dump {n} exited with {other:?}: {stderr}"),
        }
    }
    println!(
        "DDL {version}: {dumped} of {} dumps succeeded during {churned} churn scripts",
        outcomes.len()
    );
});
