//! Streaming compression as pg_dump writes it: gzip (a gzip member, as in
//! pg_dump's `.gz` files and `pg_dump -Fp -Z gzip` output), lz4 (an LZ4
//! frame, `.lz4`), zstd (a zstd frame, `.zst`) or none. Memory stays
//! bounded whatever the size of the stream: each encoder holds at most one
//! block (gzip 32 KiB, lz4 64 KiB, zstd its window: 8 MiB at the default
//! level, 128 MiB with `long`, as pg_dump's own).
//!
//! lz4_flex has one speed: lz4 levels are accepted (`-Z lz4:9`) and
//! written in its fast mode; the frames are standard and every lz4 reader,
//! pg_restore's included, reads them.
//!
//! The readers decode what any of the writers, or pg_dump, wrote; the
//! verifier and the tests use them.

mod lz4_frames;
mod spec;

pub(crate) use spec::{parse, Compression, Method, SpecError};

use std::io::{self, BufRead, Read, Write};

/// A writer that compresses into `W` by one [`Compression`]. Call
/// [`Encoder::finish`] to write the stream's trailer; dropping an encoder
/// unfinished leaves a truncated stream, which readers reject.
pub(crate) struct Encoder<W: Write> {
    inner: Inner<W>,
}

enum Inner<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Lz4(Box<lz4_flex::frame::FrameEncoder<W>>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// Starts a compressed stream into `out`.
    pub(crate) fn new(out: W, how: &Compression) -> io::Result<Encoder<W>> {
        let inner = match how.method {
            Method::None => Inner::Plain(out),
            Method::Gzip => {
                let level = match how.level {
                    // zlib's Z_DEFAULT_COMPRESSION.
                    -1 => flate2::Compression::default(),
                    n => flate2::Compression::new(n.clamp(0, 9).unsigned_abs()),
                };
                Inner::Gzip(
                    flate2::GzBuilder::new()
                        .operating_system(3)
                        .write(out, level),
                )
            }
            Method::Lz4 => {
                // Content checksum: a damaged file fails to decode rather
                // than yielding wrong rows.
                let info = lz4_flex::frame::FrameInfo::new().content_checksum(true);
                Inner::Lz4(Box::new(lz4_flex::frame::FrameEncoder::with_frame_info(
                    info, out,
                )))
            }
            Method::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(out, how.level)?;
                z.include_checksum(true)?;
                if how.long_distance {
                    z.long_distance_matching(true)?;
                }
                Inner::Zstd(z)
            }
        };
        Ok(Encoder { inner })
    }

    /// Ends the stream (trailer, checksum) and hands back the writer.
    pub(crate) fn finish(self) -> io::Result<W> {
        match self.inner {
            Inner::Plain(w) => Ok(w),
            Inner::Gzip(g) => g.finish(),
            Inner::Lz4(l) => l.finish().map_err(io::Error::other),
            Inner::Zstd(z) => z.finish(),
        }
    }

    /// The writer underneath (for its position or to flush it).
    pub(crate) fn get_mut(&mut self) -> &mut W {
        match &mut self.inner {
            Inner::Plain(w) => w,
            Inner::Gzip(g) => g.get_mut(),
            Inner::Lz4(l) => l.get_mut(),
            Inner::Zstd(z) => z.get_mut(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(w) => w.write(buf),
            Inner::Gzip(g) => g.write(buf),
            Inner::Lz4(l) => l.write(buf),
            Inner::Zstd(z) => z.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(w) => w.write_all(buf),
            Inner::Gzip(g) => g.write_all(buf),
            Inner::Lz4(l) => l.write_all(buf),
            Inner::Zstd(z) => z.write_all(buf),
        }
    }

    /// Flushes what the encoder holds as a complete block (a sync point):
    /// a reader of a pipe sees everything written so far.
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(w) => w.flush(),
            Inner::Gzip(g) => g.flush(),
            Inner::Lz4(l) => l.flush(),
            Inner::Zstd(z) => z.flush(),
        }
    }
}

