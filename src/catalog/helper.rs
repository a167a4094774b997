//! A second session for the catalog reads of big databases. It joins the
//! dump's snapshot (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`) and
//! runs some of the bulk reads while the main session runs the others, so
//! the server answers two queries at a time. The main session decides,
//! as soon as its transaction has begun, whether the database is big
//! enough to be worth the extra session; small databases never open one.
//!
//! The helper only reads catalogs (no table locks), so it cannot queue
//! behind a lock request that waits for the main session's locks. It may
//! read before the main session has locked the tables: an object dropped
//! meanwhile makes the main session's LOCK fail first, which is the error
//! reported (the helper's results are only looked at after the locks), as
//! pg_dump would report it. If it cannot connect, the main session does
//! the reads itself.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;

use tokio::sync::oneshot;

use super::{query_decode, relations, routines, sequences, types, views, Catalog, CatalogError};

/// Reads either session may do, in the order the main session asks for
/// them. The main session takes them from the front as it goes; the
/// helper takes them from the back, so the two meet wherever the work
/// splits evenly, whatever the database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SharedRead {
    Functions,
    Types,
    Views,
    ViewColumns,
    Defaults,
    Columns,
    TableConstraints,
    Indexes,
    ColumnAcls,
    Dependencies,
    SequenceValues,
}

impl SharedRead {
    /// In the main session's order; the helper takes reads from the end,
    /// so the sequence values (read last by the main session, and never
    /// needed earlier) are the helper's only when it has nothing else.
    pub(crate) const ALL: [SharedRead; 11] = [
        SharedRead::SequenceValues,
        SharedRead::Functions,
        SharedRead::Types,
        SharedRead::Views,
        SharedRead::ViewColumns,
        SharedRead::Defaults,
        SharedRead::Columns,
        SharedRead::TableConstraints,
        SharedRead::Indexes,
        SharedRead::ColumnAcls,
        SharedRead::Dependencies,
    ];
}

/// A read's result, or None when the helper failed before doing it.
type Outcome = Option<Result<Box<dyn Any>, CatalogError>>;

/// Who does a read.
enum Slot {
    /// Nobody yet.
    Open,
    /// The main session, itself.
    Main,
    /// The helper: its result comes here.
    Helper(oneshot::Receiver<Outcome>),
}

/// The meeting point of the main session and its helper.
pub(crate) struct Helper {
    begin_tx: RefCell<Option<oneshot::Sender<String>>>,
    begin_rx: RefCell<Option<oneshot::Receiver<String>>>,
    started: Cell<bool>,
    slots: RefCell<HashMap<SharedRead, Slot>>,
    /// The main session's census, for the helper's readers.
    census: Cell<Option<super::census::Census>>,
}

impl Default for Helper {
    fn default() -> Self {
        let (begin_tx, begin_rx) = oneshot::channel();
        Helper {
            begin_tx: RefCell::new(Some(begin_tx)),
            begin_rx: RefCell::new(Some(begin_rx)),
            started: Cell::new(false),
            slots: RefCell::new(SharedRead::ALL.iter().map(|&r| (r, Slot::Open)).collect()),
            census: Cell::new(None),
        }
    }
}

/// Databases with at least this many user relations (pg_class rows of
/// OID 16384 and up: tables, indexes, TOAST tables, views, sequences) get a
/// helper session.
pub(crate) const HELPER_MIN_RELATIONS: i64 = 2000;

/// Whether the database is big enough for a helper session, as its census
/// found ([`super::census::Census::many_relations`]); without a census, no
/// helper.
pub(crate) fn worth_a_helper(cat: &Catalog<'_>) -> bool {
    cat.census.get().is_some_and(|c| c.many_relations())
}

impl Helper {
    /// Main side: start the helper on `snapshot` (exported by the main
    /// session), or release it (None).
    pub(crate) fn begin(&self, snapshot: Option<String>, census: Option<super::census::Census>) {
        self.census.set(census);
        let tx = self.begin_tx.borrow_mut().take();
        if let (Some(tx), Some(snapshot)) = (tx, snapshot) {
            self.started.set(tx.send(snapshot).is_ok());
        }
    }

