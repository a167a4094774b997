//! The password file (`~/.pgpass`), read as libpq's `passwordFromFile`.

use std::path::Path;

/// Debian's libpq default socket directory.
pub(crate) const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// libpq's `is_unixsock_path`.
pub(crate) fn is_unix_socket_path(host: &str) -> bool {
    host.starts_with('/') || host.starts_with('@')
}

/// The host name the password file is searched with: `localhost` when no
/// host is given or it is the default socket directory; otherwise the
/// host as given (a non-default socket directory is matched literally).
pub(crate) fn lookup_host(host: &str) -> &str {
    if host.is_empty() || (is_unix_socket_path(host) && host == DEFAULT_SOCKET_DIR) {
        "localhost"
    } else {
        host
    }
}

/// `pwdfMatchesString`: matches one `:`-terminated field of `buf` against
/// `token`; returns the rest of the line after the field.
fn field_matches<'a>(buf: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
    if buf.len() >= 2 && buf[0] == b'*' && buf[1] == b':' {
        return Some(&buf[2..]);
    }
    let mut i = 0;
    let mut t = 0;
    while i < buf.len() {
        let mut bslash = false;
        if buf[i] == b'\\' {
            i += 1;
            bslash = true;
            if i >= buf.len() {
                return None;
            }
        }
        if buf[i] == b':' && t == token.len() && !bslash {
            return Some(&buf[i + 1..]);
        }
        if t == token.len() {
            return None;
        }
        if buf[i] == token[t] {
            i += 1;
            t += 1;
        } else {
            return None;
        }
    }
    None
}

