//! One connection attempt: the transport opened by [`socket`], the
//! startup run by tokio-postgres over it, watched by [`observe`] for the
//! requirements of [`auth`].

use std::net::IpAddr;
use std::path::Path;

use super::tls::TlsConnector;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, NoTls};

use super::auth;
use super::copy_tap::CopyTap;
use super::message::{self, FailureKind};
use super::observe::{Observed, ObservingTls, Watch};
use super::socket::{self, Socket};
use super::targets::{check_session_attrs, spawn_connection};
use super::{ChannelBinding, Connector, TargetSessionAttrs};

/// A session opened: its client, and the tap of its COPY data.
pub(super) struct Opened {
    pub client: Client,
    pub tap: CopyTap,
}

/// Where one attempt connects.
#[derive(Clone)]
pub(super) enum Transport {
    /// The path of a Unix-domain socket.
    Unix(String),
    Tcp(IpAddr, u16),
}

impl Connector {
    /// Opens the transport, runs the startup over it (watched, see
    /// [`observe`]), spawns the connection task, and checks
    /// `target_session_attrs`.
    pub(super) async fn connect_and_check(
        &self,
        cfg: &tokio_postgres::Config,
        transport: &Transport,
        tls: Option<TlsConnector>,
        want: TargetSessionAttrs,
        tls_host: &str,
    ) -> Result<Opened, (String, FailureKind)> {
        let s = &self.settings;
        let sock = match transport {
            Transport::Unix(path) => {
                socket::unix(Path::new(path), s.security.requirepeer.as_deref()).await?
            }
            Transport::Tcp(ip, port) => socket::tcp(*ip, *port, &self.tcp_options()).await?,
        };
        let is_socket = matches!(transport, Transport::Unix(_));
        let watch = self.watch(tls.is_some());
        let describe = |e: tokio_postgres::Error| message::describe(&e, tls_host, is_socket);
        let for_cancel = tls.clone().map(|t| (t, tls_host.to_string()));
        let tap = CopyTap::default();
        let client = match tls {
            Some(mut tls) => {
                let inner = MakeTlsConnect::<Socket>::make_tls_connect(&mut tls, tls_host)
                    .map_err(|e| (format!("SSL error: {e}"), FailureKind::Tls))?;
                let (client, conn) = cfg
                    .connect_raw(sock, ObservingTls::new(inner, watch, tap.clone()))
                    .await
                    .map_err(describe)?;
                spawn_connection(conn);
                client
            }
            None => {
                let (client, conn) = cfg
                    .connect_raw(Observed::new(sock, watch, tap.clone()), NoTls)
                    .await
                    .map_err(describe)?;
                spawn_connection(conn);
                client
            }
        };
        super::cancel::register(&client, transport, for_cancel);
        check_session_attrs(&client, want).await?;
        Ok(Opened { client, tap })
    }

    fn tcp_options(&self) -> socket::TcpOptions {
        let s = &self.settings;
        socket::TcpOptions {
            keepalives: s.keepalives,
            keepalives_idle: s.keepalives_idle,
            keepalives_interval: s.keepalives_interval,
            keepalives_count: s.keepalives_count,
            tcp_user_timeout: s.tcp_user_timeout,
        }
    }

    /// What the startup of an attempt (over TLS or not) is watched for.
    fn watch(&self, tls: bool) -> Option<Box<Watch>> {
        let s = &self.settings;
        let req = auth::Requirements {
            require_auth: s.security.require_auth.clone(),
            channel_binding_required: s.channel_binding == ChannelBinding::Require,
            channel_binding_disabled: s.channel_binding == ChannelBinding::Disable,
            tls,
        };
        let check = req.active().then(|| auth::AuthCheck::new(req));
        let refuse = s.security.min_protocol_32.then(auth::protocol_refusal);
        Watch::new(check, refuse)
    }
}
