//! Writing a prepared database: the header, the session settings, the
//! entries in their passes, data streamed as it arrives.

use super::*;
use crate::sql::database as sql;
use copy::{drain_copy, large_objects_out, start_copy, CopyPipeline};

/// Prints a prepared database and streams its data into the sink.
pub(crate) async fn write_database(
    prepared: Prepared,
    opts: &DumpOptions,
    key: &str,
    mode: DatabaseMode,
    sink: &mut Sink,
) -> Result<(), DumpError> {
    let Prepared {
        copy_statements,
        conn,
        db,
        entries,
        database_entry_count,
        warnings,
        client_encoding,
        std_strings,
        quoting,
    } = prepared;
    let client = &conn.client;
    for w in &warnings {
        diag::warning(&text::display(&w.message));
        for d in &w.details {
            diag::detail(&text::display(d));
        }
        for h in &w.hints {
            diag::hint(&text::display(h));
        }
    }

    // The script.
    let mut printer = Printer::new(PrintOptions {
        no_owner: opts.print.no_owner,
        use_set_session_authorization: opts.print.use_set_session_authorization,
        no_tablespaces: opts.print.no_tablespaces,
        no_table_access_method: opts.print.no_table_access_method,
        quoting,
    });
    let set_block = sql::fixed_settings(&client_encoding, std_strings, opts.role.as_deref());
    let mut out = String::new();
    out.push_str("--\n-- PostgreSQL database dump\n--\n\n");
    out.push_str(&format!("\\restrict {key}\n\n"));
    let dumped_from = format!("Dumped from database version {}", conn.server_version);
    let dumped_by = format!(
        "Dumped by pg_dump version {} (pgdumpall-rs {})",
        crate::dump::REFERENCE_VERSION,
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&format!(
        "{}\n{}\n\n",
        quote::comment(&dumped_from),
        quote::comment(&dumped_by)
    ));
    if opts.verbose {
        let started = format!("Started on {}", crate::dump::session::timestamp());
        out.push_str(&format!("{}\n\n", quote::comment(&started)));
    }
    out.push_str(&set_block);
    if mode.create && mode.clean {
        if db.is_template {
            out.push_str(&format!(
                "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = {};\n",
                quoting.literal(&db.name)
            ));
        }
        out.push_str(&format!("DROP DATABASE {};\n", quoting.ident(&db.name)));
    }
    sink.write_text(&out)?;

    let reconnect = format!(
        "\\unrestrict {key}\n{}\\restrict {key}\n\n{set_block}",
        sql::connect_command(&quoting, &db.name).map_err(DumpError::Other)?
    );
    let order = pass_order(&entries);
    // COPY requests already sent for entries still to come (see below).
    let mut in_flight = CopyPipeline::default();
    for (position, &i) in order.iter().enumerate() {
        let e = &entries[i];
        let mut text = printer.begin(e);
        match &e.data {
            None => {
                text.push_str(&printer.end(e));
                sink.write_text(&text)?;
            }
            Some(
                source @ (DataSource::Copy { .. } | DataSource::EmptyCopy | DataSource::Inserts(_)),
            ) => {
                // --disable-triggers (data-only): the load is wrapped in
                // ALTER TABLE ... DISABLE/ENABLE TRIGGER ALL, run as the
                // superuser.
                let wrap = (opts.disable_triggers
                    && !crate::dump::content::dump_schema(&opts.render)
                    && e.desc == "TABLE DATA")
                    .then(|| {
                        format!(
                            "{}.{}",
                            quoting.ident(e.schema.as_deref().unwrap_or("")),
                            quoting.ident(&e.tag)
                        )
                    });
                if let Some(table) = &wrap {
                    text.push_str(&printer.become_user(opts.superuser.as_deref()));
                    text.push_str(&format!("ALTER TABLE {table} DISABLE TRIGGER ALL;\n\n"));
                    text.push_str(&printer.become_owner(e));
                }
                text.push_str(&e.data_header);
                sink.write_text(&text)?;
                match source {
                    DataSource::Copy { server_copy } => {
                        // Send the COPYs of the tables that come next before
                        // draining this one: the server runs them back to
                        // back instead of waiting a round trip per table.
                        // Their output waits in the socket (the connection
                        // reads a request's response only once the one
                        // before it is consumed), so memory stays bounded.
                        in_flight
                            .fill(client, &entries, &order, position, &copy_statements)
                            .await;
                        let start = match in_flight.take(i) {
                            Some(start) => start.await,
                            None => {
                                let statement = copy_statements.get(server_copy.as_str());
                                start_copy(client, server_copy, statement).await
                            }
                        };
                        drain_copy(start, &e.tag, server_copy, sink).await?;
                        sink.write_text("\\.\n\n\n")?;
                    }
                    DataSource::EmptyCopy => sink.write_text("\\.\n\n\n")?,
                    DataSource::Inserts(spec) => {
                        crate::dump::inserts::rows_out(client, spec, &quoting, sink).await?;
                    }
                    DataSource::LargeObjects { .. } => unreachable!(),
                }
                let mut after = String::new();
                if let Some(table) = &wrap {
                    after.push_str(&printer.become_user(opts.superuser.as_deref()));
                    after.push_str(&format!("ALTER TABLE {table} ENABLE TRIGGER ALL;\n\n"));
                }
                after.push_str(&printer.end(e));
                sink.write_text(&after)?;
            }
            Some(DataSource::LargeObjects { oids }) => {
                text.push_str(&e.data_header);
                sink.write_text(&text)?;
                large_objects_out(client, oids, std_strings, sink).await?;
                sink.write_text(&printer.end(e))?;
            }
        }
        // The DATABASE and DATABASE PROPERTIES entries are each followed by
        // a reconnect to the new database.
        if i < database_entry_count && matches!(e.desc.as_str(), "DATABASE" | "DATABASE PROPERTIES")
        {
            sink.write_text(&reconnect)?;
            printer.reset();
        }
    }

    let mut tail = String::new();
    if opts.verbose {
        let completed = format!("Completed on {}", crate::dump::session::timestamp());
        tail.push_str(&format!("{}\n\n", quote::comment(&completed)));
    }
    tail.push_str("--\n-- PostgreSQL database dump complete\n--\n\n");
    tracing::debug!(target: "pgdumpall_rs::phase", "data written");
    tail.push_str(&format!("\\unrestrict {key}\n\n"));
    sink.write_text(&tail)?;
    let _ = client.batch_execute("COMMIT").await;
    Ok(())
}
