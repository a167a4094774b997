//! `COPY ... TO STDOUT` data taken off the wire below tokio-postgres.
//!
//! tokio-postgres sends a COPY as a named prepared statement (parse,
//! describe, bind, execute, close: twice the server's work of pg_dump's
//! one simple query, which on a catalog-heavy database with 50,000 small
//! tables was 0.7 s of the server's time) and hands every row to the
//! reader as a reference-counted message of its own (a quarter of the
//! client's time on a data-heavy dump). The tap lets a COPY go out as a
//! simple query instead, and takes its data out of the backend's byte
//! stream in the connection's stream wrapper ([`super::observe`]):
//!
//! * [`CopyTap::arm`] registers the statement text before the query is
//!   sent; the wrapper's frontend side ([`Requests`]) sees every request
//!   as it goes out (a Query or a Sync: each is answered by exactly one
//!   ReadyForQuery), and a Query whose text is armed takes the armed feed.
//! * The backend side ([`TapReader`]) follows the answers in the same
//!   order. For a request with a feed, CopyOutResponse and CopyDone are
//!   swallowed and the CopyData payloads go to the feed in chunks, so that
//!   tokio-postgres sees a query that returned no rows (CommandComplete,
//!   ReadyForQuery); an error passes through as it is. The feed ends at
//!   the request's ReadyForQuery, before tokio-postgres has it.
//! * The connection's feeds hold at most [`HELD_CAP`] bytes together: the
//!   wrapper stops reading the socket until a reader takes some (the
//!   server then waits, as it did when tokio-postgres stopped reading). A
//!   feed whose reader is gone drops its data, and when the connection
//!   ends every feed ends.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Bytes the feeds of a connection hold before it stops reading (the
/// COPYs sent ahead of the one being read may all have arrived).
const HELD_CAP: usize = 1 << 20;

/// Payload bytes gathered before they are handed to the feed.
const CHUNK: usize = 64 * 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One connection's tap, shared by its stream wrapper and its readers.
#[derive(Clone, Default)]
pub(crate) struct CopyTap(Arc<Mutex<TapState>>, Arc<Held>);

/// The bytes the feeds of a connection hold, and the wrapper waiting for
/// them to go down.
#[derive(Default)]
struct Held {
    bytes: Mutex<(usize, Option<Waker>)>,
}

impl Held {
    fn add(&self, n: usize) {
        lock(&self.bytes).0 += n;
    }

    fn sub(&self, n: usize) {
        let mut held = lock(&self.bytes);
        held.0 -= n;
        if held.0 < HELD_CAP {
            if let Some(w) = held.1.take() {
                w.wake();
            }
        }
    }

    /// Whether the cap is reached; if so the caller is woken when it is not.
    fn full(&self, cx: &mut Context<'_>) -> bool {
        let mut held = lock(&self.bytes);
        let full = held.0 >= HELD_CAP;
        if full {
            held.1 = Some(cx.waker().clone());
        }
        full
    }
}

#[derive(Default)]
struct TapState {
    /// Statement texts registered and not yet sent, with their feeds.
    armed: Vec<(String, Arc<Feed>)>,
    /// One entry per request sent and not yet answered, in order: the
    /// feed of a tapped COPY, None for anything else.
    on_wire: VecDeque<Option<Arc<Feed>>>,
    /// The connection is gone: nothing more will be answered.
    closed: bool,
}

impl CopyTap {
    /// Registers `sql` (the text as it will be passed to `simple_query`):
    /// the next Query with that text sent on this connection is tapped.
    pub(crate) fn arm(&self, sql: &str) -> CopyFeed {
        let feed = Arc::new(Feed {
            state: Mutex::default(),
            held: self.1.clone(),
        });
        let mut st = lock(&self.0);
        if st.closed {
            lock(&feed.state).finished = true;
        } else {
            st.armed.push((sql.to_string(), feed.clone()));
        }
        CopyFeed {
            feed,
            tap: self.clone(),
        }
    }

    /// Requests gone out, in order (see [`Requests`]).
    pub(crate) fn sent(&self, requests: impl Iterator<Item = Option<String>>) {
        let mut st = lock(&self.0);
        for text in requests {
            let feed = text.and_then(|t| {
                let i = st.armed.iter().position(|(s, _)| *s == t)?;
                Some(st.armed.remove(i).1)
            });
            st.on_wire.push_back(feed);
        }
    }

