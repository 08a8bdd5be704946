//! How one log event is written: a JSON line (production, and every log file) or a text line
//! (development), each with the request id of the request it happened in.
//!
//! The server writes one access line per request, so this formatter is on every request's
//! path: it writes the event's fields straight into the line, escaped as it goes, instead of
//! building a map first, and takes the request id from the request's task-local
//! ([`akinai_web::error::REQUEST_ID`]) rather than from a tracing span entered on every poll
//! (ADR 052). The JSON shape is tracing-subscriber's: `timestamp`, `level`, `fields` (with
//! `message`) and `target`; the request id is one of the `fields`.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The line format of a log sink.
#[derive(Debug, Clone, Copy)]
pub struct LineFormat {
    /// A JSON object per line; otherwise `time LEVEL message key=value …`.
    pub json: bool,
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let now = Timestamp(chrono::Utc::now());
        let meta = event.metadata();
        // An event naming its request itself (the access line, a failed request) keeps its own.
        let request_id = match meta.fields().field("request_id") {
            Some(_) => None,
            None => akinai_web::error::REQUEST_ID.try_with(Clone::clone).ok(),
        };
        if self.json {
            writer.write_str("{\"timestamp\":\"")?;
            now.write_to(&mut writer)?;
            writer.write_str("\",\"level\":\"")?;
            writer.write_str(meta.level().as_str())?;
            writer.write_str("\",\"fields\":{")?;
            let mut fields = JsonFields {
                out: &mut writer,
                first: true,
                result: Ok(()),
            };
            event.record(&mut fields);
            if let Some(id) = &request_id {
                fields.record_str_value("request_id", id);
            }
            fields.result?;
            writer.write_str("},\"target\":")?;
            json_string(&mut writer, meta.target())?;
            writer.write_str("}\n")
        } else {
            now.write_to(&mut writer)?;
            // The level right-aligned in five columns, as `{:>5}` would (INFO and WARN have four).
            let level = meta.level().as_str();
            writer.write_str(if level.len() < 5 { "  " } else { " " })?;
            writer.write_str(level)?;
            writer.write_char(' ')?;
            let mut fields = TextFields {
                out: &mut writer,
                result: Ok(()),
            };
            event.record(&mut fields);
            if let Some(id) = &request_id {
                fields.pair_str("request_id", id);
            }
            fields.result?;
            writer.write_str("\n")
        }
    }
}

/// A line's time in RFC 3339, UTC, with microseconds (`2026-12-07T16:25:31.123456Z`), as
/// `to_rfc3339_opts(Micros, true)` writes it; the date and time of day are formatted once per
/// second per thread, the microseconds for every line.
struct Timestamp(chrono::DateTime<chrono::Utc>);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl Timestamp {
    /// Writes the time straight into `f`, without the formatting machinery.
    fn write_to(&self, f: &mut impl Write) -> fmt::Result {
        thread_local! {
            static SECOND: std::cell::RefCell<(i64, String)> =
                const { std::cell::RefCell::new((i64::MIN, String::new())) };
        }
        let micros = self.0.timestamp_subsec_micros();
        if micros >= 1_000_000 {
            // A leap second: chrono writes it as :60.
            return f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        }
        let secs = self.0.timestamp();
        SECOND.with(|second| {
            let mut second = second.borrow_mut();
            if second.0 != secs {
                *second = (secs, self.0.format("%Y-%m-%dT%H:%M:%S").to_string());
            }
            f.write_str(&second.1)
        })?;
        let mut fraction = *b".000000Z";
        let mut rest = micros;
        for digit in fraction[1..7].iter_mut().rev() {
            // `rest % 10` is a single decimal digit.
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        f.write_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?)
    }
}

/// Writes `s` as a JSON string, quotes included.
fn json_string(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    JsonEscaped(out).write_str(s)?;
    out.write_char('"')
}

/// A writer that JSON-escapes what passes through it (without the quotes).
struct JsonEscaped<'a, W: Write>(&'a mut W);

