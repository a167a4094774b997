//! A stream wrapper that reads the backend's startup messages as they pass
//! to tokio-postgres, and fails the connection (with libpq's message)
//! before tokio-postgres sees an authentication request that the
//! connection's requirements forbid: no password is sent in answer to it.
//!
//! Without TLS the wrapper goes around the socket; with TLS it goes around
//! the TLS stream ([`ObservingTls`] wraps the TLS connector), so it always
//! sees the protocol in the clear. Once AuthenticationOk has passed the
//! checks, the wrapper only forwards bytes, rewritten as [`wire_text`](super::wire_text)
//! says (statement text written as bytes).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};

use super::auth::AuthCheck;
use super::copy_tap::{CopyTap, TapReader};
use super::wire_text::{Incoming, Outgoing};

/// A connection refused by the client's own requirements; the text is
/// libpq's message.
#[derive(Debug, Clone, Error)]
#[error("{0}")]
pub(crate) struct Refused(pub String);

fn refused(msg: String) -> io::Error {
    io::Error::other(Refused(msg))
}

/// What to watch for during startup.
#[derive(Debug)]
pub(crate) struct Watch {
    /// Judges authentication requests (None: nothing to judge).
    check: Option<AuthCheck>,
    /// Fail the first write (the startup packet) with this message.
    refuse_startup: Option<String>,
    /// A refusal already made (returned again if asked again).
    failed: Option<String>,
    parser: Parser,
}

impl Watch {
    /// None when there is nothing to watch.
    pub(crate) fn new(
        check: Option<AuthCheck>,
        refuse_startup: Option<String>,
    ) -> Option<Box<Watch>> {
        if check.is_none() && refuse_startup.is_none() {
            return None;
        }
        Some(Box::new(Watch {
            check,
            refuse_startup,
            failed: None,
            parser: Parser::default(),
        }))
    }

