//! One database's part of the script, as `pg_dump [--create] [--clean]`
//! writes it inside pg_dumpall: a consistent snapshot, every object read
//! in bulk, pg_dump's order, and table data streamed as it arrives.

mod copy;
pub(crate) mod directory;
mod entries;
mod origin;
mod split;
mod stream;
mod toc;
mod write;

use crate::pg::version::at_least;
use entries::{add_catalog_dependencies, database_entries};
pub(crate) use split::Budget;
pub(crate) use write::write_database;

use std::collections::HashMap;

use super::options::DumpOptions;
use crate::archive::print::{PrintOptions, Printer};
use crate::archive::{sort, Archive, DataSource, DumpId, Entry, RenderContext};
use crate::catalog::database::{current_database, metadata, DatabaseRow, Metadata};
use crate::catalog::helper::{dependencies, Helper, SharedRead};
use crate::catalog::{server_message, Catalog, CatalogError};
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
pub(crate) struct DatabaseMode {
    /// `--create`: the DATABASE entries and a `\connect`.
    pub create: bool,
    /// `--clean` (with --create, for template1 and postgres under -c).
    pub clean: bool,
}

/// A database read, checked and ordered, its snapshot still open: what
/// [`write_database`] needs to print it and stream its data. Preparing the
/// next database while the current one is written overlaps the catalog
/// work of one with the output of the other.
pub(crate) struct Prepared {
    conn: crate::conn::Connection,
    db: DatabaseRow,
    /// The rendered entries: all of them (directory archives, `-v`), or
    /// the database's own when `render` renders the rest while they are
    /// written.
    entries: Vec<Entry>,
    /// The objects still to render (plain output without `-v`).
    render: Option<stream::Pending>,
    /// Per entry, the object it came from (directory format only; empty
    /// for plain output).
    origins: Vec<origin::Origin>,
    /// When pg_dump's ids were computed: the last id collection used (the
    /// ENCODING, STDSTRINGS and SEARCHPATH entries take the next ones).
    fixed_ids_after: Option<u32>,
    /// How many of `entries` are the database's own (its DATABASE,
    /// DATABASE PROPERTIES, ... entries come first).
    database_entry_count: usize,
    warnings: Vec<sort::SortWarning>,
    client_encoding: String,
    std_strings: bool,
    quoting: Quoting,
    /// The session setup batch, for the sessions that join the snapshot.
    setup: String,
}

