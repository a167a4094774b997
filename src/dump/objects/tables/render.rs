//! The entries of a table and what hangs off it: its definition, column
//! defaults printed apart, partition attaches, comments, security labels
//! and ACLs.

use super::*;

/// The satellite identity of a relation.
pub(crate) fn satellite<'a>(
    r: &'a Rel,
    keyword: &'a str,
    tag_name: &'a str,
    sql_name: &'a str,
) -> Satellite<'a> {
    Satellite {
        keyword,
        tag_name,
        sql_name,
        schema: Some(&r.row.schema),
        owner: Some(&r.row.owner),
        address: (PG_CLASS, r.row.oid, 0),
    }
}

/// The relation's ACL entry and its columns' ACL entries.
pub(crate) fn acl_entries(m: &Model, r: &Rel, ctx: &RenderContext) -> Vec<Entry> {
    let q = &ctx.quoting;
    let object_type = if r.row.relkind == 'S' {
        "SEQUENCE"
    } else {
        "TABLE"
    };
    let tag = q.ident(&r.row.name);
    let qname = m.qname(q, r);
    let mut out = Vec::new();
    let sat = satellite(r, object_type, &tag, &qname);
    out.extend(acl_entry(
        ctx,
        &sat,
        &AclSpec {
            object_type,
            acl: r.row.acl.as_deref(),
            acl_default: &r.row.acl_default,
            owner_name: Some(&r.row.owner),
            column: None,
        },
    ));
    for (attnum, name, acl) in m
        .column_acls
        .get(&r.row.oid)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let col = q.ident(name);
        let tag = format!("{}.{col}", q.ident(&r.row.name));
        let mut sat = satellite(r, "COLUMN", &tag, &qname);
        sat.address = (PG_CLASS, r.row.oid, *attnum);
        out.extend(acl_entry(
            ctx,
            &sat,
            &AclSpec {
                object_type: "TABLE",
                acl: acl.as_deref(),
                acl_default: "{}",
                owner_name: Some(&r.row.owner),
                column: Some(&col),
            },
        ));
    }
    out
}

/// The SECURITY LABEL entry of a relation and its columns.
pub(crate) fn security_label_entry(r: &Rel, keyword: &str, ctx: &RenderContext) -> Option<Entry> {
    if ctx.opts.no_security_labels {
        return None;
    }
    if ctx.security_labels.is_empty() {
        return None;
    }
    let q = &ctx.quoting;
    let qname = q.qualified(&r.row.schema, &r.row.name);
    let mut defn = String::new();
    // Targets are formatted only for labelled objects: most have none.
    let mut add = |subid: i32, target: &dyn Fn() -> String| {
        if let Some(labels) = ctx.security_labels.get(&(PG_CLASS, r.row.oid, subid)) {
            defn.push_str(&crate::sql::satellite::security_labels_on(
                q,
                &target(),
                labels,
            ));
        }
    };
    add(0, &|| format!("{keyword} {qname}"));
    for c in &r.columns {
        if !c.row.dropped {
            add(c.row.attnum, &|| {
                format!("COLUMN {qname}.{}", q.ident(&c.row.name))
            });
        }
    }
    if defn.is_empty() {
        return None;
    }
    Some(Entry {
        tag: format!("{keyword} {}", q.ident(&r.row.name)),
        desc: "SECURITY LABEL".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn,
        ..Entry::default()
    })
}

/// How a NOT NULL prints: None for unnamed, else the constraint name.
fn not_null_name<'a>(r: &Rel, c: &Column, nn: &'a NotNull, ctx: &RenderContext) -> Option<&'a str> {
    let name = nn.name.as_deref()?;
    let default = format!("{}_{}_not_null", r.row.name, c.row.name);
    if name == default && !ctx.comments.contains_key(&(PG_CONSTRAINT, nn.oid, 0)) {
        None
    } else {
        Some(name)
    }
}

