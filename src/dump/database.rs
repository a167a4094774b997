//! One database's part of the script, as `pg_dump [--create] [--clean]`
//! writes it inside pg_dumpall: a consistent snapshot, every object read
//! in bulk, pg_dump's order, and table data streamed as it arrives.

use std::collections::HashMap;

use futures_util::StreamExt;

use super::options::DumpOptions;
use crate::archive::print::{pass_order, PrintOptions, Printer};
use crate::archive::{sort, Archive, DataSource, DumpId, Entry, RenderContext};
use crate::catalog::database::{current_database, metadata, DatabaseRow};
use crate::catalog::helper::{dependencies, Helper, SharedRead};
use crate::catalog::{inventory, query, server_message, Catalog, CatalogError};
use crate::conn::Connector;
use crate::diag;
use crate::output::Sink;
use crate::pg::quote::{self, guc_assignment, Quoting};
use crate::pg::RowExt;
use crate::sql::acl::{build_acl_commands, AclTarget};
use crate::text;

use super::objects;
use super::DumpError;

/// How pg_dumpall runs pg_dump for one database.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseMode {
    /// `--create`: the DATABASE entries and a `\connect`.
    pub create: bool,
    /// `--clean` (with --create, for template1 and postgres under -c).
    pub clean: bool,
}

/// A database read, checked and ordered, its snapshot still open: what
/// [`write_database`] needs to print it and stream its data. Preparing the
/// next database while the current one is written overlaps the catalog
/// work of one with the output of the other.
pub struct Prepared {
    conn: crate::conn::Connection,
    /// The prepared `COPY ... TO stdout` statements, by text.
    copy_statements: HashMap<String, tokio_postgres::Statement>,
    db: DatabaseRow,
    entries: Vec<Entry>,
    database_entry_count: usize,
    warnings: Vec<sort::SortWarning>,
    client_encoding: String,
    std_strings: bool,
    quoting: Quoting,
}

