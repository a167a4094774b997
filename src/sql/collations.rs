//! The statement of a collation. No version is written: a restored
//! collation takes the version of the library it is restored with.

use crate::catalog::collations::CollationRow;
use crate::pg::quote::Quoting;

/// The provider's word in `provider = ...`.
fn provider_word(provider: char) -> &'static str {
    match provider {
        'b' => "builtin",
        'i' => "icu",
        // (Only pg_catalog's own collation says `default`; it is never
        // dumped.)
        'd' => "default",
        _ => "libc",
    }
}

/// `CREATE COLLATION qname (provider = ..., ...);`; `qname` is the
/// quoted, qualified name. `icu_locale_in_collate`: the server keeps an
/// ICU collation's locale in `collcollate` (14).
pub(crate) fn create_collation(
    q: &Quoting,
    c: &CollationRow,
    qname: &str,
    icu_locale_in_collate: bool,
) -> String {
    let mut out = format!(
        "CREATE COLLATION {qname} (provider = {}",
        provider_word(c.provider)
    );
    if !c.deterministic {
        out.push_str(", deterministic = false");
    }
    let text = |v: &Option<String>| q.literal(v.as_deref().unwrap_or_default());
    match c.provider {
        'd' => {}
        'b' => out.push_str(&format!(", locale = {}", text(&c.locale))),
        'i' => {
            let locale = if icu_locale_in_collate {
                &c.collate
            } else {
                &c.locale
            };
            out.push_str(&format!(", locale = {}", text(locale)));
            if c.icu_rules.is_some() {
                out.push_str(&format!(", rules = {}", text(&c.icu_rules)));
            }
        }
        _ => match (&c.collate, &c.ctype) {
            (Some(collate), Some(ctype)) if collate == ctype => {
                out.push_str(&format!(", locale = {}", q.literal(collate)));
            }
            _ => out.push_str(&format!(
                ", lc_collate = {}, lc_ctype = {}",
                text(&c.collate),
                text(&c.ctype)
            )),
        },
    }
    out.push_str(");\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> Quoting {
        Quoting::new(false, true, "UTF8")
    }

    #[test]
    fn libc_forms() {
        let mut c = CollationRow {
            provider: 'c',
            deterministic: true,
            collate: Some("C".into()),
            ctype: Some("C".into()),
            ..CollationRow::default()
        };
        assert_eq!(
            create_collation(&q(), &c, "s.c", false),
            "CREATE COLLATION s.c (provider = libc, locale = 'C');\n"
        );
        c.ctype = Some("POSIX".into());
        assert_eq!(
            create_collation(&q(), &c, "s.c", false),
            "CREATE COLLATION s.c (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');\n"
        );
    }

    #[test]
    fn icu_forms() {
        let c = CollationRow {
            provider: 'i',
            deterministic: false,
            collate: Some("und-u-ks-level2".into()),
            ctype: Some("und-u-ks-level2".into()),
            locale: Some("de".into()),
            icu_rules: Some("&a < b's".into()),
            ..CollationRow::default()
        };
        assert_eq!(
            create_collation(&q(), &c, "s.c", false),
            "CREATE COLLATION s.c (provider = icu, deterministic = false, locale = 'de', rules = '&a < b''s');\n"
        );
        assert_eq!(
            create_collation(&q(), &c, "s.c", true),
            "CREATE COLLATION s.c (provider = icu, deterministic = false, locale = 'und-u-ks-level2', rules = '&a < b''s');\n"
        );
    }
}
