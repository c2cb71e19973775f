//! `kakanai.toml`: the terminal's settings. Every key has a default that runs, so an empty or
//! missing file is a valid configuration; a bad one is refused with the file, the line and the
//! key in the message.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::card::{ReadOptions, TrustAnchors};
use crate::kiosk::OnRemoval;

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
    /// Shipping usage to the city's central database.
    pub usage: UsageSection,
    /// The receiving office as the forms print it: addressee, name, fees.
    pub office: crate::forms::Office,
    /// Voice guidance on the resident screens.
    pub voice: VoiceSection,
}

/// `[voice]`: each resident screen's title and instruction read aloud (src/voice).
///
/// On by default: the residents who need it (the elderly, people with low vision) cannot turn
/// it on themselves, while an office that finds it too loud turns it off with one line; a PC
/// without a sound card stays silent either way.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceSection {
    /// Speak at all.
    pub enabled: bool,
    /// 0–100: percent of the synthesised level (the PC's mixer sets the speaker itself).
    pub volume: u8,
}

impl Default for VoiceSection {
    fn default() -> Self {
        VoiceSection {
            enabled: true,
            volume: 100,
        }
    }
}

impl VoiceSection {
    /// As the voice takes it.
    pub fn settings(&self) -> crate::voice::Settings {
        crate::voice::Settings {
            enabled: self.enabled,
            volume: self.volume,
        }
    }
}

/// `[usage]`: the city's central usage database (see `src/usage/central`). Empty `central`:
/// the kiosk keeps its log to itself, as before.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsageSection {
    /// `postgres://user@host:5432/database`, without a password.
    pub central: String,
    /// The password, on the file's first line; the file readable by root and the kiosk's
    /// group only (mode 640 or 600). Empty: no password (peer or trust authentication).
    pub password_file: PathBuf,
    /// This kiosk's office (本庁, 北支所 …), for the fleet report's `office` grouping.
    pub office: String,
    /// Seconds between shipments (1–3600).
    pub ship_interval_s: u32,
}

impl Default for UsageSection {
    fn default() -> Self {
        UsageSection {
            central: String::new(),
            password_file: PathBuf::from("/etc/kakanai/central.pass"),
            office: String::new(),
            ship_interval_s: 30,
        }
    }
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
    pub on_card_removed: OnRemoval,
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
            on_card_removed: OnRemoval::PlaceAgain,
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
    /// The X output (connector) of this window's panel, as `xrandr` names it (`HDMI-1`,
    /// `DP-2`). Set: the kiosk arranges the panels and puts the window on this one
    /// (`src/panels.rs`), and `position` is not used. Empty: `position` places the window.
    pub output: String,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            position: Some([0, 0]),
            size: [1920, 1080],
            fullscreen: true,
            decorations: false,
            scale: 1.0,
            output: String::new(),
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrinterConfig {
    /// The CUPS queue; empty: the CUPS server's default queue (unless `folder` is set).
    pub queue: String,
    /// cupsd host:port (default localhost:631).
    pub server: String,
    /// A folder to write the filled PDFs into instead of printing (an office that prints from
    /// another system). Each PDF holds a resident's data, so `folder_keep_s` must say how long
    /// one may stay there; older ones are deleted.
    pub folder: String,
    /// Seconds a PDF may stay in `folder` (60 to 86 400); required with `folder`.
    pub folder_keep_s: u32,
    /// This printer's shift, mm right and down, corrected on every printed page (measure it
    /// with `kakanai print --alignment-page`); matters most on pre-printed paper.
    pub offset_mm: [f32; 2],
    /// This printer's scale error, corrected about the page's top-left corner (1.0: none).
    pub scale: f32,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        let p = crate::forms::pdf::Placement::default();
        PrinterConfig {
            queue: String::new(),
            server: String::new(),
            folder: String::new(),
            folder_keep_s: 0,
            offset_mm: p.offset_mm,
            scale: p.scale,
        }
    }
}

impl PrinterConfig {
    /// The correction every printed page gets.
    pub fn placement(&self) -> crate::forms::pdf::Placement {
        crate::forms::pdf::Placement {
            offset_mm: self.offset_mm,
            scale: self.scale,
        }
    }
}

