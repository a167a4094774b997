//! Connection settings resolved the libpq way, and sessions opened with
//! tokio-postgres.
//!
//! [`Connector::new`] resolves everything once (see [`settings`] for the
//! precedence rules); [`Connector::connect`] opens a session to one
//! database, looking the password up per database in the password file,
//! prompting when needed, and reporting failures in libpq's words.

mod attempt;
pub(crate) mod copy_tap;
mod resolve;
mod startup_encoding;
mod targets;
mod uri;
mod wire_text;

use targets::finish;
pub(crate) mod auth;
pub(crate) mod cancel;
pub(crate) mod conninfo;
pub(crate) mod message;
pub(crate) mod observe;
pub(crate) mod pgpass;
pub(crate) mod service;
pub(crate) mod settings;
pub(crate) mod socket;
pub(crate) mod tls;
pub(crate) mod user;

use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};

use thiserror::Error;
use tokio_postgres::config::{
    ChannelBinding as PgChannelBinding, SslMode as PgSslMode, SslNegotiation,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, SimpleQueryMessage};

pub(crate) use settings::{
    resolve, ChannelBinding, Settings, SslMode, Target, TargetKind, TargetSessionAttrs,
};

use attempt::{Opened, Transport};
pub(crate) use message::AttemptError;
use message::{failed_attempt, failure_text, FailureKind};

/// When to ask for a password (`-w` / `-W`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PasswordPrompt {
    /// Prompt only if the server asks for a password and none is known.
    #[default]
    IfNeeded,
    /// `-w`: never prompt.
    Never,
    /// `-W`: prompt before the first connection.
    Always,
}

/// What the command line says about connecting.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectArgs {
    /// `-d/--dbname`: a conninfo string or a URI; its dbname is ignored.
    pub conninfo: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub user: Option<String>,
    pub password_prompt: PasswordPrompt,
}

#[derive(Debug, Error)]
pub enum ConnError {
    /// No server accepted the session: every attempt's failure in order,
    /// one line each as libpq lists them, then libpq's note, if any.
    #[error("{}", failure_text(attempts, note.as_deref()))]
    Failed {
        attempts: Vec<AttemptError>,
        /// A line libpq adds after the attempts (`password retrieved from
        /// file "..."`).
        note: Option<String>,
    },
    /// The session opened, but a step of its setup failed.
    #[error("could not {step}{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Setup {
        step: &'static str,
        reason: Option<String>,
    },
    /// Invalid settings (bad conninfo, bad sslmode, bad port, ...).
    #[error(transparent)]
    Invalid(#[from] SettingError),
}

/// Why the connection settings are refused before any connection is
/// tried, in libpq's words.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingError {
    /// A keyword given a value outside its set.
    #[error("invalid {keyword} value: \"{value}\"")]
    Value { keyword: String, value: String },
    /// The same, for the settings whose keyword libpq quotes.
    #[error("invalid \"{keyword}\" value: \"{value}\"")]
    QuotedValue { keyword: String, value: String },
    /// An integer setting that does not hold an integer.
    #[error("invalid integer value \"{value}\" for connection option \"{keyword}\"")]
    Integer { keyword: String, value: String },
    #[error("invalid port number: \"{0}\"")]
    Port(String),
    #[error("could not match {names} host names to {addresses} hostaddr values")]
    HostaddrCount { names: usize, addresses: usize },
    #[error("could not match {ports} port numbers to {hosts} hosts")]
    PortCount { ports: usize, hosts: usize },
    /// An sslmode weaker than another setting allows (`with` names it).
    #[error("weak sslmode \"{mode}\" may not be used with {with} (use {allowed})")]
    WeakSslMode {
        mode: &'static str,
        with: &'static str,
        allowed: &'static str,
    },
    #[error("invalid SSL protocol version range")]
    SslProtocolRange,
    #[error("\"min_protocol_version\" is greater than \"max_protocol_version\"")]
    ProtocolRange,
    #[error("keepalives parameter must be an integer")]
    Keepalives,
    /// A `require_auth` list libpq refuses (the message says why).
    #[error("{0}")]
    RequireAuth(String),
    /// A connection string or URI that does not parse.
    #[error("{0}")]
    Conninfo(String),
    /// A service name that is not found or a service file that is broken.
    #[error("{0}")]
    Service(String),
    /// The operating-system user name, needed as the default user, is unknown.
    #[error("{0}")]
    OsUser(String),
}

