//! Where log lines go: a sink written to directly, with the lines of a connection thread
//! gathered while it works and written when it has nothing else to do (ADR 053).
//!
//! Every request writes an access line. Writing each line on its own costs a system call per
//! request; handing each to a writer thread of its own (ADR 052's first step) cost a wake-up of
//! that thread per line or batch, and the thread span while it waited — on a machine whose few
//! cores also run the connections. A thread that [`batch_this_thread`] (the storefront's
//! connection threads, as they start) instead appends each line to a buffer of its own per sink,
//! and [`flush_thread`] (its runtime's park hook: no connection needs the thread, it is about to
//! sleep) writes each buffer with one system call. A busy thread that never sleeps writes a
//! buffer once it holds [`BATCH_BYTES`], so no line waits long behind a stream of requests; a
//! thread writes what it holds when its runtime ends and when the thread exits. Every other
//! thread (the main runtime, blocking jobs, operator commands) writes each line at once.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;

/// A thread's gathered lines for one sink are written once they reach this size (about 50
/// access lines), even if the thread never sleeps.
pub const BATCH_BYTES: usize = 16 * 1024;

/// Where whole log lines are written; safe to write from any thread.
pub trait LineSink: Send + Sync + 'static {
    /// Writes `lines` (one or more whole lines) at once.
    fn write_lines(&self, lines: &[u8]) -> std::io::Result<()>;
}

impl LineSink for std::io::Stdout {
    fn write_lines(&self, lines: &[u8]) -> std::io::Result<()> {
        let mut out = self.lock();
        out.write_all(lines)?;
        out.flush()
    }
}

impl LineSink for std::io::Stderr {
    fn write_lines(&self, lines: &[u8]) -> std::io::Result<()> {
        self.lock().write_all(lines)
    }
}

/// Sinks get distinct numbers, so a thread keeps one buffer per sink.
static NEXT_SINK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static BATCHING: Cell<bool> = const { Cell::new(false) };
    static PENDING: RefCell<Gathered> = const { RefCell::new(Gathered(Vec::new())) };
}

/// One thread's gathered lines, per sink; written when the thread ends too.
struct Gathered(Vec<Pending>);

struct Pending {
    sink: usize,
    out: Arc<dyn LineSink>,
    lines: Vec<u8>,
}

impl Pending {
    fn write(&mut self) {
        if !self.lines.is_empty() {
            // Nowhere to report a failing log sink; the lines are lost as one line would be.
            let _ = self.out.write_lines(&self.lines);
            self.lines.clear();
        }
    }
}

impl Drop for Gathered {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(Pending::write);
    }
}

/// From now on, log lines written on this thread are gathered until [`flush_thread`].
pub fn batch_this_thread() {
    BATCHING.with(|b| b.set(true));
}

/// Writes the lines this thread has gathered to their sinks.
pub fn flush_thread() {
    // Not re-entered from a write; if it were, the lines wait for the next flush.
    let _ = PENDING.try_with(|p| {
        if let Ok(mut gathered) = p.try_borrow_mut() {
            gathered.0.iter_mut().for_each(Pending::write);
        }
    });
}

/// A log sink, with lines gathered per thread on threads that batch.
#[derive(Clone)]
pub struct Batched {
    sink: usize,
    out: Arc<dyn LineSink>,
}

impl Batched {
    pub fn new(out: impl LineSink) -> Batched {
        Batched {
            sink: NEXT_SINK.fetch_add(1, Ordering::Relaxed),
            out: Arc::new(out),
        }
    }

    /// Gathers `line` if this thread batches; false if it must be written at once.
    fn gather(&self, line: &[u8]) -> bool {
        if !BATCHING.with(Cell::get) {
            return false;
        }
        PENDING
            .try_with(|p| {
                let Ok(mut gathered) = p.try_borrow_mut() else {
                    return false;
                };
                let at = match gathered.0.iter().position(|q| q.sink == self.sink) {
                    Some(at) => at,
                    None => {
                        gathered.0.push(Pending {
                            sink: self.sink,
                            out: self.out.clone(),
                            lines: Vec::with_capacity(BATCH_BYTES),
                        });
                        gathered.0.len() - 1
                    }
                };
                let pending = &mut gathered.0[at];
                pending.lines.extend_from_slice(line);
                if pending.lines.len() >= BATCH_BYTES {
                    pending.write();
                }
                true
            })
            .unwrap_or(false)
    }
}

