//! `--include-config`: the server's configuration read on the cluster
//! session and written as comments before the closing comment (README
//! "Server configuration"). A role that may not read the configuration
//! files' views gets one warning, and the dump goes on without them.

use super::{session::Session, DumpError};
use crate::catalog::config as catalog;
use crate::output::Sink;
use crate::sql::config::{config_block, ServerConfig};

/// Reads and writes the configuration block.
pub(super) async fn write_config(session: &Session, sink: &mut Sink) -> Result<(), DumpError> {
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
    let block = config_block(
        &ServerConfig {
            settings: &settings,
            alter_system: alter_system.as_deref(),
            hba: hba.as_deref(),
            ident: ident.as_deref(),
        },
        &session.quoting,
    );
    sink.write_text(&block)?;
    Ok(())
}
