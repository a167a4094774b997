//! Writing a prepared database: the header, the session settings, the
//! entries in their passes, data streamed as it arrives.

use super::*;
use crate::sql::database as sql;
use copy::{drain_copy, large_objects_out, start_copy, CopyPipeline};
use split::{Split, SplitInput};
use stream::EntryStream;

/// Prints a prepared database and streams its data into the sink. Under
/// `-j`, `split` gives the connector and the run's connection budget, so
/// that the data of big tables may be read on more connections
/// ([`split`]).
pub(crate) async fn write_database(
    prepared: Prepared,
    opts: &DumpOptions,
    key: &str,
    mode: DatabaseMode,
    sink: &mut Sink,
    split: Option<(&Connector, &Budget)>,
) -> Result<(), DumpError> {
    let Prepared {
        conn,
        db,
        entries,
        render,
        origins: _,
        fixed_ids_after: _,
        database_entry_count: _,
        warnings,
        client_encoding,
        std_strings,
        quoting,
        setup,
    } = prepared;
    let client = &conn.client;
    report_sort_warnings(&warnings);

    // The script.
    let mut printer = Printer::new(PrintOptions {
        no_owner: opts.print.no_owner,
        use_set_session_authorization: opts.print.use_set_session_authorization,
        no_tablespaces: opts.print.no_tablespaces,
        no_table_access_method: opts.print.no_table_access_method,
        quoting,
        verbose: opts.verbose,
    });
    let set_block = sql::fixed_settings(&client_encoding, std_strings, opts.role.as_deref());
    let header = script_header(
        opts,
        key,
        &conn.server_version,
        &set_block,
        mode,
        &db,
        &quoting,
    );
    sink.write_text(&header)?;

    let reconnect = format!(
        "\\unrestrict {key}\n{}\\restrict {key}\n\n{set_block}",
        sql::connect_command(&quoting, &db.name).map_err(DumpError::Other)?
    );
    let mut stream = match render {
        Some(pending) => EntryStream::lazy(entries, pending),
        None => EntryStream::rendered(entries),
    };
    let split = match split {
        Some((connector, budget)) => {
            Split::start(SplitInput {
                budget,
                connector,
                client,
                server_version_num: conn.server_version_num,
                dbname: &db.name,
                setup: &setup,
                stream: &stream,
                opts,
                quoting,
                std_strings,
            })
            .await?
        }
        None => None,
    };
    let writer = EntryWriter {
        conn: &conn,
        database: &db.name,
        opts,
        quoting,
        std_strings,
        split: split.as_ref(),
    };
    let writing = async {
        // COPY requests already sent for entries still to come (see below).
        let mut in_flight = CopyPipeline::default();
        let mut position = 0;
        while let Some(e) = stream.next_entry() {
            writer
                .write_entry(
                    &mut printer,
                    &mut in_flight,
                    &e,
                    position,
                    &mut stream,
                    sink,
                )
                .await?;
            // The DATABASE and DATABASE PROPERTIES entries are each followed
            // by a reconnect to the new database.
            if e.object.is_none() && matches!(e.desc.as_str(), "DATABASE" | "DATABASE PROPERTIES") {
                sink.write_text(&reconnect)?;
                printer.reset();
            }
            position += 1;
        }
        Ok::<(), DumpError>(())
    };
    match &split {
        Some(split) => split.alongside(writing).await?,
        None => writing.await?,
    }

    sink.write_text(&script_trailer(opts, key))?;
    let _ = client.batch_execute("COMMIT").await;
    Ok(())
}

/// Reports the sort's warnings (dependency loops) with their details and hints.
pub(super) fn report_sort_warnings(warnings: &[sort::SortWarning]) {
    for w in warnings {
        diag::warning(&text::display(&w.message));
        for d in &w.details {
            diag::detail(&text::display(d));
        }
        for h in &w.hints {
            diag::hint(&text::display(h));
        }
    }
}

/// The dump's opening comments, session settings and, under --clean, the DROP DATABASE.
fn script_header(
    opts: &DumpOptions,
    key: &str,
    server_version: &str,
    set_block: &str,
    mode: DatabaseMode,
    db: &DatabaseRow,
    quoting: &Quoting,
) -> String {
    let mut out = String::new();
    out.push_str("--\n-- PostgreSQL database dump\n--\n\n");
    out.push_str(&format!("\\restrict {key}\n\n"));
    let dumped_from = format!("Dumped from database version {server_version}");
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
    out.push_str(set_block);
    if mode.create && mode.clean {
        if db.is_template {
            out.push_str(&format!(
                "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = {};\n",
                quoting.literal(&db.name)
            ));
        }
        out.push_str(&format!("DROP DATABASE {};\n", quoting.ident(&db.name)));
    }
    out
}

/// The closing comments and `\unrestrict` of the database's script.
fn script_trailer(opts: &DumpOptions, key: &str) -> String {
    let mut tail = String::new();
    if opts.verbose {
        let completed = format!("Completed on {}", crate::dump::session::timestamp());
        tail.push_str(&format!("{}\n\n", quote::comment(&completed)));
    }
    tail.push_str("--\n-- PostgreSQL database dump complete\n--\n\n");
    tracing::debug!(target: "pgdumpall_rs::phase", "data written");
    tail.push_str(&format!("\\unrestrict {key}\n\n"));
    tail
}