impl<W: Write> Write for JsonEscaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            return self.0.write_str(s);
        }
        let mut plain = 0;
        for (i, c) in s.char_indices() {
            let escaped = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if u32::from(c) < 0x20 => "",
                _ => continue,
            };
            self.0.write_str(&s[plain..i])?;
            if escaped.is_empty() {
                write!(self.0, "\\u{:04x}", u32::from(c))?;
            } else {
                self.0.write_str(escaped)?;
            }
            plain = i + c.len_utf8();
        }
        self.0.write_str(&s[plain..])
    }
}

/// An event's fields as the members of a JSON object.
struct JsonFields<'a, W: Write> {
    out: &'a mut W,
    first: bool,
    result: fmt::Result,
}

impl<W: Write> JsonFields<'_, W> {
    fn key(&mut self, name: &str) {
        let comma = if self.first { "" } else { "," };
        self.first = false;
        if self.result.is_ok() {
            self.result = self
                .out
                .write_str(comma)
                .and_then(|()| json_string(self.out, name))
                .and_then(|()| self.out.write_char(':'));
        }
    }

    fn record_str_value(&mut self, name: &str, value: &str) {
        self.key(name);
        if self.result.is_ok() {
            self.result = json_string(self.out, value);
        }
    }

    /// A member whose value is written as it is (a number in decimal).
    fn number(&mut self, name: &str, digits: &str) {
        self.key(name);
        if self.result.is_ok() {
            self.result = self.out.write_str(digits);
        }
    }

    fn raw(&mut self, name: &str, value: fmt::Arguments<'_>) {
        self.key(name);
        if self.result.is_ok() {
            self.result = self.out.write_fmt(value);
        }
    }
}

impl<W: Write> Visit for JsonFields<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_str_value(field.name(), value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field.name(), itoa::Buffer::new().format(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field.name(), itoa::Buffer::new().format(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.raw(field.name(), format_args!("{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.raw(field.name(), format_args!("{value}"));
        } else {
            self.record_str_value(field.name(), &value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field.name());
        if self.result.is_ok() {
            self.result = self
                .out
                .write_char('"')
                .and_then(|()| write!(JsonEscaped(self.out), "{value:?}"))
                .and_then(|()| self.out.write_char('"'));
        }
    }
}

/// A writer that writes control characters as escapes, so a value cannot start a line of its
/// own in a text log (log injection).
struct TextEscaped<'a, W: Write>(&'a mut W);

impl<W: Write> Write for TextEscaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Control characters are ASCII below 0x20, DEL, or C1 (UTF-8 0xC2 0x80–0x9F).
        if !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
            return self.0.write_str(s);
        }
        let mut plain = 0;
        for (i, c) in s.char_indices() {
            if c.is_control() {
                self.0.write_str(&s[plain..i])?;
                write!(self.0, "{}", c.escape_default())?;
                plain = i + c.len_utf8();
            }
        }
        self.0.write_str(&s[plain..])
    }
}

/// An event's fields as text: the message, then `key=value` pairs.
struct TextFields<'a, W: Write> {
    out: &'a mut W,
    result: fmt::Result,
}

impl<W: Write> TextFields<'_, W> {
    /// ` key=` before a value (nothing before the message).
    fn key(&mut self, name: &str) {
        if self.result.is_ok() && name != "message" {
            self.result = self
                .out
                .write_char(' ')
                .and_then(|()| self.out.write_str(name))
                .and_then(|()| self.out.write_char('='));
        }
    }

    /// `key=value` with `value` written straight through the escaper: the access line's fields
    /// are strings and integers, written without `core::fmt`.
    fn pair_str(&mut self, name: &str, value: &str) {
        self.key(name);
        if self.result.is_ok() {
            self.result = TextEscaped(self.out).write_str(value);
        }
    }

    fn pair(&mut self, name: &str, value: fmt::Arguments<'_>) {
        self.key(name);
        if self.result.is_ok() {
            self.result = TextEscaped(self.out).write_fmt(value);
        }
    }
}

