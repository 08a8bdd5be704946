//! A gzip stream put together per response from parts compressed once (ADR 056).
//!
//! A cached page differs between responses only in its holes (`page_cache`): the CSP nonce,
//! the masked CSRF token, the cart count. Compressing the whole page for every phone that asks
//! for gzip cost more than everything else a request does. Instead each fixed part is
//! compressed once, when the page is kept, as raw deflate blocks of its own (a fresh compressor,
//! so it refers to nothing before it) ending in a sync flush (so it ends on a byte boundary);
//! a response is the gzip header, the parts' blocks with each hole between them as a *stored*
//! (uncompressed) block, an empty final block, and the CRC-32 and length of what it all
//! decompresses to (RFC 1951 §3.2.4, RFC 1952 §2.3). The holes being stored, never compressed,
//! no secret in them can be guessed from the response's length (BREACH).

use flate2::{Compress, Compression, Crc, FlushCompress};

/// The gzip member header: deflate, no name or time, unknown OS (RFC 1952 §2.3).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// An empty stored block marked final: ends the deflate stream on a byte boundary.
const LAST_BLOCK: [u8; 5] = [0x01, 0x00, 0x00, 0xff, 0xff];

/// `text` as raw deflate blocks that decompress to it from any point of a stream: made by a
/// fresh compressor and sync-flushed, never final. Empty text gives no blocks.
pub fn deflate_part(text: &[u8]) -> Vec<u8> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut compressor = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(text.len() / 2 + 64);
    loop {
        let read = usize::try_from(compressor.total_in()).unwrap_or(text.len());
        let rest = text.get(read..).unwrap_or_default();
        if out.capacity() - out.len() < 64 {
            out.reserve(rest.len() / 2 + 64);
        }
        if compressor
            .compress_vec(rest, &mut out, FlushCompress::Sync)
            .is_err()
        {
            // Cannot happen with a fresh compressor and room to write; a part that fails is
            // sent stored, which any inflater reads.
            let mut stored = Vec::with_capacity(text.len() + 16);
            push_stored(&mut stored, text);
            return stored;
        }
        // The flush is complete once all input is read and the output was not filled up.
        let all_read = usize::try_from(compressor.total_in()).is_ok_and(|n| n == text.len());
        if all_read && out.len() < out.capacity() {
            return out;
        }
    }
}

/// Appends `bytes` as stored deflate blocks (at most 65,535 bytes each), byte-aligned.
fn push_stored(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(usize::from(u16::MAX)) {
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.push(0x00);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// A gzip stream being put together: parts compressed by [`deflate_part`] and stored bytes.
pub struct GzipStream {
    out: Vec<u8>,
    crc: Crc,
}

impl GzipStream {
    /// A stream with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> GzipStream {
        let mut out = Vec::with_capacity(capacity + HEADER.len() + LAST_BLOCK.len() + 8);
        out.extend_from_slice(&HEADER);
        GzipStream {
            out,
            crc: Crc::new(),
        }
    }

    /// Appends `text`, given with its blocks from [`deflate_part`].
    pub fn part(&mut self, text: &[u8], deflated: &[u8]) {
        self.out.extend_from_slice(deflated);
        self.crc.update(text);
    }

    /// Appends `bytes` uncompressed (a stored block).
    pub fn stored(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            push_stored(&mut self.out, bytes);
            self.crc.update(bytes);
        }
    }

    /// The whole gzip stream.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&LAST_BLOCK);
        self.out.extend_from_slice(&self.crc.sum().to_le_bytes());
        self.out.extend_from_slice(&self.crc.amount().to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn stream(pieces: &[(&[u8], bool)]) -> Vec<u8> {
        let mut gz = GzipStream::with_capacity(0);
        for (bytes, compressed) in pieces {
            if *compressed {
                gz.part(bytes, &deflate_part(bytes));
            } else {
                gz.stored(bytes);
            }
        }
        gz.finish()
    }

    #[test]
    fn parts_and_stored_holes_decompress_to_the_text_in_order() {
        let page = "<p>商い</p>".repeat(300);
        let pieces: [(&[u8], bool); 6] = [
            (page.as_bytes(), true),
            (b"nonce-AbC", false),
            (b"", true),
            (b"", false),
            (page.as_bytes(), true),
            (b"7", false),
        ];
        let gz = stream(&pieces);
        let expected: Vec<u8> = pieces.iter().flat_map(|(b, _)| b.to_vec()).collect();
        assert_eq!(gunzip(&gz), expected);
        assert!(
            gz.len() < expected.len() / 4,
            "{} of {}",
            gz.len(),
            expected.len()
        );
    }

    #[test]
    fn a_stored_piece_longer_than_one_block_is_split() {
        let long: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(
            gunzip(&stream(&[(&long, false), (b"end", true)])),
            [&long[..], b"end"].concat()
        );
    }

    #[test]
    fn an_empty_stream_is_valid_gzip() {
        assert!(gunzip(&stream(&[])).is_empty());
    }

    proptest::proptest! {
        /// Whatever the parts and holes, the stream decompresses to them, and its trailer (CRC
        /// and length) is what a standard decoder checks.
        #[test]
        fn any_parts_and_holes_decompress_to_their_concatenation(
            pieces in proptest::collection::vec((".{0,200}", proptest::bool::ANY), 0..8)
        ) {
            let pieces: Vec<(&[u8], bool)> =
                pieces.iter().map(|(s, c)| (s.as_bytes(), *c)).collect();
            let expected: Vec<u8> = pieces.iter().flat_map(|(b, _)| b.to_vec()).collect();
            proptest::prop_assert_eq!(gunzip(&stream(&pieces)), expected);
        }
    }
}
