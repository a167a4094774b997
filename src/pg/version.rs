//! Server versions: `server_version_num` (e.g. 170004) compared by major
//! release, instead of raw numbers at every place a query or statement
//! depends on the server.

/// Whether a server of `server_version_num` is release `major` or later.
pub(crate) fn at_least(server_version_num: i32, major: i32) -> bool {
    server_version_num >= major * 10000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors() {
        assert!(at_least(180006, 18));
        assert!(at_least(180000, 18));
        assert!(!at_least(179999, 18));
        assert!(at_least(140023, 14));
        assert!(!at_least(140023, 15));
    }
}
