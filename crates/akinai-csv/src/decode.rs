//! Telling a file's encoding and decoding it as it is read. A UTF-8 byte-order mark, or a start
//! that is valid UTF-8, means UTF-8; otherwise the start must decode as Shift_JIS (WHATWG's,
//! which is CP932/windows-31j, what EC-CUBE's `SJIS-win` and Excel write) without a single
//! replacement; otherwise the file is refused. A later byte that does not decode becomes U+FFFD,
//! which the table reader refuses with its row — so a wrongly encoded file is never imported as
//! mojibake.

use std::io::{Chain, Cursor, Read};

use encoding_rs::{SHIFT_JIS, UTF_8};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use crate::FileError;

/// How much of the start is looked at.
const SNIFF: usize = 64 * 1024;

/// The encodings a file may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    ShiftJis,
}

impl TextEncoding {
    /// The encoding as reports name it (`UTF-8`, `Shift_JIS`).
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::ShiftJis => "Shift_JIS",
        }
    }
}

/// The message for a file of no known encoding.
pub(crate) const UNKNOWN_ENCODING: &str =
    "文字コードを判別できません(UTF-8 か Shift_JIS で保存してください)";

type Decoded<R> = DecodeReaderBytes<Chain<Cursor<Vec<u8>>, R>, Vec<u8>>;

/// `input` as UTF-8 text, with the encoding it was in.
pub fn decode<R: Read>(mut input: R) -> Result<(TextEncoding, Decoded<R>), FileError> {
    let mut start = Vec::with_capacity(SNIFF);
    (&mut input)
        .take(SNIFF as u64)
        .read_to_end(&mut start)
        .map_err(|e| FileError::error(0, "", "", crate::table::read_error_message(&e)))?;
    let encoding = sniff(&start).ok_or_else(|| FileError::error(0, "", "", UNKNOWN_ENCODING))?;
    let reader = DecodeReaderBytesBuilder::new()
        .encoding(Some(match encoding {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::ShiftJis => SHIFT_JIS,
        }))
        .bom_override(true)
        .build(Cursor::new(start).chain(input));
    Ok((encoding, reader))
}

/// The encoding of a file that starts with `start` (cut anywhere), if it has one of ours.
fn sniff(start: &[u8]) -> Option<TextEncoding> {
    if start.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some(TextEncoding::Utf8);
    }
    match std::str::from_utf8(start) {
        Ok(_) => return Some(TextEncoding::Utf8),
        // Only the last character was cut off by the sniffing window.
        Err(e) if e.error_len().is_none() => return Some(TextEncoding::Utf8),
        Err(_) => {}
    }
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(start.len() * 2);
    let (result, read) = decoder.decode_to_string_without_replacement(start, &mut out, false);
    let sjis = match result {
        encoding_rs::DecoderResult::InputEmpty => true,
        encoding_rs::DecoderResult::Malformed(..) => false,
        // The output was sized for the worst case, so this is not expected; read what fit.
        encoding_rs::DecoderResult::OutputFull => read > 0,
    };
    (sjis && !looks_like_euc_jp(start, &out)).then_some(TextEncoding::ShiftJis)
}

/// EUC-JP text often decodes as Shift_JIS too — as half-width katakana. When most of the
/// non-ASCII characters came out half-width and the bytes read as EUC-JP text with kana in it,
/// it is EUC-JP (which akinai does not read) rather than a Shift_JIS file of half-width names.
fn looks_like_euc_jp(start: &[u8], as_sjis: &str) -> bool {
    let non_ascii = as_sjis.chars().filter(|c| !c.is_ascii()).count();
    let half_width = as_sjis
        .chars()
        .filter(|c| ('\u{FF61}'..='\u{FF9F}').contains(c))
        .count();
    if non_ascii == 0 || half_width * 2 <= non_ascii {
        return false;
    }
    let mut decoder = encoding_rs::EUC_JP.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(start.len() * 2);
    let (result, _) = decoder.decode_to_string_without_replacement(start, &mut out, false);
    if !matches!(result, encoding_rs::DecoderResult::InputEmpty) {
        return false;
    }
    // Japanese prose has kana; half-width names misread as EUC-JP come out as kanji only.
    let euc_non_ascii = out.chars().filter(|c| !c.is_ascii()).count();
    let kana = out
        .chars()
        .filter(|c| ('\u{3041}'..='\u{30FA}').contains(c))
        .count();
    kana * 5 >= euc_non_ascii
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> Result<(TextEncoding, String), FileError> {
        let (enc, mut r) = decode(bytes)?;
        let mut s = String::new();
        r.read_to_string(&mut s)
            .map_err(|e| FileError::error(0, "", "", e.to_string()))?;
        Ok((enc, s))
    }

    #[test]
    fn utf8_with_and_without_bom_and_shift_jis_are_told_apart() {
        assert_eq!(
            text("商品名,価格\n".as_bytes()).unwrap(),
            (TextEncoding::Utf8, "商品名,価格\n".into())
        );
        assert_eq!(
            text(b"\xEF\xBB\xBFa,b\n").unwrap(),
            (TextEncoding::Utf8, "a,b\n".into())
        );
        let (sjis, _, _) = SHIFT_JIS.encode("商品名,価格,①～\n");
        assert_eq!(
            text(&sjis).unwrap(),
            (TextEncoding::ShiftJis, "商品名,価格,①～\n".into())
        );
    }

    #[test]
    fn other_encodings_are_refused() {
        // EUC-JP 「商品」 is neither UTF-8 nor Shift_JIS.
        let (euc, _, _) = encoding_rs::EUC_JP.encode("商品名,価格です\n");
        let e = text(&euc).unwrap_err();
        assert_eq!(e.message, UNKNOWN_ENCODING);
        // Excel's 「Unicode テキスト」 is UTF-16 with a byte-order mark.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("商品,価格".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text(&utf16).unwrap_err().message, UNKNOWN_ENCODING);
        // Half-width katakana in real Shift_JIS stay readable.
        let (kana, _, _) = SHIFT_JIS.encode("ﾐｿ,ｼｮｳﾕ\n");
        assert_eq!(text(&kana).unwrap().0, TextEncoding::ShiftJis);
    }
}
