//! The database's own entries (`--create`) and the catalog dependencies
//! between its objects.

use super::*;

/// The DATABASE, COMMENT, SECURITY LABEL, ACL and DATABASE PROPERTIES
/// entries of `--create`.
pub(super) fn database_entries(
    db: &DatabaseRow,
    ctx: &RenderContext,
    mode: DatabaseMode,
) -> Vec<Entry> {
    if !mode.create {
        return Vec::new();
    }
    let q = &ctx.quoting;
    let name = q.ident(&db.name);
    let mut entries = vec![Entry {
        tag: db.name.clone(),
        desc: "DATABASE".into(),
        owner: Some(db.owner.clone()),
        defn: create_database_sql(db, ctx, &name),
        owner_object: Some(format!("DATABASE {name}")),
        // (A template must stop being one before it can be dropped.)
        drop_stmt: Some(format!(
            "{}DROP DATABASE {name};\n",
            if db.is_template {
                format!(
                    "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = {};\n",
                    q.literal(&db.name)
                )
            } else {
                String::new()
            }
        )),
        ..Entry::default()
    }];
    // Without definitions (-a, --no-schema, --statistics-only) only the
    // DATABASE and DATABASE PROPERTIES entries remain.
    if crate::dump::content::dump_schema(&ctx.opts) {
        push_comment_and_labels(&mut entries, db, ctx, &name);
        push_acl(&mut entries, db, ctx, &name);
    }
    let props = database_properties_sql(db, ctx, &name);
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

/// The CREATE DATABASE statement: template0, encoding, locale and tablespace.
fn create_database_sql(db: &DatabaseRow, ctx: &RenderContext, name: &str) -> String {
    let q = &ctx.quoting;
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
    create
}

/// The database's COMMENT and SECURITY LABEL entries, unless left out.
fn push_comment_and_labels(
    entries: &mut Vec<Entry>,
    db: &DatabaseRow,
    ctx: &RenderContext,
    name: &str,
) {
    let q = &ctx.quoting;
    if let (Some(comment), false) = (&db.comment, ctx.opts.no_comments) {
        if !comment.is_empty() {
            entries.push(Entry {
                tag: format!("DATABASE {name}"),
                desc: "COMMENT".into(),
                owner: Some(db.owner.clone()),
                defn: crate::sql::satellite::comment_on(q, &format!("DATABASE {name}"), comment),
                ..Entry::default()
            });
        }
    }
    if !ctx.opts.no_security_labels && !db.security_labels.is_empty() {
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
}

/// The GRANT and REVOKE statements of the database's ACL entry (empty
/// when it has none).
fn acl_commands(db: &DatabaseRow, ctx: &RenderContext, name: &str) -> String {
    let Some(acl) = &db.acl else {
        return String::new();
    };
    let target = AclTarget {
        object_type: "DATABASE",
        name,
        column: None,
        owner: Some(&db.owner),
        prefix: "",
    };
    build_acl_commands(&ctx.quoting, &target, acl, &db.acl_default)
}

/// The database's ACL entry, unless --no-privileges or it grants nothing.
fn push_acl(entries: &mut Vec<Entry>, db: &DatabaseRow, ctx: &RenderContext, name: &str) {
    if ctx.opts.no_privileges {
        return;
    }
    let defn = acl_commands(db, ctx, name);
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

/// The ALTER DATABASE / ALTER ROLE ... IN DATABASE statements of the
/// DATABASE PROPERTIES entry: connection limit, template flag, settings.
fn database_properties_sql(db: &DatabaseRow, ctx: &RenderContext, name: &str) -> String {
    let q = &ctx.quoting;
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
    props
}

/// pg_depend edges between collected objects (rule D1): sub-objects count
/// as their object, a composite type's relation comes after its type,
/// and extension members depend on their extension.
pub(super) async fn add_catalog_dependencies(
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
