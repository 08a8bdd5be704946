//! Log output (payments issue, item 5; CCSG-P-1): every formatted log line passes through
//! [`Scrubbing`], which replaces card-number-like digit runs (14–19 digits passing Luhn,
//! `akinai_domain::card`) before anything reaches the terminal or a log file — so even a card
//! number in a URL, a provider's error text or a panic message is never written down.

use std::io::Write;
use std::path::Path;

use crate::logbatch::Batched;
use crate::logfiles::LogFormat;
use akinai_domain::card;

use tracing_subscriber::fmt::MakeWriter;

/// Wraps a writer factory so each log event is scrubbed as a whole before it is written.
#[derive(Debug, Clone)]
pub struct Scrubbing<M>(pub M);

/// One event's output, held until the event is complete (dropped), then scrubbed and written.
pub struct ScrubWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> Write for ScrubWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.is_empty() && bytes.ends_with(b"\n") && !card::may_hold_card_number(bytes) {
            // A whole line at once (as the formatter writes it) with no run of digits long
            // enough for a card number: nothing to scrub, nothing to hold.
            self.inner.write_all(bytes)?;
            return Ok(bytes.len());
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for ScrubWriter<W> {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let clean = akinai_domain::card::scrub(&text);
        // Nowhere to report a failing log writer; the event is lost as it would be anyway.
        let _ = self.inner.write_all(clean.as_bytes());
        let _ = self.inner.flush();
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Scrubbing<M> {
    type Writer = ScrubWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubWriter {
            inner: self.0.make_writer(),
            buf: Vec::new(),
        }
    }
}

/// Installs the process's logger: `filter` in `tracing` syntax; standard output (`serve`) or
/// standard error (operator commands, `to_stderr`) as JSON lines or text; and, with a directory,
/// the day's `app`, `access` and `security` files ([`crate::logfiles`]). Every sink is scrubbed of
/// card numbers. Lines are formatted by [`crate::logline`] and written by the thread that logs
/// them, the storefront's connection threads gathering theirs first ([`crate::logbatch`]).
pub fn init(filter: &str, format: LogFormat, dir: Option<&Path>, to_stderr: bool) {
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{fmt, Layer, Registry};
    type Boxed = Box<dyn Layer<Registry> + Send + Sync>;
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let line = crate::logline::LineFormat {
        json: format == LogFormat::Json,
    };
    let console = if to_stderr {
        Batched::new(std::io::stderr())
    } else {
        Batched::new(std::io::stdout())
    };
    let mut layers: Vec<Boxed> = vec![fmt::layer()
        .event_format(line)
        .with_writer(Scrubbing(console))
        .boxed()];
    if let Some(dir) = dir {
        match crate::files::ensure_data_dir(dir) {
            Ok(()) => {
                for stream in crate::logfiles::STREAMS {
                    let file = Batched::new(crate::logfiles::DailyFile::new(dir, stream));
                    layers.push(
                        fmt::layer()
                            .event_format(crate::logline::LineFormat { json: true })
                            .with_writer(Scrubbing(file))
                            .with_filter(tracing_subscriber::filter::filter_fn(move |m| {
                                crate::logfiles::stream_of(m.target()) == stream
                            }))
                            .boxed(),
                    );
                }
            }
            Err(e) => eprintln!("akinai: warning: no log files: {e:#}"),
        }
    }
    let _ = tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn ccsg_p_1_card_numbers_never_reach_the_log() {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Scrubbing(move || sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(
                path = "/search?q=4242424242424242",
                "request with 4000-0025-0000-3155"
            );
            tracing::info!(order = "AK00000042", "an ordinary line");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            !text.contains("4242424242424242") && !text.contains("3155"),
            "{text}"
        );
        assert_eq!(text.matches("[card number removed]").count(), 2, "{text}");
        assert!(text.contains("AK00000042"));
    }

    #[test]
    fn ccsg_p_1_a_card_number_written_in_pieces_is_still_scrubbed() {
        let captured = Captured::default();
        let make = Scrubbing(|| captured.clone());
        {
            let mut w = make.make_writer();
            w.write_all(b"paid 4242 4242 ").unwrap();
            w.write_all(b"4242 4242 and done\n").unwrap();
        }
        {
            let mut w = make.make_writer();
            w.write_all(b"GET /product/42 200\n").unwrap();
        }
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "paid [card number removed] and done\nGET /product/42 200\n"
        );
    }
}
