//! Images handed over as a zip archive (CSV issue, item 1: "from a local folder or zip given with
//! the CSV"). Nothing is extracted to disk: entries are found by their bare file name (the last
//! part of the path inside the archive, the way a CSV names them), directories and encrypted
//! entries are ignored, and an entry is read no further than one byte past the upload limit, so
//! a zip bomb ends as the image pipeline's "larger than 10 MB" warning, never as memory or disk
//! filled. The first entry of a name wins.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::sync::Mutex;

use super::ImageSource;
use crate::images::MAX_UPLOAD_BYTES;

/// Why a file is not a usable archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a zip archive: {0}")]
pub struct NotAZip(String);

/// A zip archive of images.
pub struct ZipImages<R> {
    archive: Mutex<zip::ZipArchive<R>>,
    by_name: HashMap<String, usize>,
}

/// The bare file name of an entry's path (`写真/shirt.jpg` → `shirt.jpg`).
fn bare(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

impl<R: Read + Seek + Send> ZipImages<R> {
    /// Reads the archive's directory.
    pub fn open(reader: R) -> Result<ZipImages<R>, NotAZip> {
        let mut archive = zip::ZipArchive::new(reader).map_err(|e| NotAZip(e.to_string()))?;
        let mut by_name = HashMap::new();
        for i in 0..archive.len() {
            let Ok(entry) = archive.by_index_raw(i) else {
                continue;
            };
            if entry.is_dir() || entry.encrypted() {
                continue;
            }
            let Ok(path) = entry.name() else {
                continue;
            };
            let name = bare(&path).to_string();
            if !name.is_empty() {
                by_name.entry(name).or_insert(i);
            }
        }
        Ok(ZipImages {
            archive: Mutex::new(archive),
            by_name,
        })
    }

    /// How many named files the archive holds.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

impl<R: Read + Seek + Send> ImageSource for ZipImages<R> {
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        let index = *self.by_name.get(name)?;
        let mut archive = self.archive.lock().ok()?;
        let entry = archive.by_index(index).ok()?;
        let limit = u64::try_from(MAX_UPLOAD_BYTES).unwrap_or(u64::MAX) + 1;
        let mut bytes = Vec::new();
        entry.take(limit).read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    fn has(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            if name.ends_with('/') {
                out.add_directory(*name, options).unwrap();
            } else {
                out.start_file(*name, options).unwrap();
                out.write_all(bytes).unwrap();
            }
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn entries_are_found_by_their_bare_name_first_one_winning() {
        let zip = archive(&[
            ("photos/", b""),
            ("photos/shirt.jpg", b"first"),
            ("other/shirt.jpg", b"second"),
            ("../../etc/passwd", b"root"),
        ]);
        let images = ZipImages::open(Cursor::new(zip)).unwrap();
        assert_eq!(images.read("shirt.jpg").unwrap(), b"first");
        assert!(
            images.has("passwd"),
            "only the bare name counts, nothing is extracted"
        );
        assert!(!images.has("photos"));
        assert!(!images.has("../../etc/passwd"));
        assert_eq!(images.len(), 2);
    }

    #[test]
    fn ccsg_v_2_a_bomb_is_read_only_one_byte_past_the_limit() {
        let zeros = vec![0u8; MAX_UPLOAD_BYTES * 3];
        let zip = archive(&[("bomb.jpg", &zeros)]);
        assert!(zip.len() < 100_000, "compresses well");
        let images = ZipImages::open(Cursor::new(zip)).unwrap();
        assert_eq!(images.read("bomb.jpg").unwrap().len(), MAX_UPLOAD_BYTES + 1);
    }

    #[test]
    fn a_file_that_is_not_an_archive_is_refused() {
        assert!(ZipImages::open(Cursor::new(b"PK not really".to_vec())).is_err());
    }
}
