//! `-j NUM` / `--jobs=NUM`: not a pg_dumpall option, so it is read the way
//! pg_dump reads its own `-j` (strtol, blanks allowed around the number,
//! 1 to INT_MAX), with pg_dump's messages.

/// pg_dump's name for the option in its messages.
const NAME: &str = "-j/--jobs";

/// The number of jobs `value` asks for, or pg_dump's error message.
pub(crate) fn parse_jobs(value: &str) -> Result<usize, String> {
    let invalid = || format!("invalid value \"{value}\" for option {NAME}");
    let range = || format!("{NAME} must be in range 1..{}", i32::MAX);
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let body = value.trim_start_matches(blank);
    let (negative, digits) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 && value.chars().all(blank) {
        // strtol reads nothing, and what is left is blanks: the value 0.
        return Err(range());
    }
    if end == 0 || !digits[end..].chars().all(blank) {
        return Err(invalid());
    }
    match digits[..end].parse::<u64>() {
        Ok(n) if !negative && n >= 1 && n <= i32::MAX as u64 => Ok(n as usize),
        _ => Err(range()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_values_as_pg_dump_reads_them() {
        assert_eq!(parse_jobs("4"), Ok(4));
        assert_eq!(parse_jobs(" +2 "), Ok(2));
        assert_eq!(parse_jobs("2147483647"), Ok(2147483647));
        let range = Err("-j/--jobs must be in range 1..2147483647".to_string());
        assert_eq!(parse_jobs("0"), range);
        assert_eq!(parse_jobs("-3"), range);
        assert_eq!(parse_jobs("2147483648"), range);
        assert_eq!(parse_jobs("99999999999999999999999"), range);
        assert_eq!(parse_jobs(""), range);
        assert_eq!(parse_jobs(" "), range);
        for bad in ["abc", "2x", "-", "+", "- 1"] {
            assert_eq!(
                parse_jobs(bad),
                Err(format!("invalid value \"{bad}\" for option -j/--jobs"))
            );
        }
    }
}
