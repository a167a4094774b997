//! Connection service files (`pg_service.conf`), read as libpq's
//! `parseServiceInfo` / `parseServiceFile` do.

use std::path::{Path, PathBuf};

use super::conninfo::{is_c_space, is_keyword};

/// Debian's libpq looks for the system-wide `pg_service.conf` here when
/// `PGSYSCONFDIR` is not set.
pub(crate) const DEFAULT_SYSCONFDIR: &str = "/etc/postgresql-common";

/// Result of scanning one file for a service group.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ServiceEntries {
    /// Whether the `[name]` group was found.
    pub found: bool,
    /// `key=value` lines of the group, in file order.
    pub entries: Vec<(String, String)>,
}

/// Parses `text` (the contents of `file`) looking for the group `service`.
/// Errors carry libpq's message text.
pub(crate) fn parse_service_text(
    file: &str,
    text: &str,
    service: &str,
) -> Result<ServiceEntries, String> {
    let mut result = ServiceEntries::default();
    for (idx, raw) in text.split_inclusive('\n').enumerate() {
        let linenr = idx + 1;
        // libpq reads with a 1024-byte fgets buffer.
        if raw.len() >= 1023 {
            return Err(format!("line {linenr} too long in service file \"{file}\""));
        }
        let line = raw
            .trim_end_matches(is_c_space)
            .trim_start_matches(is_c_space);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            if result.found {
                // End of the wanted group.
                break;
            }
            result.found = rest.starts_with(service) && rest[service.len()..].starts_with(']');
            continue;
        }
        if !result.found {
            continue;
        }
        let Some(eq) = line.find('=') else {
            return Err(format!(
                "syntax error in service file \"{file}\", line {linenr}"
            ));
        };
        let key = &line[..eq];
        let val = &line[eq + 1..];
        if key == "service" {
            return Err(format!(
                "nested service specifications not supported in service file \"{file}\", line {linenr}"
            ));
        }
        if !is_keyword(key) {
            return Err(format!(
                "syntax error in service file \"{file}\", line {linenr}"
            ));
        }
        result.entries.push((key.to_string(), val.to_string()));
    }
    Ok(result)
}

fn parse_service_file(path: &Path, service: &str) -> Result<ServiceEntries, String> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => parse_service_text(&file, &String::from_utf8_lossy(&bytes), service),
        Err(_) => Err(format!("service file \"{file}\" not found")),
    }
}

