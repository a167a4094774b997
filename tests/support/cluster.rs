//! One throwaway PostgreSQL cluster: start, psql, configuration, stop.

use super::*;

/// A throwaway PostgreSQL cluster, stopped (immediate shutdown) and deleted
/// on drop, also when the test panics.  Superuser `postgres`, trust
/// authentication, UTF8, locale C, fsync off, listening on the socket
/// directory [`Cluster::host`] and on 127.0.0.1:[`Cluster::port`].
pub struct Cluster {
    version: &'static str,
    major: u32,
    dir: PathBuf,
    host: String,
    port: u16,
    server_bin: PathBuf,
    running: bool,
    /// The server encoding, which psql sessions speak (PGCLIENTENCODING):
    /// UTF8 unless made by [`Cluster::start_with_encoding`].
    encoding: String,
}

impl Cluster {
    /// Starts a fresh cluster of `version` ("16" or "16.15").
    pub fn start(version: &str) -> Cluster {
        let full = resolve_version(version);
        if toolset(full).is_none() {
            panic!("{}", missing_message(full));
        }
        reap_stale_clusters();
        let server_bin = match TEST_EXTENSIONS.get() {
            Some(extensions) => toolset_with_extensions(full, extensions),
            None => server_bin_dir(full),
        };
        let template = template_data_dir(full);
        Cluster::start_from(full, server_bin, Some(&template))
    }

    /// Starts a fresh cluster of `version` whose server encoding (that of
    /// template1 and postgres) is `encoding` instead of UTF8, locale C: an
    /// old `SQL_ASCII` cluster, say.
    pub fn start_with_encoding(version: &str, encoding: &str) -> Cluster {
        let full = resolve_version(version);
        if toolset(full).is_none() {
            panic!("{}", missing_message(full));
        }
        reap_stale_clusters();
        let template = encoded_template_data_dir(full, encoding);
        let mut cluster = Cluster::start_from(full, server_bin_dir(full), Some(&template));
        cluster.encoding = encoding.to_string();
        cluster
    }

    /// Starts a fresh cluster whose server programs (initdb, pg_ctl,
    /// postgres) are those in `server_bin`, e.g. a distribution's build of
    /// major `version` with features the toolsets lack (ICU). Its data
    /// directory is made by that initdb (no template); clients are still
    /// the 18.6 toolset's.
    pub fn start_with_server_bin(version: &str, server_bin: &Path) -> Cluster {
        let full = resolve_version(version);
        reap_stale_clusters();
        Cluster::start_from(full, server_bin.to_path_buf(), None)
    }

    /// Starts a cluster of `version` on a copy of the stopped data
    /// directory `data` (e.g. the regression corpus that
    /// scripts/regression-corpus.sh caches), which this process may read
    /// but the server's OS user maybe not (root's home): it is first copied
    /// by us into a staging directory given to the server's user, which
    /// is removed once the cluster has its own copy (a staging directory
    /// of a process that died is reaped like a cluster's).
    pub fn start_from_data_dir(version: &str, data: &Path) -> Cluster {
        let full = resolve_version(version);
        reap_stale_clusters();
        let server_bin = server_bin_dir(full);
        assert!(
            data.join("PG_VERSION").is_file(),
            "{}: not a data directory",
            data.display()
        );
        let staging = scratch_base().join(format!("pgdumpall-rs-test-{}", unique_suffix()));
        mkdir_mode(&staging, 0o755);
        fs::write(staging.join("owner"), std::process::id().to_string()).expect("write owner file");
        let mut cp = Command::new("cp");
        cp.arg("-a").arg(data).arg(staging.join("data"));
        assert_success(&run_command(cp, None), "copying the data directory");
        if server_user().switch {
            let mut chown = Command::new("chown");
            chown
                .arg("-R")
                .arg(format!("{}:{}", server_user().uid, server_user().gid));
            chown.arg(&staging);
            assert_success(&run_command(chown, None), "chown of the data directory");
        }
        let cluster = Cluster::start_from(full, server_bin, Some(&staging.join("data")));
        let _ = fs::remove_dir_all(&staging);
        cluster
    }

