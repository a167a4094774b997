//! `-j N` within one database (src/dump/database/split): table data and
//! large objects read on several connections that share the leader's
//! snapshot, the script still byte for byte what `-j1` writes; a table a
//! worker cannot lock at once (an ACCESS EXCLUSIVE request queued behind
//! the dump) is read by the leader, without deadlock; the workers read
//! the leader's snapshot under write load; a snapshot that cannot be
//! shared (a balancer sending a worker to another server) means one
//! connection for that database, said once, never data from elsewhere.
//!
//! Every table is worth a worker here (`PGDUMPALL_RS_SPLIT_MIN_PAGES=0`),
//! and the phase log shows that workers really read tables.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::*;

/// A spool memory cap small enough for the bigger tables to spill.
const SMALL_CAP: &str = "65536";

const SPLIT_DB: &str = "split db";

/// Many tables of many kinds in one database, another database, large objects.
fn load(cluster: &Cluster) {
    cluster.psql(
        "postgres",
        "CREATE DATABASE \"split db\"; CREATE DATABASE split_two;",
    );
    cluster.psql(
        SPLIT_DB,
        "CREATE SCHEMA \"Odd \"\"S\"\"\";\n\
         SELECT format('CREATE TABLE t%s (id int, f float8, ts timestamptz, b bytea, j jsonb, n numeric)', g) \
           FROM generate_series(1, 12) g \\gexec\n\
         SELECT format('INSERT INTO t%s SELECT g, g / 7.0, timestamptz ''2024-01-01'' + g * interval ''1 min'', \
           decode(md5(g::text), ''hex''), jsonb_build_object(''k'', g), g * 1.5 FROM generate_series(1, %s) g', i, i * 700) \
           FROM generate_series(1, 12) i \\gexec\n\
         CREATE TABLE \"Odd \"\"S\"\"\".\"Tab\te\" (k text, v text);\n\
         INSERT INTO \"Odd \"\"S\"\"\".\"Tab\te\" SELECT g::text, repeat(E'x\\\\y\\n', g % 5) FROM generate_series(1, 3000) g;\n\
         CREATE TABLE meas (at date NOT NULL, v int) PARTITION BY RANGE (at);\n\
         CREATE TABLE meas_a PARTITION OF meas FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');\n\
         CREATE TABLE meas_b PARTITION OF meas FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');\n\
         INSERT INTO meas SELECT DATE '2024-01-01' + (g % 360), g FROM generate_series(1, 5000) g;\n\
         CREATE TABLE parent (id int, label text);\n\
         CREATE TABLE child (extra numeric(10,2)) INHERITS (parent);\n\
         INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 2000) g;\n\
         INSERT INTO child SELECT g, 'c' || g, g / 4.0 FROM generate_series(1, 2000) g;\n\
         CREATE TABLE empty_one (x int);\n\
         SELECT lo_from_bytea(0, decode(repeat(md5(g::text), g % 40), 'hex')) IS NOT NULL \
           FROM generate_series(1, 150) g;",
    );
    cluster.psql(
        "split_two",
        "CREATE TABLE a AS SELECT g, md5(g::text) FROM generate_series(1, 20000) g;\n\
         CREATE TABLE b AS SELECT g, g * 2 AS h FROM generate_series(1, 5000) g;",
    );
}

fn spill_dir(cluster: &Cluster, name: &str) -> std::path::PathBuf {
    let spill = cluster.dir().join(name);
    std::fs::create_dir_all(&spill).unwrap();
    spill
}

/// Runs ours with `args`, every table split, spools capped and spilling
/// into `spill` (empty after), the phase log on.
fn run_split(cluster: &Cluster, args: &[&str], spill: &Path) -> Output {
    let args = with_restrict_key(args);
    let spill_dir = spill.to_str().expect("UTF-8 path");
    let out = run_with_env(&ours_bin(), cluster, &args, &split_env(spill_dir));
    let left: Vec<_> = std::fs::read_dir(spill).unwrap().collect();
    assert!(left.is_empty(), "spool files left in {spill_dir}");
    out
}