/// The TABLE entry and its satellites.
pub(super) fn table_entries(
    m: &Model,
    t: usize,
    _id: DumpId,
    archive: &Archive,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let r = &m.rels[t];
    if !r.dumped {
        return acl_entries(m, r, ctx);
    }
    let q = &ctx.quoting;
    let qname = m.qname(q, r);
    let inherits: Vec<String> = if r.row.is_partition {
        Vec::new()
    } else {
        r.parents
            .iter()
            .filter_map(|p| m.rel(*p))
            .map(|p| m.qname(q, p))
            .collect()
    };
    let foreign_server = r.row.extras().foreign_server.as_ref().map(|s| q.ident(s));
    let mut defn = sql::create_table(&sql::CreateTable {
        qname: &qname,
        unlogged: r.row.persistence == 'u' && r.row.relkind != 'p',
        of_type: r.row.extras().of_type.as_deref(),
        items: table_items(m, r, archive, ctx),
        inherits,
        partition_by: r.row.extras().partkeydef.as_deref(),
        with: with_clause(q, r),
        foreign_server: foreign_server.as_deref(),
        foreign_options: &r.row.extras().foreign_options,
    });
    defn.push_str(&column_settings(r, ctx, &qname, foreign_server.is_some()));
    if foreign_server.is_none() {
        defn.push_str(&sql::replica_identity(&qname, r.row.replident));
    }
    if r.row.force_row_security {
        defn.push_str(&sql::force_row_security(&qname));
    }
    let partitioned = r.row.relkind == 'p';
    let after_owner = match (&r.row.am, partitioned, ctx.opts.no_table_access_method) {
        (Some(am), true, false) => Some(format!(
            "ALTER TABLE {qname} SET ACCESS METHOD {};\n\n",
            q.ident(am)
        )),
        _ => None,
    };
    // Foreign tables have no storage: no tablespace or access method.
    let (keyword, tablespace) = match foreign_server {
        Some(_) => ("FOREIGN TABLE", None),
        None => ("TABLE", Some(r.row.tablespace.clone())),
    };
    let mut entries = vec![Entry {
        tag: r.row.name.clone(),
        desc: keyword.into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        tablespace,
        table_am: if partitioned { None } else { r.row.am.clone() },
        partitioned_am: if partitioned { r.row.am.clone() } else { None },
        defn,
        owner_object: Some(format!("{keyword} {qname}")),
        after_owner,
        ..Entry::default()
    }];
    entries.extend(table_comments(m, r, archive, ctx, keyword, &qname));
    entries.extend(acl_entries(m, r, ctx));
    entries
}

/// The items inside CREATE TABLE's parentheses: columns (with inline
/// defaults and NOT NULL constraints), standalone NOT NULL constraints of
/// inherited columns, and CHECK constraints not split out.
fn table_items(m: &Model, r: &Rel, archive: &Archive, ctx: &RenderContext) -> Vec<String> {
    let q = &ctx.quoting;
    let typed = r.row.extras().of_type.is_some();
    let mut items = Vec::new();
    for c in r.columns.iter().filter(|c| !c.row.dropped) {
        if should_print_column(r, &c.row) {
            let print_default = c
                .def
                .as_ref()
                .filter(|d| !d.hidden && !archive.objects[d.id].repairs.separate);
            let print_nn = c.nn.as_ref().filter(|nn| nn.local || r.row.is_partition);
            if typed && print_default.is_none() && print_nn.is_none() {
                continue;
            }
            let collation = c.row.collation.as_deref().map(|(s, n)| q.qualified(s, n));
            let item = sql::ColumnItem {
                name: &c.row.name,
                type_name: if typed { None } else { Some(&c.row.type_name) },
                default: print_default.map(|d| match c.row.generated {
                    's' => sql::InlineDefault::Stored(&d.expr),
                    'v' => sql::InlineDefault::Virtual(&d.expr),
                    _ => sql::InlineDefault::Default(&d.expr),
                }),
                not_null: print_nn.map(|nn| sql::InlineNotNull {
                    name: not_null_name(r, c, nn, ctx),
                    no_inherit: nn.no_inherit,
                }),
                collation: collation.as_deref(),
            };
            items.push(sql::column_item(q, &item));
        } else if let Some(nn) = c.nn.as_ref().filter(|nn| nn.local) {
            items.push(sql::standalone_not_null(
                q,
                &c.row.name,
                not_null_name(r, c, nn, ctx),
            ));
        }
    }
    for &ci in &r.checks {
        let con = &m.constraints[ci];
        if archive.objects[con.id].repairs.separate || (!con.row.is_local && !r.row.is_partition) {
            continue;
        }
        items.push(sql::check_item(q, &con.row.name, &con.row.definition));
    }
    items
}

/// `WITH (...)` options: the table's, then its TOAST table's.
fn with_clause(q: &Quoting, r: &Rel) -> Option<String> {
    let mut with = String::new();
    if !r.row.extras().reloptions.is_empty() {
        with.push_str(&sql::reloptions(q, &r.row.extras().reloptions, ""));
    }
    if !r.row.extras().toast_reloptions.is_empty() {
        if !with.is_empty() {
            with.push_str(", ");
        }
        with.push_str(&sql::reloptions(
            q,
            &r.row.extras().toast_reloptions,
            "toast.",
        ));
    }
    (!with.is_empty()).then_some(with)
}

