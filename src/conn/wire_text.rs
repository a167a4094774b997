//! Statement text as bytes on the wire.
//!
//! The crate holds all PostgreSQL text as byte strings (`crate::text`:
//! one char per byte), and a SQL_ASCII database may hold names whose bytes
//! are not UTF-8 at all. tokio-postgres takes statement text and the
//! startup's database name as `&str` and writes them as UTF-8, so a byte
//! string's chars U+0080..U+00FF reach this layer as two bytes each.
//! [`Outgoing`] rewrites the frontend's byte stream on its way to the
//! socket, turning those back into the bytes they stand for (exactly what
//! `text::to_bytes` does), in three places only:
//!
//! * the startup packet's `database` value (every database name given to
//!   `Connector::connect` is a byte string), and its `client_encoding`,
//!   dropped (see [`rewrite_startup`]);
//! * a simple Query's text (`Q`);
//! * an extended-protocol Parse's statement text (`P`).
//!
//! Everything else (passwords, SASL, Bind parameters, which `text::Raw`
//! already sends as bytes) passes through untouched. So statement text is
//! always a byte string, whatever the session's encoding: in a UTF8
//! database the byte string of a name is its UTF-8 bytes, in a SQL_ASCII or
//! LATIN1 database its own bytes.
//!
//! [`Incoming`] does the one thing needed the other way: tokio-postgres
//! drops the connection on a ParameterStatus whose value is not UTF-8 (a
//! SQL_ASCII database's `search_path` setting naming a schema in other
//! bytes, reported by PostgreSQL 18), so bytes above 0x7F in those values
//! become `?` (the crate reads none of them but ASCII ones).

/// Startup-phase request codes that are not a startup packet (no
/// `database` to rewrite, and the startup packet still to come).
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
const CANCEL_REQUEST: u32 = 80_877_102;

/// The rewriter of the frontend's byte stream (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Outgoing {
    /// The startup packet has gone out: messages are typed from now on.
    started: bool,
    /// Header bytes of the message being read (4 for a startup-phase
    /// packet, 5 for a typed message).
    head: Vec<u8>,
    /// Body bytes still to come of the current message.
    remaining: usize,
    /// The current message is held whole and rewritten when complete
    /// (else its bytes pass straight through).
    held: Option<Vec<u8>>,
    /// Bytes ready for the socket.
    out: Vec<u8>,
    /// How many bytes of `out` the socket has taken.
    sent: usize,
    /// The requests gone out (for the COPY tap).
    pub(crate) requests: super::copy_tap::Requests,
}

impl Outgoing {
    /// Takes `input` (any split of the stream) and appends what is ready
    /// to [`Outgoing::pending`].
    pub(crate) fn feed(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            if self.remaining == 0 && self.held.is_none() {
                let header = if self.started { 5 } else { 4 };
                let n = (header - self.head.len()).min(input.len());
                self.head.extend_from_slice(&input[..n]);
                input = &input[n..];
                if self.head.len() == header {
                    self.start_message();
                }
                continue;
            }
            let n = self.remaining.min(input.len());
            match &mut self.held {
                Some(body) => body.extend_from_slice(&input[..n]),
                None => self.out.extend_from_slice(&input[..n]),
            }
            input = &input[n..];
            self.remaining -= n;
            if self.remaining == 0 {
                self.finish_held();
            }
        }
    }

    /// A message's header is complete: decide whether to hold it.
    fn start_message(&mut self) {
        let header = std::mem::take(&mut self.head);
        let len_at = header.len() - 4;
        let len = u32::from_be_bytes([
            header[len_at],
            header[len_at + 1],
            header[len_at + 2],
            header[len_at + 3],
        ]) as usize;
        self.remaining = len.saturating_sub(4);
        let rewritten = if self.started {
            if header[0] != b'Q' {
                self.requests.note(header[0], None);
            }
            matches!(header[0], b'Q' | b'P')
        } else {
            true
        };
        if rewritten {
            let mut held = header;
            held.reserve(self.remaining);
            self.held = Some(held);
        } else {
            self.out.extend_from_slice(&header);
        }
        if self.remaining == 0 {
            self.finish_held();
        }
    }

    /// The held message is complete: rewrite it into `out`.
    fn finish_held(&mut self) {
        let Some(message) = self.held.take() else {
            return;
        };
        if self.started {
            if message[0] == b'Q' {
                let text = cstr(&message[5..]).map(|(text, _)| text);
                self.requests.note(b'Q', text);
            }
            let body = match message[0] {
                b'Q' => rewrite_query(&message[5..]),
                _ => rewrite_parse(&message[5..]),
            };
            self.out.push(message[0]);
            push_with_length(&mut self.out, &body);
            return;
        }
        let body = &message[4..];
        let code = body
            .get(..4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        match code {
            Some(SSL_REQUEST | GSSENC_REQUEST | CANCEL_REQUEST) | None => {
                self.out.extend_from_slice(&message);
            }
            Some(_) => {
                self.started = true;
                push_with_length(&mut self.out, &rewrite_startup(body));
            }
        }
    }

    /// The bytes not yet taken by the socket.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// The socket took `n` bytes of [`Outgoing::pending`].
    pub(crate) fn consumed(&mut self, n: usize) {
        self.sent += n;
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }
}

