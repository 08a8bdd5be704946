//! Dependency policy beside the advisory check: licences on an allow-list, packages only from
//! crates.io (or this repository), and a few banned crates (C TLS stacks: akinai stays on pure-Rust
//! rustls). The licence expression parser understands SPDX `OR`, `AND`, parentheses, `WITH`
//! exceptions and the legacy `MIT/Apache-2.0` spelling.

/// Licences compatible with distributing akinai under Apache-2.0.
pub const ALLOWED_LICENCES: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "CC0-1.0",
    "MPL-2.0",
    "BSL-1.0",
    "0BSD",
    "Unlicense",
    "CDLA-Permissive-2.0",
];

/// Crates that must not be built into akinai.
pub const BANNED: &[&str] = &["openssl", "openssl-sys", "native-tls"];

/// The only package registry allowed.
pub const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// Whether an SPDX licence expression is satisfiable with allowed licences only.
pub fn licence_allowed(expr: &str) -> bool {
    let normalised = expr
        .replace('/', " OR ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let tokens: Vec<&str> = normalised.split_whitespace().collect();
    let mut pos = 0;
    let ok = or_expr(&tokens, &mut pos);
    ok == Some(true) && pos == tokens.len()
}

fn or_expr(t: &[&str], pos: &mut usize) -> Option<bool> {
    let mut value = and_expr(t, pos)?;
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        let rhs = and_expr(t, pos)?;
        value = value || rhs;
    }
    Some(value)
}

fn and_expr(t: &[&str], pos: &mut usize) -> Option<bool> {
    let mut value = atom(t, pos)?;
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        let rhs = atom(t, pos)?;
        value = value && rhs;
    }
    Some(value)
}

fn atom(t: &[&str], pos: &mut usize) -> Option<bool> {
    let token = *t.get(*pos)?;
    *pos += 1;
    let value = if token == "(" {
        let v = or_expr(t, pos)?;
        if t.get(*pos) != Some(&")") {
            return None;
        }
        *pos += 1;
        v
    } else {
        ALLOWED_LICENCES.contains(&token)
    };
    if t.get(*pos) == Some(&"WITH") {
        // Exceptions (e.g. LLVM-exception) only grant permissions.
        *pos += 2;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_expressions() {
        for ok in [
            "MIT",
            "MIT OR Apache-2.0",
            "MIT/Apache-2.0",
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            "Apache-2.0 WITH LLVM-exception OR MIT",
            "GPL-3.0 OR MIT",
        ] {
            assert!(licence_allowed(ok), "{ok}");
        }
        for bad in [
            "GPL-3.0",
            "AGPL-3.0-only",
            "MIT AND GPL-2.0",
            "",
            "(MIT",
            "SSPL-1.0 OR BUSL-1.1",
        ] {
            assert!(!licence_allowed(bad), "{bad}");
        }
    }
}
