//! The client encoding a libpq session starts in, which pg_dumpall and
//! pg_dump keep and write as `SET client_encoding`: the `client_encoding`
//! connection parameter (conninfo, service file or PGCLIENTENCODING; `auto`
//! is the locale's encoding), else a `-c client_encoding=...` in the
//! `options` parameter, else whatever the server picks (a role or database
//! setting, the server's configuration, or the database's encoding). The
//! startup packet asks for no encoding (`wire_text` drops tokio-postgres'
//! UTF8), and the dump sets the encoding this module finds right after.

/// The encoding asked for at startup, or None when the server picks it.
pub(crate) fn requested(client_encoding: Option<&str>, options: Option<&str>) -> Option<String> {
    match client_encoding.filter(|v| !v.is_empty()) {
        Some(v) if v.eq_ignore_ascii_case("auto") => locale_encoding(),
        Some(v) => Some(v.to_string()),
        None => options.and_then(from_options),
    }
}

/// The last `client_encoding` set in an `options` string, read the way the
/// server reads it: words split at unescaped whitespace (`\` escapes), then
/// `-c name=value`, `-cname=value` or `--name=value`, with `-` in names
/// standing for `_` and case ignored.
pub(crate) fn from_options(options: &str) -> Option<String> {
    let words = split_options(options);
    let mut found = None;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let setting = if word == "-c" {
            i += 1;
            words.get(i).map(String::as_str)
        } else if let Some(rest) = word.strip_prefix("--") {
            Some(rest)
        } else {
            word.strip_prefix("-c")
        };
        if let Some((name, value)) = setting.and_then(|s| s.split_once('=')) {
            if name
                .replace('-', "_")
                .eq_ignore_ascii_case("client_encoding")
            {
                found = Some(value.to_string());
            }
        }
        i += 1;
    }
    found
}

/// The server's split of the startup `options` string into words.
fn split_options(options: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = options.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return words;
        }
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_ascii_whitespace()) {
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    word.push(escaped);
                }
            } else {
                word.push(c);
            }
        }
        words.push(word);
    }
}

/// The encoding of the environment's LC_CTYPE locale, as libpq's `auto`
/// finds it: the C and POSIX locales (and a locale that is not installed,
/// which leaves C) are SQL_ASCII; None for a codeset PostgreSQL does not
/// know, leaving the choice to the server.
fn locale_encoding() -> Option<String> {
    // SAFETY: newlocale copies the name it reads from the environment into
    // a new locale object, nl_langinfo_l's result is copied out at once, and
    // the object is freed before returning; the process locale is untouched.
    let codeset = unsafe {
        let loc = libc::newlocale(libc::LC_CTYPE_MASK, c"".as_ptr(), std::ptr::null_mut());
        if loc.is_null() {
            return Some("SQL_ASCII".into());
        }
        let p = libc::nl_langinfo_l(libc::CODESET, loc);
        let codeset = if p.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        };
        libc::freelocale(loc);
        codeset
    };
    codeset_encoding(&codeset).map(str::to_string)
}

