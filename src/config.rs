//! `kakanai.toml`: the terminal's settings. Every key has a default that runs, so an empty or
//! missing file is a valid configuration; a bad one is refused with the file, the line and the
//! key in the message.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::card::{ReadOptions, TrustAnchors};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// This kiosk's id in usage records and exports.
    pub terminal_id: String,
    /// Card reading.
    pub card: CardConfig,
    /// Printing.
    pub printer: PrinterConfig,
    /// The session: timeouts, the window residents go to, where the usage log is.
    pub kiosk: KioskSection,
    /// The two windows.
    pub windows: WindowsConfig,
    /// The admin screen.
    pub admin: AdminConfig,
}

/// `[kiosk]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskSection {
    /// The window residents take their forms to ("1", "a", …), printed on the done screen.
    pub window: String,
    /// Seconds without a touch before the session ends (the countdown shows 30 s before).
    pub idle_timeout_s: u32,
    /// Seconds a print may take before it is reported as failed.
    pub print_timeout_s: u32,
    /// The card taken off mid-flow: "place-again" (keep the forms and answers, ask for the
    /// card again) or "restart" (end the session).
    pub on_card_removed: String,
    /// The usage database.
    pub usage_db: PathBuf,
    /// The form templates.
    pub forms_dir: PathBuf,
}

impl Default for KioskSection {
    fn default() -> Self {
        KioskSection {
            window: "1".into(),
            idle_timeout_s: 120,
            print_timeout_s: 120,
            on_card_removed: "place-again".into(),
            usage_db: PathBuf::from("/var/lib/kakanai/usage.db"),
            forms_dir: PathBuf::from("forms"),
        }
    }
}

/// `[windows]`: `front` faces the resident, `back` the clerk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WindowsConfig {
    /// The resident's window.
    pub front: WindowConfig,
    /// The clerk's window.
    pub back: WindowConfig,
}

impl Default for WindowsConfig {
    fn default() -> Self {
        WindowsConfig {
            front: WindowConfig::default(),
            back: WindowConfig {
                position: Some([1920, 0]),
                ..WindowConfig::default()
            },
        }
    }
}

/// One window's placement. On a kiosk PC with two panels side by side (as X11 or a Wayland
/// compositor arranges them), `position` picks the panel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WindowConfig {
    /// Top-left corner on the desktop, in pixels; `None` lets the system place it.
    pub position: Option<[i32; 2]>,
    /// Size in layout pixels (the window on screen is this times `scale`).
    pub size: [u32; 2],
    /// Fill the panel.
    pub fullscreen: bool,
    /// Title bar and borders (off on a kiosk).
    pub decorations: bool,
    /// Scale: the layout is designed for 1920×1080; 0.5 draws it in 960×540.
    pub scale: f32,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            position: Some([0, 0]),
            size: [1920, 1080],
            fullscreen: true,
            decorations: false,
            scale: 1.0,
        }
    }
}

/// `[admin]`
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// The admin credential as an argon2 PHC string (`kakanai admin hash` makes one). Empty:
    /// the admin screen stays closed.
    pub credential_hash: String,
    /// Where exports go by default (a USB stick's mount point).
    pub export_folder: PathBuf,
}

/// `[printer]`
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PrinterConfig {
    /// The CUPS queue; empty: print to `folder` (the demo).
    pub queue: String,
    /// cupsd host:port (default localhost:631).
    pub server: String,
    /// Where the folder printer writes PDFs.
    pub folder: String,
}

/// `[card]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardConfig {
    /// The reader to use; empty: the first reader that holds a card.
    pub reader: String,
    /// Lockout guard: send nothing when the tries left are at or below this (default 1).
    pub guard_at: u8,
    /// Extra trust anchor files (TOML, see `fixtures/keys/README.md`), relative to this file.
    pub trust_anchors: Vec<PathBuf>,
    /// Also trust the keys J-LIS test cards are issued under. Off in service.
    pub trust_jlis_test_cards: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            terminal_id: "kiosk-01".to_owned(),
            card: CardConfig::default(),
            printer: PrinterConfig::default(),
            kiosk: KioskSection::default(),
            windows: WindowsConfig::default(),
            admin: AdminConfig::default(),
        }
    }
}

