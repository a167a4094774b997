//! The global part of a pg_dumpall script, as pure functions from catalog
//! rows to text (byte strings).

use super::acl::{build_acl_commands, AclTarget};
use crate::catalog::globals::{Membership, ParameterAcl, Role, Tablespace};
use crate::pg::quote::{comment, guc_assignment, Quoting};
use crate::pg::version::at_least;

/// The OID of the bootstrap superuser, who may always be named as grantor.
const BOOTSTRAP_SUPERUSER_OID: u32 = 10;

/// Settings that shape the global sections.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(test, derive(Default))]
pub(crate) struct GlobalsStyle {
    pub quoting: Quoting,
    pub if_exists: bool,
    pub no_role_passwords: bool,
    pub no_comments: bool,
    pub no_security_labels: bool,
    pub no_privileges: bool,
    pub binary_upgrade: bool,
}

/// The script's opening lines, up to and including the SET block.
pub(crate) fn header(
    restrict_key: &str,
    client_encoding: &str,
    standard_conforming_strings: bool,
    started: Option<&str>,
) -> String {
    let mut out = String::from("--\n-- PostgreSQL database cluster dump\n--\n\n");
    if let Some(ts) = started {
        out.push_str(&comment(&format!("Started on {ts}")));
        out.push_str("\n\n");
    }
    out.push_str(&format!("\\restrict {restrict_key}\n\n"));
    out.push_str("SET default_transaction_read_only = off;\n\n");
    out.push_str(&format!("SET client_encoding = '{client_encoding}';\n"));
    out.push_str(&format!(
        "SET standard_conforming_strings = {};\n",
        if standard_conforming_strings {
            "on"
        } else {
            "off"
        }
    ));
    if !standard_conforming_strings {
        out.push_str("SET escape_string_warning = off;\n");
    }
    out.push('\n');
    out
}

/// The script's closing lines.
pub(crate) fn trailer(completed: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(ts) = completed {
        out.push_str(&comment(&format!("Completed on {ts}")));
        out.push_str("\n\n");
    }
    out.push_str("--\n-- PostgreSQL database cluster dump complete\n--\n\n");
    out
}

/// A `-c` section: its title (when `titled`), one DROP per name, two
/// newlines.
fn drop_section(
    title: &str,
    titled: bool,
    keyword: &str,
    names: &[String],
    style: &GlobalsStyle,
) -> String {
    let mut out = String::new();
    if titled {
        out.push_str(&format!("--\n{}\n--\n\n", comment(title)));
    }
    for name in names {
        out.push_str(&format!(
            "DROP {keyword} {}{};\n",
            if style.if_exists { "IF EXISTS " } else { "" },
            style.quoting.ident(name)
        ));
    }
    out.push_str("\n\n");
    out
}

/// `-c`: drops of the databases that will be recreated (all but
/// template0, template1 and postgres). The title prints whenever some
/// database is dumpable, as pg_dumpall checks before it leaves out
/// postgres and template1.
pub(crate) fn drop_databases(names: &[String], style: &GlobalsStyle) -> String {
    let titled = !names.is_empty();
    let names: Vec<String> = names
        .iter()
        .filter(|n| !matches!(n.as_str(), "template0" | "template1" | "postgres"))
        .cloned()
        .collect();
    drop_section(
        "Drop databases (except postgres and template1)",
        titled,
        "DATABASE",
        &names,
        style,
    )
}

/// `-c`: drops of every tablespace, by name.
pub(crate) fn drop_tablespaces(names: &[String], style: &GlobalsStyle) -> String {
    drop_section(
        "Drop tablespaces",
        !names.is_empty(),
        "TABLESPACE",
        names,
        style,
    )
}

/// `-c`: drops of every role, by name (the current user's drop fails on
/// restore, as it does with pg_dumpall).
pub(crate) fn drop_roles(names: &[String], style: &GlobalsStyle) -> String {
    drop_section("Drop roles", !names.is_empty(), "ROLE", names, style)
}

fn push_shared_labels(
    out: &mut String,
    q: &Quoting,
    kind: &str,
    name: &str,
    labels: &[(String, String)],
) {
    for (provider, label) in labels {
        out.push_str(&format!(
            "SECURITY LABEL FOR {} ON {kind} {} IS ",
            q.ident(provider),
            q.ident(name)
        ));
        q.append_literal_conn(out, label);
        out.push_str(";\n");
    }
}

