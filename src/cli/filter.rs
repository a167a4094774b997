//! `--filter=FILE`: pg_dump's filter-file syntax, of which pg_dumpall
//! accepts only `exclude database PATTERN` lines.

use std::io::Read;
use std::path::Path;

/// Reads the exclusion patterns of one filter file (`-` is standard input).
pub(crate) fn read_filter_file(path: &Path) -> Result<Vec<String>, String> {
    let shown = path.display().to_string();
    let mut raw = Vec::new();
    let result = if shown == "-" {
        std::io::stdin().read_to_end(&mut raw)
    } else {
        std::fs::File::open(path)
            .map_err(|e| {
                format!(
                    "could not open filter file \"{shown}\": {}",
                    crate::output::strerror(&e)
                )
            })?
            .read_to_end(&mut raw)
    };
    result.map_err(|e| {
        format!(
            "could not read filter file \"{shown}\": {}",
            crate::output::strerror(&e)
        )
    })?;
    parse_filter(&crate::text::from_bytes(&raw), &shown)
}

/// Parses filter-file text (a byte string).
pub(crate) fn parse_filter(content: &str, source_name: &str) -> Result<Vec<String>, String> {
    let mut patterns = Vec::new();
    let lines: Vec<&str> = content.split('\n').collect();
    let mut index = 0;
    while index < lines.len() {
        let line_no = index + 1;
        let err = |msg: &str| {
            format!("invalid format in filter read from file \"{source_name}\" on line {line_no}: {msg}")
        };
        let line = lines[index].trim_end_matches('\r');
        index += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let rest = exclude_database_command(trimmed).map_err(|m| err(&m))?;
        let pattern = read_pattern(rest.trim_start(), &lines, &mut index).map_err(err)?;
        if pattern.is_empty() {
            return Err(err("missing object name pattern"));
        }
        patterns.push(pattern);
    }
    Ok(patterns)
}

/// Object types a filter file may name (pg_dump's); pg_dumpall takes only
/// `exclude database`.
const FILTER_OBJECTS: [&str; 11] = [
    "table_and_children",
    "table_data_and_children",
    "table_data",
    "table",
    "schema",
    "foreign_data",
    "function",
    "index",
    "extension",
    "trigger",
    "database",
];

/// Checks that a line is `exclude database ...`; returns the rest of it,
/// or pg_dumpall's complaint.
fn exclude_database_command(line: &str) -> Result<&str, String> {
    let (command, rest) = split_word(line);
    let include = if command.eq_ignore_ascii_case("include") {
        true
    } else if command.eq_ignore_ascii_case("exclude") {
        false
    } else {
        return Err("invalid filter command (expected \"include\" or \"exclude\")".into());
    };
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return Err("missing filter object type".into());
    }
    let (object, rest) = split_word(rest);
    let object_lc = object.to_ascii_lowercase();
    if !FILTER_OBJECTS.contains(&object_lc.as_str()) {
        return Err(format!("unsupported filter object type: \"{object}\""));
    }
    if object_lc != "database" {
        return Err("unsupported filter object".into());
    }
    if include {
        return Err("include filter for \"database\" is not allowed".into());
    }
    Ok(rest)
}

/// The pattern that starts `text`: it runs to the end of the line (or an
/// unquoted '#'); a quoted part may span lines, taken from `lines` at
/// `*index` on.
fn read_pattern(text: &str, lines: &[&str], index: &mut usize) -> Result<String, &'static str> {
    let mut pattern = String::new();
    let mut text = text.to_string();
    let mut in_quotes = false;
    loop {
        let mut ended = false;
        for c in text.chars() {
            if c == '"' {
                in_quotes = !in_quotes;
            } else if c == '#' && !in_quotes {
                ended = true;
                break;
            }
            pattern.push(c);
        }
        if ended || !in_quotes {
            break;
        }
        if *index >= lines.len() {
            return Err("unexpected end of file");
        }
        pattern.push('\n');
        text = lines[*index].trim_end_matches('\r').to_string();
        *index += 1;
    }
    Ok(pattern.trim_end().to_string())
}

fn split_word(s: &str) -> (&str, &str) {
    match s.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exclusions_with_comments_and_spaces() {
        let got = parse_filter(
            "exclude database foo\n# c\n\nEXCLUDE DATABASE a b \n exclude  database\tx # c\nexclude database \"q r\"\n",
            "f",
        )
        .unwrap();
        assert_eq!(got, vec!["foo", "a b", "x", "\"q r\""]);
    }

    #[test]
    fn rejects_what_pg_dumpall_rejects() {
        let e = |s: &str| parse_filter(s, "ff").unwrap_err();
        assert_eq!(
            e("exclude database foo\n\ninclude database x\n"),
            "invalid format in filter read from file \"ff\" on line 3: include filter for \"database\" is not allowed"
        );
        assert_eq!(
            e("exclude table foo\n"),
            "invalid format in filter read from file \"ff\" on line 1: unsupported filter object"
        );
        assert_eq!(
            e("exclude database\n"),
            "invalid format in filter read from file \"ff\" on line 1: missing object name pattern"
        );
        assert_eq!(
            e("bogus database x\n"),
            "invalid format in filter read from file \"ff\" on line 1: invalid filter command (expected \"include\" or \"exclude\")"
        );
        assert_eq!(
            e("exclude\n"),
            "invalid format in filter read from file \"ff\" on line 1: missing filter object type"
        );
        assert_eq!(
            e("exclude database \"unterminated\n"),
            "invalid format in filter read from file \"ff\" on line 1: unexpected end of file"
        );
    }
}
