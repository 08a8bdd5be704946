//! Writing a CSV for Excel and for moving out: UTF-8 with a byte-order mark (so Excel opens it
//! as UTF-8) or Shift_JIS/CP932, CRLF line ends, every cell guarded against CSV injection. A
//! character CP932 has no code for (emoji, some rare kanji) is an error naming the row and
//! column — never a silent `?`.

use std::io::Write;

use akinai_domain::transfer::{guard_cell, sjis_compatible};

/// The encoding of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutEncoding {
    /// UTF-8 with a byte-order mark.
    Utf8,
    /// CP932 (windows-31j), what Japanese Excel and carrier systems read.
    ShiftJis,
}

impl OutEncoding {
    /// The CLI's names: `utf-8`, `shift_jis`.
    pub fn parse(name: &str) -> Option<OutEncoding> {
        match name.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(OutEncoding::Utf8),
            "shift_jis" | "shift-jis" | "sjis" | "cp932" => Some(OutEncoding::ShiftJis),
            _ => None,
        }
    }
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{row} 行目の「{column}」の「{character}」は Shift_JIS で書けません(UTF-8 で書き出してください)")]
    Unencodable {
        row: u64,
        column: String,
        character: char,
    },
    #[error("書き出せません: {0}")]
    Io(#[from] std::io::Error),
    #[error("書き出せません: {0}")]
    Csv(#[from] csv::Error),
}

/// The buffer the CSV writer formats one row into, shared with [`CsvOut`], which takes the
/// row out to encode it.
#[derive(Clone, Default)]
struct Line(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Line {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("CSV line buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A CSV being written.
pub struct CsvOut<W: Write> {
    out: W,
    encoding: OutEncoding,
    header: Vec<String>,
    writer: csv::Writer<Line>,
    line: Line,
    rows: u64,
}

impl<W: Write> CsvOut<W> {
    /// Starts a file with its header.
    pub fn new(out: W, encoding: OutEncoding, header: &[&str]) -> Result<CsvOut<W>, WriteError> {
        let mut csv = CsvOut::start(out, encoding, header)?;
        let names = csv.header.clone();
        csv.row(&names)?;
        Ok(csv)
    }

    /// Starts a file without a header row (弥生's import format); `names` still name the
    /// columns in error messages.
    pub fn headless(
        out: W,
        encoding: OutEncoding,
        names: &[&str],
    ) -> Result<CsvOut<W>, WriteError> {
        CsvOut::start(out, encoding, names)
    }

    fn start(mut out: W, encoding: OutEncoding, header: &[&str]) -> Result<CsvOut<W>, WriteError> {
        if encoding == OutEncoding::Utf8 {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let line = Line::default();
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(line.clone());
        Ok(CsvOut {
            out,
            encoding,
            header: header.iter().map(|h| (*h).to_string()).collect(),
            writer,
            line,
            rows: 0,
        })
    }

    /// Writes one row (cells guarded).
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), WriteError> {
        self.rows += 1;
        let mut guarded = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            let cell = guard_cell(cell.as_ref());
            let cell = match self.encoding {
                OutEncoding::Utf8 => cell.into_owned(),
                OutEncoding::ShiftJis => {
                    let mapped = sjis_compatible(&cell).into_owned();
                    let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&mapped);
                    if unmappable {
                        let character = mapped
                            .chars()
                            .find(|c| !akinai_domain::address::printable_on_labels(*c))
                            .unwrap_or('?');
                        return Err(WriteError::Unencodable {
                            row: self.rows,
                            column: self.header.get(i).cloned().unwrap_or_default(),
                            character,
                        });
                    }
                    mapped
                }
            };
            guarded.push(cell);
        }
        self.writer.write_record(&guarded)?;
        self.writer.flush()?;
        let bytes = self.line.take();
        match self.encoding {
            OutEncoding::Utf8 => self.out.write_all(&bytes)?,
            OutEncoding::ShiftJis => {
                let text = String::from_utf8_lossy(&bytes);
                let (encoded, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
                self.out.write_all(&encoded)?;
            }
        }
        Ok(())
    }

    /// Rows written, the header included.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and hands back the output.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_exports_start_with_a_bom_and_guard_formulas() {
        let mut out = CsvOut::new(Vec::new(), OutEncoding::Utf8, &["a", "b"]).unwrap();
        out.row(&["=1+1", "味噌, \"赤\""]).unwrap();
        let bytes = out.finish().unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{FEFF}a,b\r\n'=1+1,\"味噌, \"\"赤\"\"\"\r\n"
        );
    }

    #[test]
    fn shift_jis_exports_map_look_alikes_and_refuse_emoji() {
        let mut out = CsvOut::new(Vec::new(), OutEncoding::ShiftJis, &["name"]).unwrap();
        out.row(&["10〜20個"]).unwrap();
        let bytes = out.finish().unwrap();
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!bad);
        assert_eq!(text, "name\r\n10～20個\r\n");
        let mut out = CsvOut::new(Vec::new(), OutEncoding::ShiftJis, &["name"]).unwrap();
        let e = out.row(&["味噌🍲"]).unwrap_err();
        assert!(
            matches!(
                e,
                WriteError::Unencodable {
                    row: 2,
                    character: '🍲',
                    ..
                }
            ),
            "{e}"
        );
    }
}
