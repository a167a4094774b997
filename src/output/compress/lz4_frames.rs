//! A pass-through reader that follows the LZ4 frame structure of the bytes
//! it hands on and turns an end of input inside a frame into an error.
//!
//! lz4_flex's frame decoder takes an end of input at a block boundary (or
//! inside a block header or the end mark) as the end of the stream, so a
//! file cut there would read as whole. The verifier must see that cut:
//! this reader sits under the decoder and knows where every frame ends.

use std::io::{self, Read};

/// The LZ4 frame magic number, little-endian on disk.
const FRAME_MAGIC: u32 = 0x184D_2204;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames (the only place the input may end), collecting the
    /// next magic number.
    Magic,
    /// The frame descriptor: FLG, BD, optional content size and dictionary
    /// id, header checksum.
    Descriptor,
    /// A block's 4-byte size (0: the end mark).
    BlockSize,
    /// The 4-byte content checksum after the end mark.
    ContentChecksum,
    /// A skippable frame's 4-byte length.
    SkippableSize,
    /// Skipping bytes: block data and checksum (then a block size), or a
    /// skippable frame's contents (then a magic number).
    Skip { left: u64, then: Then },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    BlockSize,
    Magic,
}

pub(crate) struct FrameTracker<R> {
    inner: R,
    state: State,
    /// Bytes of the current fixed-size field collected so far.
    field: Vec<u8>,
    block_checksums: bool,
    content_checksum: bool,
}

impl<R: Read> FrameTracker<R> {
    pub(crate) fn new(inner: R) -> FrameTracker<R> {
        FrameTracker {
            inner,
            state: State::Magic,
            field: Vec::with_capacity(16),
            block_checksums: false,
            content_checksum: false,
        }
    }

    fn follow(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if let State::Skip { left, then } = self.state {
                let take = left.min(bytes.len() as u64);
                bytes = &bytes[take as usize..];
                self.state = match (left - take, then) {
                    (0, Then::BlockSize) => State::BlockSize,
                    (0, Then::Magic) => State::Magic,
                    (rest, then) => State::Skip { left: rest, then },
                };
                continue;
            }
            let want = self.field_len();
            let take = (want - self.field.len()).min(bytes.len());
            self.field.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            // (The descriptor's length is known once its first byte is in.)
            if self.field.len() == self.field_len() {
                self.field_done()?;
            }
        }
        Ok(())
    }

    fn field_len(&self) -> usize {
        match self.state {
            State::Descriptor => match self.field.first() {
                None => 1,
                // FLG, BD and the header checksum; FLG bit 3 adds the
                // content size (8 bytes), bit 0 the dictionary id (4).
                Some(flg) => {
                    3 + if flg & 0x08 != 0 { 8 } else { 0 } + if flg & 0x01 != 0 { 4 } else { 0 }
                }
            },
            _ => 4,
        }
    }

    fn field_done(&mut self) -> io::Result<()> {
        let field = std::mem::take(&mut self.field);
        // The 4-byte fields are little-endian words (the descriptor is not).
        let word = match field[..] {
            [a, b, c, d] => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        };
        self.state = match self.state {
            State::Magic if word == FRAME_MAGIC => State::Descriptor,
            State::Magic if word & 0xFFFF_FFF0 == 0x184D_2A50 => State::SkippableSize,
            State::Magic => return Err(invalid("not an LZ4 frame (bad magic number)")),
            State::SkippableSize => skip(u64::from(word), Then::Magic),
            State::Descriptor => {
                self.block_checksums = field[0] & 0x10 != 0;
                self.content_checksum = field[0] & 0x04 != 0;
                State::BlockSize
            }
            State::BlockSize => match word & 0x7FFF_FFFF {
                0 if self.content_checksum => State::ContentChecksum,
                0 => State::Magic,
                size => {
                    let checksum = if self.block_checksums { 4 } else { 0 };
                    skip(u64::from(size) + checksum, Then::BlockSize)
                }
            },
            State::ContentChecksum => State::Magic,
            State::Skip { .. } => self.state,
        };
        Ok(())
    }
}

fn skip(left: u64, then: Then) -> State {
    match (left, then) {
        (0, Then::BlockSize) => State::BlockSize,
        (0, Then::Magic) => State::Magic,
        _ => State::Skip { left, then },
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Not `UnexpectedEof`: lz4_flex takes that kind for a clean end.
fn cut() -> io::Error {
    invalid("LZ4 stream ends inside a frame (truncated)")
}

impl<R: Read> Read for FrameTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            // An empty input is an empty stream; anything else must end
            // between frames.
            if self.state != State::Magic || !self.field.is_empty() {
                return Err(cut());
            }
            return Ok(0);
        }
        self.follow(&buf[..n])?;
        Ok(n)
    }
}
