//! `-P` / `--progress`: databases done of total, bytes written, the
//! current database and table, throughput and an ETA, on standard error.
//! On a terminal an indicatif line redrawn in place; otherwise a plain
//! line every [`PLAIN_INTERVAL`] and after each database.
//!
//! The driver only bumps the byte counter (one relaxed atomic add per
//! write) and notes database and table changes under a mutex; a thread of
//! its own formats and draws, so the dump never waits on the terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the terminal line is redrawn.
const REDRAW_INTERVAL: Duration = Duration::from_millis(200);
/// How often a plain line is printed when standard error is no terminal.
pub(crate) const PLAIN_INTERVAL: Duration = Duration::from_secs(10);

/// What the progress line shows, as the driver last reported it.
#[derive(Default)]
struct State {
    databases_total: u64,
    databases_done: u64,
    /// Sum of the planned databases' pg_database_size.
    estimated_total: u64,
    /// Sum of the finished databases' estimates.
    estimated_done: u64,
    current_database: Option<String>,
    current_estimate: u64,
    /// The byte counter when the current database started.
    current_start_bytes: u64,
    current_table: Option<String>,
    /// When the first database started (the ETA's clock).
    databases_started: Option<Instant>,
    stopped: bool,
}

struct Shared {
    bytes: Arc<AtomicU64>,
    started: Instant,
    state: Mutex<State>,
    wake: Condvar,
    /// The in-place line, on a terminal.
    bar: Option<ProgressBar>,
}

/// The progress display of one run.
pub(crate) struct Progress {
    shared: Arc<Shared>,
    ticker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Progress {
    /// Starts drawing; `bytes` is the run's output byte counter.
    pub(crate) fn start(bytes: Arc<AtomicU64>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        let shared = Arc::new(Shared {
            bytes,
            started: Instant::now(),
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            bar,
        });
        let for_thread = shared.clone();
        let ticker = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || tick(&for_thread))
            .ok();
        Progress {
            shared,
            ticker: Mutex::new(ticker),
        }
    }

    fn with_state(&self, f: impl FnOnce(&mut State)) {
        if let Ok(mut state) = self.shared.state.lock() {
            f(&mut state);
        }
    }

    /// The databases to be dumped and their size estimates.
    pub(crate) fn plan(&self, estimates: &[Option<u64>]) {
        self.with_state(|s| {
            s.databases_total = estimates.len() as u64;
            s.estimated_total = estimates.iter().map(|e| e.unwrap_or(0)).sum();
        });
    }

    pub(crate) fn database_started(&self, name: &str, estimate: Option<u64>) {
        let bytes = self.shared.bytes.load(Ordering::Relaxed);
        self.with_state(|s| {
            s.databases_started.get_or_insert_with(Instant::now);
            s.current_database = Some(printable(name));
            s.current_estimate = estimate.unwrap_or(0);
            s.current_start_bytes = bytes;
            s.current_table = None;
        });
    }

    pub(crate) fn table_started(&self, table: &str) {
        self.with_state(|s| s.current_table = Some(printable(table)));
    }

    pub(crate) fn database_finished(&self) {
        self.with_state(|s| {
            s.databases_done += 1;
            s.estimated_done += s.current_estimate;
            s.current_estimate = 0;
            s.current_database = None;
            s.current_table = None;
        });
        if self.shared.bar.is_none() {
            eprintln!("{}", self.shared.line());
        }
    }

    /// Stops the ticker and leaves the last line standing.
    pub(crate) fn finish(&self) {
        self.with_state(|s| s.stopped = true);
        self.shared.wake.notify_all();
        if let Some(handle) = self.ticker.lock().ok().and_then(|mut t| t.take()) {
            let _ = handle.join();
        }
        let last = self.shared.line();
        match &self.shared.bar {
            Some(bar) => {
                bar.finish_with_message(last);
                // indicatif leaves the cursor at the end of the line; the
                // shell's prompt (or the next message) starts on a new one.
                eprintln!();
            }
            None => eprintln!("{last}"),
        }
    }
}

/// The ticker thread: redraws (terminal) or prints (plain) until stopped.
fn tick(shared: &Shared) {
    let interval = match shared.bar {
        Some(_) => REDRAW_INTERVAL,
        None => PLAIN_INTERVAL,
    };
    loop {
        let Ok(state) = shared.state.lock() else {
            return;
        };
        let Ok((state, _)) = shared.wake.wait_timeout(state, interval) else {
            return;
        };
        if state.stopped {
            return;
        }
        drop(state);
        let line = shared.line();
        match &shared.bar {
            Some(bar) => {
                bar.set_message(line);
                bar.tick();
            }
            None => eprintln!("{line}"),
        }
    }
}

impl Shared {
    /// The progress line: `databases 2/5, 1.20 GiB written, 35.0 MiB/s,
    /// ETA 3 minutes, at "db": public.t`.
    fn line(&self) -> String {
        let bytes = self.bytes.load(Ordering::Relaxed);
        let elapsed = self.started.elapsed();
        let Ok(s) = self.state.lock() else {
            return String::new();
        };
        let rate = bytes as f64 / elapsed.as_secs_f64().max(0.001);
        let mut line = format!(
            "{}: progress: databases {}/{}, {} written, {}/s",
            crate::diag::program(),
            s.databases_done,
            s.databases_total,
            HumanBytes(bytes),
            HumanBytes(rate as u64)
        );
        if let Some(eta) = eta(&s, bytes) {
            line.push_str(&format!(", ETA {}", HumanDuration(eta)));
        }
        if let Some(db) = &s.current_database {
            line.push_str(&format!(", database \"{db}\""));
            if let Some(table) = &s.current_table {
                line.push_str(&format!(", table {table}"));
            }
        }
        line
    }
}

/// Time left, from the share of the estimated size done so far (the
/// current database counts as far as its bytes written, up to its size).
fn eta(s: &State, bytes: u64) -> Option<Duration> {
    let since = s.databases_started?.elapsed().as_secs_f64();
    let current = bytes
        .saturating_sub(s.current_start_bytes)
        .min(s.current_estimate);
    let done = s.estimated_done
        + if s.current_database.is_some() {
            current
        } else {
            0
        };
    if s.estimated_total == 0 || done == 0 || since <= 0.0 {
        return None;
    }
    let left = s.estimated_total.saturating_sub(done) as f64;
    Some(Duration::from_secs_f64(left * since / done as f64))
}

/// Catalog text shown on a terminal: control characters (an escape
/// sequence in a table name) become `?`.
fn printable(name: &str) -> String {
    crate::text::display(name)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_control_characters() {
        assert_eq!(printable("a\u{1b}[2Jb\nc"), "a?[2Jb?c");
    }

    #[test]
    fn eta_follows_the_estimated_share_done() {
        let mut s = State {
            estimated_total: 1000,
            estimated_done: 250,
            databases_started: Some(Instant::now() - Duration::from_secs(10)),
            ..State::default()
        };
        let eta = eta(&s, 0).unwrap().as_secs_f64();
        assert!((29.0..31.5).contains(&eta), "{eta}");
        s.estimated_total = 0;
        assert!(super::eta(&s, 0).is_none());
    }
}
