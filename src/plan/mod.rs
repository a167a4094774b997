//! The plan: the command line turned, once, into the settings each layer
//! needs. Every flag is mapped here (the destructuring is exhaustive, so a
//! new flag that no layer takes is a compile error), and every check that
//! needs no server is made here. Nothing below imports [`crate::cli`].

mod validate;

use crate::archive::print::PrintFlags;
use crate::archive::RenderOptions;
use crate::cli::Options;
use crate::conn::{ConnectArgs, PasswordPrompt};
use crate::dump::options::{DumpOptions, Parts, ShownConnection};

/// The settings of the run the command line asks for.
pub fn plan(o: &Options) -> DumpOptions {
    DumpOptions::from(o)
}

/// Which parts of the script the options ask for. `-a`,
/// `--statistics-only` and `--no-schema` skip the global objects entirely,
/// even with `-g`.
fn parts(o: &Options) -> Parts {
    let globals = !o.data_only && !o.statistics_only && !o.no_schema;
    let only = o.globals_only || o.roles_only || o.tablespaces_only;
    Parts {
        globals,
        roles: globals && !o.tablespaces_only,
        tablespaces: globals && !o.roles_only && !o.no_tablespaces,
        databases: !only,
    }
}

/// Per-database options not honoured yet: refused rather than ignored.
fn unsupported_database_option(o: &Options) -> Option<&'static str> {
    o.binary_upgrade.then_some("--binary-upgrade")
}

/// The directory format's archive version, or None for plain output.
fn directory(o: &Options) -> Option<crate::archive::toc::ArchiveVersion> {
    use crate::archive::toc::ArchiveVersion;
    use crate::cli::format::{archive_version, format, Format, Version};
    if format(o) != Ok(Format::Directory) {
        return None;
    }
    Some(match archive_version(o) {
        Ok(Version::V1_14) => ArchiveVersion::V1_14,
        _ => ArchiveVersion::V1_16,
    })
}

impl From<&Options> for DumpOptions {
    // Long on purpose: one exhaustive destructuring, so that a flag no
    // layer takes is a compile error, and one struct literal per layer.
    fn from(o: &Options) -> DumpOptions {
        let parts = parts(o);
        let Options {
            file,
            jobs,
            compress,
            verbose,
            lock_wait_timeout,
            data_only,
            clean,
            encoding,
            globals_only: _,
            no_owner,
            roles_only: _,
            schema_only,
            superuser,
            tablespaces_only: _,
            no_privileges,
            binary_upgrade,
            column_inserts,
            disable_dollar_quoting,
            disable_triggers,
            exclude_database,
            extra_float_digits: _,
            // Read into exclude_database by the front end.
            filter: _,
            if_exists,
            inserts: _,
            load_via_partition_root,
            no_comments,
            no_data,
            no_policies,
            no_publications,
            no_role_passwords,
            no_schema,
            no_security_labels,
            no_statistics,
            no_subscriptions,
            no_sync,
            no_table_access_method,
            no_tablespaces,
            no_toast_compression,
            no_unlogged_table_data,
            on_conflict_do_nothing,
            quote_all_identifiers,
            restrict_key,
            rows_per_insert: _,
            sequence_data,
            statistics,
            statistics_only,
            use_set_session_authorization,
            dbname,
            host,
            database,
            port,
            username,
            no_password,
            password,
            role,
            progress,
            hook,
            hook_timeout,
            report,
            include_config,
            // Read by `directory` below (checked by the front end).
            format: _,
            archive_version: _,
            // Refused by the front end.
            extra_args: _,
        } = o.clone();
        let observer = crate::run::RunObserver::new(crate::run::Settings {
            progress,
            hook,
            hook_timeout: hook_timeout.map(std::time::Duration::from_secs),
            report,
            output: file.clone(),
        });
        // globals_only, roles_only and tablespaces_only decide `parts`;
        // inserts, rows_per_insert and extra_float_digits are validated
        // into numbers below.
        DumpOptions {
            connect: ConnectArgs {
                conninfo: dbname.clone(),
                host: host.clone(),
                port: port.clone(),
                user: username.clone(),
                password_prompt: if password {
                    PasswordPrompt::Always
                } else if no_password {
                    PasswordPrompt::Never
                } else {
                    PasswordPrompt::IfNeeded
                },
            },
            shown_connection: ShownConnection {
                conninfo: dbname,
                host,
                port,
                user: username,
            },
            parts,
            file,
            // Checked by the front end.
            jobs: jobs
                .as_deref()
                .and_then(|v| crate::cli::jobs::parse_jobs(v).ok())
                .unwrap_or(1),
            sync: !no_sync,
            // Checked by the front end.
            compress: compress
                .as_deref()
                .and_then(|v| crate::output::compress::parse(v).ok())
                .unwrap_or(crate::output::compress::Compression::NONE),
            verbose,
            database,
            exclude_database,
            encoding,
            role,
            quote_all_identifiers,
            restrict_key,
            lock_wait_timeout,
            clean,
            if_exists,
            no_role_passwords,
            binary_upgrade,
            superuser,
            disable_triggers,
            no_publications,
            no_subscriptions,
            extra_float_digits: validate::extra_float_digits(o),
            pg_dump_error: validate::validate(o),
            unsupported: unsupported_database_option(o),
            directory: directory(o),
            print: PrintFlags {
                no_owner,
                use_set_session_authorization,
                no_tablespaces,
                no_table_access_method,
            },
            render: RenderOptions {
                data_only,
                schema_only,
                no_schema,
                no_data,
                statistics,
                statistics_only,
                no_statistics,
                sequence_data,
                no_policies,
                no_comments,
                no_security_labels,
                no_privileges,
                no_toast_compression,
                no_tablespaces,
                no_table_access_method,
                no_unlogged_table_data,
                load_via_partition_root,
                disable_dollar_quoting,
                column_inserts,
                rows_per_insert: validate::rows_per_insert(o),
                on_conflict_do_nothing,
            },
            include_config,
            observer,
            options_used: Vec::new(),
        }
    }
}
