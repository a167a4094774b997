//! Parsing a connection URI (`postgresql://...`) into keyword/value
//! pairs, as libpq's `conninfo_uri_parse_options` does.

use super::conninfo::{store, uri_decode, uri_prefix_length};

/// The byte at `i`, or 0 past the end (as reading libpq's C string).
fn byte_at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// `conninfo_uri_parse_options`:
/// `postgresql://[user[:password]@][host][:port][,...][/dbname][?k=v&...]`.
pub(super) fn parse_uri(uri: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let b = uri.as_bytes();
    let n = b.len();
    let p = parse_uri_credentials(uri, uri_prefix_length(uri), &mut out)?;
    let (mut p, mut prevchar) = parse_uri_hosts(uri, p, &mut out)?;
    if prevchar != 0 && prevchar != b'?' {
        p += 1;
        let dstart = p;
        while p < n && b[p] != b'?' {
            p += 1;
        }
        let dbname = &uri[dstart..p];
        prevchar = byte_at(b, p);
        if !dbname.is_empty() {
            let dbname = uri_decode(dbname)?;
            store(&mut out, "dbname", &dbname, false)?;
        }
    }
    if prevchar != 0 {
        parse_uri_params(&uri[p + 1..], &mut out)?;
    }
    Ok(out)
}

/// The optional `user[:password]@` part of a URI starting at `start`;
/// returns where the host list starts.
fn parse_uri_credentials(
    uri: &str,
    start: usize,
    out: &mut Vec<(String, String)>,
) -> Result<usize, String> {
    let b = uri.as_bytes();
    let n = b.len();
    let mut p = start;
    // Look ahead for user credentials.
    while p < n && b[p] != b'@' && b[p] != b'/' {
        p += 1;
    }
    if byte_at(b, p) != b'@' {
        return Ok(start);
    }
    let at_pos = p;
    let mut q = start;
    while q < at_pos && b[q] != b':' {
        q += 1;
    }
    let user = &uri[start..q];
    if !user.is_empty() {
        let user = uri_decode(user)?;
        store(out, "user", &user, false)?;
    }
    if q < at_pos {
        let password = &uri[q + 1..at_pos];
        if !password.is_empty() {
            let password = uri_decode(password)?;
            store(out, "password", &password, false)?;
        }
    }
    Ok(at_pos + 1)
}

/// The comma-separated `host[:port]` list of a URI starting at `p`, stored
/// as the `host` and `port` lists; returns where it ends and the byte
/// there (0 at the end of the URI).
fn parse_uri_hosts(
    uri: &str,
    mut p: usize,
    out: &mut Vec<(String, String)>,
) -> Result<(usize, u8), String> {
    let b = uri.as_bytes();
    let n = b.len();
    let mut hostbuf = String::new();
    let mut portbuf = String::new();
    let mut prevchar;
    loop {
        let (host, end) = parse_uri_host(uri, p)?;
        p = end;
        hostbuf.push_str(host);
        prevchar = byte_at(b, p);
        if prevchar == b':' {
            p += 1;
            let pstart = p;
            while p < n && !matches!(b[p], b'/' | b'?' | b',') {
                p += 1;
            }
            portbuf.push_str(&uri[pstart..p]);
            prevchar = byte_at(b, p);
        }
        if prevchar != b',' {
            break;
        }
        p += 1;
        hostbuf.push(',');
        portbuf.push(',');
    }
    if !hostbuf.is_empty() {
        let host = uri_decode(&hostbuf)?;
        store(out, "host", &host, false)?;
    }
    if !portbuf.is_empty() {
        let port = uri_decode(&portbuf)?;
        store(out, "port", &port, false)?;
    }
    Ok((p, prevchar))
}

/// One host of a URI's host list starting at `p`: a name or address, or an
/// IPv6 address in brackets; returns it and where it ends.
fn parse_uri_host(uri: &str, mut p: usize) -> Result<(&str, usize), String> {
    let b = uri.as_bytes();
    let n = b.len();
    if byte_at(b, p) != b'[' {
        let hstart = p;
        while p < n && !matches!(b[p], b':' | b'/' | b'?' | b',') {
            p += 1;
        }
        return Ok((&uri[hstart..p], p));
    }
    p += 1;
    let hstart = p;
    while p < n && b[p] != b']' {
        p += 1;
    }
    if p >= n {
        return Err(format!(
            "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"{uri}\""
        ));
    }
    if p == hstart {
        return Err(format!(
            "IPv6 host address may not be empty in URI: \"{uri}\""
        ));
    }
    let host = &uri[hstart..p];
    p += 1;
    let c = byte_at(b, p);
    if c != 0 && c != b':' && c != b'/' && c != b'?' && c != b',' {
        let ch = uri[p..].chars().next().unwrap_or('?');
        return Err(format!(
            "unexpected character \"{ch}\" at position {} in URI (expected \":\" or \"/\"): \"{uri}\"",
            p + 1
        ));
    }
    Ok((host, p))
}

/// `conninfo_uri_parse_params`: `k=v&k=v`.
fn parse_uri_params(params: &str, out: &mut Vec<(String, String)>) -> Result<(), String> {
    let mut rest = params;
    while !rest.is_empty() {
        let (item, next) = match rest.find('&') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let Some(eq) = item.find('=') else {
            return Err(format!(
                "missing key/value separator \"=\" in URI query parameter: \"{item}\""
            ));
        };
        let keyword = &item[..eq];
        let value = &item[eq + 1..];
        if value.contains('=') {
            return Err(format!(
                "extra key/value separator \"=\" in URI query parameter: \"{keyword}\""
            ));
        }
        let keyword = uri_decode(keyword)?;
        let value = uri_decode(value)?;
        if keyword == "ssl" && value == "true" {
            store(out, "sslmode", "require", true)?;
        } else {
            store(out, &keyword, &value, true)?;
        }
        rest = next;
    }
    Ok(())
}
