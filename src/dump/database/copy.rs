//! Table data: COPY requests pipelined ahead of the one being drained,
//! and large objects' data.

use std::task::Poll;

use crate::conn::copy_tap::CopyFeed;
use crate::conn::Connection;

use super::*;

/// A `COPY ... TO stdout` sent as a simple query, its data taken off the
/// wire by the connection's tap (`conn::copy_tap`): the feed of its data,
/// and the query's completion (its error, if any).
pub(super) struct CopyRequest<'a> {
    feed: CopyFeed,
    done: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), tokio_postgres::Error>> + 'a>,
    >,
}

/// Sends `COPY ... TO stdout` on `conn`.
pub(super) async fn start_copy<'a>(conn: &'a Connection, sql: &str) -> CopyRequest<'a> {
    // Armed before the query goes out, so that the tap knows it.
    let feed = conn.copy_tap.arm(sql);
    let client = &conn.client;
    let sql = sql.to_string();
    let mut done: std::pin::Pin<Box<dyn std::future::Future<Output = _> + 'a>> =
        Box::pin(async move { client.simple_query(&sql).await.map(drop) });
    // The first poll sends the query.
    if let Some(result) = poll_once(done.as_mut()).await {
        done = Box::pin(std::future::ready(result));
    }
    CopyRequest { feed, done }
}

/// Polls `fut` once (a tokio-postgres request sends its messages at its
/// first poll) and returns its output if it is already done.
pub(super) async fn poll_once<F: std::future::Future + ?Sized>(
    mut fut: std::pin::Pin<&mut F>,
) -> Option<F::Output> {
    match std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await {
        std::task::Poll::Ready(done) => Some(done),
        std::task::Poll::Pending => None,
    }
}

/// How many COPY requests may be sent ahead of the one being drained.
const COPY_PIPELINE_DEPTH: usize = 64;

/// How many entries past the one being written are looked at for COPYs
/// to send ahead.
const COPY_LOOKAHEAD: usize = 256;

/// COPY requests sent ahead, in output order, keyed by position in the
/// printing order.
#[derive(Default)]
pub(super) struct CopyPipeline<'a> {
    queue: std::collections::VecDeque<(usize, CopyRequest<'a>)>,
    /// The first position (in printing order) not looked at yet.
    next_scan: usize,
}

impl<'a> CopyPipeline<'a> {
    /// Sends the COPYs of the entries from `current` (the one being
    /// written, with its position) on, up to the depth, stopping at the
    /// first entry that needs the connection for something else
    /// (INSERT-style data, large objects): its statements would queue
    /// behind undrained COPYs. `later` holds the entries after it.
    pub(super) async fn fill(
        &mut self,
        conn: &'a Connection,
        current: (&Entry, usize),
        later: &mut super::stream::EntryStream,
        split: Option<&super::split::Split<'_>>,
    ) {
        let (current, position) = current;
        let mut k = self.next_scan.max(position);
        // (Bounded, so that looking for the next COPY does not render the
        // rest of the database ahead of its turn.)
        while self.queue.len() < COPY_PIPELINE_DEPTH && k < position + COPY_LOOKAHEAD {
            let e = match k == position {
                true => current,
                false => match later.peek(k) {
                    Some(e) => e,
                    None => break,
                },
            };
            // Under -j, entries a worker may read are not the leader's to
            // send ahead (see split.rs).
            match split.map(|s| s.pipe(e)) {
                Some(super::split::Pipe::Stop) => break,
                Some(super::split::Pipe::Skip) => {
                    k += 1;
                    continue;
                }
                Some(super::split::Pipe::Go) | None => {}
            }
            match &e.data {
                None | Some(DataSource::EmptyCopy) => {}
                Some(DataSource::Copy { server_copy }) => {
                    let pending = start_copy(conn, server_copy).await;
                    self.queue.push_back((k, pending));
                }
                Some(_) => break,
            }
            k += 1;
        }
        self.next_scan = k;
    }

    /// The request sent for the entry at `position`, if it is next in the
    /// queue.
    pub(super) fn take(&mut self, position: usize) -> Option<CopyRequest<'a>> {
        match self.queue.front() {
            Some((j, _)) if *j == position => self.queue.pop_front().map(|(_, p)| p),
            _ => None,
        }
    }
}