impl ConnError {
    /// Whether some attempt was refused by the server with `code`.
    pub(crate) fn has_sqlstate(&self, code: &SqlState) -> bool {
        match self {
            ConnError::Failed { attempts, .. } => {
                attempts.iter().any(|a| a.sqlstate.as_ref() == Some(code))
            }
            _ => false,
        }
    }
}

/// An open session.
pub(crate) struct Connection {
    pub client: tokio_postgres::Client,
    /// Where its `COPY ... TO STDOUT` data is read ([`copy_tap`]).
    pub copy_tap: copy_tap::CopyTap,
    /// `server_version_num`, e.g. 180006.
    pub server_version_num: i32,
    /// `server_version` as the server reports it, e.g. "18.6".
    pub server_version: String,
    /// The client encoding libpq would have started the session in (see
    /// `startup_encoding`); None when the server picks it.
    pub requested_client_encoding: Option<String>,
    /// The client encoding the server started the session in: the startup
    /// packet asks for none (`wire_text`), so this is the server's pick for
    /// a libpq session that asks for none (a role or database setting,
    /// else the server's configuration, else the database's encoding).
    pub started_client_encoding: String,
}

/// Where the password of an attempt came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PasswordSource {
    Prompted,
    Given,
    File,
}

#[derive(Default)]
struct PasswordState {
    /// A prompt has been shown (pg_dumpall prompts at most once).
    prompted: bool,
    /// What was typed (None if empty).
    prompted_password: Option<String>,
}

/// Why a whole connect() failed.
struct Failure {
    attempts: Vec<AttemptError>,
    note: Option<String>,
    password_missing: bool,
}

/// Resolved settings; opens sessions to any database of the cluster.
pub(crate) struct Connector {
    settings: Settings,
    prompt: PasswordPrompt,
    passwords: Mutex<PasswordState>,
    prompt_lock: tokio::sync::Mutex<()>,
    connect_order: tokio::sync::Mutex<()>,
    tls: OnceLock<Result<tls::TlsConnector, String>>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("settings", &self.settings)
            .field("prompt", &self.prompt)
            .finish_non_exhaustive()
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

impl Connector {
    /// Resolves the settings from `args` and the process environment.
    pub(crate) fn new(args: ConnectArgs) -> Result<Connector, ConnError> {
        Connector::new_with_env(args, &process_env)
    }