/// The entry being written, its position in the printing order, and the
/// entries after it.
struct At<'s> {
    e: &'s Entry,
    position: usize,
    stream: &'s mut EntryStream,
}

/// What the entry loop reads while writing one database's entries.
struct EntryWriter<'a> {
    /// The database's session (its client, and its COPY tap).
    conn: &'a crate::conn::Connection,
    /// The database's name, for the run observer.
    database: &'a str,
    opts: &'a DumpOptions,
    quoting: Quoting,
    std_strings: bool,
    /// Under `-j`: the workers reading big tables' data ahead.
    split: Option<&'a Split<'a>>,
}

impl<'a> EntryWriter<'a> {
    /// Writes `e`, the entry at `position` of the pass order (the ones
    /// after it in `stream`), its data included.
    async fn write_entry(
        &self,
        printer: &mut Printer,
        in_flight: &mut CopyPipeline<'a>,
        e: &Entry,
        position: usize,
        stream: &mut EntryStream,
        sink: &mut Sink,
    ) -> Result<(), DumpError> {
        let mut text = printer.begin(e);
        match &e.data {
            None => {
                text.push_str(&printer.end(e));
                sink.write_text(&text)?;
            }
            Some(
                source @ (DataSource::Copy { .. } | DataSource::EmptyCopy | DataSource::Inserts(_)),
            ) => {
                let at = At {
                    e,
                    position,
                    stream,
                };
                self.write_table_data(printer, in_flight, at, source, text, sink)
                    .await?;
            }
            Some(DataSource::LargeObjects { oids }) => {
                text.push_str(&e.data_header);
                sink.write_text(&text)?;
                if self.worker_output(e, sink).await?.is_none() {
                    large_objects_out(&self.conn.client, oids, self.std_strings, sink).await?;
                }
                let observer = &self.opts.observer;
                observer.large_objects_written(self.database, oids.len() as u64);
                sink.write_text(&printer.end(e))?;
            }
        }
        Ok(())
    }

    /// Writes a table's data entry: `text` (its start), the rows, its end,
    /// wrapped in DISABLE/ENABLE TRIGGER ALL under --disable-triggers.
    async fn write_table_data(
        &self,
        printer: &mut Printer,
        in_flight: &mut CopyPipeline<'a>,
        at: At<'_>,
        source: &DataSource,
        mut text: String,
        sink: &mut Sink,
    ) -> Result<(), DumpError> {
        let (opts, quoting) = (self.opts, &self.quoting);
        let e = at.e;
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
        let observer = &opts.observer;
        if observer.active() {
            let table = format!("{}.{}", e.schema.as_deref().unwrap_or(""), e.tag);
            observer.table_started(self.database, &table);
        }
        let from_worker = match source {
            DataSource::Copy { .. } | DataSource::Inserts(_) => self.worker_output(e, sink).await?,
            _ => None,
        };
        let rows = match (source, from_worker) {
            (DataSource::Copy { .. }, Some(rows)) => {
                sink.write_text("\\.\n\n\n")?;
                rows
            }
            (_, Some(rows)) => rows,
            (DataSource::Copy { server_copy }, None) => {
                let rows = self.stream_copy(in_flight, at, server_copy, sink).await?;
                sink.write_text("\\.\n\n\n")?;
                rows
            }
            (DataSource::EmptyCopy, None) => {
                sink.write_text("\\.\n\n\n")?;
                0
            }
            (DataSource::Inserts(spec), None) => {
                crate::dump::inserts::rows_out(&self.conn.client, spec, quoting, sink).await?
            }
            (DataSource::LargeObjects { .. }, None) => unreachable!(),
        };
        observer.rows_copied(self.database, rows);
        let mut after = String::new();
        if let Some(table) = &wrap {
            after.push_str(&printer.become_user(opts.superuser.as_deref()));
            after.push_str(&format!("ALTER TABLE {table} ENABLE TRIGGER ALL;\n\n"));
        }
        after.push_str(&printer.end(e));
        sink.write_text(&after)?;
        Ok(())
    }

    /// The data of `e` when a worker reads it (its count), written into
    /// the sink; None when the leader reads it.
    async fn worker_output(&self, e: &Entry, sink: &mut Sink) -> Result<Option<u64>, DumpError> {
        let Some(split) = self.split else {
            return Ok(None);
        };
        match split.take_turn(e).await {
            Some(turn) => split.write_job(turn, sink).await.map(Some),
            None => Ok(None),
        }
    }

    /// Streams the COPY output of the entry `at` into the sink; returns
    /// its row count when the run is observed (else 0).
    async fn stream_copy(
        &self,
        in_flight: &mut CopyPipeline<'a>,
        at: At<'_>,
        server_copy: &str,
        sink: &mut Sink,
    ) -> Result<u64, DumpError> {
        // Send the COPYs of the tables that come next before
        // draining this one: the server runs them back to
        // back instead of waiting a round trip per table.
        // Their output waits in the socket (the connection
        // reads a request's response only once the one
        // before it is consumed), so memory stays bounded.
        in_flight
            .fill(self.conn, (at.e, at.position), at.stream, self.split)
            .await;
        let start = match in_flight.take(at.position) {
            Some(start) => start,
            None => start_copy(self.conn, server_copy).await,
        };
        let count_rows = self.opts.observer.active();
        drain_copy(start, &at.e.tag, server_copy, sink, count_rows).await
    }
}
