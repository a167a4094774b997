//! `--include-config`: the server's configuration read on the cluster
//! session, written as comments before the closing comment of plain
//! output, or as files under `config/` in the directory format (README
//! "Server configuration"). A role that may not read the configuration
//! files' views gets one warning, and the dump goes on without them.

use std::path::Path;

use super::{session::Session, DumpError};
use crate::catalog::config::{self as catalog, Setting};
use crate::output::Sink;
use crate::sql::config::{config_block, config_files, ServerConfig};

/// What the role could read of the configuration.
struct ConfigRead {
    settings: Vec<Setting>,
    alter_system: Option<Vec<(String, String)>>,
    hba: Option<Vec<String>>,
    ident: Option<Vec<String>>,
}

impl ConfigRead {
    fn view(&self) -> ServerConfig<'_> {
        ServerConfig {
            settings: &self.settings,
            alter_system: self.alter_system.as_deref(),
            hba: self.hba.as_deref(),
            ident: self.ident.as_deref(),
        }
    }
}

/// Reads the configuration; warns once about the views the role may not
/// read.
async fn read(session: &Session) -> Result<ConfigRead, DumpError> {
    let cat = session.catalog();
    let settings = catalog::settings(&cat).await?;
    let access = catalog::access(&cat).await?;
    let alter_system = match access.file_settings {
        true => Some(catalog::alter_system_settings(&cat).await?),
        false => None,
    };
    let hba = match access.hba {
        true => Some(catalog::hba_rules(&cat).await?),
        false => None,
    };
    let ident = match access.ident {
        Some(true) => Some(catalog::ident_mappings(&cat).await?),
        _ => None,
    };
    let unreadable: Vec<&str> = [
        (!access.file_settings).then_some("pg_file_settings"),
        (!access.hba).then_some("pg_hba_file_rules"),
        (access.ident == Some(false)).then_some("pg_ident_file_mappings"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !unreadable.is_empty() {
        crate::diag::warning(&format!(
            "--include-config: permission denied to read {}; the configuration files' contents are not included",
            unreadable.join(" and ")
        ));
    }
    Ok(ConfigRead {
        settings,
        alter_system,
        hba,
        ident,
    })
}

/// Reads and writes the configuration block of plain output.
pub(super) async fn write_config(session: &Session, sink: &mut Sink) -> Result<(), DumpError> {
    let config = read(session).await?;
    sink.write_text(&config_block(&config.view(), &session.quoting))?;
    Ok(())
}

/// Reads the configuration and writes it as files into `dir` (the
/// directory format's `config/`, made here).
pub(super) async fn write_config_files(
    session: &Session,
    dir: &Path,
    sync: bool,
) -> Result<(), DumpError> {
    let config = read(session).await?;
    super::directory::make_dir(dir)?;
    for (name, text) in config_files(&config.view()) {
        let mut sink = Sink::file(&dir.join(name), sync)?;
        sink.write_text(&text)?;
        sink.finish()?;
    }
    Ok(())
}
