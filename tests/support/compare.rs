//! Fixtures and byte comparisons: masking, artifacts, the first differing
//! lines.

use super::*;

/// Path of a file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// Loads tests/fixtures/subscriptions.sql into a new database `subs` of
/// `cluster`, with the publisher its subscriptions connect to (wal_level
/// logical, the table and publications they name) made on a cluster of
/// its own, returned to be kept running while `cluster` is dumped.
/// `slot` names the replication slot made on the publisher.
pub fn load_subscriptions_fixture(cluster: &Cluster, slot: &str) -> Cluster {
    let mut publisher = Cluster::start(cluster.version());
    publisher.append_conf("wal_level = logical");
    publisher.restart();
    publisher.psql(
        "postgres",
        "CREATE TABLE public.replicated (id int PRIMARY KEY, v text); \
         CREATE PUBLICATION \"Sub Pub\" FOR TABLE public.replicated; \
         CREATE PUBLICATION pub_empty;",
    );
    cluster.psql("postgres", "CREATE DATABASE subs");
    let pubconn = publisher.connstr("postgres");
    cluster.psql_file_vars(
        "subs",
        &fixture("subscriptions.sql"),
        &[("pubconn", &pubconn), ("slot", slot)],
    );
    publisher
}

/// Loads tests/fixtures/globals.sql into `cluster` (creating its three
/// tablespace directories).  See the fixture for what it creates; the
/// database `skipme` is meant to be excluded with --exclude-database.
pub fn load_globals_fixture(cluster: &Cluster) {
    let ts: Vec<String> = ["ts1", "ts2", "ts3"]
        .iter()
        .map(|n| cluster.tablespace_dir(n).to_str().unwrap().to_owned())
        .collect();
    cluster.psql_file_vars(
        "postgres",
        &fixture("globals.sql"),
        &[("ts1", &ts[0]), ("ts2", &ts[1]), ("ts3", &ts[2])],
    );
}

// ---------------------------------------------------------------------------
// Comparing dumps
// ---------------------------------------------------------------------------

pub(crate) const DUMPED_BY_PREFIXES: [&[u8]; 2] = [
    b"-- Dumped by pg_dump version",
    b"-- Dumped by pg_dumpall version",
];

pub(crate) fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n').collect()
}

/// Replaces each line starting with an allowed "-- Dumped by" prefix by the
/// prefix alone.
pub(crate) fn mask_dumped_by(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, line) in split_lines(data).into_iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        match DUMPED_BY_PREFIXES.iter().find(|p| line.starts_with(p)) {
            Some(prefix) => out.extend_from_slice(prefix),
            None => out.extend_from_slice(line),
        }
    }
    out
}

pub(crate) fn tablespace_location_regex() -> &'static regex::bytes::Regex {
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::bytes::Regex::new(
            r"(?m)(^CREATE TABLESPACE (?s:.*?) LOCATION )(E?'(?:[^'\\]|''|\\.)*')",
        )
        .unwrap()
    })
}

/// Replaces the LOCATION of every `CREATE TABLESPACE` statement by
/// `replacement(n)` (n = 0, 1, ... in order of appearance; the result is
/// inserted as a quoted literal).
pub fn rewrite_tablespace_locations(
    data: &[u8],
    mut replacement: impl FnMut(usize) -> String,
) -> Vec<u8> {
    let mut n = 0;
    tablespace_location_regex()
        .replace_all(data, |caps: &regex::bytes::Captures| {
            let mut v = caps[1].to_vec();
            let new = replacement(n);
            n += 1;
            v.extend_from_slice(format!("'{}'", new.replace('\'', "''")).as_bytes());
            v
        })
        .into_owned()
}

pub(crate) fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.truncate(120);
    out
}

pub(crate) fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        return if d.is_absolute() {
            d
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(d)
        };
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// Saves `data` under target/dump-diffs/ as `<test>__<context>.<label>.sql`
/// and returns the path (falling back to the temp dir if target/ is not
/// writable; never panics).
pub fn save_artifact(context: &str, label: &str, data: &[u8]) -> PathBuf {
    let test = thread::current().name().unwrap_or("unknown").to_owned();
    let file = format!(
        "{}__{}.{}.sql",
        sanitize(&test),
        sanitize(context),
        sanitize(label)
    );
    let dirs = [
        target_dir().join("dump-diffs"),
        std::env::temp_dir().join("pgdumpall-rs-dump-diffs"),
    ];
    for dir in &dirs {
        let path = dir.join(&file);
        if fs::create_dir_all(dir)
            .and_then(|()| fs::write(&path, data))
            .is_ok()
        {
            return path;
        }
    }
    loud(&format!("warning: could not save {file} in {dirs:?}"));
    dirs[0].join(file)
}

