//! Where servers run: the OS user (as root), scratch space, toolset copies
//! (with test extensions), initdb templates, stale clusters, ports.

use super::*;

pub(crate) struct ServerUser {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// True when we are root and must switch to `uid`/`gid`.
    pub(crate) switch: bool,
}

pub(crate) fn lookup_user(name: &str) -> Option<(u32, u32)> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let cname = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer into static storage, read at once
    // under the lock.
    unsafe {
        let pw = libc::getpwnam(cname.as_ptr());
        if pw.is_null() {
            None
        } else {
            Some(((*pw).pw_uid, (*pw).pw_gid))
        }
    }
}

pub(crate) fn server_user() -> &'static ServerUser {
    static USER: OnceLock<ServerUser> = OnceLock::new();
    USER.get_or_init(|| {
        // SAFETY: trivial libc getters.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if euid != 0 {
            // SAFETY: getpwuid's result is read at once, before any other
            // passwd lookup of this thread.
            let name = unsafe {
                let pw = libc::getpwuid(euid);
                if pw.is_null() {
                    format!("uid {euid}")
                } else {
                    CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned()
                }
            };
            return ServerUser {
                name,
                uid: euid,
                gid: egid,
                switch: false,
            };
        }
        let candidates: Vec<String> = match std::env::var("PGDUMPALL_RS_TEST_OS_USER") {
            Ok(u) if !u.is_empty() => vec![u],
            _ => vec!["postgres".into(), "pgdumpall_test".into()],
        };
        for name in &candidates {
            if let Some((uid, gid)) = lookup_user(name) {
                return ServerUser {
                    name: name.clone(),
                    uid,
                    gid,
                    switch: true,
                };
            }
        }
        let name = candidates.last().unwrap().clone();
        let out = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                &name,
            ])
            .output()
            .unwrap_or_else(|e| panic!("running as root and no user to run servers; useradd: {e}"));
        // 9: the user exists already (created concurrently).
        if !out.status.success() && out.status.code() != Some(9) {
            panic!(
                "running as root and no user to run servers; useradd {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let (uid, gid) = lookup_user(&name).expect("user just created");
        ServerUser {
            name,
            uid,
            gid,
            switch: true,
        }
    })
}

/// A command that runs as the server's OS user.
pub(crate) fn server_command(program: &Path) -> Command {
    let user = server_user();
    let mut cmd = Command::new(program);
    if user.switch {
        cmd.uid(user.uid).gid(user.gid);
    }
    clean_env(&mut cmd, &[("LC_ALL", "C")]);
    cmd
}

pub(crate) fn chown_to_server(path: &Path) {
    let user = server_user();
    if user.switch {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    }
}

/// Creates a directory with `mode` (regardless of the umask); an existing
/// directory is left as it is.
pub(crate) fn mkdir_mode(path: &Path, mode: u32) {
    match fs::create_dir(path) {
        Ok(()) => fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
        Err(e) => panic!("mkdir {}: {e}", path.display()),
    }
}

// ---------------------------------------------------------------------------
// Scratch space, server-side toolsets, template data directories
// ---------------------------------------------------------------------------

/// Where clusters, templates and toolset mirrors live:
/// `$PGDUMPALL_RS_TEST_TMPDIR` if set; else /dev/shm when it is a tmpfs
/// with at least 4 GiB free (clusters on a RAM disk start and fill many
/// times faster than on a loaded ext4); else the system temp dir.
pub fn scratch_base() -> PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        if let Some(d) = std::env::var_os("PGDUMPALL_RS_TEST_TMPDIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(d);
        }
        let shm = Path::new("/dev/shm");
        if free_bytes(shm).is_some_and(|free| free >= 4 << 30) {
            return shm.to_path_buf();
        }
        std::env::temp_dir()
    })
    .clone()
}

pub(crate) fn free_bytes(dir: &Path) -> Option<u64> {
    let c = CString::new(dir.to_str()?).ok()?;
    // SAFETY: statvfs fills the zeroed struct we pass.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return None;
        }
        if libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) != 0 {
            return None;
        }
        Some(st.f_bavail as u64 * st.f_frsize as u64)
    }
}