/// The ALTER TABLE lines for per-column settings (statistics target,
/// storage, compression, options, a foreign table's column options).
fn column_settings(r: &Rel, ctx: &RenderContext, qname: &str, foreign: bool) -> String {
    let q = &ctx.quoting;
    let mut text = String::new();
    for c in r.columns.iter().filter(|c| !c.row.dropped) {
        let storage = if c.row.storage != c.row.type_storage {
            sql::storage_keyword(c.row.storage)
        } else {
            None
        };
        let compression = if ctx.opts.no_toast_compression {
            None
        } else {
            sql::compression_name(c.row.compression)
        };
        text.push_str(&sql::column_settings(
            q,
            qname,
            &sql::ColumnSettings {
                name: &c.row.name,
                stat_target: c.row.stat_target,
                storage,
                compression,
                options: &c.row.options,
                foreign,
                fdw_options: &c.row.fdw_options,
            },
        ));
    }
    text
}

/// The table's comment, its columns', its security label, and the
/// comments of the NOT NULL (server 18) and CHECK constraints printed
/// inside CREATE TABLE.
fn table_comments(
    m: &Model,
    r: &Rel,
    archive: &Archive,
    ctx: &RenderContext,
    keyword: &str,
    qname: &str,
) -> Vec<Entry> {
    let q = &ctx.quoting;
    let tag = q.ident(&r.row.name);
    let mut entries: Vec<Entry> = comment_entry(ctx, &satellite(r, keyword, &tag, qname))
        .into_iter()
        .collect();
    for c in &r.columns {
        let col = format!("{tag}.{}", q.ident(&c.row.name));
        let sql_col = format!("{qname}.{}", q.ident(&c.row.name));
        let mut sat = satellite(r, "COLUMN", &col, &sql_col);
        sat.address = (PG_CLASS, r.row.oid, c.row.attnum);
        entries.extend(comment_entry(ctx, &sat));
    }
    entries.extend(security_label_entry(r, keyword, ctx));
    if !ctx.opts.no_comments {
        for c in &r.columns {
            let Some(nn) = &c.nn else { continue };
            let Some(name) = not_null_name(r, c, nn, ctx) else {
                continue;
            };
            let Some(text) = ctx.comments.get(&(PG_CONSTRAINT, nn.oid, 0)) else {
                continue;
            };
            entries.push(Entry {
                tag: format!("CONSTRAINT {} ON {tag}", q.ident(name)),
                desc: "COMMENT".into(),
                schema: Some(r.row.schema.clone()),
                owner: Some(r.row.owner.clone()),
                defn: crate::sql::satellite::comment_on(
                    q,
                    &format!("CONSTRAINT {} ON {qname}", q.ident(name)),
                    text,
                ),
                ..Entry::default()
            });
        }
    }
    for &ci in &r.checks {
        let con = &m.constraints[ci];
        if archive.objects[con.id].repairs.separate || !con.row.is_local {
            continue;
        }
        entries.extend(super::super::constraints::constraint_comment(r, con, ctx));
    }
    entries
}

/// A separate column default.
pub(super) fn attrdef_entries(
    m: &Model,
    t: usize,
    ci: usize,
    id: DumpId,
    archive: &Archive,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let r = &m.rels[t];
    let c = &r.columns[ci];
    let Some(d) = &c.def else { return Vec::new() };
    if !r.dumped || !archive.objects[id].repairs.separate || d.hidden {
        return Vec::new();
    }
    let q = &ctx.quoting;
    let qname = m.qname(q, r);
    vec![Entry {
        tag: format!("{} {}", r.row.name, c.row.name),
        desc: "DEFAULT".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::separate_default(q, r.row.relkind == 'f', &qname, &c.row.name, &d.expr),
        drop_stmt: Some(sql::drop_default(
            r.row.relkind == 'f',
            &qname,
            &q.ident(&c.row.name),
        )),
        ..Entry::default()
    }]
}

/// The TABLE ATTACH entry of a partition.
pub(super) fn attach_entries(m: &Model, t: usize, ctx: &RenderContext) -> Vec<Entry> {
    let r = &m.rels[t];
    let q = &ctx.quoting;
    let (Some(parent), Some(bound)) = (
        r.parents.first().and_then(|p| m.rel(*p)),
        &r.row.extras().partbound,
    ) else {
        return Vec::new();
    };
    vec![Entry {
        tag: r.row.name.clone(),
        desc: "TABLE ATTACH".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::attach_partition(&m.qname(q, parent), &m.qname(q, r), bound),
        ..Entry::default()
    }]
}
