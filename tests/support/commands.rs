//! Running programs: timeouts, a clean environment, ours and the reference.

use super::*;

pub(crate) fn command_timeout() -> Duration {
    let secs = std::env::var("PGDUMPALL_RS_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

pub(crate) fn trace_enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PGDUMPALL_RS_TEST_TRACE").is_some_and(|v| !v.is_empty()))
}

/// Removes every PG* variable from the command's environment (the rest of
/// the environment is inherited unchanged), then sets `env`.
pub(crate) fn clean_env(cmd: &mut Command, env: &[(&str, &str)]) {
    without_pg_environment(cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
}

pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion with a timeout, in its own session (so it has
/// no controlling terminal and cannot prompt for a password), feeding it
/// `stdin` (or /dev/null).  Panics if it cannot be spawned or times out.
pub(crate) fn run_command(cmd: Command, stdin: Option<Vec<u8>>) -> Output {
    let what = describe(&cmd);
    try_run_command(cmd, stdin).unwrap_or_else(|e| panic!("cannot run {what}: {e}"))
}

/// [`run_command`], returning an error when the program cannot be spawned.
pub(crate) fn try_run_command(mut cmd: Command, stdin: Option<Vec<u8>>) -> std::io::Result<Output> {
    let what = describe(&cmd);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let writer = stdin.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + command_timeout();
    let mut nap = Duration::from_millis(1);
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().expect("wait for killed child");
            }
            Ok(None) => {
                thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(20));
            }
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if trace_enabled() {
        loud(&format!(
            "[trace] {:>7.3}s {} {what}",
            started.elapsed().as_secs_f64(),
            status
        ));
    }
    if timed_out {
        panic!(
            "timed out after {:?}: {what}\n--- stderr ---\n{}",
            command_timeout(),
            String::from_utf8_lossy(&stderr)
        );
    }
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Runs a client program (`bin` with exactly `args`) with the PG* variables
/// removed from the environment and `env` added, stdin from /dev/null.
pub fn run_program(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args);
    clean_env(&mut cmd, env);
    run_command(cmd, None)
}

/// Runs `bin` with the cluster's connection arguments followed by `args`,
/// PG* variables removed from the environment and `env` added.
pub fn run_with_env(bin: &Path, cluster: &Cluster, args: &[&str], env: &[(&str, &str)]) -> Output {
    let conn = cluster.conn_args();
    let mut all: Vec<&str> = conn.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    run_program(bin, &all, env)
}

/// Runs the reference `pg_dumpall` (18.6) against `cluster` with `args`.
pub fn run_reference(cluster: &Cluster, args: &[&str]) -> Output {
    run_with_env(&reference_bin("pg_dumpall"), cluster, args, &[])
}

/// Runs our binary against `cluster` with `args`, in the same environment
/// as [`run_reference`].
pub fn run_ours(cluster: &Cluster, args: &[&str]) -> Output {
    run_with_env(&ours_bin(), cluster, args, &[])
}

/// Panics, showing stderr, unless the program succeeded.
pub fn assert_success(output: &Output, what: &str) {
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n--- stderr ---\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

// ---------------------------------------------------------------------------
// The OS user that runs the servers
// ---------------------------------------------------------------------------
