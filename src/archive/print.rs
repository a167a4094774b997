//! Plain-text framing of entries, as pg_dump's archiver prints them:
//! session-state switches (rule F2), the header comment (F3), the body and
//! its blank lines (F4), the owner line (F5, F6), and the three passes
//! (F1).

use super::{Entry, HeaderPrefix, Pass};
use crate::pg::quote::{comment, Quoting};

/// The printing choices of the command line (`-O`,
/// `--use-set-session-authorization`, `--no-tablespaces`,
/// `--no-table-access-method`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PrintFlags {
    pub no_owner: bool,
    pub use_set_session_authorization: bool,
    pub no_tablespaces: bool,
    pub no_table_access_method: bool,
}

/// Printing options: the flags, and the section's quoting.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(test, derive(Default))]
pub(crate) struct PrintOptions {
    pub no_owner: bool,
    pub use_set_session_authorization: bool,
    pub no_tablespaces: bool,
    pub no_table_access_method: bool,
    pub quoting: Quoting,
    /// `-v`: each header names the entry's dump id, catalog identity and
    /// dependencies (see [`super::ids`]).
    pub verbose: bool,
}

/// The archiver's tracked session state.
#[derive(Debug)]
pub(crate) struct Printer {
    pub opts: PrintOptions,
    /// None: unknown. Some(None): DEFAULT. Some(Some(x)): x.
    current_user: Option<Option<String>>,
    current_tablespace: Option<String>,
    current_am: Option<String>,
}

/// The order entries print in: the main pass, then ACLs, then the
/// post-ACL pass (event triggers, matview refreshes, post-data stats).
pub(crate) fn pass_order(entries: &[Entry]) -> Vec<usize> {
    let mut order = Vec::with_capacity(entries.len());
    for pass in [Pass::Main, Pass::Acl, Pass::PostAcl] {
        order.extend(
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.pass == pass)
                .map(|(i, _)| i),
        );
    }
    order
}

impl Printer {
    pub(crate) fn new(opts: PrintOptions) -> Printer {
        Printer {
            opts,
            current_user: None,
            current_tablespace: None,
            current_am: None,
        }
    }

    /// Forgets all tracked state (after a `\connect`).
    pub(crate) fn reset(&mut self) {
        self.current_user = None;
        self.current_tablespace = None;
        self.current_am = None;
    }

    /// Switches the tracked session user (None: `DEFAULT`), printing
    /// `SET SESSION AUTHORIZATION` only when it changes.
    pub(crate) fn become_user(&mut self, user: Option<&str>) -> String {
        let wanted = user.map(str::to_string);
        if self.current_user.as_ref() == Some(&wanted) {
            return String::new();
        }
        self.current_user = Some(wanted);
        match user {
            Some(u) => format!(
                "SET SESSION AUTHORIZATION {};\n\n",
                self.opts.quoting.literal(u)
            ),
            None => "SET SESSION AUTHORIZATION DEFAULT;\n\n".to_string(),
        }
    }

    /// Switches to an entry's owner, in `--use-set-session-authorization`
    /// mode only.
    pub(crate) fn become_owner(&mut self, e: &Entry) -> String {
        if !self.opts.use_set_session_authorization || self.opts.no_owner {
            return String::new();
        }
        let owner = e.owner.clone().filter(|o| !o.is_empty());
        self.become_user(owner.as_deref())
    }

    /// Everything an entry prints before its data (for data entries) or in
    /// full (for the rest, together with [`Printer::end`]).
    pub(crate) fn begin(&mut self, e: &Entry) -> String {
        let mut out = String::new();
        let q = &self.opts.quoting;
        // F2.1: ownership by SET SESSION AUTHORIZATION.
        if self.opts.use_set_session_authorization && !self.opts.no_owner {
            let wanted = e.owner.clone().filter(|o| !o.is_empty());
            if self.current_user.as_ref() != Some(&wanted) {
                match &wanted {
                    Some(o) => {
                        out.push_str(&format!("SET SESSION AUTHORIZATION {};\n\n", q.literal(o)))
                    }
                    None => out.push_str("SET SESSION AUTHORIZATION DEFAULT;\n\n"),
                }
                self.current_user = Some(wanted);
            }
        }
        // F2.3: default_tablespace.
        if let (Some(ts), false) = (&e.tablespace, self.opts.no_tablespaces) {
            if self.current_tablespace.as_ref() != Some(ts) {
                if ts.is_empty() {
                    out.push_str("SET default_tablespace = '';\n\n");
                } else {
                    out.push_str(&format!("SET default_tablespace = {};\n\n", q.ident(ts)));
                }
                self.current_tablespace = Some(ts.clone());
            }
        }
        // F2.4: default_table_access_method.
        if let (Some(am), false) = (&e.table_am, self.opts.no_table_access_method) {
            if self.current_am.as_ref() != Some(am) {
                out.push_str(&format!(
                    "SET default_table_access_method = {};\n\n",
                    q.ident(am)
                ));
                self.current_am = Some(am.clone());
            }
        }
        // F3: the header comment.
        let prefix = match e.prefix {
            HeaderPrefix::Name => "",
            HeaderPrefix::DataFor => "Data for ",
            HeaderPrefix::StatisticsFor => "Statistics for ",
        };
        let owner = match (&e.owner, self.opts.no_owner) {
            (Some(o), false) => o.as_str(),
            _ => "-",
        };
        let mut header = format!(
            "{prefix}Name: {}; Type: {}; Schema: {}; Owner: {owner}",
            e.tag,
            e.desc,
            e.schema.as_deref().unwrap_or("-"),
        );
        if let (Some(ts), false) = (&e.tablespace, self.opts.no_tablespaces) {
            if !ts.is_empty() {
                header.push_str(&format!("; Tablespace: {ts}"));
            }
        }
        out.push_str("--\n");
        if let (true, Some(toc)) = (self.opts.verbose, &e.toc) {
            out.push_str(&toc_lines(toc));
        }
        out.push_str(&comment(&header));
        out.push_str("\n--\n\n");
        // F4: the body.
        if !e.defn.is_empty() {
            out.push_str(&e.defn);
            out.push_str("\n\n");
        }
        out
    }