/// Connects, opens the snapshot, reads every catalog, sorts and renders.
///
/// (Longer than most: one pipeline whose steps overlap on purpose, the
/// helper session serving reads while the catalogs are read, the COPY
/// statements being prepared while the archive is sorted and rendered;
/// split up, those local futures would have to travel between functions.)
///
/// Under `-j` (`budget`), the helper session is one of the run's
/// connections, taken only when the budget has one free, and given back
/// once the catalogs are read.
pub(crate) async fn prepare_database(
    connector: &Connector,
    opts: &DumpOptions,
    name: &str,
    mode: DatabaseMode,
    budget: Option<&Budget>,
) -> Result<Prepared, DumpError> {
    let dbname = name;
    let conn = connector.connect(dbname).await?;
    tracing::debug!(target: "pgdumpall_rs::phase", database = %text::display(dbname), "connected");
    let client = &conn.client;
    let version = conn.server_version_num;
    let helper = Helper::default();
    let cat = Catalog {
        client,
        server_version_num: version,
        lock_wait_timeout: opts.lock_wait_timeout.clone(),
        helper: Some(&helper),
        census: Default::default(),
    };
    let (setup, client_encoding, std_strings) = open_snapshot(&cat, &conn, opts).await?;
    crate::catalog::census::take(&cat).await?;
    let quoting = Quoting::new(opts.quote_all_identifiers, std_strings, &client_encoding);
    // Under -j every connection counts against the jobs' budget.
    let may_have_one = budget.is_some() || opts.jobs <= 1;
    let worth = may_have_one && crate::catalog::helper::worth_a_helper(&cat);
    let helper_permit = budget.filter(|_| worth).and_then(Budget::take_worker);
    let helper_wanted = worth && (budget.is_none() || helper_permit.is_some());
    start_helper(&cat, &helper, helper_wanted).await?;
    // The helper session, if the database is big enough for one.
    let open_helper =
        async |snapshot: String| open_helper_session(connector, dbname, &setup, &snapshot).await;
    let serve = helper.serve(open_helper);
    let mut archive = Archive::new();
    let read_all = read_catalogs(&cat, opts, &mut archive);
    let (db, meta, collection) = {
        futures_util::pin_mut!(read_all, serve);
        match futures_util::future::select(read_all, serve).await {
            futures_util::future::Either::Left((read, _)) => read?,
            futures_util::future::Either::Right(((), read_all)) => read_all.await?,
        }
    };
    drop(helper_permit);
    archive.add_boundaries();
    tracing::debug!(target: "pgdumpall_rs::phase", objects = archive.objects.len(), "catalogs read");
    let (order, sort_warnings) = sort::sort(&mut archive);
    let warnings: Vec<sort::SortWarning> = std::mem::take(&mut archive.warnings)
        .into_iter()
        .map(|message| sort::SortWarning {
            message,
            details: Vec::new(),
            hints: Vec::new(),
        })
        .chain(sort_warnings)
        .collect();
    tracing::debug!(target: "pgdumpall_rs::phase", "sorted");
    let ctx = RenderContext {
        quoting,
        server_version_num: version,
        opts: opts.render.clone(),
        comments: meta.comments,
        security_labels: meta.security_labels,
        init_privs: meta.init_privs,
    };
    let printed = printed_objects(order, &archive);
    let mut entries = database_entries(&db, &ctx, mode);
    let database_entry_count = entries.len();
    // The entries are numbered (-v) or archived (directory) as a whole;
    // otherwise plain output renders each object just before it is written
    // (under -j too: the workers get copies of just the big tables' data
    // entries, split.rs).
    let eager = collection.is_some() || opts.directory.is_some();
    let mut fixed_ids_after = None;
    let mut origins = Vec::new();
    let mut render = None;
    if eager {
        entries.extend(render_all(&printed, &archive, &ctx));
        tracing::debug!(target: "pgdumpall_rs::phase", entries = entries.len(), "rendered");
        if let Some(collection) = &collection {
            let ids = toc::number_entries(
                &archive,
                collection,
                &mut entries,
                database_entry_count,
                toc::database_ids(&db, &opts.render),
                &opts.render,
            );
            fixed_ids_after = Some(ids.collected);
        }
        if opts.directory.is_some() {
            origins = origin::origins(&entries, &archive);
        }
    }
    if eager {
        drop_archive(archive);
    } else {
        archive.forget_sort_inputs();
        render = Some(stream::Pending {
            archive,
            ctx,
            printed,
            next: 0,
        });
    }

    Ok(Prepared {
        db,
        entries,
        render,
        origins,
        fixed_ids_after,
        database_entry_count,
        warnings,
        client_encoding,
        std_strings,
        quoting,
        setup,
        conn,
    })
}

