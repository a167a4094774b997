//! One database as a pg_dump directory-format archive: `toc.dat`, one
//! data file per table (`<id>.dat`) and the large objects' files, written
//! from the same entries the plain script prints. pg_restore regenerates
//! the script from them: the header comments, owner lines and session
//! switches come from the entry fields, so the definitions hold only the
//! statements themselves (as [`Entry::defn`] does).

use std::path::{Path, PathBuf};

use super::origin::{is_satellite, Origin};
use super::*;
use crate::archive::toc::{
    self, ArchiveVersion, HeaderCompression, TocEntry, TocHeader, TocSection,
};
use crate::archive::{Kind, Section};
use crate::output::compress::{Compression, Method};
use crate::output::manifest::Hashes;
use crate::output::OutputError;
use copy::{drain_copy, start_copy, LoReader};

/// Where and how an archive is written.
pub(crate) struct Place<'a> {
    /// The archive's directory (it must exist and be empty).
    pub(crate) dir: &'a Path,
    pub(crate) version: ArchiveVersion,
    /// Where the data files' sizes and hashes go for the manifest.
    pub(crate) hashes: &'a Hashes,
}

/// pg_database's OID, the DATABASE entry's tableoid.
const PG_DATABASE: u32 = 1262;

/// Writes a prepared database as a directory archive in `dir` (which
/// must exist and be empty). Files are written as temporary siblings
/// renamed into place, `toc.dat` last.
///
/// `workers`: under `-j`, the data files of big tables may be written by
/// workers on connections the budget has free ([`split`]).
pub(crate) async fn write_archive(
    prepared: Prepared,
    opts: &DumpOptions,
    place: Place<'_>,
    workers: Option<(&Connector, &Budget)>,
) -> Result<(), DumpError> {
    let Place {
        dir,
        version,
        hashes,
    } = place;
    let Prepared {
        conn,
        db,
        entries,
        origins,
        warnings,
        client_encoding,
        std_strings,
        quoting,
        render: _,
        database_entry_count,
        fixed_ids_after,
        setup,
    } = prepared;
    write::report_sort_warnings(&warnings);
    let client = &conn.client;
    let session = session_entries(&client_encoding, std_strings, &quoting);
    // The table of contents lists entries as pg_dump creates them (a
    // foreign server's user mappings after its ACL).
    let order: Vec<usize> = (0..database_entry_count)
        .chain(crate::archive::ids::creation_order(
            &entries,
            database_entry_count,
        ))
        .collect();
    let entries = permute(entries, &order);
    let origins = permute(origins, &order);
    let toc = archive_entries(session, &entries, &origins, &db, version, fixed_ids_after);
    let files = DataFiles {
        conn: &conn,
        dir,
        // Synced all at once when the whole dump is written (see
        // `dump::directory`): a file synced as it closes would stall the
        // dump on the disk while the server waits.
        sync: false,
        quoting,
        compression: &opts.compress,
        hashes,
    };
    let split = match workers {
        Some((connector, budget)) => {
            let with = split::WorkerSetup {
                budget,
                connector,
                dbname: &db.name,
                setup: &setup,
            };
            let version = conn.server_version_num;
            split::DirSplit::start(with, &files, &toc, opts, version).await?
        }
        None => None,
    };
    let leader = async {
        for (k, (te, source)) in toc.iter().enumerate() {
            let Some(source) = source else { continue };
            if split.as_ref().is_none_or(|s| s.leader_takes(k)) {
                files.write(te, source).await?;
            }
        }
        // The files workers gave back (their tables' locks refused).
        for k in match &split {
            Some(s) => s.given_back().await?,
            None => Vec::new(),
        } {
            if let (te, Some(source)) = &toc[k] {
                files.write(te, source).await?;
            }
        }
        Ok::<(), DumpError>(())
    };
    match &split {
        Some(s) => s.alongside(&files, &toc, leader).await?,
        None => leader.await?,
    }
    drop(split);
    let header = TocHeader {
        version,
        compression: header_compression(&opts.compress),
        created: created_now(),
        dbname: db.name.clone(),
        server_version: conn.server_version.clone(),
        dumper_version: format!(
            "{} (pgdumpall-rs {})",
            crate::dump::REFERENCE_VERSION,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let toc: Vec<TocEntry> = toc.into_iter().map(|(te, _)| te).collect();
    write_file(&dir.join("toc.dat"), &toc::encode(&header, &toc), false)?;
    let _ = client.batch_execute("COMMIT").await;
    Ok(())
}

/// `items` in the order of `order` (a permutation of their positions).
fn permute<T>(items: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&i| slots.get_mut(i)?.take())
        .collect()
}

impl Prepared {
    /// The database's OID (its archive's directory name).
    pub(crate) fn database_oid(&self) -> u32 {
        self.db.oid
    }
}

/// Where an entry's data comes from.
#[derive(Debug)]
enum Data {
    Table(DataSource),
    LargeObjects(Vec<u32>),
}

/// The ENCODING, STDSTRINGS and SEARCHPATH entries every archive starts
/// with (pg_restore sets its session up from them).
fn session_entries(
    encoding: &str,
    std_strings: bool,
    quoting: &Quoting,
) -> Vec<(TocEntry, Option<Data>)> {
    let setting = |tag: &str, defn: String| TocEntry {
        tag: tag.into(),
        desc: tag.into(),
        section: TocSection::PreData,
        defn: Some(defn),
        ..TocEntry::default()
    };
    [
        setting(
            "ENCODING",
            format!("SET client_encoding = {};\n", quoting.literal(encoding)),
        ),
        setting(
            "STDSTRINGS",
            format!(
                "SET standard_conforming_strings = '{}';\n",
                if std_strings { "on" } else { "off" }
            ),
        ),
        setting(
            "SEARCHPATH",
            "SELECT pg_catalog.set_config('search_path', '', false);\n".into(),
        ),
    ]
    .into_iter()
    .map(|te| (te, None))
    .collect()
}

/// Dump ids until pg_dump's own are computed: an object's entry takes the
/// object's (its position + 1), every other entry the next free one.
struct Ids {
    next: i32,
}

impl Ids {
    fn fresh(&mut self) -> i32 {
        self.next += 1;
        self.next
    }
}

fn object_id(id: DumpId) -> i32 {
    i32::try_from(id + 1).unwrap_or(i32::MAX)
}

/// The TOC entries: the session's, then the rendered entries in their order.
fn archive_entries(
    session: Vec<(TocEntry, Option<Data>)>,
    entries: &[Entry],
    origins: &[Origin],
    db: &DatabaseRow,
    version: ArchiveVersion,
    fixed_ids_after: Option<u32>,
) -> Vec<(TocEntry, Option<Data>)> {
    let highest = origins.iter().filter_map(|o| o.object).max().unwrap_or(0);
    // pg_dump's ids when they were computed (`archive::ids`): the fixed
    // entries follow collection's, and every entry has its own. Else
    // made-up ones (see [`Ids`]).
    let mut ids = Ids {
        next: match fixed_ids_after {
            Some(n) => i32::try_from(n).unwrap_or(i32::MAX),
            None => object_id(highest) + 1,
        },
    };
    let mut out: Vec<(TocEntry, Option<Data>)> = session
        .into_iter()
        .map(|(te, data)| {
            let dump_id = ids.fresh();
            (TocEntry { dump_id, ..te }, data)
        })
        .collect();
    if fixed_ids_after.is_some() {
        let last = entries
            .iter()
            .filter_map(|e| e.toc.as_ref())
            .map(|t| t.dump_id)
            .max();
        ids.next = ids
            .next
            .max(last.map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX)));
    }
    let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    // Each object's own entry's pg_dump id.
    let pg_ids: HashMap<DumpId, i32> = entries
        .iter()
        .zip(origins)
        .filter_map(|(e, o)| {
            Some((
                o.object.filter(|_| o.main)?,
                to_i32(e.toc.as_ref()?.dump_id),
            ))
        })
        .collect();
    let mut main_ids: HashMap<DumpId, i32> = HashMap::new();
    for (e, origin) in entries.iter().zip(origins) {
        if let Some(toc) = &e.toc {
            // An object's own entry depends on the objects it depends on
            // (the explicit lists are those of the entries made for it).
            let deps = if toc.deps.is_empty() {
                origin
                    .deps
                    .iter()
                    .filter_map(|d| pg_ids.get(d).copied())
                    .collect()
            } else {
                toc.deps.iter().map(|&d| to_i32(d)).collect()
            };
            let (mut te, data) = toc_entry(e, origin, to_i32(toc.dump_id), deps, db);
            (te.table_oid, te.oid) = toc.catalog_id;
            out.push((te, data));
            continue;
        }
        let id = match origin.object {
            Some(obj) if origin.main => object_id(obj),
            _ => ids.fresh(),
        };
        if let (Some(obj), true) = (origin.object, origin.main) {
            main_ids.insert(obj, id);
        }
        let deps: Vec<i32> = origin
            .deps
            .iter()
            .map(|d| main_ids.get(d).copied().unwrap_or_else(|| object_id(*d)))
            .collect();
        let (te, data) = toc_entry(e, origin, id, deps, db);
        out.push((te, data));
    }
    if !version.blob_metadata() {
        out = large_objects_1_14(out, &mut ids);
    }
    // Data files are named by the entry's final id.
    for (te, data) in &mut out {
        match data {
            Some(Data::Table(_)) => te.file = format!("{}.dat", te.dump_id),
            Some(Data::LargeObjects(_)) => {
                te.file = if version.blob_metadata() {
                    format!("blobs_{}.toc", te.dump_id)
                } else {
                    "blobs.toc".into()
                }
            }
            None => {}
        }
    }
    out
}

