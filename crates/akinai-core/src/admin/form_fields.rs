//! Reading a settings form: each field by name, trimmed and bounded, with every problem collected
//! (field name and message key) so that a section is applied whole or not at all.

use akinai_domain::address::{parse_text, FieldError};

use crate::CoreError;

type Errors = Vec<(&'static str, &'static str)>;

pub(super) struct Fields<'a> {
    pairs: &'a [(String, String)],
    pub(super) errors: Errors,
}

impl<'a> Fields<'a> {
    pub(super) fn new(pairs: &'a [(String, String)]) -> Fields<'a> {
        Fields {
            pairs,
            errors: Vec::new(),
        }
    }

    pub(super) fn raw(&self, name: &str) -> &'a str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Like [`Fields::text`], but a blank field is allowed (and means the default).
    pub(super) fn optional_text(&mut self, name: &'static str, max: usize) -> String {
        if self.raw(name).trim().is_empty() {
            String::new()
        } else {
            self.text(name, max)
        }
    }

    pub(super) fn text(&mut self, name: &'static str, max: usize) -> String {
        parse_text(self.raw(name), max).unwrap_or_else(|e: FieldError| {
            self.errors.push((name, e.message_key()));
            String::new()
        })
    }

    /// A whole yen amount or count in `0..=max`; `None` (and an error) otherwise.
    pub(super) fn number(&mut self, name: &'static str, max: i64) -> i64 {
        let n = akinai_domain::catalog::parse_whole(self.raw(name), 0..=max);
        n.unwrap_or_else(|| {
            self.errors.push((name, "error.invalid"));
            0
        })
    }

    pub(super) fn done(self) -> Result<(), CoreError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(CoreError::InvalidForm(self.errors))
        }
    }
}