/// Writes through a [`Batched`] sink.
pub struct BatchWriter<'a>(&'a Batched);

impl Write for BatchWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if !self.0.gather(bytes) {
            self.0.out.write_lines(bytes)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = BatchWriter<'a>;

    fn make_writer(&'a self) -> BatchWriter<'a> {
        BatchWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// What a sink was given, write by write.
    #[derive(Clone, Default)]
    struct Writes(Arc<Mutex<Vec<Vec<u8>>>>);

    impl LineSink for Writes {
        fn write_lines(&self, lines: &[u8]) -> std::io::Result<()> {
            self.0.lock().unwrap().push(lines.to_vec());
            Ok(())
        }
    }

    fn sink() -> (Batched, Writes) {
        let got = Writes::default();
        (Batched::new(got.clone()), got)
    }

    #[test]
    fn ipa_c_12_a_batching_thread_writes_its_lines_together_and_at_its_end_others_line_by_line() {
        let (batched, got) = sink();
        let other = batched.clone();
        std::thread::spawn(move || {
            other.make_writer().write_all(b"one\n").unwrap();
            other.make_writer().write_all(b"two\n").unwrap();
        })
        .join()
        .unwrap();
        let gathering = batched.clone();
        let (held, flushed) = std::thread::spawn(move || {
            batch_this_thread();
            gathering.make_writer().write_all(b"three\n").unwrap();
            gathering.make_writer().write_all(b"four\n").unwrap();
            let held = got_len(&gathering);
            flush_thread();
            let flushed = got_len(&gathering);
            gathering.make_writer().write_all(b"five\n").unwrap();
            // Not flushed: the thread's end writes it.
            (held, flushed)
        })
        .join()
        .unwrap();
        assert_eq!((held, flushed), (6 + 5, 0), "held until the flush");
        assert_eq!(
            got.0.lock().unwrap().clone(),
            vec![
                b"one\n".to_vec(),
                b"two\n".to_vec(),
                b"three\nfour\n".to_vec(),
                b"five\n".to_vec()
            ]
        );
    }

    /// Bytes this thread holds for `sink`.
    fn got_len(sink: &Batched) -> usize {
        PENDING.with(|p| {
            p.borrow()
                .0
                .iter()
                .find(|q| q.sink == sink.sink)
                .map_or(0, |q| q.lines.len())
        })
    }

    #[test]
    fn ipa_c_12_a_busy_thread_writes_its_lines_once_they_fill_a_batch_and_loses_none() {
        let (batched, got) = sink();
        let line = [b'x'; 99].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        let lines = BATCH_BYTES / line.len() + 1;
        let (written, left) = std::thread::spawn(move || {
            batch_this_thread();
            for _ in 0..lines {
                batched.make_writer().write_all(&line).unwrap();
            }
            let written = got_len(&batched) == 0;
            batched.make_writer().write_all(b"last\n").unwrap();
            (written, got_len(&batched))
        })
        .join()
        .unwrap();
        assert!(written, "a full batch is written without a flush");
        assert_eq!(left, 5, "what follows starts the next batch");
        let writes = got.0.lock().unwrap().clone();
        assert_eq!(
            writes.len(),
            2,
            "one write per batch, the rest at the thread's end"
        );
        let all = String::from_utf8(writes.concat()).unwrap();
        assert_eq!(all.lines().count(), lines + 1, "no line lost");
        assert!(all.ends_with("last\n"));
    }

    #[test]
    fn each_sink_keeps_its_own_lines() {
        let (access, got_access) = sink();
        let (app, got_app) = sink();
        std::thread::spawn(move || {
            batch_this_thread();
            access.make_writer().write_all(b"GET /\n").unwrap();
            app.make_writer().write_all(b"started\n").unwrap();
            access.make_writer().write_all(b"GET /cart\n").unwrap();
            flush_thread();
        })
        .join()
        .unwrap();
        assert_eq!(
            got_access.0.lock().unwrap().clone(),
            vec![b"GET /\nGET /cart\n".to_vec()]
        );
        assert_eq!(
            got_app.0.lock().unwrap().clone(),
            vec![b"started\n".to_vec()]
        );
    }
}