/// The session settings pg_dump uses, as one batch every session of the dump runs.
fn session_setup_sql(opts: &DumpOptions, version: i32, encoding: &str) -> String {
    let mut setup = format!(
        "SET client_encoding TO {}; SET DATESTYLE = ISO; SET INTERVALSTYLE = POSTGRES; \
         SET extra_float_digits TO {}; SET synchronize_seqscans TO off; \
         SET statement_timeout = 0; SET lock_timeout = 0; \
         SET idle_in_transaction_session_timeout = 0; SET row_security = off;",
        quote::session_literal(encoding),
        opts.extra_float_digits,
    );
    if at_least(version, 17) {
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
    setup
}

/// Sets the session up and opens the snapshot; returns the setup batch, the
/// client encoding and standard_conforming_strings.
async fn open_snapshot(
    cat: &Catalog<'_>,
    conn: &crate::conn::Connection,
    opts: &DumpOptions,
) -> Result<(String, String, bool), DumpError> {
    let encoding = super::session::client_encoding(opts, conn);
    let setup = session_setup_sql(opts, cat.server_version_num, &encoding);
    cat.client
        .batch_execute(&setup)
        .await
        .map_err(|e| CatalogError::query(e, &setup))?;
    // A separate round trip: the isolation level must be set before any
    // query of the transaction.
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    cat.client
        .batch_execute(begin)
        .await
        .map_err(|e| CatalogError::query(e, begin))?;
    let (client_encoding, std_strings) = crate::catalog::session::text_settings(cat).await?;
    Ok((setup, client_encoding, std_strings))
}

/// Exports the snapshot for a helper session when one is `wanted` (the
/// database is big enough, and under -j the budget had a connection), so
/// that it reads while this session reads the rest; else releases it.
async fn start_helper(cat: &Catalog<'_>, helper: &Helper, wanted: bool) -> Result<(), DumpError> {
    let snapshot = match wanted {
        true => Some(crate::catalog::relations::export_snapshot(cat).await?),
        false => None,
    };
    helper.begin(snapshot, cat.census.get());
    Ok(())
}

/// Connects the helper session and joins it to the exported snapshot.
async fn open_helper_session(
    connector: &Connector,
    dbname: &str,
    setup: &str,
    snapshot: &str,
) -> Option<(tokio_postgres::Client, i32)> {
    let helper_conn = connector.connect(dbname).await.ok()?;
    helper_conn.client.batch_execute(setup).await.ok()?;
    let join = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {}",
        quote::session_literal(snapshot)
    );
    helper_conn.client.batch_execute(&join).await.ok()?;
    Some((helper_conn.client, helper_conn.server_version_num))
}

/// Reads the database row and collects every
/// object and its dependencies into `archive`; under `-v` also pg_dump's
/// collection, for the dump ids.
async fn read_catalogs(
    cat: &Catalog<'_>,
    opts: &DumpOptions,
    archive: &mut Archive,
) -> Result<
    (
        DatabaseRow,
        Metadata,
        Option<Vec<crate::archive::ids::Collected>>,
    ),
    DumpError,
> {
    let db = current_database(cat).await?;
    let meta = metadata(cat).await?;
    // (The directory format's archives number their entries by them.)
    let collection = match opts.verbose || opts.directory.is_some() {
        true => Some(toc::read_collection(cat).await?),
        false => None,
    };
    objects::collect_all(cat, archive, opts).await?;
    add_catalog_dependencies(cat, archive).await?;
    if super::content::dump_data(&opts.render) && !super::content::dump_schema(&opts.render) {
        super::content::add_data_fk_dependencies(cat, archive).await?;
    }
    Ok((db, meta, collection))
}

/// The objects that print, in sorted order.
fn printed_objects(order: Vec<DumpId>, archive: &Archive) -> Vec<DumpId> {
    order
        .into_iter()
        .filter(|&id| {
            let obj = &archive.objects[id];
            // Extension members print only their changed ACLs.
            (obj.dump || obj.extension.is_some()) && obj.render.is_some()
        })
        .collect()
}

/// Appends the entries object `id` prints to `out`.
fn render_object(id: DumpId, archive: &Archive, ctx: &RenderContext, out: &mut Vec<Entry>) {
    if let Some(r) = &archive.objects[id].render {
        out.extend(
            r.entries(id, archive, ctx)
                .into_iter()
                .filter(|e| super::content::keep(e, &ctx.opts))
                .map(|e| Entry {
                    object: Some(id),
                    ..e
                }),
        );
    }
}

/// Frees an archive; a big one on another thread (that takes a while,
/// and the output need not wait).
fn drop_archive(archive: Archive) {
    if archive.objects.len() >= PARALLEL_RENDER_MIN {
        std::thread::spawn(move || drop(archive));
    }
}

/// Objects above this count are rendered on two threads.
const PARALLEL_RENDER_MIN: usize = 2000;

/// The entries of `ids`, in that order, each with the object it came
/// from. Rendering is pure, so big databases render on two threads (the
/// server has nothing to do for us meanwhile).
fn render_all(ids: &[DumpId], archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
    let render = |ids: &[DumpId]| -> Vec<Entry> {
        let mut out = Vec::new();
        for &id in ids {
            render_object(id, archive, ctx, &mut out);
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