pub(crate) fn show_lines(lines: &[&[u8]], first: usize, upto: usize, marker_at: usize) -> String {
    let mut s = String::new();
    for (i, line) in lines
        .iter()
        .enumerate()
        .take(upto.min(lines.len()))
        .skip(first)
    {
        let mark = if i == marker_at { '>' } else { ' ' };
        s.push_str(&format!(
            "{mark}{:6} | {}\n",
            i + 1,
            String::from_utf8_lossy(line)
        ));
    }
    if marker_at >= lines.len() {
        s.push_str(&format!(">{:6} | <end of output>\n", lines.len() + 1));
    }
    s
}

/// Compares normalised outputs; on mismatch saves the raw outputs and
/// panics with a description of the first difference.
pub(crate) fn compare_normalized(
    a_norm: &[u8],
    b_norm: &[u8],
    a_raw: &[u8],
    b_raw: &[u8],
    labels: (&str, &str),
    context: &str,
    note: &str,
) {
    if a_norm == b_norm {
        return;
    }
    let a_lines = split_lines(a_norm);
    let b_lines = split_lines(b_norm);
    let first = a_lines
        .iter()
        .zip(&b_lines)
        .position(|(x, y)| x != y)
        .unwrap_or(a_lines.len().min(b_lines.len()));
    let from = first.saturating_sub(2);
    let upto = first + 3;
    let a_path = save_artifact(context, labels.0, a_raw);
    let b_path = save_artifact(context, labels.1, b_raw);
    let esc = |lines: &[&[u8]]| match lines.get(first) {
        Some(l) => format!("{}", l.escape_ascii()),
        None => "<end of output>".into(),
    };
    panic!(
        "{context}: outputs differ{note}\n\
         first difference at line {line} ({a} has {an} lines, {b} has {bn})\n\
         --- {a} ---\n{a_ctx}--- {b} ---\n{b_ctx}\
         escaped line {line}:\n  {a}: {a_esc}\n  {b}: {b_esc}\n\
         full outputs saved:\n  {a}: {a_path}\n  {b}: {b_path}\n  (diff -u {b_path} {a_path})",
        line = first + 1,
        a = labels.0,
        b = labels.1,
        an = a_lines.len(),
        bn = b_lines.len(),
        a_ctx = show_lines(&a_lines, from, upto, first),
        b_ctx = show_lines(&b_lines, from, upto, first),
        a_esc = esc(&a_lines),
        b_esc = esc(&b_lines),
        a_path = a_path.display(),
        b_path = b_path.display(),
    );
}

/// Asserts that our output equals the reference's byte for byte, except
/// for lines starting with `-- Dumped by pg_dump version` or
/// `-- Dumped by pg_dumpall version`.  On mismatch, panics with `context`,
/// the first differing line and its surroundings, and saves both outputs
/// under target/dump-diffs/.
pub fn assert_same_dump(ours: &[u8], reference: &[u8], context: &str) {
    let a = mask_dumped_by(ours);
    let b = mask_dumped_by(reference);
    compare_normalized(&a, &b, ours, reference, ("ours", "reference"), context, "");
}

/// The prefixes of verbose output's time lines (`-v` writes when each
/// script and each database's part started and completed).
pub(crate) const VERBOSE_TIME_PREFIXES: &[&[u8]] = &[b"-- Started on ", b"-- Completed on "];