/// Connects, opens the snapshot, reads every catalog, sorts and renders.
pub async fn prepare_database(
    connector: &Connector,
    opts: &DumpOptions,
    name: &str,
    mode: DatabaseMode,
) -> Result<Prepared, DumpError> {
    let dbname = String::from_utf8(text::to_bytes(name)).map_err(|_| {
        DumpError::Other(format!(
            "database name \"{}\" is not valid UTF-8",
            text::display(name)
        ))
    })?;
    let conn = connector.connect(&dbname).await?;
    tracing::debug!(target: "pgdumpall_rs::phase", database = %dbname, "connected");
    let client = &conn.client;
    let version = conn.server_version_num;
    let helper = Helper::default();
    let cat = Catalog {
        client,
        server_version_num: version,
        lock_wait_timeout: opts.lock_wait_timeout.clone(),
        helper: Some(&helper),
    };

    // Session settings pg_dump uses, then the snapshot.
    let encoding = match &opts.encoding {
        Some(e) => e.clone(),
        None => super::session::default_client_encoding(&cat).await?,
    };
    let mut setup = format!(
        "SET client_encoding TO {}; SET DATESTYLE = ISO; SET INTERVALSTYLE = POSTGRES; \
         SET extra_float_digits TO {}; SET synchronize_seqscans TO off; \
         SET statement_timeout = 0; SET lock_timeout = 0; \
         SET idle_in_transaction_session_timeout = 0; SET row_security = off;",
        quote::session_literal(&encoding),
        opts.extra_float_digits,
    );
    if version >= 170000 {
        setup.push_str(" SET transaction_timeout = 0;");
    }
    if opts.quote_all_identifiers {
        setup.push_str(" SET quote_all_identifiers = true;");
    }
    if let Some(role) = &opts.role {
        setup.push_str(&format!(" SET ROLE {};", quote::ident(role)));
    }
    setup.push_str(" SELECT pg_catalog.set_config('search_path', '', false);");
    // CVE-2024-7348: no session of the dump expands a non-system view or
    // reads a foreign table, whatever a table owner has put where a table
    // is expected (the main, helper and read-ahead sessions all run this).
    setup.push(' ');
    setup.push_str(crate::catalog::RESTRICT_RELATION_KINDS);
    client
        .batch_execute(&setup)
        .await
        .map_err(|e| CatalogError::query(e, &setup))?;
    // A separate round trip: the isolation level must be set before any
    // query of the transaction.
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    client
        .batch_execute(begin)
        .await
        .map_err(|e| CatalogError::query(e, begin))?;
    let settings = query(
        &cat,
        "SELECT pg_catalog.current_setting('client_encoding'), \
         pg_catalog.current_setting('standard_conforming_strings')",
    )
    .await?;
    let client_encoding = settings.one()?.text(0)?;
    let std_strings = settings.one()?.text(1)? == "on";

    let quoting = Quoting::new(opts.quote_all_identifiers, std_strings, &client_encoding);
    // A big database gets its helper session now, so that it reads while
    // this session reads the rest.
    let snapshot = if crate::catalog::helper::worth_a_helper(&cat).await? {
        Some(crate::catalog::relations::export_snapshot(&cat).await?)
    } else {
        None
    };
    helper.begin(snapshot);
    // The helper session, if the database is big enough for one.
    let open_helper = async |snapshot: String| {
        let helper_conn = connector.connect(&dbname).await.ok()?;
        helper_conn.client.batch_execute(&setup).await.ok()?;
        let join = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {}",
            quote::session_literal(&snapshot)
        );
        helper_conn.client.batch_execute(&join).await.ok()?;
        Some((helper_conn.client, helper_conn.server_version_num))
    };
    let serve = helper.serve(open_helper);
    let mut archive = Archive::new();
    let read_all = async {
        let db = current_database(&cat).await?;
        // Refuse databases holding objects this version cannot dump yet,
        // rather than leaving them out silently.
        let excluded = inventory::Excluded {
            publications: opts.no_publications,
            subscriptions: opts.no_subscriptions,
        };
        let unsupported = inventory::unsupported_objects(&cat, excluded).await?;
        if let Some(first) = unsupported.first() {
            return Err(DumpError::Other(format!(
                "database \"{}\" contains objects pgdumpall-rs cannot dump yet ({} in all), first: {} {}",
                text::display(name),
                unsupported.len(),
                first.0,
                text::display(&first.1)
            )));
        }
        let meta = metadata(&cat).await?;
        objects::collect_all(&cat, &mut archive, opts).await?;
        add_catalog_dependencies(&cat, &mut archive).await?;
        if super::content::dump_data(&opts.render) && !super::content::dump_schema(&opts.render) {
            super::content::add_data_fk_dependencies(&cat, &mut archive).await?;
        }
        Ok::<_, DumpError>((db, meta))
    };
    let (db, meta) = {
        futures_util::pin_mut!(read_all, serve);
        match futures_util::future::select(read_all, serve).await {
            futures_util::future::Either::Left((read, _)) => read?,
            futures_util::future::Either::Right(((), read_all)) => read_all.await?,
        }
    };
    archive.add_boundaries();
    tracing::debug!(target: "pgdumpall_rs::phase", objects = archive.objects.len(), "catalogs read");
    // Every COPY is prepared now, the requests pipelined: one round trip
    // for all tables instead of one per table, the server parsing while
    // we sort and render. A statement that fails to prepare is simply
    // prepared again at its turn, so its error is reported where pg_dump
    // would report it.
    let copy_sqls = if super::content::dump_data(&opts.render) {
        std::mem::take(&mut archive.copy_statements)
    } else {
        Vec::new()
    };
    let mut prepare_copies = Box::pin(futures_util::future::join_all(
        copy_sqls.iter().map(|sql| client.prepare(sql)),
    ));
    let copies_prepared = poll_once(prepare_copies.as_mut()).await;
    let (order, warnings) = sort::sort(&mut archive);
    tracing::debug!(target: "pgdumpall_rs::phase", "sorted");

    let ctx = RenderContext {
        quoting,
        server_version_num: version,
        opts: opts.render.clone(),
        comments: meta.comments,
        security_labels: meta.security_labels,
        init_privs: meta.init_privs,
    };
    let mut entries: Vec<Entry> = database_entries(&db, &ctx, mode);
    let database_entry_count = entries.len();
    let printed: Vec<DumpId> = order
        .into_iter()
        .filter(|&id| {
            let obj = &archive.objects[id];
            // Extension members print only their changed ACLs.
            (obj.dump || obj.extension.is_some()) && obj.render.is_some()
        })
        .collect();
    entries.extend(render_all(&printed, &archive, &ctx, opts));
    tracing::debug!(target: "pgdumpall_rs::phase", entries = entries.len(), "rendered");
    let prepared = match copies_prepared {
        Some(done) => done,
        None => prepare_copies.as_mut().await,
    };
    drop(prepare_copies);
    let copy_statements = copy_sqls
        .into_iter()
        .zip(prepared)
        .filter_map(|(sql, p)| p.ok().map(|st| (sql, st)))
        .collect();
    tracing::debug!(target: "pgdumpall_rs::phase", "COPY statements prepared");
    // Freeing a big archive takes a while; the output need not wait.
    if archive.objects.len() >= PARALLEL_RENDER_MIN {
        std::thread::spawn(move || drop(archive));
    }

    Ok(Prepared {
        copy_statements,
        db,
        entries,
        database_entry_count,
        warnings,
        client_encoding,
        std_strings,
        quoting,
        conn,
    })
}