/// A reader of a stream written with `method`. gzip members and zstd or
/// lz4 frames may follow each other, as concatenated files do; each is
/// checked (CRC, checksum) as it ends, and an input that ends inside one
/// is an error.
pub(crate) fn decoder<'a, R: BufRead + 'a>(
    method: Method,
    input: R,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match method {
        Method::None => Box::new(input),
        Method::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Method::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(
            lz4_frames::FrameTracker::new(input),
        )),
        Method::Zstd => {
            let mut z = zstd::stream::read::Decoder::with_buffer(input)?;
            // Accept the largest window a frame may declare (`long` uses
            // 128 MiB, over the library's default limit on some levels).
            z.window_log_max(31)?;
            Box::new(z)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const METHODS: [Method; 4] = [Method::None, Method::Gzip, Method::Lz4, Method::Zstd];

    fn sample(len: usize) -> Vec<u8> {
        // Compressible but not trivial: COPY-like rows with a counter.
        let mut out = Vec::with_capacity(len);
        let mut i = 0u64;
        while out.len() < len {
            out.extend_from_slice(
                format!("{i}\t{}\tsome text\n", i.wrapping_mul(2654435761)).as_bytes(),
            );
            i += 1;
        }
        out.truncate(len);
        out
    }

    fn compress(data: &[u8], how: &Compression, chunk: usize) -> Vec<u8> {
        let mut enc = Encoder::new(Vec::new(), how).unwrap();
        for piece in data.chunks(chunk.max(1)) {
            enc.write_all(piece).unwrap();
        }
        enc.finish().unwrap()
    }

    fn decompress(method: Method, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decoder(method, io::BufReader::new(bytes))?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn every_method_round_trips_byte_for_byte() {
        for len in [0, 1, 65535, 65536, 65537, 1_000_000] {
            let data = sample(len);
            for spec in [
                "none",
                "gzip",
                "gzip:1",
                "gzip:9",
                "lz4",
                "lz4:12",
                "zstd",
                "zstd:level=-5",
                "zstd:19",
                "zstd:long",
            ] {
                let how = parse(spec).unwrap();
                let packed = compress(&data, &how, 7919);
                assert_eq!(
                    decompress(how.method, &packed).unwrap(),
                    data,
                    "{spec} {len}"
                );
                if how.method != Method::None && len >= 65536 {
                    assert!(
                        packed.len() < data.len() * 4 / 5,
                        "{spec} {len}: {}",
                        packed.len()
                    );
                }
            }
        }
    }

    #[test]
    fn magic_bytes_are_those_of_pg_dumps_files() {
        let data = sample(1000);
        let magic = |spec: &str| compress(&data, &parse(spec).unwrap(), 100)[..4].to_vec();
        assert_eq!(magic("gzip")[..2], [0x1f, 0x8b]);
        assert_eq!(magic("lz4"), [0x04, 0x22, 0x4d, 0x18]);
        assert_eq!(magic("zstd"), [0x28, 0xb5, 0x2f, 0xfd]);
        assert_eq!(magic("none"), data[..4]);
    }

    #[test]
    fn a_flush_makes_everything_so_far_readable() {
        for method in METHODS {
            let how = Compression::default_for(method);
            let mut enc = Encoder::new(Vec::new(), &how).unwrap();
            enc.write_all(b"first part\n").unwrap();
            enc.flush().unwrap();
            let so_far = enc.get_mut().clone();
            assert!(!so_far.is_empty(), "{method:?}");
            enc.write_all(b"second\n").unwrap();
            let all = enc.finish().unwrap();
            assert_eq!(decompress(method, &all).unwrap(), b"first part\nsecond\n");
        }
    }

    #[test]
    fn damaged_or_truncated_streams_fail_to_decode() {
        let data = sample(300_000);
        for method in [Method::Gzip, Method::Lz4, Method::Zstd] {
            let packed = compress(&data, &Compression::default_for(method), 4096);
            for cut in [1, 4, 5, 8, 9, 13, packed.len() / 2, packed.len() - 1] {
                let truncated = &packed[..packed.len() - cut];
                assert!(
                    decompress(method, truncated).is_err(),
                    "{method:?} cut by {cut}"
                );
            }
            let mut flipped = packed.clone();
            let at = flipped.len() / 2;
            flipped[at] ^= 0x40;
            assert!(
                decompress(method, &flipped).is_err(),
                "{method:?} flipped byte decoded"
            );
        }
    }

    #[test]
    fn empty_input_is_an_empty_stream_and_garbage_is_an_error() {
        for method in METHODS {
            assert_eq!(
                decompress(method, b"").unwrap_or_default(),
                b"",
                "{method:?}"
            );
        }
        for method in [Method::Gzip, Method::Lz4, Method::Zstd] {
            assert!(
                decompress(method, b"plain text, not compressed").is_err(),
                "{method:?}"
            );
        }
    }

    #[test]
    fn command_line_tools_read_our_streams() {
        // gzip, lz4 and zstd as installed: the formats are the standard
        // ones pg_restore reads. Tools not installed are not run.
        let data = sample(200_000);
        for (method, tool) in [
            (Method::Gzip, "gzip"),
            (Method::Lz4, "lz4"),
            (Method::Zstd, "zstd"),
        ] {
            let Ok(status) = std::process::Command::new(tool).arg("--version").output() else {
                continue;
            };
            if !status.status.success() {
                continue;
            }
            let packed = compress(&data, &Compression::default_for(method), 1000);
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join(format!("x.dat{}", method.suffix()));
            std::fs::write(&file, &packed).unwrap();
            let out = std::process::Command::new(tool)
                .args(["-d", "-c"])
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{tool}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.stdout, data, "{tool}");
            // And the other way: the tool's own stream (lz4's has linked
            // blocks, as liblz4 writes for pg_dump) decodes here.
            let theirs = std::process::Command::new(tool)
                .args(["-c"])
                .arg(dir.path().join("plain"))
                .output();
            std::fs::write(dir.path().join("plain"), &data).unwrap();
            let theirs = theirs.and_then(|_| {
                std::process::Command::new(tool)
                    .args(["-c"])
                    .arg(dir.path().join("plain"))
                    .output()
            });
            let theirs = theirs.unwrap();
            assert!(theirs.status.success(), "{tool}");
            assert_eq!(decompress(method, &theirs.stdout).unwrap(), data, "{tool}");
        }
    }
}
