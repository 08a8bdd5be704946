//! Files the shop keeps secret (operations issue, item 7): the data directory is created 0700,
//! key files 0600 and never over an existing file, and `serve` warns when the data directory,
//! a key file or the configuration file can be read by others.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Config;

/// A path's last component as text (empty when it has none).
pub fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Creates the data directory (and its parents) if missing; a directory akinai creates is 0700.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates a file only its owner can read (0600), failing if it exists.
pub fn create_private(path: &Path) -> anyhow::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Writes `contents` to a new private file and syncs it.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = create_private(path)?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

/// What `serve` warns about: secret places others can read, each with the fix.
pub fn permission_warnings(config: &Config, config_file: Option<&Path>) -> Vec<String> {
    let mut warnings = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| m.permissions().mode() & 0o777)
        };
        if let Some(m) = mode(&config.data_dir).filter(|m| m & 0o077 != 0) {
            warnings.push(format!(
                "the data directory {} is open to other users (mode {m:o}): chmod 700 {0}",
                config.data_dir.display()
            ));
        }
        let mut keys: Vec<PathBuf> = vec![config.data_dir.join("secret.key")];
        if let Some(tls) = &config.tls {
            keys.push(tls.key_file.clone());
        }
        if let Some(identity) = &config.backup.drill_identity {
            keys.push(identity.clone());
        }
        for key in keys {
            if let Some(m) = mode(&key).filter(|m| m & 0o077 != 0) {
                warnings.push(format!(
                    "the key file {} can be read by other users (mode {m:o}): chmod 600 {0}",
                    key.display()
                ));
            }
        }
        if let Some(file) = config_file {
            if let Some(m) = mode(file).filter(|m| m & 0o007 != 0) {
                warnings.push(format!(
                    "the configuration file {} can be read by every user (mode {m:o}) and may \
                     hold passwords: chmod 640 {0}",
                    file.display()
                ));
            }
        }
    }
    warnings
}

/// A temporary file beside `out` (so the final rename stays on one filesystem): an export is
/// written there and appears under its name only when complete ([`finish_beside`]).
pub fn temp_beside(out: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write into {}", dir.display()))
}

/// Syncs the finished temporary file and renames it to `out`.
pub fn finish_beside(temp: tempfile::NamedTempFile, out: &Path) -> anyhow::Result<()> {
    temp.as_file().sync_all()?;
    temp.persist(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn ipa_c_13_a_data_directory_akinai_creates_is_private_and_wider_modes_are_warned_about() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("a/data");
        ensure_data_dir(&data).unwrap();
        let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        write_private(&data.join("secret.key"), b"00").unwrap();
        assert!(
            write_private(&data.join("secret.key"), b"11").is_err(),
            "never over a file"
        );
        let config = Config {
            data_dir: data.clone(),
            ..Config::default()
        };
        let toml = root.path().join("akinai.toml");
        std::fs::write(&toml, "").unwrap();
        std::fs::set_permissions(&toml, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(permission_warnings(&config, Some(&toml)).is_empty());

        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let key = data.join("secret.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&toml, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warnings = permission_warnings(&config, Some(&toml));
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("chmod 700"), "{warnings:?}");
        assert!(warnings[1].contains("chmod 600"), "{warnings:?}");
        assert!(warnings[2].contains("chmod 640"), "{warnings:?}");
    }
}