    /// The feed of the request being answered, if it is tapped.
    fn front(&self) -> Option<Arc<Feed>> {
        lock(&self.0).on_wire.front().cloned().flatten()
    }

    /// The request being answered is done (its ReadyForQuery).
    fn answered(&self) {
        let front = lock(&self.0).on_wire.pop_front().flatten();
        if let Some(feed) = front {
            feed.finish();
        }
    }

    /// The connection ended: every feed ends.
    pub(crate) fn close(&self) {
        let feeds: Vec<Arc<Feed>> = {
            let mut guard = lock(&self.0);
            let st = &mut *guard;
            st.closed = true;
            let armed = st.armed.drain(..).map(|(_, f)| f);
            let wire = st.on_wire.drain(..).flatten();
            armed.chain(wire).collect()
        };
        for feed in feeds {
            feed.finish();
        }
    }

    fn disarm(&self, feed: &Arc<Feed>) {
        lock(&self.0).armed.retain(|(_, f)| !Arc::ptr_eq(f, feed));
    }
}

struct Feed {
    state: Mutex<FeedState>,
    held: Arc<Held>,
}

#[derive(Default)]
struct FeedState {
    chunks: VecDeque<Vec<u8>>,
    /// CopyData messages (one per row).
    rows: u64,
    /// The server accepted the COPY (CopyOutResponse).
    started: bool,
    /// No more data will come.
    finished: bool,
    /// The reader is gone: data is dropped.
    abandoned: bool,
    reader: Option<Waker>,
}

impl Feed {
    fn finish(&self) {
        let mut st = lock(&self.state);
        st.finished = true;
        if let Some(w) = st.reader.take() {
            w.wake();
        }
    }

    fn push(&self, chunk: Vec<u8>, rows: u64) {
        let mut st = lock(&self.state);
        st.rows += rows;
        if st.abandoned || chunk.is_empty() {
            return;
        }
        self.held.add(chunk.len());
        st.chunks.push_back(chunk);
        if let Some(w) = st.reader.take() {
            w.wake();
        }
    }
}

/// The reader's end of a tapped COPY.
pub(crate) struct CopyFeed {
    feed: Arc<Feed>,
    tap: CopyTap,
}

impl CopyFeed {
    /// The next chunk of data, or None once the request is answered (or
    /// the connection gone).
    pub(crate) fn poll_chunk(&self, cx: &mut Context<'_>) -> Poll<Option<Vec<u8>>> {
        let mut st = lock(&self.feed.state);
        if let Some(chunk) = st.chunks.pop_front() {
            self.feed.held.sub(chunk.len());
            return Poll::Ready(Some(chunk));
        }
        if st.finished {
            return Poll::Ready(None);
        }
        st.reader = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Whether the server accepted the COPY (its data started).
    pub(crate) fn started(&self) -> bool {
        lock(&self.feed.state).started
    }

    /// CopyData messages received: the rows.
    pub(crate) fn rows(&self) -> u64 {
        lock(&self.feed.state).rows
    }
}

impl Drop for CopyFeed {
    fn drop(&mut self) {
        self.tap.disarm(&self.feed);
        let mut st = lock(&self.feed.state);
        st.abandoned = true;
        let dropped: usize = st.chunks.drain(..).map(|c| c.len()).sum();
        self.feed.held.sub(dropped);
    }
}

/// What the backend side does with the current message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pass,
    Swallow,
    Data,
}

/// The backend side of the tap: splits the stream into messages, passes
/// most of them on, and diverts tapped COPY data to its feed.
pub(crate) struct TapReader {
    tap: CopyTap,
    head: Vec<u8>,
    remaining: usize,
    mode: Mode,
    /// The message is a ReadyForQuery.
    ready: bool,
    /// The feed of the COPY whose data is coming, once CopyOutResponse
    /// was seen.
    diverting: Option<Arc<Feed>>,
    /// Payload gathered for `diverting`, and its CopyData count.
    gathered: Vec<u8>,
    rows: u64,
}

