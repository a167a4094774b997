//! Property test: the `--filter` file parser gives patterns or an error
//! for every input, never a panic (`PROPTEST_CASES` sets the case count).

use proptest::prelude::*;

use crate::conn::fuzz_tests::{config, hostile_text};

/// Filter-file text: keyword-shaped lines mixed with quoting and comments.
fn filter_input() -> BoxedStrategy<String> {
    let line = prop_oneof![
        Just("exclude database ".to_string()),
        Just("include database ".to_string()),
        Just("exclude table ".to_string()),
        Just("exclude database \"".to_string()),
        Just("# ".to_string()),
        Just(String::new()),
    ];
    proptest::collection::vec((line, hostile_text("\"\n \t#*?.excludedatabase", 30)), 0..8)
        .prop_map(|lines| {
            lines
                .into_iter()
                .map(|(head, tail)| format!("{head}{tail}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .boxed()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn filter_parse_never_panics(text in filter_input()) {
        let _ = super::filter::parse_filter(&text, "fuzz");
    }
}
