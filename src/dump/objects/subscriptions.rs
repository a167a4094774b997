//! Subscriptions (post-data): `CREATE SUBSCRIPTION ... WITH (connect =
//! false, ...)`, owner, comment and labels. pg_dump reads them only as a
//! superuser; another role gets its warning when the database has any.
//! `--no-subscriptions` collects none of them.

use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext};
use crate::catalog::replication::{self, SubscriptionRow, Subscriptions};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::oid::PG_SUBSCRIPTION;
use crate::sql::replication as rsql;

use super::views::schema_on;
use super::{comment_entry, security_label_entry, Satellite};

#[derive(Debug)]
struct SubscriptionRender(SubscriptionRow);

/// pg_dump's warning for a role that may not read subscriptions.
const NOT_SUPERUSER: &str = "subscriptions not dumped because current user is not a superuser";

/// Adds the current database's subscriptions.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    let rows = match replication::subscriptions(cat).await? {
        Subscriptions::Rows(rows) => rows,
        Subscriptions::NotSuperuser { count } => {
            if count > 0 {
                archive.warnings.push(NOT_SUPERUSER.to_string());
            }
            return Ok(());
        }
    };
    for s in rows {
        let mut obj = DumpObject::new(
            Kind::Subscription,
            (PG_SUBSCRIPTION, s.oid),
            None,
            s.name.clone(),
        );
        obj.render = Some(Arc::new(SubscriptionRender(s)));
        archive.add(obj);
    }
    Ok(())
}

impl Render for SubscriptionRender {
    fn entries(&self, _id: DumpId, _archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !schema_on(ctx) {
            return Vec::new();
        }
        let s = &self.0;
        let q = &ctx.quoting;
        let name = q.ident(&s.name);
        let spec = rsql::SubscriptionSpec {
            slot_name: s.slot_name.as_deref(),
            binary: s.binary,
            streaming: s.streaming,
            two_phase: s.two_phase != 'd',
            disable_on_error: s.disable_on_error,
            password_required: s.password_required,
            run_as_owner: s.run_as_owner,
            failover: s.failover,
            synchronous_commit: &s.synchronous_commit,
            origin: &s.origin,
        };
        let mut entries = vec![Entry {
            tag: s.name.clone(),
            desc: "SUBSCRIPTION".into(),
            owner: Some(s.owner.clone()),
            defn: rsql::create_subscription(q, &name, &s.conninfo, &s.publications, &spec),
            owner_object: Some(format!("SUBSCRIPTION {name}")),
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "SUBSCRIPTION",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&s.owner),
            address: (PG_SUBSCRIPTION, s.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries.extend(security_label_entry(ctx, &sat));
        entries
    }
}