/// Objects above this count are rendered on two threads.
const PARALLEL_RENDER_MIN: usize = 2000;

/// The entries of `ids`, in that order. Rendering is pure, so big
/// databases render on two threads (the server has nothing to do for us
/// meanwhile).
fn render_all(
    ids: &[DumpId],
    archive: &Archive,
    ctx: &RenderContext,
    opts: &DumpOptions,
) -> Vec<Entry> {
    let render = |ids: &[DumpId]| -> Vec<Entry> {
        let mut out = Vec::new();
        for &id in ids {
            if let Some(r) = &archive.objects[id].render {
                out.extend(
                    r.entries(id, archive, ctx)
                        .into_iter()
                        .filter(|e| super::content::keep(e, &opts.render)),
                );
            }
        }
        out
    };
    if ids.len() < PARALLEL_RENDER_MIN {
        return render(ids);
    }
    // Chunks handed out as the threads get free (objects differ much in
    // cost, and like ones sit together in the sorted order), then put
    // back in order.
    let chunks: Vec<&[DumpId]> = ids.chunks(RENDER_CHUNK).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(chunk) = chunks.get(k) else {
                return done;
            };
            done.push((k, render(chunk)));
        }
    };
    let mut parts = std::thread::scope(|scope| {
        let other = scope.spawn(work);
        let mut parts = work();
        match other.join() {
            Ok(rest) => parts.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        parts
    });
    parts.sort_unstable_by_key(|(k, _)| *k);
    let mut out = Vec::with_capacity(ids.len());
    for (_, entries) in parts {
        out.extend(entries);
    }
    out
}

/// Objects per chunk of parallel rendering.
const RENDER_CHUNK: usize = 256;

/// Prints a prepared database and streams its data into the sink.
pub async fn write_database(
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
    let set_block = fixed_settings(&client_encoding, std_strings, opts);
    let mut out = String::new();
    out.push_str("--\n-- PostgreSQL database dump\n--\n\n");
    out.push_str(&format!("\\restrict {key}\n\n"));
    let dumped_from = format!("Dumped from database version {}", conn.server_version);
    let dumped_by = format!(
        "Dumped by pg_dump version {} (pgdumpall-rs {})",
        super::REFERENCE_VERSION,
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&format!(
        "{}\n{}\n\n",
        quote::comment(&dumped_from),
        quote::comment(&dumped_by)
    ));
    if opts.verbose {
        let started = format!("Started on {}", super::session::timestamp());
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
        connect_command(&quoting, &db.name)?
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
                    && !super::content::dump_schema(&opts.render)
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
                        super::inserts::rows_out(client, spec, &quoting, sink).await?;
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
        let completed = format!("Completed on {}", super::session::timestamp());
        tail.push_str(&format!("{}\n\n", quote::comment(&completed)));
    }
    tail.push_str("--\n-- PostgreSQL database dump complete\n--\n\n");
    tracing::debug!(target: "pgdumpall_rs::phase", "data written");
    tail.push_str(&format!("\\unrestrict {key}\n\n"));
    sink.write_text(&tail)?;
    let _ = client.batch_execute("COMMIT").await;
    Ok(())
}

/// A COPY request sent to the server (or its failure), not yet drained.
type CopyStart = Result<std::pin::Pin<Box<tokio_postgres::CopyOutStream>>, tokio_postgres::Error>;

/// Sends `COPY ... TO stdout` (the prepared statement when there is one).
async fn start_copy(
    client: &tokio_postgres::Client,
    sql: &str,
    statement: Option<&tokio_postgres::Statement>,
) -> CopyStart {
    match statement {
        Some(statement) => client.copy_out(statement).await,
        None => client.copy_out(sql).await,
    }
    .map(Box::pin)
}

