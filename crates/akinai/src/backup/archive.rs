//! The backup file format (ADR 024). A backup is a plain POSIX tar holding two members:
//!
//! 1. `akinai-backup.json`, the unencrypted [`Header`] (format version, akinai version, time,
//!    backend, row counts, the payload's size and SHA-256), so `akinai backup list` can describe a
//!    backup without its key;
//! 2. `payload.tar.gz.age`, the shop's files as a gzip-compressed tar encrypted with age to the
//!    shop's backup recipient. Its first member is `MANIFEST.json` with every file's SHA-256.
//!
//! So a backup opens with standard tools too: `tar -xOf FILE payload.tar.gz.age | age -d -i KEY
//! | tar -xz`. Nothing here writes a plaintext byte of the shop's data outside the scratch
//! directory it is given; the encrypted payload is written to a `.partial` file, checked, then
//! renamed into place.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use akinai_store::operations::RowCounts;

/// The header's member name.
pub const HEADER_NAME: &str = "akinai-backup.json";
/// The encrypted payload's member name.
pub const PAYLOAD_NAME: &str = "payload.tar.gz.age";
/// The manifest inside the payload.
pub const MANIFEST_NAME: &str = "MANIFEST.json";
/// Backup file names: `akinai-backup-20261203T033000Z.tar`.
pub const FILE_PREFIX: &str = "akinai-backup-";
pub const FILE_SUFFIX: &str = ".tar";
/// The format this binary writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// What `akinai backup list` shows without the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    pub akinai_version: String,
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub counts: RowCounts,
    /// Files in the payload (the manifest not counted).
    pub files: usize,
    pub payload_bytes: u64,
    pub payload_sha256: String,
    /// The age recipient the payload is encrypted to.
    pub recipient: String,
}

/// One file of the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path inside the payload (`store/akinai.db`, `theme/site.css`, …).
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The payload's own list of what it holds (encrypted, so it can be trusted after decryption).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub created_at: DateTime<Utc>,
    pub backend: String,
    pub counts: RowCounts,
    pub files: Vec<ManifestEntry>,
}

/// The backup file's name for a time.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{FILE_PREFIX}{}{FILE_SUFFIX}", at.format("%Y%m%dT%H%M%SZ"))
}

/// Whether a file name is one of ours.
pub fn is_backup_name(name: &str) -> bool {
    name.starts_with(FILE_PREFIX) && name.ends_with(FILE_SUFFIX)
}

/// A writer that hashes and counts what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts what passes through.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> io::Result<(u64, String)> {
    let mut reader = HashingReader {
        inner: BufReader::new(File::open(path)?),
        hash: Sha256::new(),
        bytes: 0,
    };
    io::copy(&mut reader, &mut io::sink())?;
    Ok((reader.bytes, hex::encode(reader.hash.finalize())))
}

/// The files of a payload: each staged file with its path inside the payload.
pub struct Payload {
    pub created_at: DateTime<Utc>,
    pub backend: String,
    pub counts: RowCounts,
    /// `(path inside the payload, file on disk)`.
    pub files: Vec<(String, PathBuf)>,
}

/// Writes `payload` as a backup file into `out_dir`, encrypted to `recipient`; returns its path
/// and header. The file appears under its final name only when complete and synced.
pub fn write(
    payload: &Payload,
    recipient: &age::x25519::Recipient,
    out_dir: &Path,
) -> anyhow::Result<(PathBuf, Header)> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let name = file_name(payload.created_at);
    let final_path = out_dir.join(&name);
    anyhow::ensure!(
        !final_path.exists(),
        "{} exists already",
        final_path.display()
    );
    let sealed_path = out_dir.join(format!(".{name}.payload.partial"));
    let partial_path = out_dir.join(format!(".{name}.partial"));
    let result = write_parts(payload, recipient, &sealed_path, &partial_path, &final_path);
    // The parts go whether it worked or not (the payload is encrypted, but half a file helps
    // nobody).
    let _ = std::fs::remove_file(&sealed_path);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial_path);
    }
    result.map(|header| (final_path, header))
}

