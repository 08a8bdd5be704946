//! A CSV file as a table: the header and then one row at a time, each with the line it starts
//! on. Limits (bytes, rows, cell length) are checked as the file is read; a ragged row (often an
//! unbalanced quote, which swallows the lines after it) is an error of that row; a character
//! that did not decode is an error of the file (it was not the encoding it seemed to be).

use std::io::{self, Read};

use crate::decode::UNKNOWN_ENCODING;
use crate::{FileError, RowIssue};

/// How much a file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_rows: u64,
    pub max_cell_chars: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 200 * 1024 * 1024,
            max_rows: 1_000_000,
            max_cell_chars: 65_536,
        }
    }
}

/// A reader that fails once more than `max` bytes were read from it.
pub(crate) struct Limited<R> {
    inner: R,
    max: u64,
    left: u64,
}

impl<R> Limited<R> {
    pub(crate) fn new(inner: R, max: u64) -> Limited<R> {
        Limited {
            inner,
            max,
            left: max,
        }
    }
}

/// The size error, told apart from other IO errors by its type.
#[derive(Debug, thiserror::Error)]
#[error("ファイルが大きすぎます({} MB まで)", .0 / (1024 * 1024))]
struct TooBig(u64);

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        if n64 > self.left {
            return Err(io::Error::other(TooBig(self.max)));
        }
        self.left -= n64;
        Ok(n)
    }
}

/// What to tell of a read error: the size limit as such, anything else as unreadable.
pub(crate) fn read_error_message(e: &io::Error) -> String {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<TooBig>()) {
        Some(too_big) => too_big.to_string(),
        None => format!("ファイルを読めません: {e}"),
    }
}

/// One row: the line it starts on (the header is line 1) and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub number: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell at `index`, trimmed; empty when the column is absent.
    pub fn get(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.cells.get(i))
            .map_or("", |c| c.trim())
    }
}

/// What went wrong reading a row: the row alone, or the file (stop reading).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TableError {
    Row(RowIssue),
    File(FileError),
}

pub(crate) struct Table<R: Read> {
    reader: csv::Reader<R>,
    pub header: Vec<String>,
    limits: Limits,
    record: csv::StringRecord,
    rows: u64,
    /// The line the next row starts on at the earliest. The reader's own positions are a line
    /// short after a CRLF line end (the `\n` is counted with the next record), so a row's
    /// number is the larger of the two.
    next_line: u64,
}

/// The line ends inside a row's cells.
fn newlines(record: &csv::StringRecord) -> u64 {
    record.iter().map(|c| c.matches('\n').count() as u64).sum()
}

fn io_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => read_error_message(io),
        csv::ErrorKind::Utf8 { .. } => UNKNOWN_ENCODING.to_string(),
        _ => format!("ファイルを読めません: {e}"),
    }
}

impl<R: Read> Table<R> {
    /// Reads the header of `text` (already decoded to UTF-8).
    pub fn open(text: R, limits: Limits) -> Result<Table<R>, FileError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(text);
        let mut record = csv::StringRecord::new();
        let read = reader
            .read_record(&mut record)
            .map_err(|e| FileError::error(1, "", "", io_message(&e)))?;
        if !read || record.iter().all(|c| c.trim().is_empty()) {
            return Err(FileError::error(
                1,
                "",
                "",
                "ヘッダー行がありません(空のファイルです)",
            ));
        }
        if record.iter().any(|c| c.contains('\u{FFFD}')) {
            return Err(FileError::error(1, "", "", UNKNOWN_ENCODING));
        }
        let header = record
            .iter()
            .map(|c| c.trim().trim_start_matches('\u{FEFF}').to_string())
            .collect();
        let next_line = 2 + newlines(&record);
        Ok(Table {
            reader,
            header,
            limits,
            record,
            rows: 0,
            next_line,
        })
    }

    /// The index of the first column named one of `names` (case and spaces ignored).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let norm = |s: &str| s.trim().to_lowercase();
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| norm(h) == norm(n)))
    }

    /// The next row, `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, TableError> {
        let read = match self.reader.read_record(&mut self.record) {
            Ok(read) => read,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(self.next_line, |p| p.line().max(self.next_line));
                self.next_line = line + 1;
                return Err(match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        // The reader goes on with the next record.
                        TableError::Row(RowIssue::error(
                            line,
                            "",
                            "",
                            format!(
                                "列の数がヘッダーと違います(ヘッダー {expected_len} 列、この行 {len} 列。\"の閉じ忘れや区切りの , が多い・少ない行です)"
                            ),
                        ))
                    }
                    _ => TableError::File(FileError::error(line, "", "", io_message(&e))),
                });
            }
        };
        if !read {
            return Ok(None);
        }
        self.rows += 1;
        let number = self
            .record
            .position()
            .map_or(self.next_line, |p| p.line().max(self.next_line));
        self.next_line = number + 1 + newlines(&self.record);
        if self.rows > self.limits.max_rows {
            return Err(TableError::File(FileError::error(
                number,
                "",
                "",
                format!("行が多すぎます({} 行まで)", self.limits.max_rows),
            )));
        }
        if self.record.iter().any(|c| c.contains('\u{FFFD}')) {
            return Err(TableError::File(FileError::error(
                number,
                "",
                "",
                UNKNOWN_ENCODING,
            )));
        }
        if let Some((i, _)) = self
            .record
            .iter()
            .enumerate()
            .find(|(_, c)| c.chars().count() > self.limits.max_cell_chars)
        {
            return Err(TableError::Row(RowIssue::error(
                number,
                self.header.get(i).map_or("", String::as_str),
                "",
                format!("セルが長すぎます({} 文字まで)", self.limits.max_cell_chars),
            )));
        }
        Ok(Some(Row {
            number,
            cells: self
                .record
                .iter()
                .map(|c| akinai_domain::transfer::unguard_cell(c).to_string())
                .collect(),
        }))
    }
}