/// One entry's TOC fields.
fn toc_entry(
    e: &Entry,
    origin: &Origin,
    dump_id: i32,
    deps: Vec<i32>,
    db: &DatabaseRow,
) -> (TocEntry, Option<Data>) {
    let data = match &e.data {
        Some(DataSource::LargeObjects { oids }) => Some(Data::LargeObjects(oids.clone())),
        Some(source) => Some(Data::Table(source.clone())),
        None => None,
    };
    let (table_oid, oid) = catalog_row(e, origin, db);
    let mut te = TocEntry {
        dump_id,
        has_data: data.is_some(),
        table_oid,
        oid,
        tag: e.tag.clone(),
        desc: e.desc.clone(),
        section: section_of(e, origin),
        defn: (data.is_none() || !e.defn.is_empty()).then(|| e.defn.clone()),
        drop_stmt: drop_statement(e),
        copy_stmt: (!e.data_header.is_empty()).then(|| e.data_header.clone()),
        namespace: e.schema.clone(),
        tablespace: e.tablespace.clone(),
        table_am: e.table_am.clone().or_else(|| e.partitioned_am.clone()),
        relkind: origin
            .relkind
            .filter(|_| origin.main && e.desc != "SEQUENCE" && e.desc != "TYPE"),
        owner: e.owner.clone(),
        deps,
        file: String::new(),
    };
    if e.desc == "ACL" && e.tag.starts_with("LARGE OBJECTS ") {
        // pg_restore repeats a group's ACL for each of its objects itself.
        te.defn = Some(group_acl_of_first(&e.defn));
    }
    if e.desc == "BLOB METADATA" {
        // pg_restore makes the lo_create calls and owner lines itself
        // from the list of large objects.
        let oids = blob_oids(&e.tag, &e.defn);
        te.defn = Some(oids.iter().map(|o| format!("{o}\n")).collect());
        te.drop_stmt = Some("-- dummy".into());
    }
    (te, data)
}

