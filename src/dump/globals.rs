//! The global part of the script: drops (with -c), roles, memberships,
//! parameter privileges and tablespaces.

use super::options::DumpOptions;
use crate::catalog::globals as read;
use crate::diag;
use crate::output::Sink;
use crate::sql::globals::{self as emit, GlobalsStyle};

use super::session::Session;
use super::DumpError;

pub(crate) async fn dump(
    session: &Session,
    opts: &DumpOptions,
    roles: bool,
    tablespaces: bool,
    databases: bool,
    sink: &mut Sink,
) -> Result<(), DumpError> {
    let cat = session.catalog();
    let style = GlobalsStyle {
        quoting: session.quoting,
        if_exists: opts.if_exists,
        no_role_passwords: opts.no_role_passwords,
        no_comments: opts.render.no_comments,
        no_security_labels: opts.render.no_security_labels,
        no_privileges: opts.render.no_privileges,
        binary_upgrade: opts.binary_upgrade,
    };

    let role_rows = if roles || opts.clean {
        read::roles(&cat, opts.no_role_passwords).await?
    } else {
        Vec::new()
    };
    let tablespace_rows = if tablespaces {
        read::tablespaces(&cat).await?
    } else {
        Vec::new()
    };

    if opts.clean {
        if databases {
            let names = read::dumpable_databases(&cat).await?;
            let mut sorted = names;
            sorted.sort();
            sink.write_text(&emit::drop_databases(&sorted, &style))?;
        }
        if tablespaces {
            let mut names: Vec<String> = tablespace_rows.iter().map(|t| t.name.clone()).collect();
            names.sort();
            sink.write_text(&emit::drop_tablespaces(&names, &style))?;
        }
        if roles {
            let names: Vec<String> = role_rows.iter().map(|r| r.name.clone()).collect();
            sink.write_text(&emit::drop_roles(&names, &style))?;
        }
    }

    if roles {
        sink.write_text(&emit::roles(&role_rows, &style))?;
        let members = read::memberships(&cat, opts.no_role_passwords).await?;
        let mut warnings = Vec::new();
        let text = emit::memberships(&members, cat.server_version_num, &style, &mut warnings);
        for w in &warnings {
            diag::warning(&crate::text::display(&w.message));
            if let Some(d) = &w.detail {
                diag::detail(d);
            }
        }
        sink.write_text(&text.map_err(DumpError::Other)?)?;
        if !opts.render.no_privileges && cat.at_least(15) {
            let params = read::parameter_acls(&cat).await?;
            sink.write_text(&emit::parameter_privileges(&params, &style))?;
        }
    }
    if tablespaces {
        sink.write_text(&emit::tablespaces(&tablespace_rows, &style))?;
    }
    Ok(())
}