/// The allowed range of each number in the configuration, shown in the message when a value is
/// outside it.
pub mod ranges {
    use std::ops::RangeInclusive;
    /// `[card] guard_at`: 0 would send the PIN with one try left, which blocks the card on a
    /// wrong PIN; 3 or more would never send one (the PIN has three tries).
    pub const GUARD_AT: RangeInclusive<u8> = 1..=2;
    /// `[kiosk] idle_timeout_s`: the countdown alone is 30 s; beyond an hour a forgotten session
    /// would stay on screen.
    pub const IDLE_TIMEOUT_S: RangeInclusive<u32> = 45..=3_600;
    /// `[kiosk] print_timeout_s`: a print needs some seconds; beyond ten minutes the resident
    /// has gone.
    pub const PRINT_TIMEOUT_S: RangeInclusive<u32> = 10..=600;
    /// `[printer] folder_keep_s`.
    pub const FOLDER_KEEP_S: RangeInclusive<u32> = 60..=86_400;
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
    /// Whether an expired 運転免許証 may still be used as identification (the clerk is shown
    /// that it expired either way). Off: the read stops before the PIN and sends the resident
    /// to the clerk.
    pub accept_expired_licence: bool,
    /// Whether a 在留カード whose period of stay has ended may still be read (the clerk is
    /// shown that it ended either way: a resident who applied for a renewal in time may stay
    /// while it is decided). Off: the read stops and sends the resident to the clerk.
    pub accept_expired_residence_card: bool,
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
            usage: UsageSection::default(),
            office: crate::forms::Office::default(),
            voice: VoiceSection::default(),
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
            accept_expired_licence: false,
            accept_expired_residence_card: false,
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
        if !must_exist && std::fs::symlink_metadata(path).is_err() {
            return Ok((Config::default(), PathBuf::from(".")));
        }
        // Read only a regular file of sensible size: a FIFO would hang the start.
        let text = crate::files::read_regular_text(path, 1 << 20, "a configuration")
            .map_err(|e| err(format!("cannot read: {e}")))?;
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
        let range = |key: &str, value: u32, r: std::ops::RangeInclusive<u32>, why: &str| {
            if r.contains(&value) {
                Ok(())
            } else {
                Err(err(format!(
                    "{key} = {value}: must be between {} and {} ({why})",
                    r.start(),
                    r.end()
                )))
            }
        };
        let g = ranges::GUARD_AT;
        range(
            "[card] guard_at",
            u32::from(config.card.guard_at),
            u32::from(*g.start())..=u32::from(*g.end()),
            "tries left at which no PIN is sent; 0 would risk blocking the card",
        )?;
        range(
            "[kiosk] idle_timeout_s",
            config.kiosk.idle_timeout_s,
            ranges::IDLE_TIMEOUT_S,
            "seconds; the countdown alone is 30 s",
        )?;
        range(
            "[kiosk] print_timeout_s",
            config.kiosk.print_timeout_s,
            ranges::PRINT_TIMEOUT_S,
            "seconds a print may take",
        )?;
        range(
            "[voice] volume",
            u32::from(config.voice.volume),
            0..=100,
            "percent of the synthesised level",
        )?;
        if crate::usage::record::Slug::new(&config.terminal_id).is_none() {
            return Err(err(
                "terminal_id: 1–40 letters, digits, - _ or ., the first a letter or digit".into(),
            ));
        }
        if crate::usage::record::Slug::new(&config.kiosk.window).is_none() {
            return Err(err(
                "[kiosk] window: 1–40 letters, digits, - _ or ., the first a letter or digit"
                    .into(),
            ));
        }
        if !config.printer.folder.is_empty() {
            if !config.printer.queue.is_empty() {
                return Err(err(
                    "[printer]: set either queue (print) or folder (write PDFs), not both".into(),
                ));
            }
            range(
                "[printer] folder_keep_s",
                config.printer.folder_keep_s,
                ranges::FOLDER_KEEP_S,
                "seconds a filled form may stay in the folder; required with folder",
            )?;
        }
        if let Some(problem) = config.printer.placement().problem() {
            return Err(err(format!(
                "[printer]: {problem} (measure them with `kakanai print --alignment-page`)"
            )));
        }
        if !config.admin.credential_hash.trim().is_empty() {
            crate::kiosk::admin::check_hash(&config.admin.credential_hash).map_err(|e| {
                err(format!(
                    "[admin] credential_hash: {e}; make one with `kakanai admin hash`"
                ))
            })?;
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
        if !config.usage.central.is_empty() {
            crate::usage::central::check_url(&config.usage.central)
                .map_err(|e| err(format!("[usage] central: {e}")))?;
        }
        crate::usage::central::check_office(&config.usage.office)
            .map_err(|e| err(e.to_string()))?;
        if !(1..=3600).contains(&config.usage.ship_interval_s) {
            return Err(err(
                "[usage] ship_interval_s: must be between 1 and 3600".into()
            ));
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
            anchors.load_file(&path).map_err(|e| ConfigError {
                file: path.display().to_string(),
                message: e.problem.to_string(),
            })?;
        }
        Ok(ReadOptions {
            guard_at: self.card.guard_at,
            accept_expired_licence: self.card.accept_expired_licence,
            accept_expired_residence_card: self.card.accept_expired_residence_card,
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
        assert!(c.voice.enabled);
        assert_eq!(c.voice.volume, 100);
    }

    #[test]
    fn voice_volume_is_a_percentage() {
        let c = Config::parse("[voice]\nenabled = false\nvolume = 40\n", "k.toml").unwrap();
        assert_eq!(
            c.voice.settings(),
            crate::voice::Settings {
                enabled: false,
                volume: 40
            }
        );
        let e = Config::parse("[voice]\nvolume = 101\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[voice] volume = 101") && e.contains("0 and 100"),
            "{e}"
        );
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
    fn values_that_break_the_kiosk_are_refused_with_the_range() {
        for (text, key, range) in [
            (
                "[kiosk]\nprint_timeout_s = 0\n",
                "print_timeout_s",
                "10 and 600",
            ),
            (
                "[kiosk]\nidle_timeout_s = 4294967295\n",
                "idle_timeout_s",
                "45 and 3600",
            ),
            ("[card]\nguard_at = 0\n", "guard_at", "1 and 2"),
            (
                "[printer]\nfolder = \"out\"\n",
                "folder_keep_s",
                "60 and 86400",
            ),
        ] {
            let e = Config::parse(text, "k.toml").unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(range), "{text}: {e}");
        }
        let e = Config::parse("[admin]\ncredential_hash = \"secret\"\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("credential_hash") && e.contains("admin hash"),
            "{e}"
        );
        assert!(!e.contains("secret"), "{e}");
        let e = Config::parse("terminal_id = \"=cmd\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("terminal_id"), "{e}");
        let ok = Config::parse(
            "[printer]\nfolder = \"out\"\nfolder_keep_s = 600\n[kiosk]\nprint_timeout_s = 10\n",
            "k.toml",
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn a_fifo_as_the_configuration_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kakanai.toml");
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string naming a path in our own temp folder.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = Config::load(&path, false).unwrap_err().to_string();
        assert!(e.contains("FIFO"), "{e}");
    }

    #[test]
    fn a_value_outside_a_closed_set_names_the_line_and_the_allowed_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kakanai.toml");
        std::fs::write(
            &path,
            "[kiosk]\nwindow = \"2\"\non_card_removed = \"eject\"\n",
        )
        .unwrap();
        let e = Config::load(&path, true).unwrap_err().to_string();
        assert!(
            e.contains("kakanai.toml")
                && e.contains("line 3")
                && e.contains("\"eject\"")
                && e.contains("place-again, restart"),
            "{e}"
        );
        std::fs::write(&path, "[kiosk]\non_card_removed = \"restart\"\n").unwrap();
        let c = Config::load(&path, true).unwrap();
        assert_eq!(c.0.kiosk.on_card_removed, OnRemoval::Restart);
    }

    #[test]
    fn a_missing_file_is_fine_unless_named() {
        let missing = Path::new("/nonexistent/kakanai.toml");
        assert!(Config::load(missing, false).is_ok());
        assert!(Config::load(missing, true).is_err());
    }
}
