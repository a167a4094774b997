//! Streams a table's rows as INSERT statements (`--inserts`,
//! `--column-inserts`, `--rows-per-insert`): a cursor fetching 100 rows at
//! a time, each value read as the raw bytes of its text output.

use crate::archive::InsertSpec;
use crate::catalog::{server_message, CatalogError};
use crate::diag;
use crate::output::Sink;
use crate::pg::{RowError, RowExt, Rows};
use crate::sql::inserts as sql;
use crate::text::Raw;

use super::DumpError;

const CURSOR: &str = "_pg_dump_cursor";

/// Writes the statements for every row of `spec`'s table, then the two
/// blank lines that end the entry's data. Returns the number of rows.
pub(crate) async fn rows_out(
    client: &tokio_postgres::Client,
    spec: &InsertSpec,
    quoting: &crate::pg::quote::Quoting,
    sink: &mut Sink,
) -> Result<u64, DumpError> {
    let failed = |e: tokio_postgres::Error, q: &str| {
        DumpError::Other(format!(
            "Dumping the contents of table failed: {}\n{}: detail: Command was: {q}",
            server_message(&e),
            diag::program()
        ))
    };
    let types = column_types(client, spec).await?;
    let declare = format!(
        "DECLARE {CURSOR} CURSOR FOR {}",
        sql::text_select(&spec.select, types.len())
    );
    client
        .batch_execute(&declare)
        .await
        .map_err(|e| failed(e, &declare))?;
    let fetch = format!("FETCH 100 FROM {CURSOR}");
    let mut writer = sql::StatementWriter::new(
        &spec.insert_prefix,
        spec.rows_per_insert,
        spec.on_conflict_do_nothing,
    );
    let mut written = 0;
    loop {
        let rows = client
            .query(&fetch, &[])
            .await
            .map_err(|e| failed(e, &fetch))?;
        if rows.is_empty() {
            break;
        }
        written += rows.len() as u64;
        let out = rows_text(&rows, &fetch, &types, spec, quoting, &mut writer)?;
        sink.write_text(&out)?;
        if rows.len() < 100 {
            break;
        }
    }
    let mut tail = writer.finish();
    tail.push_str("\n\n");
    sink.write_text(&tail)?;
    let close = format!("CLOSE {CURSOR}");
    client
        .batch_execute(&close)
        .await
        .map_err(|e| failed(e, &close))?;
    Ok(written)
}

/// The result columns' types as the server describes them (a domain as its
/// base type), asked with pg_typeof: describing the SELECT itself would make
/// tokio-postgres look up every non-built-in type by name, which fails on
/// names that are not UTF-8 (a LATIN1 database).
async fn column_types(
    client: &tokio_postgres::Client,
    spec: &InsertSpec,
) -> Result<Vec<u32>, DumpError> {
    if spec.columns == 0 {
        return Ok(Vec::new());
    }
    let cols: Vec<String> = (1..=spec.columns)
        .map(|i| format!("pg_catalog.pg_typeof(x.c{i})::pg_catalog.oid"))
        .collect();
    let sql = format!(
        "WITH RECURSIVE c(i, t) AS (\
           SELECT u.i, u.t FROM (SELECT) AS d LEFT JOIN ({} LIMIT 0) AS x ON true, \
           pg_catalog.unnest(ARRAY[{}]) WITH ORDINALITY AS u(t, i) \
         UNION ALL \
           SELECT c.i, ty.typbasetype FROM c JOIN pg_catalog.pg_type ty ON ty.oid = c.t \
           WHERE ty.typtype = 'd') \
         SELECT c.t FROM c JOIN pg_catalog.pg_type ty ON ty.oid = c.t \
         WHERE ty.typtype <> 'd' ORDER BY c.i",
        spec.select,
        cols.join(", ")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(|e| CatalogError::query(e, &sql))?;
    Ok(Rows::new(sql, rows).decode(|r| r.col::<u32>(0))?)
}

/// The INSERT statements of one fetched batch of rows.
fn rows_text(
    rows: &[tokio_postgres::Row],
    fetch: &str,
    types: &[u32],
    spec: &InsertSpec,
    quoting: &crate::pg::quote::Quoting,
    writer: &mut sql::StatementWriter,
) -> Result<String, DumpError> {
    let mut out = String::new();
    for row in rows {
        if spec.no_columns {
            out.push_str(&sql::default_values(&spec.insert_prefix));
            continue;
        }
        let row = row.in_query(fetch);
        let values: Vec<String> = (0..types.len())
            .map(|i| {
                let v: Option<Raw> = row.col(i)?;
                Ok(sql::value(
                    v.as_ref().map(|r| r.0.as_str()),
                    types[i],
                    quoting,
                ))
            })
            .collect::<Result<_, RowError>>()?;
        out.push_str(&writer.row(&sql::tuple(&values, &spec.default_columns)));
    }
    Ok(out)
}
