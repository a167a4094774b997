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
/// Seconds each pgbench phase runs; the dump must finish inside the second.
const PHASE_SECONDS: u64 = 8;

fn pgbench(cluster: &Cluster, db: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(cluster.bin("pgbench"));
    cmd.args(cluster.conn_args());
    cmd.args(args);
    cmd.arg(db);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PG") {
            cmd.env_remove(&k);
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts `pgbench -n -c 4 -T PHASE_SECONDS` on every database at once.
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

/// Waits for every pgbench and returns their summed transactions per second.
fn finish_load(children: Vec<Child>) -> f64 {
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait for pgbench");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "pgbench failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
                .lines()
                .find_map(|l| l.strip_prefix("tps = "))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<f64>().ok())
                .unwrap_or_else(|| panic!("no tps line in pgbench output:\n{stdout}"))
        })
        .sum()
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

fn create_database(cluster: &Cluster, db: &str) {
    let quoted = format!("\"{}\"", db.replace('"', "\"\""));
    cluster.psql("postgres", &format!("CREATE DATABASE {quoted};"));
}

fn dump_under_load(cluster: &Cluster, file: &Path) -> (Duration, f64) {
    let load = start_load(cluster);
    // Let every client connect and the first transactions commit.
    thread::sleep(Duration::from_millis(700));
    let started = Instant::now();
    let dump = run_ours(
        cluster,
        &[
            "-f",
            file.to_str().expect("UTF-8 path"),
            "--restrict-key",
            RESTRICT_KEY,
        ],
    );
    let took = started.elapsed();
    let tps = finish_load(load);
    assert_success(&dump, "pgdumpall-rs under load");
    (took, tps)
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

        let baseline_tps = finish_load(start_load(&cluster));
        let file = cluster.dir().join("under_load.sql");
        let (dump_time, loaded_tps) = dump_under_load(&cluster, &file);
        assert!(
            dump_time < Duration::from_secs(PHASE_SECONDS - 1),
            "the dump ({dump_time:?}) outlasted the write load: raise PHASE_SECONDS"
        );
        println!(
            "LOAD {version}: pgbench tps over {} databases: {baseline_tps:.0} without the dump, \
         {loaded_tps:.0} during it ({:.0}%); dump took {:.2}s",
            DATABASES.len(),
            100.0 * loaded_tps / baseline_tps,
            dump_time.as_secs_f64()
        );

        let target = Cluster::start(version);
        let restore = target.restore_file("postgres", &file);
        // The bootstrap superuser exists in every cluster: its CREATE ROLE fails.
        let errors: Vec<String> = error_lines(&restore.stderr, &target)
            .into_iter()
            .filter(|e| !e.contains("role \"postgres\" already exists"))
            .collect();
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
            let (_, source_history) = invariants(&cluster, db);
            assert!(
                history > 0 && history < source_history,
                "{db}: {history} history rows dumped, {source_history} in the source"
            );
            moved += history;
        }
        println!("LOAD {version}: {moved} transactions in the dump, invariants hold");
    }
);
