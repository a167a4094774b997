//! Operating a run (README "Operating"): `--hook` calls and their
//! information file, `--report` checked against the cluster's real
//! numbers, `-P` on a pseudo-terminal and as plain lines, and the default
//! output unchanged by all of it. One cluster per server version.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::*;

const DB: &str = "Ops \"één\"";

/// A hook that records each call (its arguments, its environment's
/// PGDUMPALL_RS_ variables, the information file) in `log`, and fails or
/// hangs (or sleeps a second) in the mode named by the FAIL_IN / HANG_IN
/// (SLOW_IN) variables.
fn write_hook(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("hook.log");
    let hook = dir.join("hook.sh");
    let script = format!(
        "#!/bin/sh\n\
         {{ echo \"CALL $#\"; for a in \"$@\"; do echo \"ARG $a\"; done;\n\
           env | grep '^PGDUMPALL_RS_' | sort;\n\
           if [ \"$1\" != database ]; then echo INFO; cat \"$2\"; fi; }} >> '{}'\n\
         if [ \"$1\" = \"$HANG_IN\" ]; then sleep 30; fi\n\
         if [ \"$1\" = \"$SLOW_IN\" ]; then sleep 1; fi\n\
         if [ \"$1\" = \"$FAIL_IN\" ]; then exit 3; fi\n\
         exit 0\n",
        log.display()
    );
    std::fs::write(&hook, script).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    (hook, log)
}

fn calls(log: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut calls = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(n) = line.strip_prefix("CALL ") {
            let n: usize = n.parse().unwrap();
            let args = (&mut lines)
                .take(n)
                .map(|a| a.strip_prefix("ARG ").unwrap().to_string())
                .collect();
            calls.push(args);
        }
    }
    calls
}

fn report(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("the report")).expect("report is JSON")
}

fn database<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} in the report"))
}

fn count(cluster: &Cluster, db: &str, sql: &str) -> u64 {
    cluster.query(db, sql).trim().parse().unwrap()
}

cluster_test!(operations, |version| {
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("operations.sql"));
    let dir = tempfile::tempdir().unwrap();
    let key = ["--restrict-key=opskey"];
    // The default output is the reference's.
    assert_matches_reference(&cluster, &[]);
    let plain = run_ours(&cluster, &key);
    assert_success(&plain, "plain run");
    assert!(plain.stderr.is_empty());

    hook_and_report(&cluster, dir.path(), &plain.stdout);
    failures(&cluster, dir.path());
    progress(&cluster, dir.path());
    logging(&cluster);
    config(&cluster, &plain.stdout);
});

