//! `--include-config`'s block: the server's configuration as SQL comments
//! (never statements: restoring a dump must not reconfigure the server it
//! runs on). Every line goes through `quote::comment`, since setting
//! values and file lines are whatever their authors wrote.

use crate::catalog::config::Setting;
use crate::pg::quote::{comment, Quoting};

/// What the role could read of the configuration.
pub(crate) struct ServerConfig<'a> {
    pub settings: &'a [Setting],
    /// postgresql.auto.conf's (name, value) pairs where the role may read
    /// pg_file_settings; else they are told apart in `settings` by their
    /// file, when the role may see it.
    pub alter_system: Option<&'a [(String, String)]>,
    /// None where the role may not read pg_hba_file_rules.
    pub hba: Option<&'a [String]>,
    /// None where the role may not read pg_ident_file_mappings, or the
    /// server has none (before PostgreSQL 15).
    pub ident: Option<&'a [String]>,
}

/// The block, written before the cluster dump's closing comment.
pub(crate) fn config_block(config: &ServerConfig<'_>, q: &Quoting) -> String {
    let mut out =
        String::from("--\n-- Server configuration (pgdumpall-rs --include-config)\n--\n\n");
    let (from_settings, others): (Vec<&Setting>, Vec<&Setting>) =
        config.settings.iter().partition(|s| is_alter_system(s));
    let altered: Vec<(&str, &str)> = match config.alter_system {
        Some(pairs) => pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect(),
        None => from_settings
            .iter()
            .map(|s| (s.name.as_str(), s.value.as_str()))
            .collect(),
    };
    let mut source: Option<&str> = None;
    for s in others {
        if source != Some(s.source.as_str()) {
            if source.is_some() {
                out.push('\n');
            }
            source = Some(&s.source);
            out.push_str(&comment(&format!("Settings from source: {}", s.source)));
            out.push('\n');
        }
        out.push_str(&comment(&format!("{} = {}", s.name, q.literal(&s.value))));
        out.push('\n');
    }
    if source.is_some() {
        out.push('\n');
    }
    if !altered.is_empty() {
        out.push_str(&comment(
            "Settings made with ALTER SYSTEM (postgresql.auto.conf)",
        ));
        out.push('\n');
        for (name, value) in altered {
            let statement = format!("ALTER SYSTEM SET {} = {};", q.ident(name), q.literal(value));
            out.push_str(&comment(&statement));
            out.push('\n');
        }
        out.push('\n');
    }
    file_lines(&mut out, "pg_hba.conf", config.hba);
    file_lines(&mut out, "pg_ident.conf", config.ident);
    out
}

/// Whether a setting comes from ALTER SYSTEM's file.
fn is_alter_system(s: &Setting) -> bool {
    s.source == "configuration file"
        && s.file
            .as_deref()
            .is_some_and(|f| f.ends_with("/postgresql.auto.conf"))
}

fn file_lines(out: &mut String, file: &str, lines: Option<&[String]>) {
    let Some(lines) = lines else {
        return;
    };
    out.push_str(&comment(&format!("{file} as the server reads it:")));
    out.push('\n');
    for line in lines {
        out.push_str(&comment(&format!("  {line}")));
        out.push('\n');
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(name: &str, value: &str, source: &str, file: Option<&str>) -> Setting {
        Setting {
            name: name.into(),
            value: value.into(),
            source: source.into(),
            file: file.map(str::to_string),
        }
    }

    #[test]
    fn hostile_values_stay_in_comments() {
        let q = Quoting::new(false, true, "UTF8");
        let settings = [
            setting("port", "5433", "command line", None),
            setting(
                "work_mem",
                "8MB",
                "configuration file",
                Some("/d/postgresql.conf"),
            ),
            setting(
                "application_name",
                "x';\nDROP TABLE t; --",
                "configuration file",
                Some("/d/postgresql.auto.conf"),
            ),
        ];
        let hba = [
            "local all all trust".to_string(),
            "# error: bad\nline".into(),
        ];
        let block = config_block(
            &ServerConfig {
                settings: &settings,
                alter_system: None,
                hba: Some(&hba),
                ident: None,
            },
            &q,
        );
        for line in block.lines() {
            assert!(line.is_empty() || line.starts_with("--"), "{line:?}");
        }
        assert!(block.contains("-- Settings from source: command line\n-- port = '5433'\n"));
        assert!(block.contains("-- work_mem = '8MB'\n"));
        assert!(block.contains("-- ALTER SYSTEM SET application_name = 'x''; DROP TABLE t; --';\n"));
        assert!(block.contains("--   local all all trust\n"));
        assert!(!block.contains("pg_ident.conf"));
    }
}