/// `(tableoid, oid)` as pg_dump records them: the catalog row for an
/// object's own entry, `(0, relation)` for its data, `(0, 0)` for the rest.
fn catalog_row(e: &Entry, origin: &Origin, db: &DatabaseRow) -> (u32, u32) {
    match e.desc.as_str() {
        "DATABASE" => (PG_DATABASE, db.oid),
        "TABLE DATA" | "MATERIALIZED VIEW DATA" => (0, origin.catalog_id.1),
        _ if origin.main && !matches!(e.desc.as_str(), "SEQUENCE SET" | "BLOBS") => {
            origin.catalog_id
        }
        _ => (0, 0),
    }
}

/// The entry's section: what its renderer said, else its kind's.
fn section_of(e: &Entry, origin: &Origin) -> TocSection {
    if let Some(s) = e.section {
        return s.into();
    }
    if is_satellite(e) {
        return TocSection::None;
    }
    if origin.main && origin.postponed {
        return TocSection::PostData;
    }
    match e.desc.as_str() {
        "DATABASE" | "DATABASE PROPERTIES" => TocSection::PreData,
        "TABLE DATA" | "SEQUENCE SET" | "BLOBS" | "BLOB METADATA" => TocSection::Data,
        "MATERIALIZED VIEW DATA" => TocSection::PostData,
        _ => match origin.object {
            Some(_) if e.desc.contains("CONSTRAINT") || e.desc == "INDEX" => TocSection::PostData,
            _ => kind_section(e),
        },
    }
}