/// A successful run with a hook and a report: same output as without them;
/// prepare, one database call each, finalize; the report's numbers are
/// the cluster's.
fn hook_and_report(cluster: &Cluster, dir: &Path, plain: &[u8]) {
    let (hook, log) = write_hook(dir);
    let out = dir.join("dump.sql");
    let report_path = dir.join("report.json");
    let args = [
        "--restrict-key=opskey".to_string(),
        format!("--hook={}", hook.display()),
        format!("--report={}", report_path.display()),
        format!("-f{}", out.display()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run_ours(cluster, &args);
    assert_success(&o, "hook and report run");
    assert_eq!(std::fs::read(&out).unwrap(), plain, "same output");
    let calls = calls(&log);
    let modes: Vec<&str> = calls.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(
        modes,
        ["prepare", "database", "database", "database", "database", "finalize"]
    );
    let names: Vec<&str> = calls[1..5].iter().map(|c| c[1].as_str()).collect();
    assert_eq!(names, ["template1", DB, "ops_denied", "postgres"]);
    assert!(calls[1..5].iter().all(|c| c[3] == "ok"));
    assert_eq!(calls[5][2], "0", "finalize's exit status");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains("PGDUMPALL_RS_HOOK_MODE=prepare"));
    assert!(log_text.contains(&format!("PGDUMPALL_RS_DATABASE={DB}")));
    assert!(log_text.contains(&format!("PGDUMPALL_RS_OUTPUT={}", out.display())));
    assert!(log_text.contains("PGDUMPALL_RS_EXIT_STATUS=0"));

    let r = report(&report_path);
    let mode = std::fs::metadata(&report_path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(r["exit_status"], 0);
    assert_eq!(
        r["server_version"],
        cluster.query("postgres", "SHOW server_version").trim()
    );
    assert_eq!(r["totals"]["bytes"], plain.len() as u64);
    let bytes: u64 = calls[1..5]
        .iter()
        .map(|c| c[2].parse::<u64>().unwrap())
        .sum();
    let db_bytes: u64 = r["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(bytes, db_bytes, "hook and report agree on bytes");
    assert!(db_bytes < plain.len() as u64 && db_bytes > 0);
    let ops = database(&r, DB);
    assert_eq!(ops["status"], "ok");
    let rows = count(
        cluster,
        DB,
        "SELECT (SELECT count(*) FROM \"Sch ema\".\"Tab\\le\") + (SELECT count(*) FROM public.\"select\")",
    );
    assert_eq!(ops["rows"], rows);
    assert_eq!(ops["tables"], 3);
    let los = count(cluster, DB, "SELECT count(*) FROM pg_largeobject_metadata");
    assert_eq!(ops["large_objects"], los);
    assert_eq!(database(&r, "postgres")["rows"], 5);
    assert_eq!(database(&r, "ops_denied")["rows"], 3);
    assert_eq!(r["totals"]["rows"], rows + 5 + 3);
    assert_eq!(r["totals"]["databases_ok"], 4);
    assert!(ops["duration_seconds"].as_f64().unwrap() >= 0.0);
    assert!(ops["estimated_bytes"].as_u64().unwrap() > 0);
    // The information file finalize saw is the report's facts.
    assert!(log_text.contains("\"exit_status\": 0"));

    // With -j 2 (databases dumped at once): the same output and facts;
    // database calls come as databases complete.
    std::fs::remove_file(&log).unwrap();
    let mut parallel = args.clone();
    parallel.extend(["-j", "2"]);
    let o = run_ours(cluster, &parallel);
    assert_success(&o, "-j 2 with hook and report");
    assert_eq!(std::fs::read(&out).unwrap(), plain, "same output with -j 2");
    let mut names: Vec<String> = crate::calls(&log)
        .into_iter()
        .filter(|c| c[0] == "database")
        .map(|c| c[1].clone())
        .collect();
    names.sort();
    assert_eq!(names, [DB, "ops_denied", "postgres", "template1"]);
    let r2 = report(&report_path);
    assert_eq!(r2["totals"]["bytes"], plain.len() as u64);
    assert_eq!(r2["totals"]["rows"], r["totals"]["rows"]);
    assert_eq!(database(&r2, DB)["bytes"], ops["bytes"]);
    assert_eq!(database(&r2, DB)["large_objects"], los);
}

/// A database that fails (a role that may not read a table), a prepare
/// that refuses, a hook that hangs.
fn failures(cluster: &Cluster, dir: &Path) {
    let (hook, log) = write_hook(dir);
    let report_path = dir.join("failed.json");
    let out = dir.join("failed.sql");
    let base = [
        format!("--hook={}", hook.display()),
        format!("--report={}", report_path.display()),
        format!("--file={}", out.display()),
    ];
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&report_path);
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        run_with_env(&ours_bin(), cluster, &args, env)
    };

    // A database's dump fails: its database call says so, finalize gets 1.
    let o = run(&["-U", "ops user", "--no-role-passwords"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", lossy(&o.stderr));
    assert!(!out.exists());
    let c = calls(&log);
    let last = c.last().unwrap();
    assert_eq!((last[0].as_str(), last[2].as_str()), ("finalize", "1"));
    let failed = &c[c.len() - 2];
    assert_eq!((failed[0].as_str(), failed[1].as_str()), ("database", DB));
    assert_eq!(failed[3], "failed");
    let r = report(&report_path);
    assert_eq!(r["exit_status"], 1);
    assert_eq!(database(&r, "template1")["status"], "ok");
    assert_eq!(database(&r, DB)["status"], "failed");
    assert_eq!(database(&r, "postgres")["status"], "pending");
    assert!(r["error"]
        .as_str()
        .unwrap()
        .contains("pg_dump failed on database"));

    // prepare refuses: nothing is written, exit 1, finalize still runs.
    let o = run(&[], &[("FAIL_IN", "prepare")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
    let stderr = lossy(&o.stderr);
    assert!(
        stderr.contains("failed in mode \"prepare\": exit status: 3; nothing was dumped"),
        "{stderr}"
    );
    let modes: Vec<String> = calls(&log).into_iter().map(|c| c[0].clone()).collect();
    assert_eq!(modes, ["prepare", "finalize"]);
    assert_eq!(report(&report_path)["exit_status"], 1);
    // The same to standard output: nothing written there either.
    let o = run_with_env(
        &ours_bin(),
        cluster,
        &[&format!("--hook={}", hook.display())],
        &[("FAIL_IN", "prepare")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());

    // A hook that hangs is killed after --hook-timeout.
    let started = std::time::Instant::now();
    let o = run(&["--hook-timeout=1"], &[("HANG_IN", "database")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(started.elapsed().as_secs() < 20, "the timeout bounds it");
    assert!(lossy(&o.stderr).contains("within 1 s (--hook-timeout); killed"));
}

/// `-P`: plain lines on a file, a line redrawn on a terminal, nothing
/// without it.
fn progress(cluster: &Cluster, dir: &Path) {
    let out = dir.join("progress.sql");
    let file_arg = format!("--file={}", out.display());
    let o = run_ours(cluster, &["-P", &file_arg]);
    assert_success(&o, "-P to a file");
    let stderr = lossy(&o.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 5, "{stderr}");
    assert!(lines
        .iter()
        .all(|l| l.starts_with("pgdumpall-rs: progress: databases ")));
    assert!(lines[0].contains("databases 1/4"), "{stderr}");
    assert!(lines.last().unwrap().contains("databases 4/4"), "{stderr}");

    // On a pseudo-terminal, with a hook that makes each database last a
    // second, so that the line is redrawn several times.
    let (hook, _) = write_hook(dir);
    let mut conn: Vec<String> = cluster.conn_args();
    conn.extend([
        "-P".to_string(),
        file_arg,
        format!("--hook={}", hook.display()),
    ]);
    let (status, screen) = run_on_pty(&ours_bin(), &conn, &[("SLOW_IN", "database")]);
    assert!(status.success(), "{screen}");
    let last_line = screen.trim_end().rsplit(['\r', '\n']).next().unwrap();
    assert!(last_line.contains("progress: databases 4/4"), "{screen:?}");
    assert!(
        screen.matches('\r').count() > 2,
        "redrawn in place: {screen:?}"
    );
    // One line, left standing: the shell's prompt comes on the next one.
    assert!(screen.ends_with("\r\n"), "{screen:?}");
    assert_eq!(screen.matches('\n').count(), 1, "{screen:?}");
}

/// Runs `bin` with `args`, its standard error on a new pseudo-terminal;
/// returns its status and everything it drew there.
fn run_on_pty(
    bin: &Path,
    args: &[String],
    env: &[(&str, &str)],
) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors into the given integers.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors are fresh and owned here.
    let (master, slave) = unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    };
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(slave)
        .spawn()
        .unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut master = master;
        let mut buf = [0u8; 4096];
        // Reading fails with EIO once the child (the slave's only holder)
        // has exited.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let status = child.wait().unwrap();
    drop(child);
    let screen = reader.join().unwrap();
    (status, String::from_utf8_lossy(&screen).into_owned())
}

/// PGDUMPALL_RS_LOG=debug: every catalog query with its duration, every
/// COPY with its size; no password.
fn logging(cluster: &Cluster) {
    let secret = "Pa55-W0rd-Sekret";
    let connstr = format!("{} password={secret}", cluster.connstr("postgres"));
    let o = run_with_env(
        &ours_bin(),
        cluster,
        &["-d", &connstr],
        &[("PGDUMPALL_RS_LOG", "debug"), ("PGPASSWORD", secret)],
    );
    assert_success(&o, "logged run");
    let stderr = lossy(&o.stderr);
    assert!(!stderr.contains(secret), "a password in the log");
    assert!(stderr.contains("catalog query"), "{stderr}");
    assert!(stderr.contains("duration_ms="), "{stderr}");
    assert!(
        stderr.contains("COPY done") && stderr.contains("bytes=10"),
        "{stderr}"
    );
}

/// `--include-config`: the configuration as comments before the closing
/// comment, the rest of the output unchanged; a role that may not read
/// the files' views gets one warning and its dump.
fn config(cluster: &Cluster, plain: &[u8]) {
    cluster.psql("postgres", "ALTER SYSTEM SET work_mem = '7MB'");
    cluster.psql(
        "postgres",
        "ALTER SYSTEM SET application_name = 'x''; DROP TABLE p; --'",
    );
    cluster.psql("postgres", "SELECT pg_reload_conf()");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let o = run_ours(cluster, &["--restrict-key=opskey", "--include-config"]);
    assert_success(&o, "--include-config");
    assert!(o.stderr.is_empty(), "{}", lossy(&o.stderr));
    let out = lossy(&o.stdout);
    let start = out.find("--\n-- Server configuration").expect("the block");
    let end = out
        .find("--\n-- PostgreSQL database cluster dump complete")
        .unwrap();
    assert_eq!(
        format!("{}{}", &out[..start], &out[end..]).as_bytes(),
        plain,
        "only the block is added"
    );
    let block = &out[start..end];
    assert!(
        block.lines().all(|l| l.is_empty() || l.starts_with("--")),
        "{block}"
    );
    assert!(
        block.contains("-- ALTER SYSTEM SET work_mem = '7MB';\n"),
        "{block}"
    );
    assert!(
        block.contains("-- ALTER SYSTEM SET application_name = 'x''; DROP TABLE p; --';\n"),
        "{block}"
    );
    assert!(
        block.contains("-- Settings from source: command line\n"),
        "{block}"
    );
    assert!(
        block.contains(&format!("-- port = '{}'\n", cluster.port())),
        "{block}"
    );
    assert!(
        block.contains("-- pg_hba.conf as the server reads it:\n--   local "),
        "{block}"
    );
    assert_eq!(
        block.contains("-- pg_ident.conf"),
        cluster.major() >= 15,
        "{block}"
    );

    config_files(cluster);

    // A role that may not read pg_hba_file_rules.
    let o = run_ours(
        cluster,
        &[
            "-g",
            "--no-role-passwords",
            "-U",
            "ops user",
            "--include-config",
        ],
    );
    assert_success(&o, "--include-config as a plain role");
    let stderr = lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("warning: --include-config: permission denied to read pg_file_settings and pg_hba_file_rules")
    );
    let out = lossy(&o.stdout);
    assert!(out.contains("-- Server configuration"));
    assert!(!out.contains("pg_hba.conf as the server reads it"));
    cluster.psql("postgres", "ALTER SYSTEM RESET ALL");
    cluster.psql("postgres", "SELECT pg_reload_conf()");
}

/// `--include-config` in the directory format: `config/` holds the
/// settings, postgresql.auto.conf, pg_hba.conf and pg_ident.conf as files
/// (0600, in the manifest); the server reads our postgresql.auto.conf back
/// as the values ALTER SYSTEM wrote, hostile ones included.
fn config_files(cluster: &Cluster) {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cluster");
    let out_arg = format!("-f{}", out.display());
    let o = run_ours(cluster, &["-Fd", &out_arg, "--include-config"]);
    assert_success(&o, "-Fd --include-config");
    let config = out.join("config");
    let read = |name: &str| std::fs::read_to_string(config.join(name)).unwrap();
    let settings = read("settings.conf");
    assert!(
        settings.contains("\n# source: command line\n")
            && settings.contains(&format!("\nport = '{}'\n", cluster.port())),
        "{settings}"
    );
    let auto = read("postgresql.auto.conf");
    assert!(auto.contains("work_mem = '7MB'\n"), "{auto}");
    assert!(read("pg_hba.conf").contains("\nlocal "));
    assert_eq!(config.join("pg_ident.conf").exists(), cluster.major() >= 15);
    for entry in std::fs::read_dir(&config).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let manifest = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert!(
        manifest.contains("config/postgresql.auto.conf\n"),
        "{manifest}"
    );
    let o = Command::new(ours_bin())
        .arg("verify")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&o, "verify with config/");

    // The server reads our postgresql.auto.conf as ALTER SYSTEM left it.
    let settings_sql = "SELECT name || '=' || setting FROM pg_catalog.pg_file_settings \
                        WHERE sourcefile LIKE '%auto.conf' ORDER BY seqno";
    let before = cluster.query("postgres", settings_sql);
    assert!(before.contains("DROP TABLE p"), "{before}");
    std::fs::write(cluster.data_dir().join("postgresql.auto.conf"), &auto).unwrap();
    assert_eq!(cluster.query("postgres", settings_sql), before);
}
