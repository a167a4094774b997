//! Restore round trips: both dumps restored into fresh clusters, the
//! reference's dumps of those compared, restore errors and escalations.

use super::*;

/// What [`restore_round_trip`] saw.
pub struct RoundTrip {
    /// Error lines of restoring our dump (see [`restore_round_trip`]).
    pub ours_errors: Vec<String>,
    /// Error lines of restoring the reference dump.
    pub reference_errors: Vec<String>,
    /// Reference pg_dumpall output of the cluster restored from our dump.
    pub ours_redump: Vec<u8>,
    /// Reference pg_dumpall output of the cluster restored from the reference dump.
    pub reference_redump: Vec<u8>,
}

/// The error lines of a psql restore: server errors (`ERROR:`, `FATAL:`)
/// and psql's own (`psql:FILE:LINE: error: ...`, e.g. an invalid
/// meta-command or a failed \connect), with the `psql:FILE:LINE: ` prefix
/// removed and the cluster's socket directory and port replaced by
/// placeholders, so restores into different clusters compare equal.
pub(crate) fn error_lines(stderr: &[u8], cluster: &Cluster) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"^psql:.*?:\d+: ").unwrap());
    let port = cluster.port().to_string();
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| {
            l.contains("ERROR:")
                || l.contains("FATAL:")
                || re
                    .find(l)
                    .is_some_and(|m| l[m.end()..].starts_with("error:"))
        })
        .map(|l| {
            re.replace(l, "")
                .replace(cluster.host(), "<host>")
                .replace(&format!(".s.PGSQL.{port}"), ".s.PGSQL.<port>")
                .replace(&format!("port {port}"), "port <port>")
        })
        .collect()
}

pub(crate) struct Restored {
    pub(crate) cluster: Cluster,
    pub(crate) restore: Output,
    pub(crate) dump: Output,
}

pub(crate) fn restore_and_redump(
    version: &str,
    encoding: &str,
    dump: &[u8],
    label: &str,
    dump_args: &[&str],
) -> Restored {
    let cluster = if encoding == "UTF8" {
        Cluster::start(version)
    } else {
        Cluster::start_with_encoding(version, encoding)
    };
    let rewritten = rewrite_tablespace_locations(dump, |n| {
        cluster
            .tablespace_dir(&format!("restored_{n}"))
            .to_str()
            .unwrap()
            .to_owned()
    });
    let file = cluster.dir().join(format!("{label}.sql"));
    fs::write(&file, &rewritten).expect("write dump to restore");
    let restore = cluster.restore_file("postgres", &file);
    let mut args: Vec<&str> = dump_args.to_vec();
    if !args.iter().any(|a| a.starts_with("--restrict-key")) {
        args.push("--restrict-key");
        args.push(RESTRICT_KEY);
    }
    let dump = run_reference(&cluster, &args);
    Restored {
        cluster,
        restore,
        dump,
    }
}

/// Restores `ours` and `reference` (two dumps of the same cluster) into two
/// fresh clusters of `version` with `psql -X -f FILE -d postgres` (no
/// ON_ERROR_STOP; CREATE TABLESPACE locations are rewritten to fresh
/// directories), then:
/// * asserts that restoring ours raised no error (`ERROR:`, `FATAL:`, or
///   psql's own `error:` lines) that restoring the reference did not raise
///   (compared as multisets, psql's file:line prefixes, socket paths and
///   ports removed);
/// * dumps both restored clusters with the reference pg_dumpall and
///   `dump_args` (plus `--restrict-key`), and asserts the dumps are equal
///   except for "-- Dumped by" lines and tablespace locations.
///
/// Pass `&["-g"]` when only globals were restored, `&[]` for full dumps.
///
/// Note: pg_dump 18 writes `LOCALE_PROVIDER = libc` in CREATE DATABASE,
/// which 14 does not understand, so full (non -g) dumps of a 14 server do
/// not restore into 14; use [`restore_round_trip_into`] with a newer
/// version for those.
pub fn restore_round_trip(
    version: &str,
    ours: &[u8],
    reference: &[u8],
    dump_args: &[&str],
) -> RoundTrip {
    restore_round_trip_into(version, ours, reference, dump_args)
}

