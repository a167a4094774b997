//! Cancel requests for the sessions this run opened, sent when the user
//! interrupts the dump (SIGINT, SIGTERM, ...), as pg_dump's signal handler
//! sends one with PQcancel: the server stops the running query or COPY at
//! once instead of finishing it for nobody (or holding its locks until it
//! notices the client is gone).
//!
//! Each session is recorded when it opens. Sessions are not removed when
//! they close: a cancel request for a backend that has exited is ignored
//! by the server (it carries the backend's secret key). Only the most
//! recent ones are kept: the sessions open at any time (the first one, the
//! database being written, the ones read ahead, their helpers) are always
//! among the last [`KEPT`] opened.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{CancelToken, Client, NoTls};

use super::attempt::Transport;
use super::socket::{self, Socket};
use super::tls::TlsConnector;

/// How many recently opened sessions are remembered.
const KEPT: usize = 16;

/// Where and how to send one session's cancel request.
struct CancelTarget {
    token: CancelToken,
    transport: Transport,
    /// The connector and server name of a session over TLS: the request
    /// goes over TLS too, as the session's sslmode asked.
    tls: Option<(TlsConnector, String)>,
}

static RECENT: Mutex<VecDeque<CancelTarget>> = Mutex::new(VecDeque::new());

/// Records a session that just opened.
pub(super) fn register(
    client: &Client,
    transport: &Transport,
    tls: Option<(TlsConnector, String)>,
) {
    let target = CancelTarget {
        token: client.cancel_token(),
        transport: transport.clone(),
        tls,
    };
    let mut recent = RECENT.lock().unwrap_or_else(|p| p.into_inner());
    if recent.len() == KEPT {
        recent.pop_front();
    }
    recent.push_back(target);
}

/// Sends a cancel request for every remembered session, all at once, and
/// waits at most `limit` for them (a server that does not answer must not
/// keep an interrupted run alive). Blocking: called from the thread that
/// handles signals, outside the dump's runtime. Returns how many requests
/// were delivered.
pub(crate) fn cancel_all(limit: Duration) -> usize {
    let targets: Vec<CancelTarget> = {
        let recent = RECENT.lock().unwrap_or_else(|p| p.into_inner());
        recent
            .iter()
            .map(|t| CancelTarget {
                token: t.token.clone(),
                transport: t.transport.clone(),
                tls: t.tls.clone(),
            })
            .collect()
    };
    if targets.is_empty() {
        return 0;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return 0;
    };
    runtime.block_on(async {
        let sends = targets.iter().map(send_one);
        match tokio::time::timeout(limit, futures_util::future::join_all(sends)).await {
            Ok(results) => results.into_iter().filter(|ok| *ok).count(),
            Err(_) => 0,
        }
    })
}

/// Opens a transport to the session's server and sends its cancel request.
async fn send_one(target: &CancelTarget) -> bool {
    let sock = match &target.transport {
        Transport::Unix(path) => socket::unix(std::path::Path::new(path), None).await,
        Transport::Tcp(ip, port) => socket::tcp(*ip, *port, &socket::TcpOptions::default()).await,
    };
    let Ok(sock) = sock else {
        return false;
    };
    let sock = UntilClosed {
        inner: sock,
        write_closed: false,
    };
    match &target.tls {
        None => target.token.cancel_query_raw(sock, NoTls).await.is_ok(),
        Some((connector, host)) => {
            let mut connector = connector.clone();
            match MakeTlsConnect::<UntilClosed>::make_tls_connect(&mut connector, host) {
                Ok(tls) => target.token.cancel_query_raw(sock, tls).await.is_ok(),
                Err(_) => false,
            }
        }
    }
}

/// A cancel request's transport whose shutdown (after the request is
/// written) waits for the server to close the connection, as PQcancel
/// waits: the server has then read the request, so the process may exit
/// (which closes the sessions) without the request arriving after the
/// sessions are gone.
struct UntilClosed {
    inner: Socket,
    write_closed: bool,
}

impl AsyncRead for UntilClosed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for UntilClosed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if !self.write_closed {
            ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
            self.write_closed = true;
        }
        let mut scratch = [0u8; 64];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf)) {
                Ok(()) if !buf.filled().is_empty() => continue,
                // End of stream, or the server reset it: either way done.
                _ => return Poll::Ready(Ok(())),
            }
        }
    }
}