/// Replaces the time of every `-- Started on` / `-- Completed on` line by
/// `<time>`; every other line is left as it is.
pub fn mask_verbose_times(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, line) in split_lines(data).into_iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        match VERBOSE_TIME_PREFIXES.iter().find(|p| line.starts_with(p)) {
            Some(prefix) => {
                out.extend_from_slice(prefix);
                out.extend_from_slice(b"<time>");
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// Runs both with `-v` added to `args` and compares their stdout byte for
/// byte (the `-- TOC entry` and `-- Dependencies:` lines included), only
/// the times of the Started/Completed lines masked.
pub fn assert_verbose_matches_reference(cluster: &Cluster, args: &[&str]) -> (Output, Output) {
    let mut args = with_restrict_key(args);
    args.push("-v");
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    assert_success(&reference, &format!("reference {context}"));
    assert_success(&ours, &format!("ours {context}"));
    let a = mask_dumped_by(&mask_verbose_times(&ours.stdout));
    let b = mask_dumped_by(&mask_verbose_times(&reference.stdout));
    compare_normalized(
        &a,
        &b,
        &ours.stdout,
        &reference.stdout,
        ("ours", "reference"),
        &context,
        " (verbose: times masked)",
    );
    (ours, reference)
}

/// The dump with the rows of every COPY block in byte order, for
/// comparing clusters whose tables hold the same rows in another physical
/// order: a parallel restore loads the partitions of a table partitioned
/// by hash on an enum through its root (pg_dump's
/// --load-via-partition-root for such tables), several at once, so which
/// row lands first in a partition is a race.
pub fn sort_copy_rows(data: &[u8]) -> Vec<u8> {
    let mut out: Vec<&[u8]> = Vec::new();
    let mut block: Option<Vec<&[u8]>> = None;
    for line in split_lines(data) {
        match &mut block {
            Some(rows) if line == b"\\." => {
                rows.sort();
                out.append(rows);
                out.push(line);
                block = None;
            }
            Some(rows) => rows.push(line),
            None => {
                out.push(line);
                if line.starts_with(b"COPY ") && line.ends_with(b" FROM stdin;") {
                    block = Some(Vec::new());
                }
            }
        }
    }
    if let Some(rows) = block {
        out.extend(rows);
    }
    out.join(&b'\n')
}

/// Replaces the LOCATION of every `CREATE TABLESPACE` by
/// `'<tablespace location>'`.
pub fn mask_tablespace_locations(data: &[u8]) -> Vec<u8> {
    rewrite_tablespace_locations(data, |_| "<tablespace location>".into())
}

// ---------------------------------------------------------------------------
// Restore round trip
// ---------------------------------------------------------------------------

/// Lossy UTF-8 view of program output, for messages.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------
// Differential comparison in one call
// ---------------------------------------------------------------------------

/// `args` followed by `--restrict-key RESTRICT_KEY`.
pub fn with_restrict_key<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--restrict-key", RESTRICT_KEY]);
    v
}

/// Runs the reference and ours against `cluster` with `args` (plus the
/// restrict key), asserts both succeed and their dumps are byte-identical
/// (but for the "-- Dumped by" lines). Returns `(ours, reference)`.
pub fn assert_matches_reference(cluster: &Cluster, args: &[&str]) -> (Output, Output) {
    let args = with_restrict_key(args);
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    assert_success(&reference, &format!("reference {context}"));
    assert_success(&ours, &format!("ours {context}"));
    assert_same_dump(&ours.stdout, &reference.stdout, &context);
    (ours, reference)
}

/// Dumps with the reference and with ours (`args` plus the restrict key),
/// checks that the outputs agree, and returns the part of the server log
/// our run wrote: every statement, its database's name first
/// (`log_statement = 'all'`, `log_line_prefix = '%d|'`; the cluster is
/// restarted for it). For the tests that count catalog reads.
pub fn our_logged_statements(cluster: &mut Cluster, args: &[&str], context: &str) -> String {
    let args = with_restrict_key(args);
    let reference = run_reference(cluster, &args);
    assert_success(&reference, "reference");
    cluster.append_conf("log_statement = 'all'\nlog_line_prefix = '%d|'\n");
    cluster.restart();
    let before = cluster.server_log().len();
    let ours = run_ours(cluster, &args);
    assert_success(&ours, "ours");
    assert_same_dump(&ours.stdout, &reference.stdout, context);
    cluster.server_log()[before..].to_string()
}

/// `(other statements, COPY statements)` database `db` received, in a log
/// from [`our_logged_statements`] (simple-protocol statements and executed
/// extended-protocol ones alike).
pub fn statement_counts(log: &str, db: &str) -> (usize, usize) {
    let prefix = format!("{db}|LOG:  ");
    let statements = log.lines().filter_map(|line| {
        let rest = line.strip_prefix(&prefix)?;
        rest.strip_prefix("statement: ")
            .or_else(|| Some(rest.strip_prefix("execute ")?.split_once(": ")?.1))
    });
    let (copies, other): (Vec<&str>, Vec<&str>) = statements.partition(|s| s.starts_with("COPY "));
    (other.len(), copies.len())
}

/// Runs the reference and ours with `args` (plus the restrict key) and the
/// extra environment `env`: both must end with the same exit code and
/// write the same dump (but for the "-- Dumped by" lines), failed runs
/// included. Returns the reference's output.
pub fn assert_agrees_with_reference_env(
    cluster: &Cluster,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let args = with_restrict_key(args);
    let context = format!("{} {} {env:?}", cluster.version(), args.join(" "));
    let reference = run_with_env(&reference_bin("pg_dumpall"), cluster, &args, env);
    let ours = run_with_env(&ours_bin(), cluster, &args, env);
    assert_eq!(
        ours.status.code(),
        reference.status.code(),
        "{context}: exit codes differ\nours: {}\nreference: {}",
        lossy(&ours.stderr),
        lossy(&reference.stderr)
    );
    assert_same_dump(&ours.stdout, &reference.stdout, &context);
    reference
}