impl Default for CardConfig {
    fn default() -> Self {
        CardConfig {
            reader: String::new(),
            guard_at: 1,
            trust_anchors: Vec::new(),
            trust_jlis_test_cards: false,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// What is wrong, with the line and key where toml knows them.
    pub message: String,
}

impl Config {
    /// Load `path`; a missing file gives the defaults only when `must_exist` is false.
    pub fn load(path: &Path, must_exist: bool) -> Result<(Self, PathBuf), ConfigError> {
        let err = |message: String| ConfigError {
            file: path.display().to_string(),
            message,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok((Config::default(), PathBuf::from(".")));
            }
            Err(e) => return Err(err(format!("cannot read: {e}"))),
        };
        let config = Config::parse(&text, &path.display().to_string())?;
        let base = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok((config, base))
    }

    /// Parse and check a configuration's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            file: file.to_owned(),
            message,
        };
        let config: Config = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if config.card.guard_at > 9 {
            return Err(err("[card] guard_at: must be between 0 and 9".into()));
        }
        if !matches!(
            config.kiosk.on_card_removed.as_str(),
            "place-again" | "restart"
        ) {
            return Err(err(
                "[kiosk] on_card_removed: must be \"place-again\" or \"restart\"".into(),
            ));
        }
        if config.kiosk.idle_timeout_s < 45 {
            return Err(err(
                "[kiosk] idle_timeout_s: must be at least 45 (the countdown alone is 30 s)".into(),
            ));
        }
        for (name, w) in [
            ("front", &config.windows.front),
            ("back", &config.windows.back),
        ] {
            if !(0.25..=4.0).contains(&w.scale) || w.size[0] < 320 || w.size[1] < 240 {
                return Err(err(format!(
                    "[windows.{name}]: scale must be 0.25–4 and size at least 320×240"
                )));
            }
        }
        Ok(config)
    }

    /// A warning when others than the owner can write the file: whoever can write it can
    /// replace the admin credential's hash, the printer or the trust anchors.
    pub fn permission_warning(path: &Path) -> Option<String> {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o022 != 0).then(|| {
            format!(
                "{}: writable by others than its owner (mode {:o}); anyone who can write it can \
                 change the admin credential, the printer and the trusted keys. Run: chmod go-w {}",
                path.display(),
                mode & 0o777,
                path.display()
            )
        })
    }

    /// The read options this configuration gives; `base` resolves relative anchor paths.
    pub fn read_options(&self, base: &Path) -> Result<ReadOptions, ConfigError> {
        let mut anchors = TrustAnchors::jlis(self.card.trust_jlis_test_cards);
        for file in &self.card.trust_anchors {
            let path = base.join(file);
            anchors.load_file(&path).map_err(|message| ConfigError {
                file: path.display().to_string(),
                message,
            })?;
        }
        Ok(ReadOptions {
            guard_at: self.card.guard_at,
            anchors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_the_defaults() {
        let c: Config = toml::from_str("").unwrap();
        assert_eq!(c.card.guard_at, 1);
        assert_eq!(c.terminal_id, "kiosk-01");
    }

    #[test]
    fn a_config_others_can_write_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kakanai.toml");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(Config::permission_warning(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        let w = Config::permission_warning(&path).unwrap();
        assert!(w.contains("664") && w.contains("chmod go-w"), "{w}");
    }

    #[test]
    fn a_bad_key_names_the_line_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kakanai.toml");
        std::fs::write(&path, "terminal_id = \"a\"\n[card]\nguard_at = \"one\"\n").unwrap();
        let e = Config::load(&path, true).unwrap_err().to_string();
        assert!(
            e.contains("kakanai.toml") && e.contains("line 3") && e.contains("guard_at"),
            "{e}"
        );
        std::fs::write(&path, "[card]\nreeder = \"x\"\n").unwrap();
        let e = Config::load(&path, true).unwrap_err().to_string();
        assert!(e.contains("reeder"), "{e}");
    }

    #[test]
    fn a_missing_file_is_fine_unless_named() {
        let missing = Path::new("/nonexistent/kakanai.toml");
        assert!(Config::load(missing, false).is_ok());
        assert!(Config::load(missing, true).is_err());
    }
}