    /// Like [`Connector::new`], with the environment given by `env`.
    pub(crate) fn new_with_env(
        args: ConnectArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Connector, ConnError> {
        let settings = resolve(&args, env)?;
        Ok(Connector {
            settings,
            prompt: args.password_prompt,
            passwords: Mutex::new(PasswordState::default()),
            prompt_lock: tokio::sync::Mutex::new(()),
            connect_order: tokio::sync::Mutex::new(()),
            tls: OnceLock::new(),
        })
    }

    /// The user name the sessions log in as (after every default applied).
    #[cfg(test)]
    pub(crate) fn user(&self) -> String {
        self.settings.user.clone()
    }

    /// The client encoding asked for with `client_encoding`,
    /// `PGCLIENTENCODING` or `options` (None when unset). Sessions start in
    /// the server's choice (`wire_text`); the caller may `SET client_encoding`.
    #[cfg(test)]
    pub(crate) fn requested_client_encoding(&self) -> Option<String> {
        self.settings.client_encoding.clone()
    }

    /// Opens a session to `dbname`, a byte string (`crate::text`): a
    /// database name read from the catalogs or from the command line may be
    /// in any encoding, and goes into the startup packet as its bytes
    /// (`wire_text`).
    pub(crate) async fn connect(&self, dbname: &str) -> Result<Connection, ConnError> {
        // Sessions open one at a time, in the order asked for (tokio's
        // mutex is fair): when the server has few free slots, the database
        // dumped first gets one before those read ahead.
        let _turn = self.connect_order.lock().await;
        self.connect_now(dbname).await
    }

    async fn connect_now(&self, dbname: &str) -> Result<Connection, ConnError> {
        if self.prompt == PasswordPrompt::Always {
            self.prompt_once().await;
        }
        loop {
            let (had_prompted, prompted) = {
                let st = self.passwords.lock().unwrap_or_else(|e| e.into_inner());
                (st.prompted, st.prompted_password.clone())
            };
            match self.try_targets(dbname, prompted.as_deref()).await {
                Ok(client) => {
                    let mut conn = finish(client).await?;
                    conn.requested_client_encoding = self.settings.client_encoding.clone();
                    return Ok(conn);
                }
                Err(f) => {
                    if f.password_missing && self.prompt != PasswordPrompt::Never {
                        self.prompt_once().await;
                        if !had_prompted {
                            continue;
                        }
                    }
                    return Err(ConnError::Failed {
                        attempts: f.attempts,
                        note: f.note,
                    });
                }
            }
        }
    }

    /// Prompts for the password unless that was done already.
    async fn prompt_once(&self) {
        let _guard = self.prompt_lock.lock().await;
        if self
            .passwords
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .prompted
        {
            return;
        }
        let pw = tokio::task::spawn_blocking(read_password)
            .await
            .unwrap_or_default();
        let mut st = self.passwords.lock().unwrap_or_else(|e| e.into_inner());
        st.prompted = true;
        st.prompted_password = (!pw.is_empty()).then_some(pw);
    }

    /// The password for `target`, by libpq's rules: a prompted or given
    /// password applies to every host; one from the password file only to
    /// the host, port, database and user its line matched (a password that
    /// worked for one of them is never offered to another).
    fn password_for(
        &self,
        target: &Target,
        dbname: &str,
        prompted: Option<&str>,
    ) -> Option<(String, PasswordSource)> {
        if let Some(p) = prompted {
            return Some((p.to_string(), PasswordSource::Prompted));
        }
        if let Some(p) = &self.settings.password {
            return Some((p.clone(), PasswordSource::Given));
        }
        if let Some(file) = &self.settings.passfile {
            // The password file is read as UTF-8 (lossily); so is the
            // database name compared with it.
            if let Some(p) = pgpass::lookup(
                file,
                target.pgpass_host(),
                &target.port_str,
                &crate::text::display(dbname),
                &self.settings.user,
                &mut |w| crate::diag::libpq_warning(w),
            ) {
                if !p.is_empty() {
                    return Some((p, PasswordSource::File));
                }
            }
        }
        None
    }

    fn tls_connector(&self) -> &Result<tls::TlsConnector, String> {
        self.tls.get_or_init(|| {
            tls::connector(&self.settings.tls, self.settings.sslmode).map(|(c, _)| c)
        })
    }
}

/// Asks for the password like libpq's `simple_prompt("Password: ", false)`:
/// on the terminal without echo, else on stderr/stdin.
fn read_password() -> String {
    match rpassword::prompt_password("Password: ") {
        Ok(p) => p,
        Err(_) => {
            use std::io::{BufRead, Write};
            let mut err = std::io::stderr();
            let _ = err.write_all(b"Password: ");
            let _ = err.flush();
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            let _ = err.write_all(b"\n");
            let _ = err.flush();
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    }
}

#[cfg(test)]
mod failover_tests;
#[cfg(test)]
pub(crate) mod fuzz_tests;
#[cfg(test)]
mod security_tests;
#[cfg(test)]
mod tests;