/// Appends the length word (which counts itself) and `body`.
fn push_with_length(out: &mut Vec<u8>, body: &[u8]) {
    let len = u32::try_from(body.len() + 4).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
}

/// The bytes a byte string written as UTF-8 stands for; text that is not
/// UTF-8 (never written by tokio-postgres) is left as it is.
fn wire_bytes(utf8: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(utf8) {
        Ok(text) => crate::text::to_bytes(text),
        Err(_) => utf8.to_vec(),
    }
}

/// Splits off one NUL-terminated string: (string, rest after the NUL).
fn cstr(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&b| b == 0)?;
    Some((&bytes[..end], &bytes[end + 1..]))
}

/// A Query body: the text, NUL.
fn rewrite_query(body: &[u8]) -> Vec<u8> {
    let Some((text, rest)) = cstr(body) else {
        return body.to_vec();
    };
    let mut out = wire_bytes(text);
    out.push(0);
    out.extend_from_slice(rest);
    out
}

/// A Parse body: statement name, NUL, text, NUL, parameter types.
fn rewrite_parse(body: &[u8]) -> Vec<u8> {
    let Some((name, rest)) = cstr(body) else {
        return body.to_vec();
    };
    let Some((text, rest)) = cstr(rest) else {
        return body.to_vec();
    };
    let mut out = name.to_vec();
    out.push(0);
    out.extend_from_slice(&wire_bytes(text));
    out.push(0);
    out.extend_from_slice(rest);
    out
}

/// A startup packet body: protocol version, then NUL-terminated key and
/// value pairs, then NUL. Only `database`'s value is a byte string.
///
/// tokio-postgres always asks for `client_encoding=UTF8`; libpq asks for
/// none unless told to, and the server then starts the session in the
/// database's encoding (or its client_encoding setting). The request is
/// dropped to start as libpq does: a SQL_ASCII database whose settings are
/// not UTF-8 (a `search_path` naming a schema in other bytes) fails the
/// startup of a UTF8 session. The dump sets the encoding it wants right
/// after (`startup_encoding`).
fn rewrite_startup(body: &[u8]) -> Vec<u8> {
    let mut out = body[..4].to_vec();
    let mut rest = &body[4..];
    while let Some((key, after_key)) = cstr(rest) {
        if key.is_empty() {
            break;
        }
        let Some((value, after_value)) = cstr(after_key) else {
            break;
        };
        rest = after_value;
        if key == b"client_encoding" {
            continue;
        }
        out.extend_from_slice(key);
        out.push(0);
        if key == b"database" {
            out.extend_from_slice(&wire_bytes(value));
        } else {
            out.extend_from_slice(value);
        }
        out.push(0);
    }
    out.extend_from_slice(rest);
    out
}

/// The filter of the backend's byte stream (see the module docs): masks
/// non-ASCII bytes of ParameterStatus messages, in place (lengths stay).
#[derive(Debug, Default)]
pub(crate) struct Incoming {
    /// Header bytes of the message being read.
    head: Vec<u8>,
    /// Body bytes still to come of the current message.
    remaining: usize,
    /// The current message is a ParameterStatus.
    masking: bool,
}

