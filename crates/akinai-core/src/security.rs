//! Security events raised by the storefront. A Content-Security-Policy violation means a script,
//! style or frame the shop did not ship tried to run on one of its pages — the signature of an
//! injected skimmer (IPA-C-14, CCSG-V-3). Reports are bounded, stored as security events and
//! raised as alerts ([`crate::alert`]: log, event store, mail).

use crate::Alerts;
use std::net::IpAddr;

use serde_json::{json, Map, Value};

use crate::CoreError;

/// The event kind of a CSP violation report.
pub const CSP_VIOLATION: &str = "csp_violation";
/// Most reports taken from one request.
const MAX_REPORTS: usize = 10;
/// Longest text kept from one report field.
const MAX_FIELD: usize = 300;

/// Picks the first present field among `names` (old `report-uri` and new Reporting API
/// spellings), as bounded text.
fn field(report: &Map<String, Value>, names: &[&str]) -> Value {
    names
        .iter()
        .find_map(|n| report.get(*n))
        .map(|v| match v {
            Value::String(s) => Value::String(
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_FIELD)
                    .collect(),
            ),
            Value::Number(n) => Value::Number(n.clone()),
            _ => Value::Null,
        })
        .unwrap_or(Value::Null)
}

/// The violation bodies in a `report-uri` (`{"csp-report": {…}}`) or Reporting API
/// (`[{"type": "csp-violation", "body": {…}}]`) payload.
fn violations(payload: &Value) -> Vec<&Map<String, Value>> {
    match payload {
        Value::Object(o) => o
            .get("csp-report")
            .and_then(Value::as_object)
            .into_iter()
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter(|i| i.get("type").and_then(Value::as_str) == Some("csp-violation"))
            .filter_map(|i| i.get("body").and_then(Value::as_object))
            .collect(),
        _ => Vec::new(),
    }
}

impl Alerts {
    /// Records the CSP violations in a browser's report; returns how many were stored.
    pub async fn record_csp_report(
        &self,
        source_ip: Option<IpAddr>,
        body: &[u8],
    ) -> Result<usize, CoreError> {
        let payload: Value = serde_json::from_slice(body).map_err(|_| CoreError::InvalidReport)?;
        let reports = violations(&payload);
        if reports.is_empty() {
            return Err(CoreError::InvalidReport);
        }
        let mut stored = 0;
        for r in reports.into_iter().take(MAX_REPORTS) {
            let detail = json!({
                "document": field(r, &["documentURL", "document-uri"]),
                "directive": field(r, &["effectiveDirective", "effective-directive", "violated-directive"]),
                "blocked": field(r, &["blockedURL", "blocked-uri"]),
                "source": field(r, &["sourceFile", "source-file"]),
                "line": field(r, &["lineNumber", "line-number"]),
                "sample": field(r, &["sample", "script-sample"]),
            });
            self.raise_alert(
                CSP_VIOLATION,
                "content security policy violation: possible injected script",
                source_ip,
                detail,
            )
            .await?;
            stored += 1;
        }
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_report_formats_are_understood() {
        let old = json!({"csp-report": {"document-uri": "https://shop/", "violated-directive": "script-src-elem", "blocked-uri": "inline"}});
        assert_eq!(violations(&old).len(), 1);
        let new = json!([{"type": "csp-violation", "body": {"documentURL": "https://shop/"}}, {"type": "deprecation", "body": {}}]);
        assert_eq!(violations(&new).len(), 1);
        assert!(violations(&json!({"x": 1})).is_empty());
    }

    #[test]
    fn fields_are_bounded_and_stripped_of_control_characters() {
        let r = json!({"blocked-uri": format!("a\r\nb{}", "x".repeat(1000))});
        let v = field(r.as_object().unwrap(), &["blocked-uri"]);
        let s = v.as_str().unwrap();
        assert_eq!(s.chars().count(), MAX_FIELD);
        assert!(s.starts_with("ab"));
    }
}
