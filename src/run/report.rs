//! `--report=FILE`: the run's record as JSON (docs/report.md), written
//! atomically (a temporary sibling renamed into place) with mode 0600,
//! whether the run succeeded or not.

use std::io::Write;
use std::path::Path;

use thiserror::Error;

#[derive(Debug, Error)]
#[error("could not write report file \"{path}\": {reason}")]
pub(crate) struct ReportError {
    path: String,
    reason: String,
}

/// Writes `json` to `path` through a temporary file in the same folder.
pub(crate) fn write_atomically(path: &Path, json: &[u8]) -> Result<(), ReportError> {
    let failed = |e: std::io::Error| ReportError {
        path: path.display().to_string(),
        reason: crate::output::strerror(&e),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(".pgdumpall-rs-report.")
        .tempfile_in(dir)
        .map_err(failed)?;
    tmp.write_all(json).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn report_replaces_the_file_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"{}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("no/such/dir/report.json");
        assert!(write_atomically(&missing, b"{}")
            .unwrap_err()
            .to_string()
            .starts_with("could not write report file"));
    }
}