/// Sections of the remaining kinds, by the entry's type.
fn kind_section(e: &Entry) -> TocSection {
    let kind = match e.desc.as_str() {
        "TRIGGER" => Kind::Trigger,
        "RULE" => Kind::Rule,
        "POLICY" | "ROW SECURITY" => Kind::Policy,
        "PUBLICATION" => Kind::Publication,
        "PUBLICATION TABLE" => Kind::PublicationRel,
        "PUBLICATION TABLES IN SCHEMA" => Kind::PublicationTableInSchema,
        "SUBSCRIPTION" => Kind::Subscription,
        "SUBSCRIPTION TABLE" => Kind::SubscriptionRel,
        "DEFAULT ACL" => Kind::DefaultAcl,
        "EVENT TRIGGER" => Kind::EventTrigger,
        "INDEX ATTACH" => Kind::IndexAttach,
        "STATISTICS" => Kind::StatsExt,
        _ => return TocSection::PreData,
    };
    match kind.section() {
        Section::PostData => TocSection::PostData,
        Section::Data => TocSection::Data,
        _ => TocSection::PreData,
    }
}

/// The drop statement pg_restore's `--clean` prints and from which it
/// derives `ALTER ... OWNER TO` for functions, aggregates and operators:
/// `DROP <object>;` for entries that set an owner.
fn drop_statement(e: &Entry) -> Option<String> {
    if let Some(drop) = &e.drop_stmt {
        return Some(drop.clone());
    }
    let object = e.owner_object.as_ref()?;
    if e.desc == "SCHEMA" && e.tag == "public" && e.defn.starts_with("-- *not*") {
        return Some("-- *not* dropping schema, since initdb creates it\n".into());
    }
    Some(format!("DROP {object};\n"))
}

/// The large objects of a BLOB METADATA entry, from its `lo_create` calls.
fn blob_oids(_tag: &str, defn: &str) -> Vec<u32> {
    defn.lines()
        .filter_map(|l| {
            l.strip_prefix("SELECT pg_catalog.lo_create('")
                .and_then(|rest| rest.split('\'').next())
                .and_then(|n| n.parse().ok())
        })
        .collect()
}