/// Finds the `service` group: first in `PGSERVICEFILE` (or
/// `~/.pg_service.conf` if it exists), then in
/// `PGSYSCONFDIR/pg_service.conf`. Returns the group's entries.
pub(crate) fn lookup_service(
    service: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Vec<(String, String)>, String> {
    let user_file: Option<PathBuf> = match env("PGSERVICEFILE") {
        Some(f) => Some(PathBuf::from(f)),
        None => home
            .map(|h| h.join(".pg_service.conf"))
            .filter(|p| std::fs::metadata(p).is_ok()),
    };
    if let Some(path) = user_file {
        let r = parse_service_file(&path, service)?;
        if r.found {
            return Ok(r.entries);
        }
    }
    let sysconfdir = env("PGSYSCONFDIR").unwrap_or_else(|| DEFAULT_SYSCONFDIR.to_string());
    let sys_file = PathBuf::from(format!("{sysconfdir}/pg_service.conf"));
    if std::fs::metadata(&sys_file).is_ok() {
        let r = parse_service_file(&sys_file, service)?;
        if r.found {
            return Ok(r.entries);
        }
    }
    Err(format!("definition of service \"{service}\" not found"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn kv(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const FILE: &str = "# comment\n\
        [other]\n\
        port=1\n\
        \n\
        [svc]\n\
        \t host=db.example.com   \n\
        # inside comment\n\
        port=5433\n\
        options=-c search_path=x\n\
        [svc2]\n\
        port=9\n";

    #[test]
    fn finds_group() {
        let r = parse_service_text("f", FILE, "svc").unwrap();
        assert!(r.found);
        assert_eq!(
            r.entries,
            kv(&[
                ("host", "db.example.com"),
                ("port", "5433"),
                ("options", "-c search_path=x")
            ])
        );
        let r = parse_service_text("f", FILE, "svc2").unwrap();
        assert_eq!(r.entries, kv(&[("port", "9")]));
        let r = parse_service_text("f", FILE, "nope").unwrap();
        assert!(!r.found);
        // "[sv]" must not match "svc" and vice versa.
        assert!(!parse_service_text("f", FILE, "sv").unwrap().found);
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse_service_text("f", "[s]\nfoo=1\n", "s").unwrap_err(),
            "syntax error in service file \"f\", line 2"
        );
        assert_eq!(
            parse_service_text("f", "[s]\nport 1\n", "s").unwrap_err(),
            "syntax error in service file \"f\", line 2"
        );
        // libpq does not trim around '='.
        assert_eq!(
            parse_service_text("f", "[s]\n port = 7 \n", "s").unwrap_err(),
            "syntax error in service file \"f\", line 2"
        );
        assert_eq!(
            parse_service_text("f", "[s]\nservice=t\n", "s").unwrap_err(),
            "nested service specifications not supported in service file \"f\", line 2"
        );
        // Bad lines outside the wanted group are not looked at.
        assert!(parse_service_text("f", "[t]\nfoo\n[s]\nport=1\n", "s").is_ok());
        let long = format!("[s]\nport={}\n", "1".repeat(1100));
        assert_eq!(
            parse_service_text("f", &long, "s").unwrap_err(),
            "line 2 too long in service file \"f\""
        );
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.conf");
        std::fs::write(&user, "[a]\nport=1\n").unwrap();
        let sys = dir.path().join("sys");
        std::fs::create_dir(&sys).unwrap();
        std::fs::write(sys.join("pg_service.conf"), "[a]\nport=2\n[b]\nport=3\n").unwrap();
        let mut vars = HashMap::new();
        vars.insert("PGSERVICEFILE", user.display().to_string());
        vars.insert("PGSYSCONFDIR", sys.display().to_string());
        let env = |k: &str| vars.get(k).cloned();
        assert_eq!(
            lookup_service("a", &env, None).unwrap(),
            kv(&[("port", "1")])
        );
        assert_eq!(
            lookup_service("b", &env, None).unwrap(),
            kv(&[("port", "3")])
        );
        assert_eq!(
            lookup_service("c", &env, None).unwrap_err(),
            "definition of service \"c\" not found"
        );

        // A PGSERVICEFILE that does not exist is an error.
        let missing = dir.path().join("missing.conf");
        let mut vars2 = vars.clone();
        vars2.insert("PGSERVICEFILE", missing.display().to_string());
        let env2 = |k: &str| vars2.get(k).cloned();
        assert_eq!(
            lookup_service("a", &env2, None).unwrap_err(),
            format!("service file \"{}\" not found", missing.display())
        );

        // Without PGSERVICEFILE, ~/.pg_service.conf is used if it exists.
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".pg_service.conf"), "[a]\nport=4\n").unwrap();
        let mut vars3 = vars.clone();
        vars3.remove("PGSERVICEFILE");
        let env3 = |k: &str| vars3.get(k).cloned();
        assert_eq!(
            lookup_service("a", &env3, Some(home.path())).unwrap(),
            kv(&[("port", "4")])
        );
        assert_eq!(
            lookup_service("b", &env3, Some(home.path())).unwrap(),
            kv(&[("port", "3")])
        );
        // No home file: straight to the system file.
        let empty_home = tempfile::tempdir().unwrap();
        assert_eq!(
            lookup_service("a", &env3, Some(empty_home.path())).unwrap(),
            kv(&[("port", "2")])
        );
    }
}