    /// Creates the cluster directory, its data directory (a copy of
    /// `template`, else a fresh initdb) and starts the server.
    fn start_from(full: &'static str, server_bin: PathBuf, template: Option<&Path>) -> Cluster {
        let dir = scratch_base().join(format!("pgdumpall-rs-test-{}", unique_suffix()));
        fs::create_dir(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        fs::write(dir.join("owner"), std::process::id().to_string()).expect("write owner file");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod cluster dir");
        chown_to_server(&dir);
        let host = dir
            .to_str()
            .expect("scratch directory path must be UTF-8")
            .to_owned();
        assert!(
            !host.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == '\\'),
            "scratch directory {host:?} must not contain spaces or quotes"
        );
        let mut cluster = Cluster {
            version: full,
            major: major_of(full),
            dir,
            host,
            port: 0,
            server_bin,
            running: false,
            encoding: "UTF8".to_string(),
        };

        let init = match template {
            Some(template) => {
                let mut cp = server_command(Path::new("cp"));
                cp.arg("-a").arg(template).arg(cluster.data_dir());
                cp
            }
            None => initdb_command(&cluster.server_bin, &cluster.data_dir()),
        };
        let out = run_command(init, None);
        assert!(
            out.status.success(),
            "making the data directory failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        let mut last_error = String::new();
        for _attempt in 0..6 {
            let port = reserve_port();
            cluster.port = port;
            let out = cluster.pg_ctl_start();
            if out.status.success() {
                cluster.running = true;
                return cluster;
            }
            release_port(port);
            last_error = format!(
                "pg_ctl start (port {port}) failed: {}{}\n--- server log ---\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                cluster.server_log()
            );
        }
        cluster.port = 0;
        panic!(
            "cannot start PostgreSQL {full} in {}:\n{last_error}",
            cluster.dir.display()
        );
    }

    fn pg_ctl_start(&self) -> Output {
        let mut cmd = server_command(&self.server_bin.join("pg_ctl"));
        // Contrib modules that link libpq (postgres_fdw, dblink) carry the
        // build machine's RUNPATH (/opt/postgresql/lib): without this they
        // would load the system's older libpq and miss symbols.
        if let Some(toolset) = self.server_bin.parent() {
            cmd.env("LD_LIBRARY_PATH", toolset.join("lib"));
        }
        cmd.arg("-D").arg(self.data_dir());
        cmd.arg("-l").arg(self.dir.join("log"));
        cmd.args(["-w", "-t", "60", "-o"]);
        cmd.arg(format!(
            // DSM segments as files in the data directory: an immediate
            // shutdown leaves POSIX segments behind in /dev/shm.
            "-p {} -k '{}' -c listen_addresses=127.0.0.1 -c fsync=off -c dynamic_shared_memory_type=mmap",
            self.port, self.host
        ));
        cmd.arg("start");
        run_command(cmd, None)
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let mut cmd = server_command(&self.server_bin.join("pg_ctl"));
        cmd.arg("-D").arg(self.data_dir());
        cmd.args(args);
        run_command(cmd, None)
    }

    /// Full version, e.g. "16.15".
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// Major version, e.g. 16.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The socket directory (use as host).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `-h DIR -p PORT -U postgres`.
    pub fn conn_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            self.host.clone(),
            "-p".into(),
            self.port.to_string(),
            "-U".into(),
            SUPERUSER.into(),
        ]
    }

    /// A libpq connection string for database `db` via the socket.
    pub fn connstr(&self, db: &str) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
        format!(
            "host={} port={} user={} dbname={}",
            quote(&self.host),
            self.port,
            SUPERUSER,
            quote(db)
        )
    }

    /// The cluster's temporary directory (socket dir, data, log, tablespaces).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Contents of the server log so far.
    pub fn server_log(&self) -> String {
        fs::read(self.dir.join("log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Path of `program` in this cluster's version's toolset (for clients
    /// of that version; servers run from a possibly mirrored copy).
    pub fn bin(&self, program: &str) -> PathBuf {
        bin(self.version, program)
    }

    /// Creates (if needed) an empty directory owned by the server's OS user
    /// inside the cluster's directory, for `CREATE TABLESPACE ... LOCATION`.
    pub fn tablespace_dir(&self, name: &str) -> PathBuf {
        let root = self.dir.join("tablespaces");
        if !root.exists() {
            mkdir_mode(&root, 0o755);
            chown_to_server(&root);
        }
        let dir = root.join(name);
        mkdir_mode(&dir, 0o700);
        chown_to_server(&dir);
        dir
    }

    fn psql_command(&self, db: &str, extra: &[&str]) -> Command {
        let mut cmd = Command::new(reference_bin("psql"));
        cmd.args(self.conn_args());
        cmd.args(["-X", "-q", "-d", db]);
        cmd.args(extra);
        clean_env(&mut cmd, &[("PGCLIENTENCODING", &self.encoding)]);
        cmd
    }

    /// Runs `sql` (any number of statements, psql meta-commands allowed)
    /// with psql 18.6 `-X -q -v ON_ERROR_STOP=1` on database `db`, without
    /// panicking.  The SQL is fed on stdin, so each statement runs on its
    /// own (CREATE DATABASE works).
    pub fn try_psql(&self, db: &str, sql: &str) -> Output {
        let cmd = self.psql_command(db, &["-v", "ON_ERROR_STOP=1", "-f", "-"]);
        run_command(cmd, Some(sql.as_bytes().to_vec()))
    }

    /// Like [`Cluster::try_psql`], panicking with stderr on failure.
    pub fn psql(&self, db: &str, sql: &str) -> Output {
        let out = self.try_psql(db, sql);
        if !out.status.success() {
            panic!(
                "psql on {db} (PostgreSQL {}) failed:\n--- sql ---\n{sql}\n--- stderr ---\n{}",
                self.version,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    /// Runs one query and returns its unaligned, tuples-only output without
    /// the trailing newline (`psql -At`).
    pub fn query(&self, db: &str, sql: &str) -> String {
        let out = self.psql(
            db,
            &format!("\\pset format unaligned\n\\pset tuples_only on\n{sql}\n"),
        );
        let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
        if s.ends_with('\n') {
            s.pop();
        }
        s
    }

    /// Runs a SQL file with `-v ON_ERROR_STOP=1` and the given psql
    /// variables (`-v name=value`), without panicking.
    pub fn try_psql_file_vars(&self, db: &str, path: &Path, vars: &[(&str, &str)]) -> Output {
        let mut extra: Vec<String> = vec!["-v".into(), "ON_ERROR_STOP=1".into()];
        for (k, v) in vars {
            extra.push("-v".into());
            extra.push(format!("{k}={v}"));
        }
        extra.push("-f".into());
        extra.push(path.to_str().expect("UTF-8 path").into());
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        run_command(self.psql_command(db, &extra), None)
    }

    /// Runs a SQL file, panicking with stderr on failure.
    pub fn psql_file_vars(&self, db: &str, path: &Path, vars: &[(&str, &str)]) -> Output {
        let out = self.try_psql_file_vars(db, path, vars);
        if !out.status.success() {
            panic!(
                "psql -f {} on {db} (PostgreSQL {}) failed:\n{}",
                path.display(),
                self.version,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    /// Runs a SQL file with ON_ERROR_STOP, panicking with stderr on failure.
    pub fn psql_file(&self, db: &str, path: &Path) -> Output {
        self.psql_file_vars(db, path, &[])
    }

    /// Restores a dump file the way a user would: `psql -X -f FILE -d db`,
    /// no ON_ERROR_STOP.  Never panics on SQL errors.
    pub fn restore_file(&self, db: &str, path: &Path) -> Output {
        let cmd = self.psql_command(db, &["-f", path.to_str().expect("UTF-8 path")]);
        run_command(cmd, None)
    }

    /// Replaces pg_hba.conf and reloads the server configuration.
    pub fn set_hba(&self, contents: &str) {
        fs::write(self.data_dir().join("pg_hba.conf"), contents).expect("write pg_hba.conf");
        self.reload();
    }

    /// Appends lines to postgresql.conf (call [`Cluster::reload`] or
    /// [`Cluster::restart`] afterwards).
    pub fn append_conf(&self, lines: &str) {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.data_dir().join("postgresql.conf"))
            .expect("open postgresql.conf");
        writeln!(f, "\n{lines}").expect("append postgresql.conf");
    }

    /// Turns TLS on with the given server certificate and key (and, when
    /// given, the CA file whose clients the server asks for certificates)
    /// and restarts the server. The files are copied into the data
    /// directory, owned by the server's OS user, the key with mode 0600.
    pub fn enable_ssl(&mut self, cert: &Path, key: &Path, ca: Option<&Path>) {
        let data = self.data_dir();
        for (from, to) in [(cert, "server.crt"), (key, "server.key")] {
            fs::copy(from, data.join(to))
                .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        }
        fs::set_permissions(data.join("server.key"), fs::Permissions::from_mode(0o600))
            .expect("chmod server.key");
        let ca_line = match ca {
            Some(ca) => {
                fs::copy(ca, data.join("root.crt")).expect("copy CA file");
                chown_to_server(&data.join("root.crt"));
                "ssl_ca_file = 'root.crt'"
            }
            None => "ssl_ca_file = ''",
        };
        chown_to_server(&data.join("server.crt"));
        chown_to_server(&data.join("server.key"));
        self.append_conf(&format!(
            "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n{ca_line}"
        ));
        self.restart();
    }

    pub fn reload(&self) {
        let out = self.pg_ctl(&["reload"]);
        assert_success(&out, "pg_ctl reload");
    }

    /// `pg_ctl stop -m immediate` (what clients see of a crash), then a
    /// fresh start on the same port.
    pub fn stop_immediately_and_start(&mut self) {
        let out = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        assert_success(&out, "pg_ctl stop -m immediate");
        self.running = false;
        let out = self.pg_ctl_start();
        if !out.status.success() {
            panic!(
                "start after an immediate stop failed:\n{}",
                self.server_log()
            );
        }
        self.running = true;
    }

    pub fn restart(&mut self) {
        let out = self.pg_ctl(&["-m", "fast", "-w", "stop"]);
        assert_success(&out, "pg_ctl stop");
        self.running = false;
        let out = self.pg_ctl_start();
        if !out.status.success() {
            panic!("restart failed:\n{}", self.server_log());
        }
        self.running = true;
    }
}

/// Alive and not a zombie.
pub(crate) fn process_running(pid: i32) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => !matches!(
            stat.rsplit(')')
                .next()
                .and_then(|r| r.trim_start().chars().next()),
            Some('Z') | Some('X')
        ),
        Err(_) => false,
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            // What `pg_ctl stop -m immediate` does, with faster polling than
            // its 100 ms.
            let pid = fs::read_to_string(self.data_dir().join("postmaster.pid"))
                .ok()
                .and_then(|f| f.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
            match pid {
                Some(pid) if pid > 0 => {
                    // SAFETY: signalling our own postmaster.
                    unsafe { libc::kill(pid, libc::SIGQUIT) };
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while process_running(pid) && Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(2));
                    }
                }
                _ => {
                    let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
                }
            }
        }
        if self.port != 0 {
            release_port(self.port);
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------
