//! Log output (payments issue, item 5; CCSG-P-1): every formatted log line passes through
//! [`Scrubbing`], which replaces card-number-like digit runs (14–19 digits passing Luhn,
//! `akinai_domain::card`) before anything reaches the terminal or a log file — so even a card
//! number in a URL, a provider's error text or a panic message is never written down.

use std::io::Write;
use std::path::Path;

use crate::logfiles::LogFormat;

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
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for ScrubWriter<W> {
    fn drop(&mut self) {
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

/// Installs the process's logger: `filter` in `tracing` syntax; standard output as JSON lines or
/// text; and, with a directory, the day's `app`, `access` and `security` files
/// ([`crate::logfiles`]). Every sink is scrubbed of card numbers.
/// Operator commands (everything but `serve`) log to standard error (`to_stderr`), so their
/// standard output is only what they print for the operator.
pub fn init(filter: &str, format: LogFormat, dir: Option<&Path>, to_stderr: bool) {
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{fmt, Layer, Registry};
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let console = |l: fmt::Layer<Registry>| -> Box<dyn Layer<Registry> + Send + Sync> {
        match (format, to_stderr) {
            (LogFormat::Json, false) => l
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(Scrubbing(std::io::stdout))
                .boxed(),
            (LogFormat::Json, true) => l
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(Scrubbing(std::io::stderr))
                .boxed(),
            (LogFormat::Text, false) => l
                .with_target(false)
                .with_writer(Scrubbing(std::io::stdout))
                .boxed(),
            (LogFormat::Text, true) => l
                .with_target(false)
                .with_writer(Scrubbing(std::io::stderr))
                .boxed(),
        }
    };
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = vec![console(fmt::layer())];
    if let Some(dir) = dir {
        match crate::files::ensure_data_dir(dir) {
            Ok(()) => {
                for stream in crate::logfiles::STREAMS {
                    layers.push(
                        fmt::layer()
                            .json()
                            .with_current_span(true)
                            .with_span_list(false)
                            .with_writer(Scrubbing(crate::logfiles::DailyFile::new(dir, stream)))
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
}