/// PostgreSQL's table of locale codesets (chklocale.c's list).
fn codeset_encoding(codeset: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("EUC_JP", "EUC-JP"),
        ("EUC_JP", "eucJP"),
        ("EUC_JP", "IBM-eucJP"),
        ("EUC_JP", "sdeckanji"),
        ("EUC_JP", "CP20932"),
        ("EUC_CN", "EUC-CN"),
        ("EUC_CN", "eucCN"),
        ("EUC_CN", "IBM-eucCN"),
        ("EUC_CN", "GB2312"),
        ("EUC_CN", "dechanzi"),
        ("EUC_CN", "CP20936"),
        ("EUC_KR", "EUC-KR"),
        ("EUC_KR", "eucKR"),
        ("EUC_KR", "IBM-eucKR"),
        ("EUC_KR", "deckorean"),
        ("EUC_KR", "5601"),
        ("EUC_KR", "CP51949"),
        ("EUC_TW", "EUC-TW"),
        ("EUC_TW", "eucTW"),
        ("EUC_TW", "IBM-eucTW"),
        ("EUC_TW", "cns11643"),
        ("UTF8", "UTF-8"),
        ("UTF8", "utf8"),
        ("LATIN1", "ISO-8859-1"),
        ("LATIN1", "ISO8859-1"),
        ("LATIN1", "iso88591"),
        ("LATIN2", "ISO-8859-2"),
        ("LATIN2", "ISO8859-2"),
        ("LATIN2", "iso88592"),
        ("LATIN3", "ISO-8859-3"),
        ("LATIN3", "ISO8859-3"),
        ("LATIN3", "iso88593"),
        ("LATIN4", "ISO-8859-4"),
        ("LATIN4", "ISO8859-4"),
        ("LATIN4", "iso88594"),
        ("LATIN5", "ISO-8859-9"),
        ("LATIN5", "ISO8859-9"),
        ("LATIN5", "iso88599"),
        ("LATIN6", "ISO-8859-10"),
        ("LATIN6", "ISO8859-10"),
        ("LATIN6", "iso885910"),
        ("LATIN7", "ISO-8859-13"),
        ("LATIN7", "ISO8859-13"),
        ("LATIN7", "iso885913"),
        ("LATIN8", "ISO-8859-14"),
        ("LATIN8", "ISO8859-14"),
        ("LATIN8", "iso885914"),
        ("LATIN9", "ISO-8859-15"),
        ("LATIN9", "ISO8859-15"),
        ("LATIN9", "iso885915"),
        ("LATIN10", "ISO-8859-16"),
        ("LATIN10", "ISO8859-16"),
        ("LATIN10", "iso885916"),
        ("WIN1252", "CP1252"),
        ("WIN1253", "CP1253"),
        ("WIN1254", "CP1254"),
        ("WIN1255", "CP1255"),
        ("WIN1256", "CP1256"),
        ("WIN1257", "CP1257"),
        ("WIN1258", "CP1258"),
        ("WIN866", "CP866"),
        ("WIN874", "CP874"),
        ("KOI8R", "KOI8-R"),
        ("WIN1251", "CP1251"),
        ("WIN1250", "CP1250"),
        ("ISO_8859_5", "ISO-8859-5"),
        ("ISO_8859_5", "ISO8859-5"),
        ("ISO_8859_5", "iso88595"),
        ("ISO_8859_6", "ISO-8859-6"),
        ("ISO_8859_6", "ISO8859-6"),
        ("ISO_8859_6", "iso88596"),
        ("ISO_8859_7", "ISO-8859-7"),
        ("ISO_8859_7", "ISO8859-7"),
        ("ISO_8859_7", "iso88597"),
        ("ISO_8859_8", "ISO-8859-8"),
        ("ISO_8859_8", "ISO8859-8"),
        ("ISO_8859_8", "iso88598"),
        ("SQL_ASCII", "US-ASCII"),
        ("SJIS", "SJIS"),
        ("SJIS", "PCK"),
        ("SJIS", "CP932"),
        ("SJIS", "SHIFT_JIS"),
        ("BIG5", "BIG5"),
        ("BIG5", "BIG5HKSCS"),
        ("BIG5", "Big5-HKSCS"),
        ("BIG5", "CP950"),
        ("GBK", "GBK"),
        ("GBK", "CP936"),
        ("UHC", "UHC"),
        ("UHC", "CP949"),
        ("JOHAB", "JOHAB"),
        ("JOHAB", "CP1361"),
        ("GB18030", "GB18030"),
        ("GB18030", "CP54936"),
        ("SHIFT_JIS_2004", "SJIS_2004"),
        ("SQL_ASCII", "ANSI_X3.4-1968"),
        ("SQL_ASCII", "646"),
    ];
    TABLE
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(codeset))
        .map(|(encoding, _)| *encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_client_encoding() {
        assert_eq!(
            from_options("-c client_encoding=LATIN1").as_deref(),
            Some("LATIN1")
        );
        assert_eq!(
            from_options("-cclient-encoding=LATIN1").as_deref(),
            Some("LATIN1")
        );
        assert_eq!(
            from_options("--Client_Encoding=WIN1252 -c search_path=x").as_deref(),
            Some("WIN1252")
        );
        assert_eq!(
            from_options("-c client_encoding=LATIN1  -c client_encoding=UTF8").as_deref(),
            Some("UTF8")
        );
        assert_eq!(
            from_options("-c application_name=a\\ -c\\ client_encoding=x"),
            None
        );
        assert_eq!(from_options("-c search_path=x"), None);
        assert_eq!(from_options(""), None);
    }

    #[test]
    fn parameter_wins_over_options() {
        let opts = Some("-c client_encoding=LATIN1");
        assert_eq!(requested(Some("WIN1252"), opts).as_deref(), Some("WIN1252"));
        assert_eq!(requested(None, opts).as_deref(), Some("LATIN1"));
        assert_eq!(requested(Some(""), opts).as_deref(), Some("LATIN1"));
        assert_eq!(requested(None, None), None);
    }

    #[test]
    fn codesets() {
        assert_eq!(codeset_encoding("UTF-8"), Some("UTF8"));
        assert_eq!(codeset_encoding("ANSI_X3.4-1968"), Some("SQL_ASCII"));
        assert_eq!(codeset_encoding("iso-8859-15"), Some("LATIN9"));
        assert_eq!(codeset_encoding("nonesuch"), None);
    }
}
