//! `--hook=PROGRAM`: a program run without a shell at fixed points of the
//! run (`prepare`, `database`, `finalize`; README "Hooks"), bounded by
//! `--hook-timeout`.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

use super::record::Record;

/// The default `--hook-timeout`, in seconds.
pub(crate) const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// Why a hook call did not succeed.
#[derive(Debug, Error)]
pub(crate) enum HookError {
    #[error("could not run hook \"{program}\": {reason}")]
    Spawn { program: String, reason: String },
    #[error("hook \"{program}\" failed in mode \"{mode}\": {status}")]
    Failed {
        program: String,
        mode: &'static str,
        status: ExitStatus,
    },
    #[error("hook \"{program}\" did not finish in mode \"{mode}\" within {seconds} s (--hook-timeout); killed")]
    TimedOut {
        program: String,
        mode: &'static str,
        seconds: u64,
    },
    #[error("could not write the hook information file \"{path}\": {reason}")]
    InfoFile { path: String, reason: String },
}

/// The hook program and its information file.
pub(crate) struct Hook {
    program: PathBuf,
    timeout: Duration,
    /// The JSON information file passed to `prepare` and `finalize`,
    /// made at the first call and removed when the run ends.
    info: std::sync::Mutex<Option<tempfile::TempPath>>,
}

impl Hook {
    pub(crate) fn new(program: PathBuf, timeout: Duration) -> Hook {
        Hook {
            program,
            timeout,
            info: std::sync::Mutex::new(None),
        }
    }

    /// Rewrites the information file from `record`; returns its path.
    pub(crate) fn write_info(&self, record: &Record) -> Result<PathBuf, HookError> {
        let failed = |path: &Path, e: std::io::Error| HookError::InfoFile {
            path: path.display().to_string(),
            reason: crate::output::strerror(&e),
        };
        let mut slot = self.info.lock().map_err(|_| HookError::InfoFile {
            path: String::new(),
            reason: "poisoned lock".into(),
        })?;
        if slot.is_none() {
            let made = tempfile::Builder::new()
                .prefix("pgdumpall-rs-hook-")
                .suffix(".json")
                .tempfile()
                .map_err(|e| failed(&std::env::temp_dir(), e))?;
            *slot = Some(made.into_temp_path());
        }
        let path: PathBuf = slot.as_deref().map(Path::to_path_buf).unwrap_or_default();
        let mut file = std::fs::File::create(&path).map_err(|e| failed(&path, e))?;
        file.write_all(&record.to_json())
            .map_err(|e| failed(&path, e))?;
        Ok(path)
    }

    /// Removes the information file (the process exits without running
    /// destructors).
    pub(crate) fn remove_info(&self) {
        if let Ok(mut slot) = self.info.lock() {
            drop(slot.take());
        }
    }

    /// Runs the hook with `mode` and `args` after it, and `env` added to
    /// its environment; waits at most the timeout, then kills its process
    /// group. Its standard output goes to our standard error (our
    /// standard output may be the dump).
    pub(crate) fn call(
        &self,
        mode: &'static str,
        info: &Path,
        args: &[OsString],
        env: &[(&str, OsString)],
    ) -> Result<(), HookError> {
        use std::os::unix::process::CommandExt;
        let program = self.program.display().to_string();
        let spawn_failed = |e: std::io::Error| HookError::Spawn {
            program: program.clone(),
            reason: crate::output::strerror(&e),
        };
        let stdout = stderr_for_child();
        let mut child = Command::new(&self.program)
            .arg(mode)
            .args(args)
            .env("PGDUMPALL_RS_HOOK_MODE", mode)
            .env("PGDUMPALL_RS_INFO_FILE", info)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(stdout)
            .process_group(0)
            .spawn()
            .map_err(spawn_failed)?;
        let deadline = Instant::now() + self.timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(status) = child.try_wait().map_err(spawn_failed)? {
                if status.success() {
                    return Ok(());
                }
                return Err(HookError::Failed {
                    program,
                    mode,
                    status,
                });
            }
            if Instant::now() >= deadline {
                kill_group(child.id());
                let _ = child.wait();
                return Err(HookError::TimedOut {
                    program,
                    mode,
                    seconds: self.timeout.as_secs(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// Kills the hook's process group (the hook and whatever it started).
fn kill_group(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill has no memory effects; the group is the hook's own
        // (process_group(0) made the child its leader).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// A duplicate of our standard error, for a child's output.
fn stderr_for_child() -> Stdio {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Stdio::from(fd),
        Err(_) => Stdio::null(),
    }
}
