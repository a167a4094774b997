//! Property tests: `--exclude-database` patterns convert to an anchored
//! regular expression for every input, and a quoted pattern matches exactly
//! the name it quotes (`PROPTEST_CASES` sets the case count).

use proptest::prelude::*;

use super::pattern::to_regex;
use crate::conn::fuzz_tests::{config, hostile_text};

const PATTERN_ALPHABET: &str = "\"*?.$|+()[]{}^\\ aZ\n";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pattern_converts_to_an_anchored_regex(pattern in hostile_text(PATTERN_ALPHABET, 40)) {
        let converted = to_regex(&pattern);
        prop_assert!(converted.regex.starts_with("^("));
        prop_assert!(converted.regex.ends_with(")$"));
        if converted.dots == 0 {
            prop_assert!(regex::Regex::new(&converted.regex).is_ok(), "{:?}", converted.regex);
        }
    }

    #[test]
    fn quoted_pattern_matches_exactly_its_name(name in hostile_text(PATTERN_ALPHABET, 30)) {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let converted = to_regex(&quoted);
        prop_assert_eq!(converted.dots, 0);
        let re = regex::Regex::new(&converted.regex).expect("valid regex");
        prop_assert!(re.is_match(&name), "{:?} does not match {:?}", converted.regex, name);
        let longer = format!("{name}x");
        prop_assert!(!re.is_match(&longer), "{:?} matches {:?}", converted.regex, longer);
    }
}