/// The server version a dump of a `version` cluster is restored into in
/// round trips: the same, except 14, whose server rejects the
/// LOCALE_PROVIDER clause pg_dump 18 writes; a 14 cluster moves to a newer
/// server, the supported upgrade path.
pub fn restore_target(version: &'static str) -> &'static str {
    if major_of(version) == 14 {
        REFERENCE_VERSION
    } else {
        version
    }
}

/// Dumps `cluster` with ours and the reference (`args` plus the restrict
/// key), asserts both succeed, restores each into a fresh cluster of
/// [`restore_target`] and asserts ours raised exactly the reference's
/// restore errors (the round trip compares the redumps). Returns
/// `(ours, reference)`.
pub fn assert_restores_like_reference(cluster: &Cluster, args: &[&str]) -> (Output, Output) {
    let args = with_restrict_key(args);
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    assert_success(&reference, &format!("reference {context}"));
    assert_success(&ours, &format!("ours {context}"));
    let target = restore_target(cluster.version());
    let trip = restore_round_trip_into(target, &ours.stdout, &reference.stdout, &[]);
    assert_eq!(
        trip.ours_errors, trip.reference_errors,
        "restore errors: {context}"
    );
    (ours, reference)
}

/// [`restore_round_trip`], restoring into clusters of `restore_version`
/// (e.g. a dump of a 14 server into 18, the supported upgrade path).
pub fn restore_round_trip_into(
    restore_version: &str,
    ours: &[u8],
    reference: &[u8],
    dump_args: &[&str],
) -> RoundTrip {
    restore_round_trip_encoded(restore_version, "UTF8", ours, reference, dump_args)
}

/// [`restore_round_trip_into`] clusters whose server encoding is
/// `encoding` (see [`Cluster::start_with_encoding`]): a SQL_ASCII
/// cluster's names restore only into another SQL_ASCII cluster.
pub fn restore_round_trip_encoded(
    restore_version: &str,
    encoding: &str,
    ours: &[u8],
    reference: &[u8],
    dump_args: &[&str],
) -> RoundTrip {
    let version = restore_version;
    let test = thread::current().name().unwrap_or("round trip").to_owned();
    let (o, r) = thread::scope(|s| {
        let o = s.spawn(|| restore_and_redump(version, encoding, ours, "ours", dump_args));
        let r =
            s.spawn(|| restore_and_redump(version, encoding, reference, "reference", dump_args));
        let o = o.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        let r = r.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (o, r)
    });
    let context = format!("round trip on {} ({test})", o.cluster.version());

    let ours_errors = error_lines(&o.restore.stderr, &o.cluster);
    let reference_errors = error_lines(&r.restore.stderr, &r.cluster);
    let mut budget: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &reference_errors {
        *budget.entry(e.as_str()).or_default() += 1;
    }
    let mut extra = Vec::new();
    for e in &ours_errors {
        match budget.get_mut(e.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => extra.push(e.clone()),
        }
    }
    let status_worse = !o.restore.status.success() && r.restore.status.success();
    if !extra.is_empty() || status_worse {
        let a = save_artifact(&context, "ours-restore-stderr", &o.restore.stderr);
        let b = save_artifact(&context, "reference-restore-stderr", &r.restore.stderr);
        let c = save_artifact(&context, "ours-dump", ours);
        panic!(
            "{context}: restoring our dump raised errors the reference's restore did not:\n  {}\n\
             psql status: ours {}, reference {}\n\
             restore logs: {} {}\nour dump: {}",
            extra.join("\n  "),
            o.restore.status,
            r.restore.status,
            a.display(),
            b.display(),
            c.display()
        );
    }
    assert_success(
        &o.dump,
        &format!("{context}: reference pg_dumpall of the cluster restored from ours"),
    );
    assert_success(
        &r.dump,
        &format!("{context}: reference pg_dumpall of the cluster restored from the reference"),
    );
    let normalize = |d: &[u8]| mask_dumped_by(&mask_tablespace_locations(d));
    compare_normalized(
        &normalize(&o.dump.stdout),
        &normalize(&r.dump.stdout),
        &o.dump.stdout,
        &r.dump.stdout,
        ("restored-from-ours", "restored-from-reference"),
        &context,
        " (reference pg_dumpall of the two restored clusters)",
    );
    RoundTrip {
        ours_errors,
        reference_errors,
        ours_redump: o.dump.stdout,
        reference_redump: r.dump.stdout,
    }
}

/// What a hostile role's statements would have left behind after a
/// superuser's restore of `dump` (`psql -X -f`, no ON_ERROR_STOP) into a
/// fresh cluster of [`restore_target`]`(version)`: superusers other than
/// postgres, roles named `pw…` (the security tests' markers), and files
/// in `markers` (payloads using psql's `\!`).
pub fn restore_and_find_escalations(
    version: &'static str,
    dump: &[u8],
    markers: &Path,
) -> Vec<String> {
    let target = Cluster::start(restore_target(version));
    restore_into_and_find_escalations(&target, dump, markers)
}

/// [`restore_and_find_escalations`] into an existing cluster (a `-c` dump
/// can be restored into the same cluster again and again).
pub fn restore_into_and_find_escalations(
    target: &Cluster,
    dump: &[u8],
    markers: &Path,
) -> Vec<String> {
    let file = target.dir().join("dump.sql");
    fs::write(&file, dump).expect("write dump");
    target.restore_file("postgres", &file);
    let roles = target.query(
        "postgres",
        "SELECT rolname FROM pg_catalog.pg_roles \
         WHERE (rolsuper AND rolname <> 'postgres') OR rolname LIKE 'pw%' ORDER BY 1",
    );
    let mut found: Vec<String> = roles.lines().map(str::to_owned).collect();
    if let Ok(entries) = fs::read_dir(markers) {
        for e in entries.flatten() {
            found.push(format!("file {}", e.path().display()));
        }
    }
    found
}
