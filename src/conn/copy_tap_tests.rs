//! Tests of the COPY tap (a child module of `copy_tap`: they read its
//! private state).

use super::*;

fn msg(code: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![code];
    m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn messages(list: &[(u8, &[u8])]) -> Vec<u8> {
    list.iter()
        .flat_map(|(code, body)| msg(*code, body))
        .collect()
}

fn drain(feed: &CopyFeed) -> (Vec<u8>, bool) {
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut data = Vec::new();
    loop {
        match feed.poll_chunk(&mut cx) {
            Poll::Ready(Some(c)) => data.extend(c),
            Poll::Ready(None) => return (data, true),
            Poll::Pending => return (data, false),
        }
    }
}

/// A tapped COPY between two other requests, fed whole and one byte
/// at a time: the data goes to the feed, tokio-postgres sees the rest.
#[test]
fn tapped_copy_data_goes_to_its_feed_in_any_split() {
    let (select, ready) = ((b'C', &b"SELECT 0\0"[..]), (b'Z', &b"I"[..]));
    let (notice, done) = ((b'N', &b"notice"[..]), (b'C', &b"COPY 2\0"[..]));
    let stream = messages(&[
        (b'T', b"rowdesc"),
        ready,
        (b'H', b"\0\0\0"),
        (b'd', b"1\tone\n"),
        notice,
        (b'd', b"2\ttwo\n"),
        (b'c', b""),
        done,
        ready,
        select,
        ready,
    ]);
    let expected = messages(&[
        (b'T', b"rowdesc"),
        ready,
        notice,
        done,
        ready,
        select,
        ready,
    ]);
    for bytewise in [false, true] {
        let tap = CopyTap::default();
        let feed = tap.arm("COPY t TO stdout");
        let mut requests = Requests::default();
        requests.note(b'S', None);
        requests.note(b'Q', Some(b"COPY t TO stdout"));
        requests.note(b'Q', Some(b"SELECT 1"));
        tap.sent(requests.sent.drain(..));
        let mut reader = TapReader::new(tap.clone());
        let mut out = Vec::new();
        if bytewise {
            for b in &stream {
                reader.process(std::slice::from_ref(b), &mut out);
            }
        } else {
            reader.process(&stream, &mut out);
        }
        assert_eq!(out, expected);
        assert_eq!(drain(&feed), (b"1\tone\n2\ttwo\n".to_vec(), true));
        assert!(feed.started());
        assert_eq!(feed.rows(), 2);
        assert!(lock(&tap.0).on_wire.is_empty());
    }
}

/// A COPY the server refuses: the error passes through, the feed ends
/// without having started; an untapped COPY passes through whole.
#[test]
fn refused_and_untapped_copies_pass_through() {
    let tap = CopyTap::default();
    let feed = tap.arm("COPY gone TO stdout");
    let mut requests = Requests::default();
    requests.note(b'Q', Some(b"COPY gone TO stdout"));
    requests.note(b'Q', Some(b"COPY other TO stdout"));
    tap.sent(requests.sent.drain(..));
    let mut stream = msg(b'E', b"error");
    stream.extend(msg(b'Z', b"I"));
    stream.extend(msg(b'H', b"\0\0\0"));
    stream.extend(msg(b'd', b"x\n"));
    stream.extend(msg(b'c', b""));
    stream.extend(msg(b'C', b"COPY 1\0"));
    stream.extend(msg(b'Z', b"I"));
    let mut reader = TapReader::new(tap.clone());
    let mut out = Vec::new();
    reader.process(&stream, &mut out);
    assert_eq!(out, stream);
    assert_eq!(drain(&feed), (Vec::new(), true));
    assert!(!feed.started());
}

/// An error in the middle of the data ends the diversion; the data
/// before it stays with the feed, the error goes to tokio-postgres.
#[test]
fn an_error_mid_copy_passes_through() {
    let tap = CopyTap::default();
    let feed = tap.arm("COPY t TO stdout");
    tap.sent([Some("COPY t TO stdout".to_string())].into_iter());
    let mut stream = msg(b'H', b"\0\0\0");
    stream.extend(msg(b'd', b"1\n"));
    stream.extend(msg(b'E', b"boom"));
    stream.extend(msg(b'Z', b"E"));
    let mut reader = TapReader::new(tap.clone());
    let mut out = Vec::new();
    reader.process(&stream, &mut out);
    let mut expected = msg(b'E', b"boom");
    expected.extend(msg(b'Z', b"E"));
    assert_eq!(out, expected);
    assert_eq!(drain(&feed), (b"1\n".to_vec(), true));
    assert!(feed.started());
}

/// A closed connection ends armed and sent feeds; a dropped reader's
/// feed takes no data and never blocks the connection.
#[test]
fn closing_ends_feeds_and_abandoned_feeds_drop_data() {
    let tap = CopyTap::default();
    let armed = tap.arm("COPY a TO stdout");
    let sent = tap.arm("COPY b TO stdout");
    tap.sent([Some("COPY b TO stdout".to_string())].into_iter());
    assert_eq!(drain(&sent), (Vec::new(), false));
    tap.close();
    assert_eq!(drain(&armed), (Vec::new(), true));
    assert_eq!(drain(&sent), (Vec::new(), true));
    assert_eq!(drain(&tap.arm("COPY c TO stdout")), (Vec::new(), true));

    let tap = CopyTap::default();
    let feed = tap.arm("COPY t TO stdout");
    tap.sent([Some("COPY t TO stdout".to_string())].into_iter());
    drop(feed);
    let mut reader = TapReader::new(tap.clone());
    let mut out = Vec::new();
    let mut stream = msg(b'H', b"\0\0\0");
    stream.extend(msg(b'd', &vec![b'x'; HELD_CAP + 10]));
    reader.process(&stream, &mut out);
    let waker = futures_util::task::noop_waker();
    assert!(!reader.blocked(&mut Context::from_waker(&waker)));
    assert!(out.is_empty());
}

/// The feeds of a connection hold at most HELD_CAP bytes together
/// before reading stops, whichever COPYs they belong to; reading
/// resumes once a reader has taken enough.
#[test]
fn reading_stops_while_the_feeds_hold_the_cap() {
    let tap = CopyTap::default();
    let (a, b) = (tap.arm("COPY a TO stdout"), tap.arm("COPY b TO stdout"));
    let sent = ["COPY a TO stdout", "COPY b TO stdout"].map(|t| Some(t.to_string()));
    tap.sent(sent.into_iter());
    let half = vec![b'x'; HELD_CAP / 2];
    let copy = |data: &[u8]| {
        let mut m = msg(b'H', b"\0\0\0");
        m.extend(msg(b'd', data));
        m.extend(messages(&[(b'c', b""), (b'C', b"COPY 1\0"), (b'Z', b"I")]));
        m
    };
    let mut reader = TapReader::new(tap.clone());
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut out = Vec::new();
    reader.process(&copy(&half), &mut out);
    assert!(!reader.blocked(&mut cx));
    reader.process(&copy(&half), &mut out);
    assert!(reader.blocked(&mut cx));
    assert_eq!(drain(&a).0.len(), HELD_CAP / 2);
    assert!(!reader.blocked(&mut cx));
    drop(b);
    assert_eq!(lock(&tap.1.bytes).0, 0);
    assert_eq!(
        out,
        messages(&[(b'C', b"COPY 1\0"), (b'Z', b"I")]).repeat(2)
    );
}