/// The Roles section and the User Configurations that follow it.
/// `server_version_num` picks the configuration layout (14 vs 15+ style is
/// the client's, so always the 15+ layout here).
pub(crate) fn roles(roles: &[Role], style: &GlobalsStyle) -> String {
    let q = &style.quoting;
    let mut out = String::new();
    if !roles.is_empty() {
        out.push_str("--\n-- Roles\n--\n\n");
    }
    for role in roles {
        let name = q.ident(&role.name);
        if style.binary_upgrade {
            out.push_str(&format!(
                "\n-- For binary upgrade, must preserve pg_authid.oid\n\
                 SELECT pg_catalog.binary_upgrade_set_next_pg_authid_oid('{}'::pg_catalog.oid);\n\n",
                role.oid
            ));
        }
        if !style.binary_upgrade || !role.is_current_user {
            out.push_str(&format!("CREATE ROLE {name};\n"));
        }
        out.push_str(&format!("ALTER ROLE {name} WITH"));
        let flag = |on: bool, word: &str| {
            if on {
                format!(" {word}")
            } else {
                format!(" NO{word}")
            }
        };
        out.push_str(&flag(role.superuser, "SUPERUSER"));
        out.push_str(&flag(role.inherit, "INHERIT"));
        out.push_str(&flag(role.create_role, "CREATEROLE"));
        out.push_str(&flag(role.create_db, "CREATEDB"));
        out.push_str(&flag(role.login, "LOGIN"));
        out.push_str(&flag(role.replication, "REPLICATION"));
        out.push_str(&flag(role.bypass_rls, "BYPASSRLS"));
        if role.connection_limit != -1 {
            out.push_str(&format!(" CONNECTION LIMIT {}", role.connection_limit));
        }
        if let (Some(password), false) = (&role.password, style.no_role_passwords) {
            out.push_str(" PASSWORD ");
            style.quoting.append_literal_conn(&mut out, password);
        }
        if let Some(until) = &role.valid_until {
            out.push_str(&format!(" VALID UNTIL '{until}'"));
        }
        out.push_str(";\n");
        if let (Some(comment), false) = (&role.comment, style.no_comments) {
            out.push_str(&format!("COMMENT ON ROLE {name} IS "));
            style.quoting.append_literal_conn(&mut out, comment);
            out.push_str(";\n");
        }
        if !style.no_security_labels {
            push_shared_labels(&mut out, q, "ROLE", &role.name, &role.security_labels);
        }
    }
    // Settings come after every role: they may name other roles.
    if !roles.is_empty() {
        out.push_str("\n--\n-- User Configurations\n--\n");
    }
    for role in roles.iter().filter(|r| !r.settings.is_empty()) {
        out.push_str(&format!(
            "\n--\n{}\n--\n\n",
            comment(&format!("User Config \"{}\"", role.name))
        ));
        for setting in &role.settings {
            out.push_str(&format!(
                "ALTER ROLE {} SET {};\n",
                q.ident(&role.name),
                guc_assignment(q, setting)
            ));
        }
    }
    out.push_str("\n\n");
    out
}

/// A warning produced while ordering memberships (printed by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    pub message: String,
    pub detail: Option<String>,
}

/// The Role memberships section.
///
/// On 16+ servers a grant naming a grantor can only be restored once that
/// grantor holds ADMIN OPTION on the role, so each role's grants are emitted
/// in passes: first those granted by the bootstrap superuser (or with no
/// grantor to dump), then those whose grantor got ADMIN in an earlier grant.
/// Rows must come ordered by role, member, grantor names.
pub(crate) fn memberships(
    rows: &[Membership],
    server_version_num: i32,
    style: &GlobalsStyle,
    warnings: &mut Vec<Warning>,
) -> Result<String, String> {
    let grants = RoleGrants {
        q: &style.quoting,
        dump_grant_options: at_least(server_version_num, 16),
    };
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str("--\n-- Role memberships\n--\n\n");
    }
    let mut start = 0;
    while start < rows.len() {
        let Some(role) = rows[start].role.as_deref() else {
            // Rows for dangling roles sort last; pg_dumpall stops there.
            warnings.push(Warning {
                message: format!(
                    "ignoring role grant for missing role with OID {}",
                    rows[start].role_oid
                ),
                detail: None,
            });
            break;
        };
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| r.role.as_deref() == Some(role))
                .count();
        grants.one_role(role, &rows[start..end], warnings, &mut out)?;
        start = end;
    }
    out.push_str("\n\n");
    Ok(out)
}

/// How one role's membership grants are written.
struct RoleGrants<'a> {
    q: &'a Quoting,
    /// 16+: GRANTED BY, INHERIT and SET options.
    dump_grant_options: bool,
}