/// Polls `fut` once (a tokio-postgres request sends its messages at its
/// first poll) and returns its output if it is already done.
async fn poll_once<F: std::future::Future + ?Sized>(
    mut fut: std::pin::Pin<&mut F>,
) -> Option<F::Output> {
    match std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await {
        std::task::Poll::Ready(done) => Some(done),
        std::task::Poll::Pending => None,
    }
}

/// How many COPY requests may be sent ahead of the one being drained.
const COPY_PIPELINE_DEPTH: usize = 64;

/// COPY requests sent ahead, in output order, keyed by entry index.
#[derive(Default)]
struct CopyPipeline<'a> {
    queue: std::collections::VecDeque<(usize, PendingCopy<'a>)>,
    /// The first position (in printing order) not looked at yet.
    next_scan: usize,
}

type PendingCopy<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = CopyStart> + 'a>>;

impl<'a> CopyPipeline<'a> {
    /// Sends the COPYs of the entries from `order[position]` (the current
    /// one) on, up to the depth, stopping at the first entry that needs
    /// the connection for something else (INSERT-style data, large
    /// objects): its statements would queue behind undrained COPYs.
    async fn fill(
        &mut self,
        client: &'a tokio_postgres::Client,
        entries: &'a [Entry],
        order: &[usize],
        position: usize,
        statements: &'a HashMap<String, tokio_postgres::Statement>,
    ) {
        let mut k = self.next_scan.max(position);
        while k < order.len() && self.queue.len() < COPY_PIPELINE_DEPTH {
            let j = order[k];
            match &entries[j].data {
                None | Some(DataSource::EmptyCopy) => {}
                Some(DataSource::Copy { server_copy }) => {
                    let statement = statements.get(server_copy.as_str());
                    let mut pending: PendingCopy<'a> =
                        Box::pin(start_copy(client, server_copy, statement));
                    // The first poll sends the request.
                    if let Some(done) = poll_once(pending.as_mut()).await {
                        pending = Box::pin(std::future::ready(done));
                    }
                    self.queue.push_back((j, pending));
                }
                Some(_) => break,
            }
            k += 1;
        }
        self.next_scan = k;
    }

    /// The request sent for entry `i`, if it is next in the queue.
    fn take(&mut self, i: usize) -> Option<PendingCopy<'a>> {
        match self.queue.front() {
            Some((j, _)) if *j == i => self.queue.pop_front().map(|(_, p)| p),
            _ => None,
        }
    }
}

/// Streams a COPY's output into the sink as it arrives. A failure (the
/// table gone, the connection lost or killed mid-stream) is reported the
/// way pg_dump reports it: the table's name, the server's message, the
/// command.
async fn drain_copy(
    start: CopyStart,
    table: &str,
    sql: &str,
    sink: &mut Sink,
) -> Result<(), DumpError> {
    let failed = |e: tokio_postgres::Error, step: &str| {
        let message = server_message(&e);
        let program = diag::program();
        DumpError::Other(format!(
            "Dumping the contents of table \"{}\" failed: {step} failed.\n\
             {program}: detail: Error message from server: {message}\n\
             {program}: detail: Command was: {}",
            text::display(table),
            text::display(sql)
        ))
    };
    let mut stream = start.map_err(|e| failed(e, "PQgetResult()"))?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| failed(e, "PQgetCopyData()"))?;
        sink.write_bytes(&chunk)?;
    }
    Ok(())
}

/// Streams a BLOBS entry's contents: each large object read in chunks of
/// 16384 bytes, one `lowrite` per chunk, inside one transaction.
async fn large_objects_out(
    client: &tokio_postgres::Client,
    oids: &[u32],
    std_strings: bool,
    sink: &mut Sink,
) -> Result<(), DumpError> {
    use crate::sql::postdata::{lo_open, lo_write, LO_CLOSE};
    const CHUNK: i32 = 16384;
    let sql = "SELECT pg_catalog.lo_get($1, $2, $3)";
    let stmt = client
        .prepare_typed(
            sql,
            &[
                tokio_postgres::types::Type::OID,
                tokio_postgres::types::Type::INT8,
                tokio_postgres::types::Type::INT4,
            ],
        )
        .await
        .map_err(|e| CatalogError::query(e, sql))?;
    sink.write_text("BEGIN;\n\n")?;
    for &oid in oids {
        sink.write_text(&lo_open(oid))?;
        let mut offset: i64 = 0;
        loop {
            let row = client
                .query_one(&stmt, &[&oid, &offset, &CHUNK])
                .await
                .map_err(|e| {
                    DumpError::Other(format!(
                        "error reading large object {oid}: {}",
                        server_message(&e)
                    ))
                })?;
            let chunk: Vec<u8> = row.in_query(sql).col(0)?;
            if !chunk.is_empty() {
                sink.write_text(&lo_write(&chunk, std_strings))?;
            }
            if chunk.len() < CHUNK as usize {
                break;
            }
            offset += chunk.len() as i64;
        }
        sink.write_text(LO_CLOSE)?;
    }
    sink.write_text("COMMIT;\n\n")?;
    Ok(())
}