    /// What follows an entry's body (or its data): the owner line (F5),
    /// then F6; and after ACL entries the tracked user is forgotten (F7).
    pub(crate) fn end(&mut self, e: &Entry) -> String {
        let mut out = String::new();
        if let Some(after) = &e.data_after {
            out.push_str(after);
        }
        if let (Some(object), Some(owner)) = (&e.owner_object, &e.owner) {
            // The public schema's placeholder entry has only a comment for a
            // body, so its owner is set by ALTER even in SET SESSION
            // AUTHORIZATION mode.
            let public_placeholder = e.desc == "SCHEMA" && e.tag == "public";
            if !self.opts.no_owner
                && (!self.opts.use_set_session_authorization || public_placeholder)
                && !owner.is_empty()
            {
                out.push_str(&format!(
                    "ALTER {object} OWNER TO {};\n\n",
                    self.opts.quoting.ident(owner)
                ));
            }
        }
        if let Some(after) = &e.after_owner {
            out.push_str(after);
        }
        if e.pass == Pass::Acl {
            self.current_user = None;
        }
        out
    }
}

/// The `-- TOC entry` line and, when the entry names any, the
/// `-- Dependencies:` line of a verbose header.
fn toc_lines(toc: &super::ids::TocId) -> String {
    let (class, oid) = toc.catalog_id;
    let mut out = format!("-- TOC entry {} (class {class} OID {oid})\n", toc.dump_id);
    if !toc.deps.is_empty() {
        out.push_str("-- Dependencies:");
        for d in &toc.deps {
            out.push_str(&format!(" {d}"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Entry;

    fn schema_entry() -> Entry {
        Entry {
            tag: "s1".into(),
            desc: "SCHEMA".into(),
            owner: Some("postgres".into()),
            defn: "CREATE SCHEMA s1;\n".into(),
            owner_object: Some("SCHEMA s1".into()),
            ..Entry::default()
        }
    }

    #[test]
    fn schema_entry_framing() {
        let mut p = Printer::new(PrintOptions::default());
        let e = schema_entry();
        let text = p.begin(&e) + &p.end(&e);
        assert_eq!(
            text,
            "--\n-- Name: s1; Type: SCHEMA; Schema: -; Owner: postgres\n--\n\nCREATE SCHEMA s1;\n\n\nALTER SCHEMA s1 OWNER TO postgres;\n\n"
        );
    }

    #[test]
    fn tablespace_and_am_switches_only_on_change() {
        let mut p = Printer::new(PrintOptions::default());
        let mut e = schema_entry();
        e.owner_object = None;
        e.tablespace = Some(String::new());
        e.table_am = Some("heap".into());
        let first = p.begin(&e);
        assert!(first.starts_with(
            "SET default_tablespace = '';\n\nSET default_table_access_method = heap;\n\n--\n"
        ));
        let second = p.begin(&e);
        assert!(second.starts_with("--\n"));
    }

    #[test]
    fn no_owner_hides_owners() {
        let mut p = Printer::new(PrintOptions {
            no_owner: true,
            ..PrintOptions::default()
        });
        let e = schema_entry();
        let text = p.begin(&e) + &p.end(&e);
        assert!(text.contains("Owner: -\n"));
        assert!(!text.contains("ALTER SCHEMA"));
    }

    #[test]
    fn set_session_authorization_mode() {
        let mut p = Printer::new(PrintOptions {
            use_set_session_authorization: true,
            ..PrintOptions::default()
        });
        let e = schema_entry();
        let text = p.begin(&e) + &p.end(&e);
        assert!(text.starts_with("SET SESSION AUTHORIZATION 'postgres';\n\n--\n"));
        assert!(!text.contains("ALTER SCHEMA"));
        assert!(p.begin(&e).starts_with("--\n"));
    }
}