fn write_parts(
    payload: &Payload,
    recipient: &age::x25519::Recipient,
    sealed_path: &Path,
    partial_path: &Path,
    final_path: &Path,
) -> anyhow::Result<Header> {
    let mut manifest = Manifest {
        created_at: payload.created_at,
        backend: payload.backend.clone(),
        counts: payload.counts,
        files: Vec::with_capacity(payload.files.len()),
    };
    for (path, file) in &payload.files {
        let (bytes, sha256) =
            sha256_file(file).with_context(|| format!("cannot read {}", file.display()))?;
        manifest.files.push(ManifestEntry {
            path: path.clone(),
            bytes,
            sha256,
        });
    }
    let (payload_bytes, payload_sha256) = seal(payload, &manifest, recipient, sealed_path)?;
    let header = Header {
        format: "akinai-backup".into(),
        format_version: FORMAT_VERSION,
        akinai_version: env!("CARGO_PKG_VERSION").into(),
        created_at: payload.created_at,
        backend: payload.backend.clone(),
        counts: payload.counts,
        files: manifest.files.len(),
        payload_bytes,
        payload_sha256,
        recipient: recipient.to_string(),
    };
    let out = crate::files::create_private(partial_path)?;
    let mut outer = tar::Builder::new(BufWriter::new(out));
    let json = serde_json::to_vec_pretty(&header)?;
    append(
        &mut outer,
        HEADER_NAME,
        json.len() as u64,
        &json[..],
        header.created_at,
    )?;
    let sealed = File::open(sealed_path)?;
    append(
        &mut outer,
        PAYLOAD_NAME,
        payload_bytes,
        sealed,
        header.created_at,
    )?;
    let file = outer
        .into_inner()?
        .into_inner()
        .map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(partial_path, final_path)?;
    if let Some(dir) = final_path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(header)
}

/// Compresses and encrypts the manifest and the files into `path`; returns its size and SHA-256.
fn seal(
    payload: &Payload,
    manifest: &Manifest,
    recipient: &age::x25519::Recipient,
    path: &Path,
) -> anyhow::Result<(u64, String)> {
    let file = crate::files::create_private(path)?;
    let hashing = Hashing {
        inner: BufWriter::new(file),
        hash: Sha256::new(),
        bytes: 0,
    };
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .context("cannot set up encryption")?;
    let sealed = encryptor.wrap_output(hashing)?;
    let gz = flate2::write::GzEncoder::new(sealed, flate2::Compression::default());
    let mut inner = tar::Builder::new(gz);
    let json = serde_json::to_vec_pretty(manifest)?;
    append(
        &mut inner,
        MANIFEST_NAME,
        json.len() as u64,
        &json[..],
        manifest.created_at,
    )?;
    for ((path, file), entry) in payload.files.iter().zip(&manifest.files) {
        let reader = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        append(&mut inner, path, entry.bytes, reader, manifest.created_at)?;
    }
    let hashing = inner.into_inner()?.finish()?.finish()?;
    let Hashing { inner, hash, bytes } = hashing;
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok((bytes, hex::encode(hash.finalize())))
}

fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    data: impl Read,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(u64::try_from(at.timestamp()).unwrap_or(0));
    header.set_entry_type(tar::EntryType::Regular);
    builder
        .append_data(&mut header, path, data)
        .with_context(|| format!("cannot add {path} to the backup"))
}

/// Reads a backup file's header (no key needed).
pub fn read_header(file: &Path) -> anyhow::Result<Header> {
    let mut archive = tar::Archive::new(BufReader::new(
        File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    ));
    let mut entries = archive.entries()?;
    let mut first = entries
        .next()
        .context("the file is empty: not an akinai backup")??;
    anyhow::ensure!(
        first.path()?.to_str() == Some(HEADER_NAME),
        "{} is not an akinai backup (no {HEADER_NAME})",
        file.display()
    );
    let mut json = Vec::new();
    first.by_ref().take(1 << 20).read_to_end(&mut json)?;
    let header: Header = serde_json::from_slice(&json)
        .with_context(|| format!("{} has a damaged header", file.display()))?;
    anyhow::ensure!(
        header.format == "akinai-backup" && header.format_version <= FORMAT_VERSION,
        "{} is backup format {} version {}; this akinai reads version {FORMAT_VERSION}",
        file.display(),
        header.format,
        header.format_version
    );
    Ok(header)
}