impl RoleGrants<'_> {
    /// The grants of `role` (its rows in `group`), in passes: a grant whose
    /// grantor needs ADMIN OPTION waits until an earlier grant gave it.
    fn one_role(
        &self,
        role: &str,
        group: &[Membership],
        warnings: &mut Vec<Warning>,
        out: &mut String,
    ) -> Result<(), String> {
        let mut done = vec![false; group.len()];
        let mut remaining = group.len();
        let mut admins: Vec<&str> = Vec::new();
        let mut previous_remaining = 0;
        while remaining > 0 {
            if remaining == previous_remaining {
                return Err(format!(
                    "could not find a legal dump ordering for memberships in role \"{}\"",
                    crate::text::display(role)
                ));
            }
            previous_remaining = remaining;
            for (i, row) in group.iter().enumerate() {
                if done[i] {
                    continue;
                }
                let Some(member) = row.member.as_deref() else {
                    warnings.push(Warning {
                        message: format!(
                            "ignoring role grant to missing role with OID {}",
                            row.member_oid
                        ),
                        detail: None,
                    });
                    done[i] = true;
                    remaining -= 1;
                    continue;
                };
                let dump_grantor = self.dump_grantor(role, member, row, warnings);
                if dump_grantor && row.grantor_oid != BOOTSTRAP_SUPERUSER_OID {
                    let grantor = row.grantor.as_deref().unwrap_or_default();
                    if !admins.contains(&grantor) {
                        continue;
                    }
                }
                done[i] = true;
                remaining -= 1;
                if row.admin_option && !admins.contains(&member) {
                    admins.push(member);
                }
                out.push_str(&self.grant(role, member, row, dump_grantor));
            }
        }
        Ok(())
    }

    /// Whether the grant is written with GRANTED BY: on 16+, unless its
    /// grantor is gone (then pg_dumpall warns and leaves it out).
    fn dump_grantor(
        &self,
        role: &str,
        member: &str,
        row: &Membership,
        warnings: &mut Vec<Warning>,
    ) -> bool {
        if self.dump_grant_options && row.grantor.is_none() {
            warnings.push(Warning {
                message: format!(
                    "grant of role \"{}\" to \"{}\" has invalid grantor OID {}",
                    crate::text::display(role),
                    crate::text::display(member),
                    row.grantor_oid
                ),
                detail: Some("This grant will be dumped without GRANTED BY.".into()),
            });
            return false;
        }
        self.dump_grant_options
    }

    /// `GRANT role TO member [WITH ...] [GRANTED BY grantor];`
    fn grant(&self, role: &str, member: &str, row: &Membership, dump_grantor: bool) -> String {
        let q = self.q;
        let mut options: Vec<String> = Vec::new();
        if row.admin_option {
            options.push("ADMIN OPTION".into());
        }
        if self.dump_grant_options {
            let inherit = row.inherit_option.unwrap_or(true);
            options.push(format!(
                "INHERIT {}",
                if inherit { "TRUE" } else { "FALSE" }
            ));
            if !row.set_option.unwrap_or(true) {
                options.push("SET FALSE".into());
            }
        }
        let mut line = format!("GRANT {} TO {}", q.ident(role), q.ident(member));
        if !options.is_empty() {
            line.push_str(&format!(" WITH {}", options.join(", ")));
        }
        if dump_grantor {
            if let Some(grantor) = &row.grantor {
                line.push_str(&format!(" GRANTED BY {}", q.ident(grantor)));
            }
        }
        line.push_str(";\n");
        line
    }
}

/// The Role privileges on configuration parameters section (15+ servers).
pub(crate) fn parameter_privileges(rows: &[ParameterAcl], style: &GlobalsStyle) -> String {
    let q = &style.quoting;
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str("--\n-- Role privileges on configuration parameters\n--\n\n");
    }
    for row in rows {
        let name = q.ident(&row.name);
        let target = AclTarget {
            object_type: "PARAMETER",
            name: &name,
            column: None,
            owner: Some(&row.owner),
            prefix: "",
        };
        out.push_str(&build_acl_commands(
            q,
            &target,
            row.acl.as_deref().unwrap_or(""),
            &row.acl_default,
        ));
    }
    out.push_str("\n\n");
    out
}

