//! Glue between catalog rows and the archive, one module per object
//! family: each `collect` function reads its family in bulk (catalog
//! layer), adds [`DumpObject`](crate::archive::DumpObject)s with their sort keys and roles, and
//! attaches a [`Render`](crate::archive::Render) that turns rows into entries (SQL layer).
//!
//! This module holds what every family shares: the satellite entries
//! (COMMENT, SECURITY LABEL, ACL) that follow an object.

pub(crate) mod casts;
pub(crate) mod collations;
pub(crate) mod constraints;
pub(crate) mod default_acls;
pub(crate) mod extended_statistics;
pub(crate) mod extensions;
pub(crate) mod foreign_data;
pub(crate) mod indexes;
pub(crate) mod large_objects;
pub(crate) mod operators;
pub(crate) mod policies;
pub(crate) mod publications;
pub(crate) mod routines;
pub(crate) mod rules;
pub(crate) mod schemas;
pub(crate) mod sequences;
pub(crate) mod statistics;
pub(crate) mod subscriptions;
pub(crate) mod tables;
pub(crate) mod text_search;
pub(crate) mod triggers;
pub(crate) mod types;
pub(crate) mod views;

use crate::archive::Archive;
use crate::catalog::{Catalog, CatalogError};

/// Collects every family into the archive, in pg_dump's collection order
/// (the order gives the dump ids that loop hunting visits in).
///
/// Families register here, one line each, in this order: extensions,
/// schemas, tables and other relations, functions, types, languages,
/// aggregates, ..., then per-table objects (defaults, checks, indexes,
/// constraints, triggers, rules, policies), then table data and large
/// objects.
pub(crate) async fn collect_all(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    opts: &crate::dump::options::DumpOptions,
) -> Result<(), CatalogError> {
    // [extensions]
    extensions::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "extensions::collect");
    schemas::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "schemas::collect");
    // [relations]
    let mut relations = tables::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "tables::collect");
    // [routines]
    routines::collect_functions(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "routines::collect_functions");
    // [types]
    types::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "types::collect");
    routines::collect_languages(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "routines::collect_languages");
    routines::collect_aggregates(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "routines::collect_aggregates");
    // [operators, access methods, operator classes and families]
    operators::collect_operators(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "operators::collect_operators");
    operators::collect_access_methods(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "operators::collect_access_methods");
    operators::collect_op_classes_and_families(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "operators::collect_op_classes_and_families");
    // [text search]
    text_search::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "text_search::collect");
    // [foreign data wrappers and servers]
    foreign_data::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "foreign_data::collect");
    // [collations, conversions, casts, transforms]
    collations::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "collations::collect");
    casts::collect_conversions(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "casts::collect_conversions");
    casts::collect_casts(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "casts::collect_casts");
    casts::collect_transforms(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "casts::collect_transforms");
    // [views]
    let views = views::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "views::collect");
    // [per-table objects]
    relations.collect_per_table(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "relations.collect_per_table");
    extended_statistics::collect(cat, archive).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "extended_statistics::collect");
    // [post-data objects]
    views::collect_post_data(cat, archive, &views).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "views::collect_post_data");
    if !opts.no_publications {
        publications::collect(cat, archive).await?;
        tracing::debug!(target: "pgdumpall_rs::collect", "publications::collect");
    }
    if !opts.no_subscriptions {
        subscriptions::collect(cat, archive).await?;
        tracing::debug!(target: "pgdumpall_rs::collect", "subscriptions::collect");
    }
    // [data]
    // Empty tables are looked for only when their data goes out as COPY.
    let copy_data = crate::dump::content::dump_data(&opts.render)
        && crate::dump::content::rows_per_insert(&opts.render).is_none();
    relations.collect_data(cat, archive, copy_data).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "relations.collect_data");
    // [statistics] (pg_dump makes them with their relations; only the
    // order of loop hunting differs)
    statistics::collect(cat, archive, &opts.render).await?;
    tracing::debug!(target: "pgdumpall_rs::collect", "statistics::collect");
    Ok(())
}

use crate::archive::{Entry, ObjectAddress, Pass, RenderContext};
use crate::sql::acl::{build_acl_commands, AclTarget};