/// A group's ACL entry text as pg_dump stores it: the first object's
/// commands, which pg_restore repeats for every object of the group (the
/// entry as rendered holds them repeated, one block per command; a
/// command naming no object ends in `<oid>(null);` there).
fn group_acl_of_first(expanded: &str) -> String {
    let mut out = String::new();
    for block in expanded.split("\n\n") {
        let Some(first) = block.lines().next() else {
            continue;
        };
        let line = match first.rfind("(null);") {
            Some(at) if first.ends_with("(null);") => {
                let head = &first[..at];
                let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
                format!("{};", &head[..head.len() - digits])
            }
            _ => first.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The creation time as `struct tm` fields, in local time as pg_dump
/// records it.
fn created_now() -> [i32; 7] {
    // SAFETY: time and localtime_r only write into the locals given.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        [
            tm.tm_sec,
            tm.tm_min,
            tm.tm_hour,
            tm.tm_mday,
            tm.tm_mon,
            tm.tm_year,
            tm.tm_isdst,
        ]
    }
}

/// What the header says of the data files' compression (`-Z`).
fn header_compression(c: &Compression) -> HeaderCompression {
    match c.method {
        Method::None => HeaderCompression::None,
        Method::Gzip => HeaderCompression::Gzip { level: c.level },
        Method::Lz4 => HeaderCompression::Lz4,
        Method::Zstd => HeaderCompression::Zstd,
    }
}

/// Writes a whole small file into place.
fn write_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), OutputError> {
    let mut sink = Sink::file(path, sync)?;
    sink.write_bytes(bytes)?;
    sink.finish()
}

/// Writes the data files of one archive.
struct DataFiles<'a> {
    /// The database's session (its client, and its COPY tap).
    conn: &'a crate::conn::Connection,
    dir: &'a Path,
    sync: bool,
    quoting: Quoting,
    /// `-Z`: data and large-object files are compressed, each named with
    /// its method's suffix (pg_restore finds `N.dat` as `N.dat.gz`); the
    /// large objects' list file never is, as pg_dump writes it.
    compression: &'a Compression,
    hashes: &'a Hashes,
}

impl DataFiles<'_> {
    async fn write(&self, te: &TocEntry, data: &Data) -> Result<(), DumpError> {
        let path: PathBuf = self.dir.join(&te.file);
        let suffix = self.compression.method.suffix();
        match data {
            Data::Table(source) => {
                let compressed = self.dir.join(format!("{}{suffix}", te.file));
                let mut sink = self.data_file(&compressed)?;
                self.table_rows(te, source, &mut sink).await?;
                sink.finish()?;
            }
            Data::LargeObjects(oids) => {
                let reader = LoReader::new(&self.conn.client).await?;
                let mut list = String::new();
                for &oid in oids {
                    let name = format!("blob_{oid}.dat");
                    let file = self.dir.join(format!("{name}{suffix}"));
                    let mut sink = self.data_file(&file)?;
                    reader
                        .read(oid, |chunk| Ok(sink.write_bytes(chunk)?))
                        .await?;
                    sink.finish()?;
                    list.push_str(&format!("{oid} {name}\n"));
                }
                write_file(&path, list.as_bytes(), self.sync)?;
            }
        }
        Ok(())
    }

    /// A data file's sink: compressed with `-Z`, hashed as it is written.
    fn data_file(&self, path: &Path) -> Result<Sink, OutputError> {
        Ok(Sink::file(path, self.sync)?
            .compressed(self.compression)?
            .hashed_into(self.hashes))
    }

    /// A table's rows as its data file holds them: COPY text ended by
    /// `\.`, or the INSERT statements.
    async fn table_rows(
        &self,
        te: &TocEntry,
        source: &DataSource,
        sink: &mut Sink,
    ) -> Result<(), DumpError> {
        match source {
            DataSource::Copy { server_copy } => {
                let start = start_copy(self.conn, server_copy).await;
                drain_copy(start, &te.tag, server_copy, sink, false).await?;
                sink.write_text("\\.\n\n\n")?;
            }
            DataSource::EmptyCopy => sink.write_text("\\.\n\n\n")?,
            DataSource::Inserts(spec) => {
                crate::dump::inserts::rows_out(&self.conn.client, spec, &self.quoting, sink)
                    .await?;
            }
            DataSource::LargeObjects { .. } => {}
        }
        Ok(())
    }
}

mod blobs_1_14;
mod split;
use blobs_1_14::large_objects_1_14;

#[cfg(test)]
mod tests;