/// The Tablespaces section.
pub(crate) fn tablespaces(rows: &[Tablespace], style: &GlobalsStyle) -> String {
    let q = &style.quoting;
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str("--\n-- Tablespaces\n--\n\n");
    }
    for ts in rows {
        let name = q.ident(&ts.name);
        if style.binary_upgrade {
            out.push_str(&format!(
                "\n-- For binary upgrade, must preserve pg_tablespace oid\n\
                 SELECT pg_catalog.binary_upgrade_set_next_pg_tablespace_oid('{}'::pg_catalog.oid);\n",
                ts.oid
            ));
        }
        out.push_str(&format!(
            "CREATE TABLESPACE {name} OWNER {} LOCATION ",
            q.ident(&ts.owner)
        ));
        // In-place tablespaces have a relative location; it is written as ''.
        let location = if ts.location.starts_with('/') {
            ts.location.as_str()
        } else {
            ""
        };
        style.quoting.append_literal_conn(&mut out, location);
        out.push_str(";\n");
        if let Some(options) = ts.options.as_deref().filter(|o| !o.is_empty()) {
            out.push_str(&format!("ALTER TABLESPACE {name} SET ({options});\n"));
        }
        if !style.no_privileges {
            let target = AclTarget {
                object_type: "TABLESPACE",
                name: &name,
                column: None,
                owner: Some(&ts.owner),
                prefix: "",
            };
            out.push_str(&build_acl_commands(
                q,
                &target,
                ts.acl.as_deref().unwrap_or(""),
                &ts.acl_default,
            ));
        }
        if let (Some(comment), false) = (&ts.comment, style.no_comments) {
            if !comment.is_empty() {
                out.push_str(&format!("COMMENT ON TABLESPACE {name} IS "));
                style.quoting.append_literal_conn(&mut out, comment);
                out.push_str(";\n");
            }
        }
        if !style.no_security_labels {
            push_shared_labels(&mut out, q, "TABLESPACE", &ts.name, &ts.security_labels);
        }
    }
    out.push_str("\n\n");
    out
}

/// The banner before the per-database parts (only when there are some).
pub(crate) fn databases_banner() -> &'static str {
    "--\n-- Databases\n--\n\n"
}

/// The banner before one database's part.
pub(crate) fn database_banner(name: &str) -> String {
    format!(
        "--\n{}\n--\n\n",
        comment(&format!("Database \"{name}\" dump"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_drops_are_titled_even_when_only_postgres_and_template1_exist() {
        let names = vec!["postgres".to_string(), "template1".to_string()];
        assert_eq!(
            drop_databases(&names, &GlobalsStyle::default()),
            "--\n-- Drop databases (except postgres and template1)\n--\n\n\n\n"
        );
        assert_eq!(drop_databases(&[], &GlobalsStyle::default()), "\n\n");
    }

    fn grant(role: &str, member: &str, grantor: &str, grantor_oid: u32, admin: bool) -> Membership {
        Membership {
            role: Some(role.into()),
            member: Some(member.into()),
            grantor: Some(grantor.into()),
            role_oid: 100,
            member_oid: 101,
            grantor_oid,
            admin_option: admin,
            inherit_option: Some(true),
            set_option: Some(true),
        }
    }

    #[test]
    fn memberships_wait_for_their_grantor_to_get_admin() {
        let rows = vec![
            grant("admins", "Weird", "alice", 200, false),
            grant("admins", "alice", "postgres", 10, true),
        ];
        let mut warnings = Vec::new();
        let out = memberships(&rows, 180000, &GlobalsStyle::default(), &mut warnings).unwrap();
        assert_eq!(
            out,
            "--\n-- Role memberships\n--\n\n\
             GRANT admins TO alice WITH ADMIN OPTION, INHERIT TRUE GRANTED BY postgres;\n\
             GRANT admins TO \"Weird\" WITH INHERIT TRUE GRANTED BY alice;\n\n\n"
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn memberships_before_16_have_no_grantor_or_options() {
        let mut row = grant("admins", "bob", "alice", 200, true);
        row.inherit_option = None;
        row.set_option = None;
        let mut warnings = Vec::new();
        let out = memberships(&[row], 150000, &GlobalsStyle::default(), &mut warnings).unwrap();
        assert!(out.contains("GRANT admins TO bob WITH ADMIN OPTION;\n"));
    }

    #[test]
    fn unorderable_memberships_fail() {
        let rows = vec![
            grant("r", "a", "b", 300, true),
            grant("r", "b", "a", 301, true),
        ];
        let err =
            memberships(&rows, 160000, &GlobalsStyle::default(), &mut Vec::new()).unwrap_err();
        assert_eq!(
            err,
            "could not find a legal dump ordering for memberships in role \"r\""
        );
    }

    #[test]
    fn dangling_grantor_is_dumped_without_granted_by() {
        let mut row = grant("r", "a", "x", 999, false);
        row.grantor = None;
        let mut warnings = Vec::new();
        let out = memberships(&[row], 160000, &GlobalsStyle::default(), &mut warnings).unwrap();
        assert!(out.contains("GRANT r TO a WITH INHERIT TRUE;\n"));
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].message,
            "grant of role \"r\" to \"a\" has invalid grantor OID 999"
        );
    }

    #[test]
    fn header_and_banners() {
        let h = header("K", "UTF8", true, None);
        assert_eq!(
            h,
            "--\n-- PostgreSQL database cluster dump\n--\n\n\\restrict K\n\nSET default_transaction_read_only = off;\n\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n"
        );
        assert_eq!(
            database_banner("a\nb"),
            "--\n-- Database \"a b\" dump\n--\n\n"
        );
    }
}