/// Identifies an object for its satellites.
pub(crate) struct Satellite<'a> {
    /// The object keyword in COMMENT/SECURITY LABEL (`TABLE`, `SCHEMA`).
    pub keyword: &'a str,
    /// The name as tags show it (quoted, unqualified): `t`, `f(integer)`.
    pub tag_name: &'a str,
    /// The name as statements use it (quoted, qualified): `s.t`.
    pub sql_name: &'a str,
    pub schema: Option<&'a str>,
    /// Owner for the entries' headers (None prints `-`, Some("") nothing).
    pub owner: Option<&'a str>,
    pub address: ObjectAddress,
}

/// The COMMENT entry of an object, if it has a comment and comments are
/// dumped.
pub(crate) fn comment_entry(ctx: &RenderContext, s: &Satellite) -> Option<Entry> {
    if ctx.opts.no_comments {
        return None;
    }
    let text = ctx.comments.get(&s.address)?;
    Some(Entry {
        tag: format!("{} {}", s.keyword, s.tag_name),
        desc: "COMMENT".into(),
        schema: s.schema.map(str::to_string),
        owner: s.owner.map(str::to_string),
        defn: crate::sql::satellite::comment_on(
            &ctx.quoting,
            &format!("{} {}", s.keyword, s.sql_name),
            text,
        ),
        ..Entry::default()
    })
}

/// The SECURITY LABEL entry of an object (all its providers' labels).
pub(crate) fn security_label_entry(ctx: &RenderContext, s: &Satellite) -> Option<Entry> {
    if ctx.opts.no_security_labels {
        return None;
    }
    let labels = ctx.security_labels.get(&s.address)?;
    let defn = crate::sql::satellite::security_labels_on(
        &ctx.quoting,
        &format!("{} {}", s.keyword, s.sql_name),
        labels,
    );
    Some(Entry {
        tag: format!("{} {}", s.keyword, s.tag_name),
        desc: "SECURITY LABEL".into(),
        schema: s.schema.map(str::to_string),
        owner: s.owner.map(str::to_string),
        defn,
        ..Entry::default()
    })
}

/// What an ACL entry needs besides the object's identity.
pub(crate) struct AclSpec<'a> {
    /// The privilege object type (`TABLE`, `SEQUENCE`, `FUNCTION`, ...).
    pub object_type: &'a str,
    /// The ACL (aclitem[] text); None means default privileges.
    pub acl: Option<&'a str>,
    /// `acldefault(...)` for the object's kind and owner.
    pub acl_default: &'a str,
    /// The owner's name (unquoted), for the grant rules.
    pub owner_name: Option<&'a str>,
    pub column: Option<&'a str>,
}

/// What an ACL is compared with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Baseline<'a> {
    /// pg_init_privs if the object has initial privileges, else acldefault.
    InitPrivsOrDefault,
    /// A fixed ACL (the public schema's).
    Fixed(&'a str),
}

/// The ACL entry of an object, diffed against pg_init_privs if the object
/// has initial privileges, else against acldefault.
pub(crate) fn acl_entry(ctx: &RenderContext, s: &Satellite, spec: &AclSpec) -> Option<Entry> {
    acl_entry_with(ctx, s, spec, Baseline::InitPrivsOrDefault)
}

/// [`acl_entry`] with an explicit baseline.
pub(crate) fn acl_entry_with(
    ctx: &RenderContext,
    s: &Satellite,
    spec: &AclSpec,
    baseline: Baseline,
) -> Option<Entry> {
    if ctx.opts.no_privileges {
        return None;
    }
    let (acl, base) = match baseline {
        Baseline::Fixed(base) => (spec.acl.unwrap_or(spec.acl_default), base),
        Baseline::InitPrivsOrDefault => match (spec.acl, ctx.init_privs.get(&s.address)) {
            (None, None) => return None,
            (None, Some(init)) => (spec.acl_default, init.as_str()),
            (Some(acl), Some(init)) => (acl, init.as_str()),
            (Some(acl), None) => (acl, spec.acl_default),
        },
    };
    let target = AclTarget {
        object_type: spec.object_type,
        name: s.sql_name,
        column: spec.column,
        owner: spec.owner_name,
        prefix: "",
    };
    let defn = build_acl_commands(&ctx.quoting, &target, acl, base);
    if defn.is_empty() {
        return None;
    }
    Some(Entry {
        tag: format!("{} {}", s.keyword, s.tag_name),
        desc: "ACL".into(),
        schema: s.schema.map(str::to_string),
        owner: s.owner.map(str::to_string),
        defn,
        pass: Pass::Acl,
        ..Entry::default()
    })
}