/// The SET block every section starts with (pg_dump's fixed output state).
fn fixed_settings(encoding: &str, std_strings: bool, opts: &DumpOptions) -> String {
    let mut s = String::from(
        "SET statement_timeout = 0;\nSET lock_timeout = 0;\n\
         SET idle_in_transaction_session_timeout = 0;\nSET transaction_timeout = 0;\n",
    );
    s.push_str(&format!("SET client_encoding = '{encoding}';\n"));
    s.push_str(&format!(
        "SET standard_conforming_strings = {};\n",
        if std_strings { "on" } else { "off" }
    ));
    if let Some(role) = &opts.role {
        s.push_str(&format!("SET ROLE {};\n", quote::ident(role)));
    }
    s.push_str("SELECT pg_catalog.set_config('search_path', '', false);\n");
    s.push_str("SET check_function_bodies = false;\nSET xmloption = content;\n");
    s.push_str("SET client_min_messages = warning;\n");
    if !std_strings {
        s.push_str("SET escape_string_warning = off;\n");
    }
    s.push_str("SET row_security = off;\n\n");
    s
}

/// psql's `\connect` line for a database name (appendPsqlMetaConnect).
/// A meta-command ends at the end of its line whatever the quoting, so a
/// name with a line break cannot be written (the driver refuses such
/// databases before this point; this keeps the line safe on its own).
pub fn connect_command(q: &Quoting, name: &str) -> Result<String, DumpError> {
    if super::shell_arg::unsafe_name(name) {
        return Err(DumpError::Other(format!(
            "database name contains a newline or carriage return: \"{}\"",
            text::display(name)
        )));
    }
    let simple = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if simple {
        return Ok(format!("\\connect {}\n", q.ident(name)));
    }
    let connstr = format!("dbname={}", quote::conn_str_value(name));
    // Identifier quoting of the whole connection string.
    let quoted = format!("\"{}\"", connstr.replace('"', "\"\""));
    Ok(format!(
        "\\encoding SQL_ASCII\n\\connect -reuse-previous=on {quoted}\n"
    ))
}