    /// Main side: the helper's result for `read`, or None when the main
    /// session must read it itself (no helper, it has not got to it, or
    /// it failed to connect).
    pub(crate) async fn take<T: 'static>(
        &self,
        read: SharedRead,
    ) -> Option<Result<T, CatalogError>> {
        if !self.started.get() {
            return None;
        }
        let rx = {
            let mut slots = self.slots.borrow_mut();
            match slots.insert(read, Slot::Main) {
                Some(Slot::Helper(rx)) => rx,
                _ => return None,
            }
        };
        match rx.await {
            Ok(Some(Ok(boxed))) => boxed.downcast::<T>().ok().map(|b| Ok(*b)),
            Ok(Some(Err(e))) => Some(Err(e)),
            Ok(None) | Err(_) => None,
        }
    }

    /// Helper side: waits for the main session's go-ahead, opens the
    /// helper session with `open(snapshot)` and does reads from the back
    /// of the list until it meets the main session. Ends at once when the
    /// main session declines.
    pub(crate) async fn serve<F>(&self, open: F)
    where
        F: AsyncFnOnce(String) -> Option<(tokio_postgres::Client, i32)>,
    {
        let Some(rx) = self.begin_rx.borrow_mut().take() else {
            return;
        };
        let Ok(snapshot) = rx.await else {
            return;
        };
        let Some((client, server_version_num)) = open(snapshot).await else {
            // The main session does every read it has not found taken.
            self.started.set(false);
            return;
        };
        let cat = Catalog {
            client: &client,
            server_version_num,
            lock_wait_timeout: None,
            helper: None,
            // The main session's census: the same snapshot's answers.
            census: Cell::new(self.census.get()),
        };
        while let Some((read, tx)) = self.claim_last() {
            let _ = tx.send(Some(perform(&cat, read).await));
        }
    }

    /// The last read nobody has taken, now the helper's.
    fn claim_last(&self) -> Option<(SharedRead, oneshot::Sender<Outcome>)> {
        let mut slots = self.slots.borrow_mut();
        let read = *SharedRead::ALL
            .iter()
            .rev()
            .find(|r| matches!(slots.get(r), Some(Slot::Open)))?;
        let (tx, rx) = oneshot::channel();
        slots.insert(read, Slot::Helper(rx));
        Some((read, tx))
    }
}

async fn perform(cat: &Catalog<'_>, read: SharedRead) -> Result<Box<dyn Any>, CatalogError> {
    Ok(match read {
        SharedRead::Functions => Box::new(routines::functions(cat).await?),
        SharedRead::Types => Box::new(types::types(cat).await?),
        SharedRead::Views => Box::new(views::views(cat).await?),
        SharedRead::ViewColumns => Box::new(views::columns(cat).await?),
        SharedRead::Defaults => Box::new(relations::attrdefs(cat).await?),
        SharedRead::Columns => Box::new(relations::columns(cat).await?),
        SharedRead::TableConstraints => Box::new(relations::table_constraints(cat).await?),
        SharedRead::Indexes => Box::new(relations::indexes(cat).await?),
        SharedRead::ColumnAcls => Box::new(relations::column_acls(cat).await?),
        SharedRead::Dependencies => Box::new(dependencies(cat).await?),
        SharedRead::SequenceValues => Box::new(sequences::all_sequence_values(cat).await?),
    })
}

/// A pg_depend row: `(classid, objid, refclassid, refobjid, deptype)`.
pub(crate) type DependRow = (u32, u32, u32, u32, char);

/// The dependencies of operator family members (`pg_amop`, `pg_amproc`
/// rows, which are not objects of their own) credited to their family,
/// as pg_dump does: internal ones (on their class) and those on their own
/// family are left out.
fn family_member_dependencies(catalog: &str, family: &str) -> String {
    format!(
        "SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass::pg_catalog.oid, m.{family}, \
         d.refclassid, d.refobjid, d.deptype \
         FROM pg_catalog.pg_depend d JOIN pg_catalog.{catalog} m ON m.oid = d.objid \
         WHERE d.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass AND d.deptype NOT IN ('p', 'e', 'i') \
         AND NOT (d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND d.refobjid = m.{family})"
    )
}

/// Every pg_depend row but pinned ones, by object (family members' rows
/// also as their family's). Sorted here rather than by the server: the
/// server's sort of every row of pg_depend was two thirds of the query's
/// time on a catalog-heavy database (W4: 28 of 41 ms for 95,000 rows).
pub(crate) async fn dependencies(cat: &Catalog<'_>) -> Result<Vec<DependRow>, CatalogError> {
    let mut rows: Vec<DependRow> = query_decode(
        cat,
        &format!(
            "SELECT classid, objid, refclassid, refobjid, deptype \
             FROM pg_catalog.pg_depend WHERE deptype <> 'p' \
             UNION ALL {} UNION ALL {}",
            family_member_dependencies("pg_amop", "amopfamily"),
            family_member_dependencies("pg_amproc", "amprocfamily")
        ),
        |r| {
            Ok((
                r.col(0)?,
                r.col(1)?,
                r.col(2)?,
                r.col(3)?,
                r.col::<i8>(4)? as u8 as char,
            ))
        },
    )
    .await?;
    rows.sort_by_key(|&(classid, objid, ..)| (classid, objid));
    Ok(rows)
}

impl Catalog<'_> {
    /// `read`'s result: the helper's if it did it, else `own()` here.
    pub(crate) async fn shared<T, F>(&self, read: SharedRead, own: F) -> Result<T, CatalogError>
    where
        T: 'static,
        F: Future<Output = Result<T, CatalogError>>,
    {
        let helped = match self.helper {
            Some(h) => h.take(read).await,
            None => None,
        };
        match helped {
            Some(result) => result,
            None => own.await,
        }
    }
}