pub(crate) fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A per-OS-user cache directory under the scratch directory (toolset
/// mirrors, template data directories), reused across test processes.
pub(crate) fn cache_dir(what: &str) -> PathBuf {
    // SAFETY: trivial libc getter.
    let euid = unsafe { libc::geteuid() };
    scratch_base().join(format!("pgdumpall-rs-{what}-u{euid}"))
}

/// Identity of a toolset's build, for cache keys.
pub(crate) fn toolset_key(full: &str) -> String {
    let postgres = bin(full, "postgres");
    let md = fs::metadata(&postgres).unwrap_or_else(|e| panic!("{}: {e}", postgres.display()));
    format!("{full}-{:x}-{:x}-{:x}", md.dev(), md.ino(), md.mtime())
}

/// Copies (hard-links where possible) a directory tree.
pub(crate) fn mirror_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    fs::create_dir(dst)?;
    fs::set_permissions(dst, fs::Permissions::from_mode(0o755))?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let ft = entry.file_type()?;
        if ft.is_dir() {
            mirror_tree(&from, &to)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

/// The bin directory from which the server's OS user runs initdb, pg_ctl
/// and postgres.  That is the toolset itself unless the server user cannot
/// reach it (e.g. the cache is under /root, mode 0700): then a hard-linked
/// mirror of the toolset under the scratch directory.
pub(crate) fn server_bin_dir(full: &'static str) -> PathBuf {
    static DIRS: Mutex<BTreeMap<&'static str, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = dirs.get(full) {
        return d.clone();
    }
    let original = toolset(full).unwrap_or_else(|| panic!("{}", missing_message(full)));
    let usable = |bin: &Path| {
        let mut cmd = server_command(&bin.join("postgres"));
        cmd.arg("--version");
        try_run_command(cmd, None).is_ok_and(|o| o.status.success())
    };
    let dir = if !server_user().switch || usable(&original) {
        original
    } else {
        let root = cache_dir("toolsets");
        mkdir_mode(&root, 0o755);
        let dest = root.join(toolset_key(full));
        if !dest.join("bin").join("postgres").is_file() {
            let tmp = root.join(format!(".tmp-{}", unique_suffix()));
            mirror_tree(original.parent().unwrap(), &tmp)
                .unwrap_or_else(|e| panic!("mirroring toolset {full} to {}: {e}", tmp.display()));
            if fs::rename(&tmp, &dest).is_err() {
                // Somebody else won the race.
                let _ = fs::remove_dir_all(&tmp);
            }
        }
        let bin = dest.join("bin");
        assert!(
            usable(&bin),
            "OS user {} cannot run {}; is {} traversable?",
            server_user().name,
            bin.join("postgres").display(),
            scratch_base().display()
        );
        bin
    };
    dirs.insert(full, dir.clone());
    dir
}

/// A directory of extension files (`.control`, `.sql`) that every server
/// this test process starts finds in its `share/extension`: see
/// [`install_test_extensions`].
pub(crate) static TEST_EXTENSIONS: OnceLock<PathBuf> = OnceLock::new();

/// Makes every cluster this test process starts from now on (restore
/// targets included) run from a copy of its toolset whose
/// `share/extension` also holds the files of `dir`. The copy is a
/// hard-linked mirror under the scratch directory, keyed by the toolset and
/// the files' contents; the toolset cache itself is never written. Call it
/// with the same directory from every test of a binary.
pub fn install_test_extensions(dir: &Path) {
    let installed = TEST_EXTENSIONS.get_or_init(|| dir.to_path_buf());
    assert_eq!(installed, dir, "one extension directory per test binary");
}

/// The bin directory of `full`'s toolset with the files of `extensions`
/// added to its share/extension (cached, see [`install_test_extensions`]).
pub(crate) fn toolset_with_extensions(full: &'static str, extensions: &Path) -> PathBuf {
    static DIRS: Mutex<BTreeMap<&'static str, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = dirs.get(full) {
        return d.clone();
    }
    let mut files: Vec<(std::ffi::OsString, Vec<u8>)> = fs::read_dir(extensions)
        .unwrap_or_else(|e| panic!("{}: {e}", extensions.display()))
        .map(|e| {
            let e = e.expect("extension directory entry");
            let data =
                fs::read(e.path()).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
            (e.file_name(), data)
        })
        .collect();
    files.sort();
    // FNV-1a over the names and contents: a new copy when they change.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, data) in &files {
        for b in name
            .as_encoded_bytes()
            .iter()
            .chain([0u8].iter())
            .chain(data)
        {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let root = cache_dir("toolsets-ext");
    mkdir_mode(&root, 0o755);
    let dest = root.join(format!("{}-x{hash:016x}", toolset_key(full)));
    if !dest.join("bin").join("postgres").is_file() {
        let original = toolset(full).unwrap_or_else(|| panic!("{}", missing_message(full)));
        let tmp = root.join(format!(".tmp-{}", unique_suffix()));
        mirror_tree(original.parent().unwrap(), &tmp)
            .unwrap_or_else(|e| panic!("mirroring toolset {full} to {}: {e}", tmp.display()));
        let ext_dir = tmp.join("share").join("extension");
        for (name, data) in &files {
            let to = ext_dir.join(name);
            // Never write through a hard link into the toolset cache.
            let _ = fs::remove_file(&to);
            fs::write(&to, data).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644))
                .unwrap_or_else(|e| panic!("chmod {}: {e}", to.display()));
        }
        if fs::rename(&tmp, &dest).is_err() {
            // Somebody else won the race.
            let _ = fs::remove_dir_all(&tmp);
        }
    }
    let bin = dest.join("bin");
    dirs.insert(full, bin.clone());
    bin
}

/// The initdb of every test cluster: superuser postgres, trust, UTF8, C.
pub(crate) fn initdb_command(bin_dir: &Path, data: &Path) -> Command {
    initdb_command_encoded(bin_dir, data, "UTF8")
}