    /// Looks at bytes read from the server. Ok(true): authentication is
    /// over and nothing more needs watching.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<bool, String> {
        if let Some(msg) = &self.failed {
            return Err(msg.clone());
        }
        let Some(check) = &mut self.check else {
            return Ok(false);
        };
        let mut rest = bytes;
        while !rest.is_empty() {
            let Some((code, body)) = self.parser.next(&mut rest) else {
                continue;
            };
            if let Err(msg) = check.request(code, &body) {
                self.failed = Some(msg.clone());
                return Err(msg);
            }
            if code == super::auth::AUTH_OK {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Splits the backend's byte stream into messages, keeping the bodies of
/// authentication requests ('R') only.
#[derive(Debug, Default)]
struct Parser {
    head: Vec<u8>,
    body: Vec<u8>,
    /// Body bytes still to come for the current message.
    remaining: usize,
    keep: bool,
}

impl Parser {
    /// Consumes bytes from `input`; returns the code and the rest of the
    /// body of an authentication request when one is complete.
    fn next(&mut self, input: &mut &[u8]) -> Option<(i32, Vec<u8>)> {
        if self.remaining == 0 {
            let want = 5 - self.head.len();
            let n = want.min(input.len());
            self.head.extend_from_slice(&input[..n]);
            *input = &input[n..];
            if self.head.len() < 5 {
                return None;
            }
            let len = u32::from_be_bytes([self.head[1], self.head[2], self.head[3], self.head[4]]);
            self.remaining = (len as usize).saturating_sub(4);
            self.keep = self.head[0] == b'R';
            self.body.clear();
            if self.remaining == 0 {
                return self.finish();
            }
        }
        let n = self.remaining.min(input.len());
        if self.keep {
            self.body.extend_from_slice(&input[..n]);
        }
        *input = &input[n..];
        self.remaining -= n;
        if self.remaining == 0 {
            self.finish()
        } else {
            None
        }
    }

    fn finish(&mut self) -> Option<(i32, Vec<u8>)> {
        let keep = self.keep;
        self.head.clear();
        if !keep {
            return None;
        }
        let body = std::mem::take(&mut self.body);
        if body.len() < 4 {
            // A malformed request: tokio-postgres reports it.
            return None;
        }
        let code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        Some((code, body[4..].to_vec()))
    }
}

/// A stream whose startup is watched, whose statement text goes out as
/// bytes ([`wire_text`](super::wire_text)), and whose tapped COPYs' data
/// goes to their readers ([`copy_tap`](super::copy_tap)).
pub(crate) struct Observed<S> {
    inner: S,
    watch: Option<Box<Watch>>,
    outgoing: Outgoing,
    incoming: Incoming,
    tap: CopyTap,
    reader: TapReader,
    /// Bytes read from the socket, being looked at.
    scratch: Vec<u8>,
    /// What tokio-postgres is to read next, from `out_at` on.
    out: Vec<u8>,
    out_at: usize,
}

/// Bytes read from the socket at a time.
const READ_SIZE: usize = 64 * 1024;

impl<S> Observed<S> {
    pub(crate) fn new(inner: S, watch: Option<Box<Watch>>, tap: CopyTap) -> Observed<S> {
        Observed {
            inner,
            watch,
            outgoing: Outgoing::default(),
            incoming: Incoming::default(),
            reader: TapReader::new(tap.clone()),
            tap,
            scratch: Vec::new(),
            out: Vec::new(),
            out_at: 0,
        }
    }
}

impl<S> Drop for Observed<S> {
    fn drop(&mut self) {
        self.tap.close();
    }
}

impl<S: AsyncWrite + Unpin> Observed<S> {
    /// Writes out what [`Outgoing`] holds; Ready once all of it is gone.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.outgoing.pending().is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, self.outgoing.pending()))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.outgoing.consumed(n);
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `bufs` into [`Outgoing`] once the earlier bytes are gone (so
    /// at most one write's worth waits here), and starts sending them.
    fn poll_accept(&mut self, cx: &mut Context<'_>, bufs: &[&[u8]]) -> Poll<io::Result<usize>> {
        if let Some(msg) = self.watch.as_ref().and_then(|w| w.refuse_startup.clone()) {
            return Poll::Ready(Err(refused(msg)));
        }
        ready!(self.poll_drain(cx))?;
        let mut taken = 0;
        for buf in bufs {
            self.outgoing.feed(buf);
            taken += buf.len();
        }
        if !self.outgoing.requests.sent.is_empty() {
            self.tap.sent(self.outgoing.requests.sent.drain(..));
        }
        // Accepted either way; a write still pending resumes on the next
        // write or flush.
        if let Poll::Ready(Err(e)) = self.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(taken))
    }
}

impl<S: AsyncRead + Unpin> Observed<S> {
    /// Reads from the socket until there is something for tokio-postgres
    /// in `out` (Ready(false) at the end of the stream).
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        while self.out_at == self.out.len() {
            // A tapped COPY's reader is behind: wait for it.
            if self.reader.blocked(cx) {
                return Poll::Pending;
            }
            self.scratch.resize(READ_SIZE, 0);
            let mut read = ReadBuf::new(&mut self.scratch);
            let result = ready!(Pin::new(&mut self.inner).poll_read(cx, &mut read));
            let n = read.filled().len();
            if let Err(e) = result {
                self.tap.close();
                return Poll::Ready(Err(e));
            }
            if n == 0 {
                self.tap.close();
                return Poll::Ready(Ok(false));
            }
            let bytes = &mut self.scratch[..n];
            self.incoming.filter(bytes);
            if let Some(watch) = &mut self.watch {
                match watch.feed(bytes) {
                    Ok(true) => self.watch = None,
                    Ok(false) => {}
                    // The refused request never reaches tokio-postgres.
                    Err(msg) => return Poll::Ready(Err(refused(msg))),
                }
            }
            self.out.clear();
            self.out_at = 0;
            self.reader.process(&self.scratch[..n], &mut self.out);
        }
        Poll::Ready(Ok(true))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Observed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !ready!(this.poll_fill(cx))? {
            return Poll::Ready(Ok(()));
        }
        let n = (this.out.len() - this.out_at).min(buf.remaining());
        buf.put_slice(&this.out[this.out_at..this.out_at + n]);
        this.out_at += n;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Observed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_accept(cx, &[buf])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let bufs: Vec<&[u8]> = bufs.iter().map(|b| &b[..]).collect();
        self.get_mut().poll_accept(cx, &bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl<S: TlsStream + Unpin> TlsStream for Observed<S> {
    fn channel_binding(&self) -> ChannelBinding {
        self.inner.channel_binding()
    }
}

/// A TLS connector whose TLS stream is [`Observed`].
pub(crate) struct ObservingTls<T> {
    inner: T,
    watch: Option<Box<Watch>>,
    tap: CopyTap,
}

impl<T> ObservingTls<T> {
    pub(crate) fn new(inner: T, watch: Option<Box<Watch>>, tap: CopyTap) -> ObservingTls<T> {
        ObservingTls { inner, watch, tap }
    }
}

type Handshake<S, E> = Pin<Box<dyn Future<Output = Result<Observed<S>, E>> + Send>>;

impl<S, T> TlsConnect<S> for ObservingTls<T>
where
    T: TlsConnect<S>,
    T::Future: Send + 'static,
    T::Stream: Send + 'static,
{
    type Stream = Observed<T::Stream>;
    type Error = T::Error;
    type Future = Handshake<T::Stream, T::Error>;

    fn connect(self, stream: S) -> Self::Future {
        let handshake = self.inner.connect(stream);
        let (watch, tap) = (self.watch, self.tap);
        Box::pin(async move { handshake.await.map(|s| Observed::new(s, watch, tap)) })
    }
}