impl Incoming {
    /// Looks at (and masks) bytes read from the server, any split.
    pub(crate) fn filter(&mut self, mut bytes: &mut [u8]) {
        while !bytes.is_empty() {
            if self.remaining == 0 {
                let n = (5 - self.head.len()).min(bytes.len());
                self.head.extend_from_slice(&bytes[..n]);
                bytes = &mut bytes[n..];
                if self.head.len() == 5 {
                    let h = &self.head;
                    let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
                    self.remaining = len.saturating_sub(4);
                    self.masking = h[0] == b'S';
                    self.head.clear();
                }
                continue;
            }
            let n = self.remaining.min(bytes.len());
            let (body, rest) = bytes.split_at_mut(n);
            if self.masking {
                for b in body.iter_mut().filter(|b| **b > 0x7F) {
                    *b = b'?';
                }
            }
            bytes = rest;
            self.remaining -= n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(code: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![code];
        push_with_length(&mut m, body);
        m
    }

    fn startup(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut body = 196_608u32.to_be_bytes().to_vec();
        for (k, v) in pairs {
            body.extend_from_slice(k.as_bytes());
            body.push(0);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut m = Vec::new();
        push_with_length(&mut m, &body);
        m
    }

    /// Feeds `stream` one byte at a time and in one piece; both must give
    /// the same output.
    fn run(stream: &[u8]) -> Vec<u8> {
        let mut whole = Outgoing::default();
        whole.feed(stream);
        let mut bytewise = Outgoing::default();
        for b in stream {
            bytewise.feed(std::slice::from_ref(b));
        }
        assert_eq!(whole.pending(), bytewise.pending());
        whole.pending().to_vec()
    }

    #[test]
    fn byte_strings_go_out_as_their_bytes() {
        let name = crate::text::from_bytes(b"d\x80\xff\xe9");
        let query = crate::text::from_bytes(b"LOCK TABLE \"t\xe9\"");
        let mut stream = startup(&[
            ("user", "caf\u{e9}"),
            ("database", &name),
            ("client_encoding", "UTF8"),
        ]);
        stream.extend(typed(b'Q', format!("{query}\0").as_bytes()));
        stream.extend(typed(b'P', format!("s1\0{query}\0\0\0").as_bytes()));
        stream.extend(typed(b'B', "\u{e9}".as_bytes()));
        let out = run(&stream);

        let mut want = Vec::new();
        let mut body = 196_608u32.to_be_bytes().to_vec();
        body.extend_from_slice("user\0caf\u{e9}\0".as_bytes());
        body.extend_from_slice(b"database\0d\x80\xff\xe9\0\0");
        push_with_length(&mut want, &body);
        want.extend(typed(b'Q', b"LOCK TABLE \"t\xe9\"\0"));
        want.extend(typed(b'P', b"s1\0LOCK TABLE \"t\xe9\"\0\0\0"));
        // Bind parameters are not statement text.
        want.extend(typed(b'B', "\u{e9}".as_bytes()));
        assert_eq!(out, want);
    }

    #[test]
    fn ssl_request_passes_before_the_startup() {
        let mut ssl = Vec::new();
        push_with_length(&mut ssl, &SSL_REQUEST.to_be_bytes());
        let mut stream = ssl.clone();
        stream.extend(startup(&[("database", "x")]));
        stream.extend(typed(b'Q', b"SELECT 1\0"));
        assert_eq!(run(&stream), stream);
    }

    #[test]
    fn chars_above_latin1_stay_utf8() {
        let stream = typed(b'Q', "SELECT '\u{263a}'\0".as_bytes());
        let mut o = Outgoing::default();
        o.feed(&startup(&[]));
        let n = o.pending().len();
        o.consumed(n);
        o.feed(&stream);
        o.feed(&typed(b'S', b""));
        let mut want = stream.clone();
        want.extend(typed(b'S', b""));
        assert_eq!(o.pending(), &want[..]);
        let n = o.pending().len();
        o.consumed(3);
        assert_eq!(o.pending(), &want[3..]);
        o.consumed(n - 3);
        assert!(o.pending().is_empty());
    }

    #[test]
    fn parameter_status_is_masked_in_any_split() {
        let mut stream = typed(b'S', b"search_path\0s\xe9\0");
        stream.extend(typed(b'D', b"\xe9"));
        let mut want = typed(b'S', b"search_path\0s?\0");
        want.extend(typed(b'D', b"\xe9"));
        let mut whole = stream.clone();
        Incoming::default().filter(&mut whole);
        assert_eq!(whole, want);
        let mut bytewise = stream.clone();
        let mut f = Incoming::default();
        for b in bytewise.iter_mut() {
            f.filter(std::slice::from_mut(b));
        }
        assert_eq!(bytewise, want);
    }
}