/// Streams a COPY's output into the sink as it arrives. Returns the
/// number of rows (lines of COPY text) when `count_rows`, else 0.
pub(super) async fn drain_copy(
    request: CopyRequest<'_>,
    table: &str,
    sql: &str,
    sink: &mut Sink,
    count_rows: bool,
) -> Result<u64, DumpError> {
    let CopyRequest { feed, mut done } = request;
    let (started, mut bytes) = (std::time::Instant::now(), 0);
    // The feed ends when the server has answered (or the connection is
    // gone), before the query's result (which says how) is known. The
    // query is polled too: if the tap missed it, its data went to
    // tokio-postgres, which ends it with an error.
    let result = loop {
        let next = std::future::poll_fn(|cx| match feed.poll_chunk(cx) {
            Poll::Ready(chunk) => Poll::Ready(Ok(chunk)),
            Poll::Pending => done.as_mut().poll(cx).map(Err),
        })
        .await;
        match next {
            Ok(Some(chunk)) => {
                bytes += chunk.len();
                sink.write_bytes(&chunk)?;
            }
            Ok(None) => break done.await,
            Err(result) => break result,
        }
    };
    if let Err(e) = result {
        return Err(copy_failed(e, feed.started(), table, sql));
    }
    tracing::debug!(
        target: "pgdumpall_rs::copy",
        bytes,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "COPY done: {}",
        text::display(sql)
    );
    // The server sends one CopyData message per row ("always one per row",
    // in the protocol's description of copy-out), which the tap counts.
    Ok(if count_rows { feed.rows() } else { 0 })
}

/// A COPY's failure, the way pg_dump reports it: the table's name, the
/// server's message, the command.
///
/// pg_dump names the libpq call that saw the failure: PQexec ("query
/// failed") when the server refused the COPY before any data, PQgetResult
/// when the server ended the stream with an error message (a row that
/// cannot be converted, a terminated backend's FATAL), PQgetCopyData when
/// the connection itself broke mid-stream with no message.
fn copy_failed(e: tokio_postgres::Error, started: bool, table: &str, sql: &str) -> DumpError {
    if !started {
        return CatalogError::query(e, sql).into();
    }
    let message = server_message(&e);
    let program = diag::program();
    let step = match e.as_db_error() {
        Some(_) => "PQgetResult()",
        None => "PQgetCopyData()",
    };
    DumpError::Other(format!(
        "Dumping the contents of table \"{}\" failed: {step} failed.\n\
         {program}: detail: Error message from server: {message}\n\
         {program}: detail: Command was: {}",
        text::display(table),
        text::display(sql)
    ))
}

/// Large-object contents, read in chunks of [`LoReader::CHUNK`] bytes
/// with one prepared `lo_get` (for the plain script's BLOBS entries and a
/// directory archive's blob files alike).
pub(super) struct LoReader<'a> {
    client: &'a tokio_postgres::Client,
    stmt: tokio_postgres::Statement,
}

impl<'a> LoReader<'a> {
    const CHUNK: i32 = 16384;
    const SQL: &'static str = "SELECT pg_catalog.lo_get($1, $2, $3)";

    pub(super) async fn new(client: &'a tokio_postgres::Client) -> Result<LoReader<'a>, DumpError> {
        use tokio_postgres::types::Type;
        let stmt = client
            .prepare_typed(Self::SQL, &[Type::OID, Type::INT8, Type::INT4])
            .await
            .map_err(|e| CatalogError::query(e, Self::SQL))?;
        Ok(LoReader { client, stmt })
    }

    /// The chunk of `oid` at `offset`; shorter than a full chunk at the
    /// object's end.
    async fn chunk(&self, oid: u32, offset: i64) -> Result<Vec<u8>, DumpError> {
        let row = self
            .client
            .query_one(&self.stmt, &[&oid, &offset, &Self::CHUNK])
            .await
            .map_err(|e| {
                DumpError::Other(format!(
                    "error reading large object {oid}: {}",
                    server_message(&e)
                ))
            })?;
        Ok(row.in_query(Self::SQL).col(0)?)
    }

    /// Hands every chunk of `oid` to `each`, in order.
    pub(super) async fn read(
        &self,
        oid: u32,
        mut each: impl FnMut(&[u8]) -> Result<(), DumpError>,
    ) -> Result<(), DumpError> {
        let mut offset: i64 = 0;
        loop {
            let chunk = self.chunk(oid, offset).await?;
            each(&chunk)?;
            if chunk.len() < Self::CHUNK as usize {
                return Ok(());
            }
            offset += chunk.len() as i64;
        }
    }
}

/// Streams a BLOBS entry's contents: each large object read in chunks,
/// one `lowrite` per chunk, inside one transaction.
pub(super) async fn large_objects_out(
    client: &tokio_postgres::Client,
    oids: &[u32],
    std_strings: bool,
    sink: &mut Sink,
) -> Result<(), DumpError> {
    use crate::sql::postdata::{lo_open, lo_write, LO_CLOSE};
    let reader = LoReader::new(client).await?;
    sink.write_text("BEGIN;\n\n")?;
    for &oid in oids {
        sink.write_text(&lo_open(oid))?;
        reader
            .read(oid, |chunk| {
                if !chunk.is_empty() {
                    sink.write_text(&lo_write(chunk, std_strings))?;
                }
                Ok(())
            })
            .await?;
        sink.write_text(LO_CLOSE)?;
    }
    sink.write_text("COMMIT;\n\n")?;
    Ok(())
}