/// [`initdb_command`] with another server encoding (`SQL_ASCII`).
pub(crate) fn initdb_command_encoded(bin_dir: &Path, data: &Path, encoding: &str) -> Command {
    let mut cmd = server_command(&bin_dir.join("initdb"));
    cmd.arg("-D").arg(data);
    cmd.args([
        "-U",
        SUPERUSER,
        "-A",
        "trust",
        "-E",
        encoding,
        "--locale=C",
        "--no-sync",
    ]);
    cmd
}

/// A freshly initdb'd, never started data directory for `full`, cached
/// across test processes under the scratch directory.  Clusters start from
/// a copy of it, which is much faster than running initdb each time.
pub(crate) fn template_data_dir(full: &'static str) -> PathBuf {
    encoded_template_data_dir(full, "UTF8")
}

/// [`template_data_dir`] of a cluster whose server encoding is `encoding`.
pub(crate) fn encoded_template_data_dir(full: &'static str, encoding: &str) -> PathBuf {
    static DIRS: Mutex<BTreeMap<(&'static str, String), PathBuf>> = Mutex::new(BTreeMap::new());
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    let key = (full, encoding.to_string());
    if let Some(d) = dirs.get(&key) {
        return d.clone();
    }
    // UTF8 templates keep their old names (other test processes share them).
    let suffix = if encoding == "UTF8" {
        String::new()
    } else {
        format!("-{encoding}")
    };
    let bin_dir = server_bin_dir(full);
    let root = cache_dir("templates");
    mkdir_mode(&root, 0o755);
    let dest = root.join(format!(
        "{}-f{TEMPLATE_FORMAT}-u{}{suffix}",
        toolset_key(full),
        server_user().uid
    ));
    if !dest.join("data").join("PG_VERSION").is_file() {
        let tmp = root.join(format!(".tmp-{}", unique_suffix()));
        mkdir_mode(&tmp, 0o755);
        chown_to_server(&tmp);
        let cmd = initdb_command_encoded(&bin_dir, &tmp.join("data"), encoding);
        let out = run_command(cmd, None);
        if !out.status.success() {
            let _ = fs::remove_dir_all(&tmp);
            panic!(
                "initdb {full} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if fs::rename(&tmp, &dest).is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
    }
    let data = dest.join("data");
    dirs.insert(key, data.clone());
    data
}

pub(crate) fn pid_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH))
}

/// Stops and removes clusters left behind by test processes that died
/// without unwinding (SIGKILL, Ctrl-C), and half-built templates or
/// toolset mirrors of dead processes.  Runs once per process.
pub(crate) fn reap_stale_clusters() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for cache in ["pgdumpall-rs-templates", "pgdumpall-rs-toolsets"] {
            let Ok(entries) = fs::read_dir(scratch_base().join(cache)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let pid = name
                    .strip_prefix(".tmp-")
                    .and_then(|r| r.split('-').next())
                    .and_then(|p| p.parse().ok());
                if let Some(pid) = pid {
                    if !pid_alive(pid) {
                        let _ = fs::remove_dir_all(entry.path());
                    }
                }
            }
        }
        let Ok(entries) = fs::read_dir(scratch_base()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().starts_with("pgdumpall-rs-test-") {
                continue;
            }
            let dir = entry.path();
            let owner = fs::read_to_string(dir.join("owner"))
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok());
            match owner {
                Some(pid) if pid_alive(pid) => continue,
                Some(_) => {}
                None => {
                    // Being created right now, or garbage: only reap old ones.
                    let old = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .map(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(600))
                        .unwrap_or(false);
                    if !old {
                        continue;
                    }
                }
            }
            if let Ok(pidfile) = fs::read_to_string(dir.join("data").join("postmaster.pid")) {
                if let Some(pid) = pidfile
                    .lines()
                    .next()
                    .and_then(|l| l.trim().parse::<i32>().ok())
                {
                    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    if String::from_utf8_lossy(&cmdline).contains("postgres") {
                        // SAFETY: plain signal to a postmaster we identified.
                        unsafe { libc::kill(pid, libc::SIGQUIT) };
                    }
                }
            }
            let _ = fs::remove_dir_all(&dir);
        }
    });
}

// ---------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------

pub(crate) static PORTS_IN_USE: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

pub(crate) fn reserve_port() -> u16 {
    loop {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut ports = PORTS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
        if ports.insert(port) {
            return port;
        }
    }
}

pub(crate) fn release_port(port: u16) {
    PORTS_IN_USE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&port);
}

/// scripts/regression-corpus.sh's cache (the regression clusters and the
/// test modules built from the same sources):
/// `${PGDUMPALL_RS_REGRESSION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/regression}`.
pub fn regression_cache() -> PathBuf {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    match nonempty("PGDUMPALL_RS_REGRESSION_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => match nonempty("XDG_CACHE_HOME") {
            Some(x) => PathBuf::from(x),
            None => PathBuf::from(nonempty("HOME").unwrap_or_else(|| "/".into())).join(".cache"),
        }
        .join("pgdumpall-rs")
        .join("regression"),
    }
}
