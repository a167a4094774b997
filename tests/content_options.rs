//! Differential tests of the per-database content options
//! (tests/fixtures/content_options.sql): -s, -a, --no-data, --no-schema,
//! --sequence-data, --disable-triggers, -S, --no-policies, --inserts,
//! --column-inserts, --rows-per-insert, --on-conflict-do-nothing,
//! --extra-float-digits, --lock-wait-timeout, and pg_dump's checks of
//! these options.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// Definitions or data left out, policies, triggers disabled.
const SECTION_SETS: &[&[&str]] = &[
    &["-s"],
    &["-a"],
    &["--no-data", "--sequence-data", "--no-policies"],
    &["--no-data", "--no-schema"],
    &[
        "-a",
        "--disable-triggers",
        "--use-set-session-authorization",
    ],
    &[
        "--no-schema",
        "--disable-triggers",
        "-S",
        "Co Reader",
        "--load-via-partition-root",
    ],
];

/// INSERT-style data.
const INSERT_SETS: &[&[&str]] = &[
    &["--inserts"],
    &["--column-inserts", "--on-conflict-do-nothing", "-x"],
    &[
        "--rows-per-insert=3",
        "--load-via-partition-root",
        "--quote-all-identifiers",
    ],
    &[
        "--attribute-inserts",
        "--rows-per-insert=100",
        "-a",
        "--disable-triggers",
        "--extra-float-digits=0",
    ],
];

/// Options pg_dump rejects; the reference fails after writing its header,
/// we before writing anything (but the server rejects a bad
/// --lock-wait-timeout, for both).
const INVALID_SETS: &[&[&str]] = &[
    &["-s", "-a"],
    &["-a", "--no-data"],
    &["-s", "--no-schema"],
    &["-c", "-a"],
    &["--on-conflict-do-nothing"],
    &["--rows-per-insert=0"],
    &["--rows-per-insert=2147483648"],
    &["--rows-per-insert=5x"],
    &["--extra-float-digits=4"],
    &["--extra-float-digits=x"],
    &["--lock-wait-timeout=abc"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("content_options.sql"));
}

fn args_with_key<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--restrict-key", RESTRICT_KEY]);
    v
}

/// stderr with the program names (`pg_dump`, `pg_dumpall`, ours) masked.
fn masked(stderr: &[u8]) -> String {
    lossy(stderr)
        .lines()
        .map(|l| {
            for p in ["pg_dumpall: ", "pg_dump: ", "pgdumpall-rs: "] {
                if let Some(rest) = l.strip_prefix(p) {
                    return format!("P: {rest}");
                }
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn compare(cluster: &Cluster, sets: &[&[&str]]) {
    let version = cluster.version();
    for args in sets {
        let args = args_with_key(args);
        let context = format!("{version} {}", args.join(" "));
        let reference = run_reference(cluster, &args);
        let ours = run_ours(cluster, &args);
        assert_success(&reference, &format!("reference {context}"));
        assert_success(&ours, &format!("ours {context}"));
        assert_same_dump(&ours.stdout, &reference.stdout, &context);
        assert_eq!(
            masked(&ours.stderr),
            masked(&reference.stderr),
            "stderr differs: {context}"
        );
    }
}

cluster_test!(content_sections_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    compare(&cluster, SECTION_SETS);
});

cluster_test!(content_inserts_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    compare(&cluster, INSERT_SETS);
});

cluster_test!(content_option_errors_match_reference, |version| {
    let cluster = Cluster::start(version);
    for args in INVALID_SETS {
        let args = args_with_key(args);
        let context = format!("{version} {}", args.join(" "));
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_eq!(reference.status.code(), Some(1), "reference {context}");
        assert_eq!(ours.status.code(), Some(1), "ours {context}");
        assert_eq!(
            masked(&ours.stderr),
            masked(&reference.stderr),
            "stderr differs: {context}"
        );
        // A bad --lock-wait-timeout is found by the server, after output
        // has started.
        if !context.contains("--lock-wait-timeout") {
            assert!(ours.stdout.is_empty(), "ours wrote output: {context}");
        }
    }
});

cluster_test!(content_lock_wait_timeout, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    // Without a conflicting lock the option changes nothing.
    compare(&cluster, &[&["--lock-wait-timeout=5s"]]);

    // Another session holds an ACCESS EXCLUSIVE lock on a table.
    let mut holder = Command::new(reference_bin("psql"))
        .args(cluster.conn_args())
        .args(["-X", "-q", "-d", "postgres", "-c"])
        .arg("BEGIN; LOCK TABLE co.nasty IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60)")
        .env_remove("PGDATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start psql holding a lock");
    let started = Instant::now();
    loop {
        let held = cluster.query(
            "postgres",
            "SELECT count(*) FROM pg_locks WHERE relation = 'co.nasty'::regclass \
             AND mode = 'AccessExclusiveLock' AND granted",
        );
        if held == "1" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the lock was never taken"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = cluster.dir().to_path_buf();
    let ref_file = dir.join("reference-lock.sql");
    let our_file = dir.join("ours-lock.sql");
    let reference = run_reference(
        &cluster,
        &args_with_key(&["--lock-wait-timeout=300", "-f", ref_file.to_str().unwrap()]),
    );
    let ours = run_ours(
        &cluster,
        &args_with_key(&["--lock-wait-timeout=300", "-f", our_file.to_str().unwrap()]),
    );
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(reference.status.code(), Some(1));
    assert_eq!(ours.status.code(), Some(1));
    let expected = masked(&reference.stderr);
    assert!(
        expected.contains("canceling statement due to statement timeout"),
        "{expected}"
    );
    assert_eq!(masked(&ours.stderr), expected);
    // The reference leaves a partial file; we leave none.
    assert!(ref_file.exists());
    assert!(!our_file.exists(), "a failed dump left its file");
});

// Restores both dumps (a schema-only one followed by a data-only one, and
// a multi-row INSERT one) and compares the reference's dumps of the
// results.
cluster_test!(content_options_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let dump = |args: &[&str]| {
        let args = args_with_key(args);
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_success(&reference, "reference");
        assert_success(&ours, "ours");
        assert_same_dump(&ours.stdout, &reference.stdout, &args.join(" "));
        (ours.stdout, reference.stdout)
    };
    let target = restore_target(version);
    let (mut ours, mut reference) = dump(&["-s"]);
    let (ours_data, reference_data) = dump(&["-a", "--disable-triggers"]);
    ours.extend(ours_data);
    reference.extend(reference_data);
    let trip = restore_round_trip_into(target, &ours, &reference, &[]);
    assert_eq!(trip.ours_errors, trip.reference_errors);

    let (ours, reference) = dump(&["--column-inserts", "--rows-per-insert=7"]);
    let trip = restore_round_trip_into(target, &ours, &reference, &[]);
    assert_eq!(trip.ours_errors, trip.reference_errors);
});