fn split_env(spill: &str) -> [(&'static str, &str); 4] {
    [
        ("PGDUMPALL_RS_SPLIT_MIN_PAGES", "0"),
        ("PGDUMPALL_RS_SPOOL_CAP", SMALL_CAP),
        ("PGDUMPALL_RS_LOG", "pgdumpall_rs::phase=debug"),
        ("TMPDIR", spill),
    ]
}

/// Stderr without the phase log's lines.
fn without_log(stderr: &[u8]) -> String {
    lossy(stderr)
        .lines()
        .filter(|l| !l.contains(" DEBUG pgdumpall_rs"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn tables_read_by_workers(stderr: &[u8]) -> usize {
    lossy(stderr).matches("a worker reads").count()
}

/// Only the split database, so that the jobs' connections go to it.
const ONLY_SPLIT_DB: &[&str] = &[
    "--exclude-database=postgres",
    "--exclude-database=template1",
    "--exclude-database=split_two",
];

cluster_test!(split_tables_write_what_one_job_writes, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let spill = spill_dir(&cluster, "spill");
    let option_sets: &[&[&str]] = &[&[], &["--inserts"], &["-a"], &["--column-inserts", "-a"]];
    for args in option_sets {
        for only in [false, true] {
            let mut base = args.to_vec();
            if only {
                base.extend_from_slice(ONLY_SPLIT_DB);
            }
            let (one, _) = assert_matches_reference(&cluster, &base);
            let mut workers = 0;
            for jobs in ["-j2", "-j5"] {
                let mut with_jobs = base.clone();
                with_jobs.push(jobs);
                let context = format!("{version} {}", with_jobs.join(" "));
                let out = run_split(&cluster, &with_jobs, &spill);
                assert_success(&out, &context);
                assert_same_dump(&out.stdout, &one.stdout, &context);
                assert_eq!(without_log(&out.stderr), lossy(&one.stderr), "{context}");
                workers += tables_read_by_workers(&out.stderr);
            }
            if only {
                // One database, two and five connections: workers read.
                assert!(
                    workers >= 4,
                    "{version} {args:?}: {workers} tables by workers"
                );
            }
        }
    }
});

cluster_test!(
    a_queued_access_exclusive_leaves_the_table_to_the_leader,
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
        let only = [
            "--exclude-database=postgres",
            "--exclude-database=template1",
        ];
        let (one, _) = assert_matches_reference(&cluster, &only);
        // The dump holds b_queued's ACCESS SHARE lock and waits for
        // c_blocked; then another session queues for ACCESS EXCLUSIVE on
        // b_queued, which a worker's lock request would queue behind. (The
        // leader reads a_long meanwhile, so that the workers come first to
        // the tables after it.)
        let mut holder = PsqlSession::open(&cluster, "locks");
        holder.send("BEGIN; LOCK TABLE c_blocked IN ACCESS EXCLUSIVE MODE;");
        let spill = spill_dir(&cluster, "spill");
        let dump = {
            let mut all = cluster.conn_args();
            let mut args = only.to_vec();
            args.extend(["-j4", "--lock-wait-timeout=60s"]);
            all.extend(with_restrict_key(&args).iter().map(|s| s.to_string()));
            let spill = spill.to_str().unwrap().to_owned();
            thread::spawn(move || {
                let refs: Vec<&str> = all.iter().map(String::as_str).collect();
                run_program(&ours_bin(), &refs, &split_env(&spill))
            })
        };
        let mut exclusive = queue_access_exclusive(&cluster, "locks", "c_blocked", "b_queued");
        let started = Instant::now();
        holder.send("COMMIT;");
        holder.finish();
        let out = dump.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(60), "the dump hung");
        assert_success(&out, "-j4 with a queued ACCESS EXCLUSIVE request");
        assert_same_dump(&out.stdout, &one.stdout, "-j4 past a queued lock");
        let stderr = lossy(&out.stderr);
        // A worker asked for b_queued's lock, was refused at once, and the
        // leader read it; a worker read d_after.
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

/// The rows of each `COPY public.tN` block of `dump`, sorted, by N.
fn copied_rows(dump: &[u8], tables: usize) -> Vec<Vec<String>> {
    let text = lossy(dump);
    (1..=tables)
        .map(|n| {
            let head = format!("COPY public.t{n} (id) FROM stdin;\n");
            let start = text
                .find(&head)
                .unwrap_or_else(|| panic!("no data for t{n}"));
            let body = &text[start + head.len()..];
            let end = body.find("\\.\n").expect("end of COPY");
            let mut rows: Vec<String> = body[..end].lines().map(str::to_owned).collect();
            rows.sort();
            rows
        })
        .collect()
}

cluster_test!(workers_read_the_leaders_snapshot_under_load, |version| {
    const TABLES: usize = 8;
    // Big enough that the leader is still reading when the workers have
    // joined (20,000 rows a table took it less than a worker's start).
    const ROWS: u64 = 200_000;
    let cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE load;");
    cluster.psql(
        "load",
        &format!(
            "SELECT format('CREATE TABLE t%s (id int)', g) FROM generate_series(1, {TABLES}) g \\gexec\n\
             SELECT format('INSERT INTO t%s SELECT generate_series(1, {ROWS})', g) \
               FROM generate_series(1, {TABLES}) g \\gexec"
        ),
    );
    // Every transaction of the writers adds one id to every table: the
    // tables hold the same ids only if all were read in one snapshot.
    let script = cluster.dir().join("writer.sql");
    let mut sql = String::from("\\set id random(100000, 999999999)\nBEGIN;\n");
    for n in 1..=TABLES {
        sql.push_str(&format!("INSERT INTO t{n} VALUES (:id);\n"));
    }
    sql.push_str("COMMIT;\n");
    std::fs::write(&script, sql).unwrap();
    let mut writers = Command::new(cluster.bin("pgbench"));
    writers.args(cluster.conn_args());
    writers.args(["-n", "-c", "3", "-j", "1", "-T", "120", "-f"]);
    writers.arg(&script).arg("load");
    without_pg_environment(&mut writers);
    writers.stdout(Stdio::null()).stderr(Stdio::null());
    let mut writers = writers.spawn().expect("start pgbench");
    let count = || {
        cluster
            .query("load", "SELECT count(*) FROM t1")
            .parse::<u64>()
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count() < ROWS + 1000 {
        assert!(Instant::now() < deadline, "the writers do not write");
        thread::sleep(Duration::from_millis(50));
    }
    let spill = spill_dir(&cluster, "spill");
    let only = [
        "--exclude-database=postgres",
        "--exclude-database=template1",
        "-j4",
    ];
    for round in 0..3 {
        let out = run_split(&cluster, &only, &spill);
        assert_success(&out, "-j4 under load");
        assert!(
            tables_read_by_workers(&out.stderr) >= 3,
            "round {round}: workers read nothing"
        );
        let rows = copied_rows(&out.stdout, TABLES);
        for (n, table) in rows.iter().enumerate().skip(1) {
            assert!(
                table == &rows[0],
                "round {round}: t{} differs from t1 ({} rows against {})",
                n + 1,
                table.len(),
                rows[0].len()
            );
        }
        // The dump holds rows written under load, but not those written after.
        assert!(
            rows[0].len() as u64 > ROWS,
            "round {round}: no write in the dump"
        );
        assert!(
            (rows[0].len() as u64) < count(),
            "round {round}: the writers stopped"
        );
    }
    let _ = writers.kill();
    let _ = writers.wait();
});

/// Accepts connections on 127.0.0.1 and sends each session in turn to
/// one of `upstreams` (the first to the first), as a balancer in front of
/// several servers would. It answers SSL and GSS encryption requests
/// with "no" itself and counts sessions by their startup packets, so that
/// a client trying several ways to open one session still gets one server.
fn round_robin_proxy(upstreams: Vec<u16>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut sessions = 0;
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Some(startup) = startup_packet(&mut client) else {
                continue;
            };
            let upstream = upstreams[sessions % upstreams.len()];
            sessions += 1;
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            if server.write_all(&startup).is_err() {
                continue;
            }
            let pump = |mut from: TcpStream, mut to: TcpStream| {
                thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            };
            pump(client.try_clone().unwrap(), server.try_clone().unwrap());
            pump(server, client);
        }
    });
    port
}

/// The client's startup packet, after answering "N" to SSL or GSS
/// encryption requests; None if the client gave up.
fn startup_packet(client: &mut TcpStream) -> Option<Vec<u8>> {
    loop {
        let mut len = [0u8; 4];
        client.read_exact(&mut len).ok()?;
        let n = u32::from_be_bytes(len) as usize;
        let mut rest = vec![0u8; n.checked_sub(4)?];
        client.read_exact(&mut rest).ok()?;
        let code = rest
            .get(..4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        if n == 8 && matches!(code, Some(80877103 | 80877104)) {
            client.write_all(b"N").ok()?;
            continue;
        }
        let mut packet = len.to_vec();
        packet.extend(rest);
        return Some(packet);
    }
}

cluster_test!(
    a_snapshot_that_cannot_be_shared_means_one_connection,
    |version| {
        // Two servers with the same tables, each row saying which server it
        // is on, behind a balancer that alternates between them: the cluster
        // session goes to the first, the database's leader to the second, its
        // first worker to the first again, where the leader's snapshot does
        // not exist.
        let servers = [Cluster::start(version), Cluster::start(version)];
        for (server, tag) in servers.iter().zip(["first", "second"]) {
            server.psql("postgres", "CREATE DATABASE shared;");
            server.psql(
                "shared",
                &format!(
                    "SELECT format('CREATE TABLE t%s AS SELECT g AS id, ''{tag}'' AS server \
                   FROM generate_series(1, 100000) g', g) FROM generate_series(1, 4) g \\gexec"
                ),
            );
        }
        let port = round_robin_proxy(servers.iter().map(Cluster::port).collect());
        let port = port.to_string();
        let spill = spill_dir(&servers[0], "spill");
        let mut args = vec!["-h", "127.0.0.1", "-p", &port, "-U", "postgres"];
        args.extend([
            "--exclude-database=postgres",
            "--exclude-database=template1",
            "-j3",
        ]);
        let args = with_restrict_key(&args);
        let out = run_program(&ours_bin(), &args, &split_env(spill.to_str().unwrap()));
        assert_success(&out, "-j3 through a balancer");
        let stderr = without_log(&out.stderr);
        assert_eq!(
            stderr
                .matches("warning: could not share the snapshot of database \"shared\"")
                .count(),
            1,
            "{}",
            lossy(&out.stderr)
        );
        assert!(
            stderr.contains("dumping its data over one connection"),
            "{stderr}"
        );
        // The data all comes from the leader's server: the second.
        let dump = lossy(&out.stdout);
        assert_eq!(
            dump.matches("\tsecond\n").count(),
            4 * 100000,
            "rows of the leader's server"
        );
        assert_eq!(
            dump.matches("\tfirst\n").count(),
            0,
            "rows of another server"
        );
        // And the script is the one -j1 writes of that server.
        let only = [
            "--exclude-database=postgres",
            "--exclude-database=template1",
        ];
        let one = run_ours(&servers[1], &with_restrict_key(&only));
        assert_success(&one, "-j1 of the second server");
        assert_same_dump(&out.stdout, &one.stdout, "-j3 through a balancer");
    }
);