/// The DATABASE, COMMENT, SECURITY LABEL, ACL and DATABASE PROPERTIES
/// entries of `--create`.
fn database_entries(db: &DatabaseRow, ctx: &RenderContext, mode: DatabaseMode) -> Vec<Entry> {
    if !mode.create {
        return Vec::new();
    }
    let q = &ctx.quoting;
    let name = q.ident(&db.name);
    let mut create = format!(
        "CREATE DATABASE {name} WITH TEMPLATE = template0 ENCODING = {}",
        q.literal(&db.encoding)
    );
    create.push_str(match db.locale_provider {
        'b' => " LOCALE_PROVIDER = builtin",
        'i' => " LOCALE_PROVIDER = icu",
        _ => " LOCALE_PROVIDER = libc",
    });
    if !db.collate.is_empty() && db.collate == db.ctype {
        create.push_str(&format!(" LOCALE = {}", q.literal(&db.collate)));
    } else {
        if !db.collate.is_empty() {
            create.push_str(&format!(" LC_COLLATE = {}", q.literal(&db.collate)));
        }
        if !db.ctype.is_empty() {
            create.push_str(&format!(" LC_CTYPE = {}", q.literal(&db.ctype)));
        }
    }
    if let Some(locale) = &db.locale {
        let word = if db.locale_provider == 'b' {
            "BUILTIN_LOCALE"
        } else {
            "ICU_LOCALE"
        };
        create.push_str(&format!(" {word} = {}", q.literal(locale)));
    }
    if let Some(rules) = &db.icu_rules {
        create.push_str(&format!(" ICU_RULES = {}", q.literal(rules)));
    }
    if !ctx.opts.no_tablespaces && db.tablespace != "pg_default" {
        create.push_str(&format!(" TABLESPACE = {}", q.ident(&db.tablespace)));
    }
    create.push_str(";\n");
    let mut entries = vec![Entry {
        tag: db.name.clone(),
        desc: "DATABASE".into(),
        owner: Some(db.owner.clone()),
        defn: create,
        owner_object: Some(format!("DATABASE {name}")),
        ..Entry::default()
    }];
    // Without definitions (-a, --no-schema, --statistics-only) only the
    // DATABASE and DATABASE PROPERTIES entries remain.
    let schema = super::content::dump_schema(&ctx.opts);
    if let (Some(comment), false, true) = (&db.comment, ctx.opts.no_comments, schema) {
        if !comment.is_empty() {
            entries.push(Entry {
                tag: format!("DATABASE {name}"),
                desc: "COMMENT".into(),
                owner: Some(db.owner.clone()),
                defn: format!("COMMENT ON DATABASE {name} IS {};\n", q.literal(comment)),
                ..Entry::default()
            });
        }
    }
    if schema && !ctx.opts.no_security_labels && !db.security_labels.is_empty() {
        let mut defn = String::new();
        for (provider, label) in &db.security_labels {
            defn.push_str(&format!(
                "SECURITY LABEL FOR {} ON DATABASE {name} IS {};\n",
                q.ident(provider),
                q.literal_conn(label)
            ));
        }
        entries.push(Entry {
            tag: format!("DATABASE {name}"),
            desc: "SECURITY LABEL".into(),
            owner: Some(db.owner.clone()),
            defn,
            ..Entry::default()
        });
    }
    if schema && !ctx.opts.no_privileges {
        if let Some(acl) = &db.acl {
            let target = AclTarget {
                object_type: "DATABASE",
                name: &name,
                column: None,
                owner: Some(&db.owner),
                prefix: "",
            };
            let defn = build_acl_commands(q, &target, acl, &db.acl_default);
            if !defn.is_empty() {
                entries.push(Entry {
                    tag: format!("DATABASE {name}"),
                    desc: "ACL".into(),
                    owner: Some(db.owner.clone()),
                    defn,
                    pass: crate::archive::Pass::Acl,
                    ..Entry::default()
                });
            }
        }
    }
    let mut props = String::new();
    if db.connection_limit != -1 {
        props.push_str(&format!(
            "ALTER DATABASE {name} CONNECTION LIMIT = {};\n",
            db.connection_limit
        ));
    }
    if db.is_template {
        props.push_str(&format!("ALTER DATABASE {name} IS_TEMPLATE = true;\n"));
    }
    for item in &db.settings {
        props.push_str(&format!(
            "ALTER DATABASE {name} SET {};\n",
            guc_assignment(q, item)
        ));
    }
    for (role, item) in &db.role_settings {
        props.push_str(&format!(
            "ALTER ROLE {} IN DATABASE {name} SET {};\n",
            q.ident(role),
            guc_assignment(q, item)
        ));
    }
    if !props.is_empty() {
        entries.push(Entry {
            tag: db.name.clone(),
            desc: "DATABASE PROPERTIES".into(),
            owner: Some(db.owner.clone()),
            defn: props,
            ..Entry::default()
        });
    }
    entries
}

/// pg_depend edges between collected objects (rule D1): sub-objects count
/// as their object, a composite type's relation comes after its type,
/// and extension members depend on their extension.
async fn add_catalog_dependencies(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    let rows = cat
        .shared(SharedRead::Dependencies, dependencies(cat))
        .await?;
    for (classid, objid, refclassid, refobjid, deptype) in rows {
        let (Some(obj), Some(refobj)) = (
            archive.find(classid, objid),
            archive.find(refclassid, refobjid),
        ) else {
            continue;
        };
        if deptype == 'e' {
            archive.objects[obj].extension = Some(refobj);
            archive.objects[obj].dump = false;
            archive.add_dep(obj, refobj);
            continue;
        }
        use crate::archive::Kind;
        if deptype == 'i'
            && archive.objects[obj].kind == Kind::Table
            && archive.objects[refobj].kind == Kind::Type
        {
            archive.add_dep(refobj, obj);
        } else {
            archive.add_dep(obj, refobj);
        }
    }
    Ok(())
}
