//! Opening the transport of one attempt ourselves (tokio-postgres then
//! runs the protocol over it with `Config::connect_raw`): TCP with libpq's
//! socket options, or a Unix-domain socket whose peer is checked against
//! `requirepeer`.

use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use super::auth;
use super::message::{self, FailureKind};

/// libpq's TCP socket options.
#[derive(Debug, Clone, Default)]
pub(crate) struct TcpOptions {
    pub keepalives: bool,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_count: Option<u32>,
    pub tcp_user_timeout: Option<Duration>,
}

/// An open transport.
#[derive(Debug)]
pub(crate) enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

type Failure = (String, FailureKind);

fn connect_failure(e: &io::Error, socket: bool) -> Failure {
    if e.raw_os_error().is_some() {
        (
            format!("{}{}", message::io_text(e), message::connect_hint(socket)),
            FailureKind::Connect,
        )
    } else {
        (message::io_text(e), FailureKind::Other)
    }
}

/// Connects over TCP and sets the socket options.
pub(crate) async fn tcp(ip: IpAddr, port: u16, opts: &TcpOptions) -> Result<Socket, Failure> {
    let stream = TcpStream::connect((ip, port))
        .await
        .map_err(|e| connect_failure(&e, false))?;
    let setopt = |what: &str, r: io::Result<()>| {
        r.map_err(|e| {
            (
                format!("{what} failed: {}", message::io_text(&e)),
                FailureKind::Other,
            )
        })
    };
    setopt("setsockopt(TCP_NODELAY)", stream.set_nodelay(true))?;
    let sock = SockRef::from(&stream);
    if opts.keepalives {
        let mut ka = TcpKeepalive::new();
        if let Some(d) = opts.keepalives_idle {
            ka = ka.with_time(d);
        }
        if let Some(d) = opts.keepalives_interval {
            ka = ka.with_interval(d);
        }
        if let Some(n) = opts.keepalives_count {
            ka = ka.with_retries(n);
        }
        setopt("setsockopt(SO_KEEPALIVE)", sock.set_tcp_keepalive(&ka))?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(d) = opts.tcp_user_timeout {
        setopt(
            "setsockopt(TCP_USER_TIMEOUT)",
            sock.set_tcp_user_timeout(Some(d)),
        )?;
    }
    Ok(Socket::Tcp(stream))
}

/// Connects to the socket file `path`, then applies `requirepeer` (when
/// set and not empty) as libpq does, before anything is sent.
pub(crate) async fn unix(path: &Path, requirepeer: Option<&str>) -> Result<Socket, Failure> {
    let stream = UnixStream::connect(path)
        .await
        .map_err(|e| connect_failure(&e, true))?;
    if let Some(required) = requirepeer.filter(|r| !r.is_empty()) {
        let refused = |m: String| (m, FailureKind::Refused);
        let cred = stream.peer_cred().map_err(|e| {
            refused(format!(
                "could not get peer credentials: {}",
                message::io_text(&e)
            ))
        })?;
        let actual = user_name(cred.uid()).map_err(refused)?;
        auth::check_peer(required, &actual).map_err(refused)?;
    }
    Ok(Socket::Unix(stream))
}

/// The name of the OS user `uid`, with libpq's messages when unknown.
fn user_name(uid: u32) -> Result<String, String> {
    let mut buf = vec![0u8; 16384];
    // SAFETY: an all-zero passwd is a valid value to be overwritten.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer refers to live, correctly sized storage.
    let rc = unsafe {
        libc::getpwuid_r(
            uid,
            &mut pwd,
            buf.as_mut_ptr().cast::<libc::c_char>(),
            buf.len(),
            &mut result,
        )
    };
    if result.is_null() {
        return Err(if rc != 0 {
            format!(
                "could not look up local user ID {uid}: {}",
                message::io_text(&io::Error::from_raw_os_error(rc))
            )
        } else {
            format!("local user with ID {uid} does not exist")
        });
    }
    // SAFETY: getpwuid_r succeeded, so pw_name points into `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Ok(name.to_string_lossy().into_owned())
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Socket::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Socket::Tcp(s) => s.is_write_vectored(),
            Socket::Unix(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