/// Matches one line (without its newline) against the connection; returns
/// the de-escaped password if it matches.
pub(crate) fn match_line(
    line: &str,
    host: &str,
    port: &str,
    dbname: &str,
    user: &str,
) -> Option<String> {
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let rest = field_matches(line.as_bytes(), host.as_bytes())?;
    let rest = field_matches(rest, port.as_bytes())?;
    let rest = field_matches(rest, dbname.as_bytes())?;
    let rest = field_matches(rest, user.as_bytes())?;
    // De-escape the password; it ends at the first unescaped ':'.
    let mut out = Vec::with_capacity(rest.len());
    let mut i = 0;
    while i < rest.len() && rest[i] != b':' {
        if rest[i] == b'\\' && i + 1 < rest.len() {
            i += 1;
        }
        out.push(rest[i]);
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Searches `text` (a password file's contents): the first matching line
/// wins. `host` must already be mapped with [`lookup_host`]; an empty
/// `port` means 5432.
pub(crate) fn search(
    text: &str,
    host: &str,
    port: &str,
    dbname: &str,
    user: &str,
) -> Option<String> {
    if dbname.is_empty() || user.is_empty() {
        return None;
    }
    let port = if port.is_empty() { "5432" } else { port };
    text.split('\n')
        .map(|l| l.trim_end_matches(['\r', '\n']))
        .find_map(|l| match_line(l, host, port, dbname, user))
}

/// Looks the password up in the file at `path`. A missing file is silently
/// ignored; a file that is not a plain file or that group/others can access
/// is ignored with a warning passed to `warn` (libpq's wording).
pub(crate) fn lookup(
    path: &Path,
    host: &str,
    port: &str,
    dbname: &str,
    user: &str,
    warn: &mut dyn FnMut(&str),
) -> Option<String> {
    if dbname.is_empty() || user.is_empty() {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if !meta.is_file() {
            warn(&format!(
                "password file \"{}\" is not a plain file",
                path.display()
            ));
            return None;
        }
        if meta.permissions().mode() & 0o077 != 0 {
            warn(&format!(
                "password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                path.display()
            ));
            return None;
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    search(&text, lookup_host(host), port, dbname, user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn wildcards_and_first_match() {
        let text = "# comment\n\
            otherhost:*:*:*:nope\n\
            localhost:5432:db1:bob:pw1\n\
            *:*:*:bob:pw2\n\
            *:*:*:*:pw3\n";
        assert_eq!(
            search(text, "localhost", "5432", "db1", "bob").as_deref(),
            Some("pw1")
        );
        assert_eq!(
            search(text, "localhost", "5432", "db2", "bob").as_deref(),
            Some("pw2")
        );
        assert_eq!(
            search(text, "h", "1", "db1", "alice").as_deref(),
            Some("pw3")
        );
        assert_eq!(
            search(text, "otherhost", "1", "d", "u").as_deref(),
            Some("nope")
        );
        assert_eq!(search("", "h", "1", "d", "u"), None);
        // Empty port means the default.
        assert_eq!(
            search(text, "localhost", "", "db1", "bob").as_deref(),
            Some("pw1")
        );
        // No lookup without database or user.
        assert_eq!(search(text, "localhost", "5432", "", "bob"), None);
    }

    #[test]
    fn escapes() {
        let text = r"my\:host:5432:d\\b:u:p\:w\\d:ignored";
        assert_eq!(
            search(text, "my:host", "5432", r"d\b", "u").as_deref(),
            Some(r"p:w\d")
        );
        assert_eq!(search(text, "my", "5432", r"d\b", "u"), None);
        // '*' only counts as a wildcard when it is the whole field.
        assert_eq!(search("*x:*:*:*:pw", "ax", "1", "d", "u"), None);
        assert_eq!(
            search("*x:*:*:*:pw", "*x", "1", "d", "u").as_deref(),
            Some("pw")
        );
        // A line with too few fields does not match.
        assert_eq!(search("h:1:d:u", "h", "1", "d", "u"), None);
        // Empty password field.
        assert_eq!(search("h:1:d:u:", "h", "1", "d", "u").as_deref(), Some(""));
        // CRLF line ends.
        assert_eq!(
            search("h:1:d:u:pw\r\n", "h", "1", "d", "u").as_deref(),
            Some("pw")
        );
        // Comments only at column 0.
        assert_eq!(search("#h:1:d:u:pw\n", "#h", "1", "d", "u"), None);
    }

    #[test]
    fn socket_hosts() {
        assert_eq!(lookup_host(""), "localhost");
        assert_eq!(lookup_host("/var/run/postgresql"), "localhost");
        assert_eq!(lookup_host("/tmp"), "/tmp");
        assert_eq!(lookup_host("db"), "db");
        let text = "localhost:5432:*:u:local\n/tmp:5432:*:u:tmp\n";
        assert_eq!(
            search(text, lookup_host("/var/run/postgresql"), "5432", "d", "u").as_deref(),
            Some("local")
        );
        assert_eq!(
            search(text, lookup_host("/tmp"), "5432", "d", "u").as_deref(),
            Some("tmp")
        );
    }

    #[test]
    fn file_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "*:*:*:u:secret").unwrap();
        drop(f);
        let mut warnings = Vec::new();

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let got = lookup(&path, "h", "5432", "d", "u", &mut |w| {
            warnings.push(w.to_string())
        });
        assert_eq!(got.as_deref(), Some("secret"));
        assert!(warnings.is_empty());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let got = lookup(&path, "h", "5432", "d", "u", &mut |w| {
            warnings.push(w.to_string())
        });
        assert_eq!(got, None);
        assert_eq!(
            warnings,
            vec![format!(
                "password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                path.display()
            )]
        );

        warnings.clear();
        let got = lookup(dir.path(), "h", "5432", "d", "u", &mut |w| {
            warnings.push(w.to_string())
        });
        assert_eq!(got, None);
        assert_eq!(
            warnings,
            vec![format!(
                "password file \"{}\" is not a plain file",
                dir.path().display()
            )]
        );

        warnings.clear();
        let missing = dir.path().join("missing");
        assert_eq!(
            lookup(&missing, "h", "1", "d", "u", &mut |w| warnings
                .push(w.to_string())),
            None
        );
        assert!(warnings.is_empty());
    }
}
