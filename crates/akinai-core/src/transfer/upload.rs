//! The file of an import started in the admin, on its way in and out of the store (ADR 027):
//! [`Upload`] gathers the browser's bytes into 1 MiB chunks and writes each as it fills (the CSV,
//! then an optional zip of images), and [`ChunkReader`] hands the worker the CSV back chunk by
//! chunk, counting bytes for the progress bar.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use akinai_csv::Limits;
use akinai_domain::ids::TransferRunId;
use akinai_store::transfer_runs::{RunKind, RunState, TransferRunStore, PART_CSV, PART_IMAGES};

use super::{Transfer, CHUNK, MAX_IMAGES_ZIP_BYTES};
use crate::CoreError;

/// An upload on its way into the store: bytes are gathered into chunks and written as they
/// fill, so a 200 MB file never sits in memory. The CSV comes first, then (products only) an
/// optional zip of images.
pub struct Upload {
    pub(super) store: Arc<dyn TransferRunStore>,
    pub(super) transfer: Transfer,
    pub(super) id: TransferRunId,
    pub(super) kind: RunKind,
    pub(super) part: i64,
    pub(super) seq: i64,
    /// Bytes of the CSV and of the images.
    pub(super) sizes: [u64; 2],
    pub(super) buffer: Vec<u8>,
}

impl Upload {
    /// Adds the next bytes of the current file; refused past its limit (CSV 200 MB, images
    /// 500 MB).
    pub async fn write(&mut self, data: &[u8]) -> Result<(), CoreError> {
        let (size, limit, key) = if self.part == PART_CSV {
            (
                &mut self.sizes[0],
                Limits::default().max_bytes,
                "transfer.too_large",
            )
        } else {
            (
                &mut self.sizes[1],
                MAX_IMAGES_ZIP_BYTES,
                "transfer.images_too_large",
            )
        };
        *size += data.len() as u64;
        if *size > limit {
            return Err(CoreError::InvalidForm(vec![("file", key)]));
        }
        self.buffer.extend_from_slice(data);
        while self.buffer.len() >= CHUNK {
            let rest = self.buffer.split_off(CHUNK);
            let full = std::mem::replace(&mut self.buffer, rest);
            self.flush(&full).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, data: &[u8]) -> Result<(), CoreError> {
        self.store
            .put_transfer_chunk(self.id, self.part, self.seq, data)
            .await?;
        self.seq += 1;
        Ok(())
    }

    async fn flush_rest(&mut self) -> Result<(), CoreError> {
        let rest = std::mem::take(&mut self.buffer);
        if !rest.is_empty() {
            self.flush(&rest).await?;
        }
        Ok(())
    }

    /// The CSV is whole; what follows is the zip of the products' images.
    pub async fn start_images(&mut self) -> Result<(), CoreError> {
        if self.kind != RunKind::Products || self.part != PART_CSV {
            return Err(CoreError::InvalidForm(vec![(
                "images",
                "transfer.images_unexpected",
            )]));
        }
        self.flush_rest().await?;
        self.part = PART_IMAGES;
        self.seq = 0;
        Ok(())
    }

    /// The whole upload arrived: the run is queued for its check. An empty CSV is refused.
    pub async fn finish(mut self) -> Result<TransferRunId, CoreError> {
        if self.sizes[0] == 0 {
            self.abandon().await;
            return Err(CoreError::InvalidForm(vec![(
                "file",
                "transfer.empty_file",
            )]));
        }
        self.flush_rest().await?;
        let size = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let sizes = (size(self.sizes[0]), size(self.sizes[1]));
        self.transfer
            .advance(
                self.id,
                RunState::Uploading,
                RunState::Planning,
                Some(sizes),
            )
            .await?;
        Ok(self.id)
    }

    /// The upload failed half-way: the run and what arrived of its files are deleted.
    pub async fn abandon(self) {
        if let Err(e) = self.store.delete_transfer_run(self.id).await {
            tracing::warn!(run = self.id.0, error = %e, "could not delete an abandoned upload");
        }
    }
}

/// Reads a run's file chunk by chunk from the store (on a blocking thread: the import reads
/// synchronously), counting the bytes for the progress bar.
pub(super) struct ChunkReader {
    store: Arc<dyn TransferRunStore>,
    runtime: tokio::runtime::Handle,
    id: TransferRunId,
    part: i64,
    seq: i64,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
    read: Arc<AtomicU64>,
}

impl ChunkReader {
    /// A reader of `part` of run `id`'s upload, from the first chunk; it must be read on a
    /// blocking thread (it waits for the store on the current runtime).
    pub(super) fn new(
        store: Arc<dyn TransferRunStore>,
        id: TransferRunId,
        part: i64,
        read: Arc<AtomicU64>,
    ) -> ChunkReader {
        ChunkReader {
            store,
            runtime: tokio::runtime::Handle::current(),
            id,
            part,
            seq: 0,
            chunk: Vec::new(),
            at: 0,
            ended: false,
            read,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.chunk.len() {
            if self.ended {
                return Ok(0);
            }
            let next = self
                .runtime
                .block_on(self.store.transfer_chunk(self.id, self.part, self.seq))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            match next {
                Some(chunk) => {
                    self.chunk = chunk;
                    self.at = 0;
                    self.seq += 1;
                }
                None => self.ended = true,
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