impl TapReader {
    pub(crate) fn new(tap: CopyTap) -> TapReader {
        TapReader {
            tap,
            head: Vec::with_capacity(5),
            remaining: 0,
            mode: Mode::Pass,
            ready: false,
            diverting: None,
            gathered: Vec::new(),
            rows: 0,
        }
    }

    /// Whether the connection's feeds hold all they may (the caller
    /// should not read until it is woken).
    pub(crate) fn blocked(&self, cx: &mut Context<'_>) -> bool {
        self.tap.1.full(cx)
    }

    /// Takes bytes read from the server (any split): what tokio-postgres
    /// is to see is appended to `out`.
    pub(crate) fn process(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            if self.remaining == 0 && self.head.len() < 5 {
                let n = (5 - self.head.len()).min(input.len());
                self.head.extend_from_slice(&input[..n]);
                input = &input[n..];
                if self.head.len() == 5 {
                    self.start_message(out);
                }
                continue;
            }
            let n = self.remaining.min(input.len());
            match self.mode {
                Mode::Pass => out.extend_from_slice(&input[..n]),
                Mode::Swallow => {}
                Mode::Data => self.gathered.extend_from_slice(&input[..n]),
            }
            input = &input[n..];
            self.remaining -= n;
            if self.remaining == 0 {
                self.end_message();
            }
        }
        self.hand_over();
    }

    fn start_message(&mut self, out: &mut Vec<u8>) {
        let h = &self.head;
        let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
        self.remaining = len.saturating_sub(4);
        let code = h[0];
        self.ready = code == b'Z';
        self.mode = match (code, &self.diverting) {
            (b'd', Some(_)) => {
                self.rows += 1;
                Mode::Data
            }
            (b'c', Some(_)) => Mode::Swallow,
            (b'H', None) => match self.tap.front() {
                Some(feed) => {
                    lock(&feed.state).started = true;
                    self.diverting = Some(feed);
                    Mode::Swallow
                }
                None => Mode::Pass,
            },
            _ => Mode::Pass,
        };
        if self.mode == Mode::Pass {
            // An error ends the data; a notice or a parameter report may
            // come in the middle of it.
            if self.diverting.is_some() && matches!(code, b'E' | b'C' | b'Z') {
                self.hand_over();
                self.diverting = None;
            }
            out.extend_from_slice(&self.head);
        }
        if self.mode == Mode::Swallow && code == b'c' {
            self.hand_over();
            self.diverting = None;
        }
        self.head.clear();
        if self.remaining == 0 {
            self.end_message();
        }
    }

    fn end_message(&mut self) {
        if self.gathered.len() >= CHUNK {
            self.hand_over();
        }
        if self.ready {
            self.ready = false;
            self.tap.answered();
        }
        self.mode = Mode::Pass;
    }

    /// Gives the gathered payload to its feed.
    fn hand_over(&mut self) {
        if let Some(feed) = &self.diverting {
            if !self.gathered.is_empty() || self.rows > 0 {
                // A small COPY's data is copied out (its feed may wait
                // behind others'), a big one's buffer handed over.
                let chunk = if self.gathered.len() < CHUNK / 2 {
                    let small = self.gathered.clone();
                    self.gathered.clear();
                    small
                } else {
                    std::mem::replace(&mut self.gathered, Vec::with_capacity(CHUNK))
                };
                feed.push(chunk, std::mem::take(&mut self.rows));
            }
        }
    }
}

/// The frontend side: notes each request as it goes out (a Query, with
/// its text when it is a COPY; a Sync or a FunctionCall), for
/// [`CopyTap::sent`].
#[derive(Debug, Default)]
pub(crate) struct Requests {
    pub(crate) sent: Vec<Option<String>>,
}

impl Requests {
    /// A typed frontend message `code` is going out; `query` is a Query's
    /// text as tokio-postgres wrote it.
    pub(crate) fn note(&mut self, code: u8, query: Option<&[u8]>) {
        match code {
            b'Q' => {
                let text = query
                    .filter(|q| q.starts_with(b"COPY "))
                    .and_then(|q| std::str::from_utf8(q).ok())
                    .map(str::to_string);
                self.sent.push(text);
            }
            b'S' | b'F' => self.sent.push(None),
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "copy_tap_tests.rs"]
mod tests;