impl<W: Write> Visit for TextFields<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.pair_str(field.name(), value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.pair_str(field.name(), itoa::Buffer::new().format(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.pair_str(field.name(), itoa::Buffer::new().format(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.pair(field.name(), format_args!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(json: bool, log: impl FnOnce()) -> Vec<String> {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(LineFormat { json })
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn json_lines_carry_every_field_escaped_and_parse_back() {
        let got = lines(true, || {
            tracing::info!(
                target: "akinai::access",
                path = %"/search?q=\"<x>\"\n",
                status = 200u16,
                ms = 3u64,
                late = -1i64,
                ok = true,
                ratio = 0.5f64,
                text = "tab\there",
                "access"
            );
        });
        assert_eq!(got.len(), 1, "{got:?}");
        let v: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], "akinai::access");
        let f = &v["fields"];
        assert_eq!(f["message"], "access");
        assert_eq!(f["path"], "/search?q=\"<x>\"\n");
        assert_eq!(f["status"], 200);
        assert_eq!(f["ms"], 3);
        assert_eq!(f["late"], -1);
        assert_eq!(f["ok"], true);
        assert_eq!(f["ratio"], 0.5);
        assert_eq!(f["text"], "tab\there");
        assert!(f.get("request_id").is_none(), "outside a request");
        let ts = v["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    }

    #[test]
    fn a_line_inside_a_request_names_its_request_id() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for json in [true, false] {
            let got = lines(json, || {
                rt.block_on(
                    akinai_web::error::REQUEST_ID.scope("0123abcd".into(), async {
                        tracing::warn!(client = %"192.0.2.1", "rate limit exceeded");
                    }),
                );
                rt.block_on(
                    akinai_web::error::REQUEST_ID.scope("0123abcd".into(), async {
                        tracing::error!(request_id = %"0123abcd", "request failed");
                    }),
                );
            });
            assert_eq!(got.len(), 2);
            assert_eq!(
                got[1].matches("0123abcd").count(),
                1,
                "named once: {}",
                got[1]
            );
            if json {
                let v: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
                assert_eq!(v["fields"]["request_id"], "0123abcd");
                assert_eq!(v["fields"]["client"], "192.0.2.1");
                assert_eq!(v["level"], "WARN");
            } else {
                assert!(
                    got[0].ends_with(
                        " WARN rate limit exceeded client=192.0.2.1 request_id=0123abcd"
                    ),
                    "{}",
                    got[0]
                );
            }
        }
    }

    #[test]
    fn text_lines_right_align_the_level_and_write_numbers_and_strings_as_given() {
        let got = lines(false, || {
            tracing::info!(status = 200u16, late = -3i64, path = "/p/{id}", "access");
            tracing::error!("failed");
            tracing::warn!("slow");
        });
        let after_time = |line: &str| {
            let (time, rest) = line.split_at(27);
            assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{line}");
            rest.to_string()
        };
        assert_eq!(
            after_time(&got[0]),
            "  INFO access status=200 late=-3 path=/p/{id}"
        );
        assert_eq!(after_time(&got[1]), " ERROR failed");
        assert_eq!(after_time(&got[2]), "  WARN slow");
    }

    #[test]
    fn timestamps_read_as_chrono_writes_them_within_and_across_seconds() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-31T23:59:58.999998Z")
            .unwrap()
            .to_utc();
        for micros in [0, 1, 2, 3, 1_000_001, 1_500_000, 2_000_003, 86_400_000_000] {
            let t = start + chrono::Duration::microseconds(micros);
            assert_eq!(
                Timestamp(t).to_string(),
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            );
        }
    }

    #[test]
    fn control_characters_cannot_break_a_line() {
        let agent = "a\u{1}b\r\n2026-12-07T00:00:00Z  INFO forged {\"x\":1}";
        let got = lines(true, || tracing::info!(agent = %agent, "seen"));
        assert_eq!(got.len(), 1, "one line whatever the value holds: {got:?}");
        let v: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
        assert_eq!(v["fields"]["agent"], agent);
        let got = lines(false, || tracing::info!(agent = %agent, "seen"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("agent=a\\u{1}b\\r\\n2026"), "{}", got[0]);
    }
}
