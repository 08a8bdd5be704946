//! Rules of the theme directory and its tamper check (IPA-C-14, CCSG-V-3).
//!
//! A shop may override the look of the storefront with files in a theme directory: style sheets,
//! images and fonts. Scripts and markup are not theme material — a theme can never add a script
//! to a page, so a skimmer cannot arrive that way. Which files may be there ([`theme_file_kind`])
//! and how an observed directory differs from the approved manifest ([`diff`]) are decided here,
//! without touching the file system.

use std::collections::BTreeMap;

/// Largest theme file accepted.
pub const MAX_THEME_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Most files a theme may have.
pub const MAX_THEME_FILES: usize = 200;

/// Why a file cannot be part of a theme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeFileError {
    #[error("file names may use a-z, 0-9, '.', '-' and '_' only (at most 64 characters)")]
    BadName,
    #[error("only style sheets (.css), images (.png .jpg .jpeg .webp .gif .ico) and fonts (.woff2) may be theme files")]
    NotAllowedType,
    #[error("theme files must be at most 5 MiB")]
    TooLarge,
    #[error("only plain files may be in the theme directory (no folders or links)")]
    NotAFile,
}

/// The `Content-Type` a theme file is served with, or why it cannot be one.
pub fn theme_file_kind(name: &str) -> Result<&'static str, ThemeFileError> {
    let well_formed = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !well_formed {
        return Err(ThemeFileError::BadName);
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    Ok(match ext {
        "css" => "text/css; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return Err(ThemeFileError::NotAllowedType),
    })
}

/// How the files found differ from the approved manifest (name → SHA-256 hex).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    /// Approved files whose content differs.
    pub modified: Vec<String>,
    /// Files that were not approved (including files that could never be theme files).
    pub added: Vec<String>,
    /// Approved files that are gone.
    pub removed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.modified.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// Compares what is on disk with what was approved.
pub fn diff(approved: &BTreeMap<String, String>, observed: &BTreeMap<String, String>) -> Changes {
    let mut changes = Changes::default();
    for (name, hash) in observed {
        match approved.get(name) {
            None => changes.added.push(name.clone()),
            Some(h) if h != hash => changes.modified.push(name.clone()),
            Some(_) => {}
        }
    }
    changes.removed = approved
        .keys()
        .filter(|n| !observed.contains_key(*n))
        .cloned()
        .collect();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_styles_images_and_fonts_are_theme_files() {
        assert_eq!(theme_file_kind("theme.css"), Ok("text/css; charset=utf-8"));
        assert_eq!(theme_file_kind("logo-2.png"), Ok("image/png"));
        assert_eq!(theme_file_kind("noto_sans.woff2"), Ok("font/woff2"));
        for script in [
            "skim.js",
            "x.mjs",
            "index.html",
            "logo.svg",
            "a.php",
            "theme.css.js",
        ] {
            assert_eq!(
                theme_file_kind(script),
                Err(ThemeFileError::NotAllowedType),
                "{script}"
            );
        }
        for bad in [
            "",
            ".env",
            "Theme.css",
            "a b.css",
            "../x.css",
            "x/y.css",
            "テーマ.css",
        ] {
            assert_eq!(
                theme_file_kind(bad),
                Err(ThemeFileError::BadName),
                "{bad:?}"
            );
        }
        assert_eq!(
            theme_file_kind(&format!("{}.css", "a".repeat(61))),
            Err(ThemeFileError::BadName)
        );
    }

    #[test]
    fn diff_names_modified_added_and_removed_files() {
        let approved: BTreeMap<String, String> = [("a.css", "1"), ("b.png", "2"), ("c.gif", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut observed = approved.clone();
        assert!(diff(&approved, &observed).is_empty());
        observed.insert("a.css".into(), "9".into());
        observed.remove("c.gif");
        observed.insert("skim.js".into(), "4".into());
        let d = diff(&approved, &observed);
        assert_eq!(d.modified, ["a.css"]);
        assert_eq!(d.added, ["skim.js"]);
        assert_eq!(d.removed, ["c.gif"]);
        assert!(!d.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_names_are_judged_without_panic(name in "\\PC{0,80}") {
            if theme_file_kind(&name).is_ok() {
                // An accepted name can never leave the theme directory or hide itself.
                proptest::prop_assert!(!name.contains('/') && !name.contains('\\'));
                proptest::prop_assert!(!name.starts_with('.'));
            }
        }
    }
}