/// Reads an identity file as `age-keygen` and `akinai backup init` write it.
pub fn read_identity(path: &Path) -> anyhow::Result<Vec<age::x25519::Identity>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the identity file {}", path.display()))?;
    let identities = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.parse::<age::x25519::Identity>()
                .map_err(|e| anyhow::anyhow!("{}: not an age identity: {e}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(
        !identities.is_empty(),
        "{} holds no age identity (AGE-SECRET-KEY-1…)",
        path.display()
    );
    Ok(identities)
}

/// Reads a backup's payload through `read` (which may stop early), then to its end, and checks
/// its size and SHA-256 against the header: bit rot, a cut-off copy or tampering are found here
/// whether or not the key is at hand.
fn through_payload<T>(
    file: &Path,
    read: impl FnOnce(&Header, &mut dyn Read) -> anyhow::Result<T>,
) -> anyhow::Result<(Header, T)> {
    let header = read_header(file)?;
    let mut archive = tar::Archive::new(BufReader::new(File::open(file)?));
    let mut entries = archive.entries()?;
    entries.next().context("no header")??;
    let payload = entries
        .next()
        .context("the backup has no payload: the file is cut short")??;
    anyhow::ensure!(
        payload.path()?.to_str() == Some(PAYLOAD_NAME),
        "the backup's second member is not {PAYLOAD_NAME}"
    );
    let mut hashing = HashingReader {
        inner: payload,
        hash: Sha256::new(),
        bytes: 0,
    };
    let value = read(&header, &mut hashing)?;
    io::copy(&mut hashing, &mut io::sink())?;
    anyhow::ensure!(
        hex::encode(hashing.hash.finalize()) == header.payload_sha256
            && hashing.bytes == header.payload_bytes,
        "the payload's checksum differs from the header's: the file was changed or damaged"
    );
    Ok((header, value))
}

/// Decrypts a backup's payload into `dir` (which should be private and empty), checks the
/// payload's checksum against the header and every file against the manifest; returns both.
pub fn unpack(
    file: &Path,
    identities: &[age::x25519::Identity],
    dir: &Path,
) -> anyhow::Result<(Header, Manifest)> {
    let (header, ()) = through_payload(file, |header, payload| {
        let decryptor = age::Decryptor::new(payload).context("the payload is not age")?;
        let plain = decryptor
            .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => anyhow::anyhow!(
                    "this identity cannot open the backup: it was encrypted to {}",
                    header.recipient
                ),
                other => anyhow::anyhow!("cannot decrypt the backup: {other}"),
            })?;
        let mut gz = flate2::read::GzDecoder::new(plain);
        tar::Archive::new(&mut gz)
            .unpack(dir)
            .context("the payload is damaged")?;
        // Read to the end so the last encrypted chunk is authenticated too.
        io::copy(&mut gz, &mut io::sink()).context("the payload is damaged")?;
        Ok(())
    })?;
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(dir.join(MANIFEST_NAME)).context("the payload has no manifest")?,
    )
    .context("the payload's manifest is damaged")?;
    for entry in &manifest.files {
        let (bytes, sha) = sha256_file(&dir.join(&entry.path))
            .with_context(|| format!("{} is missing from the payload", entry.path))?;
        anyhow::ensure!(
            bytes == entry.bytes && sha == entry.sha256,
            "{} differs from the manifest",
            entry.path
        );
    }
    Ok((header, manifest))
}

/// Checks what can be checked without the key: the header, the payload's size and SHA-256 against
/// it, and that the payload starts as an age file.
pub fn check_sealed(file: &Path) -> anyhow::Result<Header> {
    let (header, ()) = through_payload(file, |_, payload| {
        age::Decryptor::new(payload).context("the payload is not an age file")?;
        Ok(())
    })?;
    Ok(header)
}
