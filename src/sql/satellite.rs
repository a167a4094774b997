//! The statements that hang off an object in a database's section: its
//! comment and its security labels, written in one place for every kind
//! (ACLs come from [`super::acl`]).

use crate::pg::quote::Quoting;

/// `COMMENT ON <target> IS '<text>';` with pg_dump's literal for the
/// section (its standard_conforming_strings and encoding).
pub(crate) fn comment_on(q: &Quoting, target: &str, text: &str) -> String {
    format!("COMMENT ON {target} IS {};\n", q.literal(text))
}

/// `SECURITY LABEL FOR <provider> ON <target> IS '<label>';` for each of
/// an object's labels, in provider order.
pub(crate) fn security_labels_on(q: &Quoting, target: &str, labels: &[(String, String)]) -> String {
    let mut out = String::new();
    for (provider, label) in labels {
        out.push_str(&format!(
            "SECURITY LABEL FOR {} ON {target} IS {};\n",
            q.ident(provider),
            q.literal(label)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_labels() {
        let q = Quoting::default();
        assert_eq!(
            comment_on(&q, "TABLE public.t", "it's"),
            "COMMENT ON TABLE public.t IS 'it''s';\n"
        );
        let labels = [
            ("selinux".to_string(), "a".to_string()),
            ("Other".to_string(), "b'c".to_string()),
        ];
        assert_eq!(
            security_labels_on(&q, "COLUMN t.c", &labels),
            "SECURITY LABEL FOR selinux ON COLUMN t.c IS 'a';\n\
             SECURITY LABEL FOR \"Other\" ON COLUMN t.c IS 'b''c';\n"
        );
    }
}
