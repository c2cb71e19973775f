//! `kakanai doctor`: the self-check of an installed kiosk. It looks at what an office gets wrong
//! when it sets a kiosk up — pcscd and the reader, a card on it, the CUPS queue, the fonts, the
//! form templates, the usage database, the time zone and the clock, the configuration file's
//! permissions, the admin credential — and says for each one that it is fine, or what is wrong
//! **and what to do about it**.
//!
//! The checks are data ([`Report`] of [`Finding`]s), not printing: the command line prints them,
//! the kiosk logs them at the start of every session (and keeps them for the admin screen, see
//! [`remember`]), and the tests read them. Nothing personal is looked at: a card on the reader is
//! only asked for its PIN counters, as the kiosk does before its PIN pad.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::card::{CardError, pcsc_reader};
use crate::config::Config;
use crate::print::{CupsPrinter, PrintError, Printer};

/// Whether a check passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Nothing to do.
    Ok,
    /// Works, but someone should look (no exit status: the kiosk runs as it is).
    Warn,
    /// The kiosk cannot do its job (or part of it) until this is fixed.
    Fail,
}

impl Status {
    /// The word a report line starts with.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// The thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// pcscd answers and the reader is seen.
    Reader,
    /// A card on the reader answers.
    Card,
    /// The CUPS queue exists and can print.
    Printer,
    /// The bundled fonts and the fallback for 外字.
    Fonts,
    /// Every form template.
    Templates,
    /// The usage database is writable, with space left.
    UsageDb,
    /// The time zone is Asia/Tokyo.
    TimeZone,
    /// The clock is plausible.
    Clock,
    /// Only its owner can write the configuration file.
    ConfigFile,
    /// The admin credential is set.
    Admin,
    /// The panels' outputs named in the configuration are connected.
    Panels,
    /// `[office]`: whom the forms are addressed to, and the fees.
    Office,
    /// The voice guidance's synthesisers and voices, and a sound card.
    Voice,
}

impl Check {
    /// Its name in a report line and in the journal.
    pub fn name(self) -> &'static str {
        match self {
            Check::Reader => "reader",
            Check::Card => "card",
            Check::Printer => "printer",
            Check::Fonts => "fonts",
            Check::Templates => "templates",
            Check::UsageDb => "usage-db",
            Check::TimeZone => "time-zone",
            Check::Clock => "clock",
            Check::ConfigFile => "config-file",
            Check::Admin => "admin",
            Check::Panels => "panels",
            Check::Office => "office",
            Check::Voice => "voice",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was checked.
    pub check: Check,
    /// Passed or not.
    pub status: Status,
    /// What was found: "running, 1 reader …" or what is wrong.
    pub what: String,
    /// What to do (empty when nothing is to be done).
    pub fix: String,
}

impl Finding {
    fn ok(check: Check, what: impl Into<String>) -> Self {
        Finding {
            check,
            status: Status::Ok,
            what: what.into(),
            fix: String::new(),
        }
    }

    fn bad(check: Check, status: Status, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Finding {
            check,
            status,
            what: what.into(),
            fix: fix.into(),
        }
    }

    /// `ok   reader: …` / `FAIL printer: … — what to do: …`
    pub fn line(&self) -> String {
        let mut line = format!(
            "{:<4} {}: {}",
            self.status.word(),
            self.check.name(),
            self.what
        );
        if !self.fix.is_empty() {
            line.push_str(" — what to do: ");
            line.push_str(&self.fix);
        }
        line
    }
}

/// Every finding of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// In check order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether nothing failed (warnings allowed).
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.status != Status::Fail)
    }

    /// One line per finding.
    pub fn lines(&self) -> Vec<String> {
        self.findings.iter().map(Finding::line).collect()
    }

    /// The findings about `check`.
    pub fn of(&self, check: Check) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.check == check).collect()
    }

    /// Each finding to the log: failures as warnings, the rest as info; then a summary.
    pub fn log(&self) {
        for f in &self.findings {
            match f.status {
                Status::Ok => tracing::info!(
                    event = "doctor",
                    check = f.check.name(),
                    status = "ok",
                    "{}",
                    f.line()
                ),
                Status::Warn | Status::Fail => tracing::warn!(
                    event = "doctor",
                    check = f.check.name(),
                    status = f.status.word(),
                    "{}",
                    f.line()
                ),
            }
        }
        let failing = self
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .count();
        if failing > 0 {
            tracing::warn!(
                event = "doctor_failed",
                failing,
                "self-check: {failing} failing"
            );
        } else {
            tracing::info!(event = "doctor_passed", "self-check: all ok");
        }
    }
}

/// What the checks look at.
pub struct Setup<'a> {
    /// The configuration in effect.
    pub config: &'a Config,
    /// The file it came from (`None`: no file, the defaults).
    pub config_path: Option<&'a Path>,
    /// The folder relative paths in it resolve against.
    pub base: &'a Path,
    /// Ask a card on the reader for its PIN counters (the command line). The kiosk's own
    /// start-up check does not: the card may be a resident's, whom the kiosk is about to serve.
    pub probe_card: bool,
}

/// Where the packaged, pristine copies of the templates are (to restore a broken one from).
pub const PACKAGED_FORMS: &str = "/usr/share/kakanai/forms";

/// Run every check.
pub fn run(setup: &Setup<'_>) -> Report {
    let mut findings = Vec::new();
    let (reader, card) = reader_and_card(setup.config, setup.probe_card);
    findings.push(reader);
    findings.extend(card);
    findings.push(printer(setup.config));
    findings.push(fonts());
    let (found, ids) = templates(&forms_dir(setup));
    findings.extend(found);
    findings.push(office(&setup.config.office, &ids));
    findings.push(usage_db(&setup.config.kiosk.usage_db));
    findings.push(time_zone());
    findings.push(clock(crate::kiosk::unix_now()));
    findings.push(config_file(setup.config_path));
    findings.push(admin(&setup.config.admin.credential_hash));
    findings.extend(panels(setup.config));
    findings.push(voice(
        &setup.config.voice,
        crate::kiosk::chime::audio_device(),
    ));
    Report { findings }
}

/// The templates folder, as the kiosk resolves it (relative to the configuration file).
pub fn forms_dir(setup: &Setup<'_>) -> PathBuf {
    setup.base.join(&setup.config.kiosk.forms_dir)
}

fn reader_and_card(config: &Config, probe_card: bool) -> (Finding, Option<Finding>) {
    let fix_pcscd = "start the smart-card service: `sudo systemctl enable --now pcscd.socket` \
                     (package pcscd), then run `kakanai doctor` again";
    let readers = match pcsc_reader::list_readers() {
        Ok(r) => r,
        Err(e) => {
            let what = match e {
                CardError::NoService => "pcscd is not running".to_owned(),
                other => format!("pcscd does not answer: {other}"),
            };
            return (
                Finding::bad(Check::Reader, Status::Fail, what, fix_pcscd),
                None,
            );
        }
    };
    let names: Vec<&str> = readers.iter().map(|r| r.name.as_str()).collect();
    if readers.is_empty() {
        return (
            Finding::bad(
                Check::Reader,
                Status::Fail,
                "pcscd runs but sees no card reader",
                "plug the reader in (a CCID reader such as the Sony RC-S300; the RC-S380 is not \
                 CCID) and check `kakanai card readers` lists it",
            ),
            None,
        );
    }
    let wanted = &config.card.reader;
    let reader = if wanted.is_empty() {
        readers.iter().find(|r| r.card_present).or(readers.first())
    } else {
        readers.iter().find(|r| &r.name == wanted)
    };
    let Some(reader) = reader else {
        return (
            Finding::bad(
                Check::Reader,
                Status::Fail,
                format!(
                    "the configured reader {wanted:?} is not connected (pcscd sees: {})",
                    names.join(", ")
                ),
                "plug that reader in, or set [card] reader in kakanai.toml to one of the names \
                 above (empty: the first reader holding a card)",
            ),
            None,
        );
    };
    let found = Finding::ok(
        Check::Reader,
        format!(
            "pcscd running; {} reader(s): {}",
            readers.len(),
            names.join(", ")
        ),
    );
    if !reader.card_present {
        return (
            found,
            Some(Finding::ok(
                Check::Card,
                format!(
                    "no card on {:?} (place one and run `kakanai doctor` again to check it answers)",
                    reader.name
                ),
            )),
        );
    }
    if !probe_card {
        return (found, None);
    }
    let card = match pcsc_reader::connect(Some(&reader.name))
        .and_then(|(_, mut card)| crate::card::probe(&mut card))
    {
        Ok(tries) => Finding::ok(
            Check::Card,
            format!(
                "the card on {:?} answers (PIN tries left: {})",
                reader.name,
                tries
                    .pin
                    .map_or("not reported".to_owned(), |n| n.to_string())
            ),
        ),
        Err(CardError::NotMyNumberCard) => Finding::bad(
            Check::Card,
            Status::Warn,
            format!(
                "the card on {:?} answers but is not a My Number card",
                reader.name
            ),
            "place a My Number card to check the reader with one",
        ),
        Err(e) => Finding::bad(
            Check::Card,
            Status::Fail,
            format!("the card on {:?} does not answer: {e}", reader.name),
            "take the card off and place it again, flat and centred; try another card; if none \
             answers, replace the reader",
        ),
    };
    (found, Some(card))
}

fn printer(config: &Config) -> Finding {
    if !config.printer.folder.is_empty() {
        // The office prints from another system: PDFs into a folder, pruned after keep_s.
        let folder = &config.printer.folder;
        return match std::fs::create_dir_all(folder).and_then(|()| write_probe_file_io(folder)) {
            Ok(()) => Finding::ok(
                Check::Printer,
                format!(
                    "forms go as PDFs into {folder:?}, each deleted after {} s",
                    config.printer.folder_keep_s
                ),
            ),
            Err(e) => Finding::bad(
                Check::Printer,
                Status::Fail,
                format!("the print folder {folder:?} cannot be written: {e}"),
                format!("`sudo install -d -o kakanai -g kakanai -m 0700 {folder}`"),
            ),
        };
    }
    // An empty queue is the CUPS server's default queue (src/print.rs).
    let queue = &config.printer.queue;
    let shown = if queue.is_empty() {
        "the default queue".to_owned()
    } else {
        format!("queue {queue:?}")
    };
    let server = Some(config.printer.server.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost:631".into());
    match CupsPrinter::new(&server, queue).status() {
        Ok(s) if s.can_print() => Finding::ok(
            Check::Printer,
            format!("{shown} on {server}: {}", state_word(s.state)),
        ),
        Ok(s) => Finding::bad(
            Check::Printer,
            Status::Fail,
            format!(
                "{shown} on {server} cannot print: {}{}{}",
                state_word(s.state),
                if s.accepting {
                    ""
                } else {
                    ", not accepting jobs"
                },
                if s.reasons.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", s.reasons.join(", "))
                }
            ),
            format!(
                "fix the printer (paper, toner, cover, cable), then `cupsenable {queue}` and \
                 `cupsaccept {queue}`"
            ),
        ),
        Err(PrintError::NoSuchPrinter(_)) => {
            let known = crate::print::list_queues(&server)
                .map(|q| {
                    q.into_iter()
                        .map(|(name, _)| name)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            Finding::bad(
                Check::Printer,
                Status::Fail,
                format!(
                    "there is no queue {queue:?} on {server} (queues there: {})",
                    if known.is_empty() { "none" } else { &known }
                ),
                format!(
                    "add it: `sudo lpadmin -p {queue} -v ipp://PRINTER-ADDRESS/ipp/print -m \
                     everywhere -E`, or set [printer] queue to one of the queues listed"
                ),
            )
        }
        Err(PrintError::NoDefault(_)) => Finding::bad(
            Check::Printer,
            Status::Fail,
            format!("no queue is configured and {server} has no default queue"),
            "set [printer] queue in kakanai.toml to the kiosk's queue (`lpstat -p` lists them), \
             or make it the default: `sudo lpadmin -d QUEUE`",
        ),
        Err(PrintError::Unreachable { .. }) => Finding::bad(
            Check::Printer,
            Status::Fail,
            format!("the print service at {server} does not answer"),
            "start CUPS: `sudo systemctl enable --now cups` (package cups), or fix [printer] \
             server in kakanai.toml",
        ),
        Err(e) => Finding::bad(
            Check::Printer,
            Status::Fail,
            format!("asking {server} about {queue:?} failed: {e}"),
            "check CUPS's log: `journalctl -u cups`",
        ),
    }
}

fn state_word(state: crate::print::PrinterState) -> String {
    format!("{state:?}").to_lowercase()
}

fn fonts() -> Finding {
    let fonts = crate::forms::fonts::Fonts::bundled();
    match fonts.fallback() {
        Some(_) => Finding::ok(
            Check::Fonts,
            "BIZ UD Gothic and Mincho (built in); the fallback for 外字 is installed",
        ),
        None => Finding::bad(
            Check::Fonts,
            Status::Fail,
            format!(
                "no fallback font for characters BIZ UD lacks (𠮷 …): none of {}",
                crate::forms::fonts::FALLBACK_PATHS.join(", ")
            ),
            "`sudo apt install fonts-ipamj-mincho fonts-noto-cjk`",
        ),
    }
}

/// Whether every language's voice is installed, and a sound card to hear it on. A warning
/// only: a kiosk without voice guidance still serves everyone who can read the screen.
fn voice(config: &crate::config::VoiceSection, sound_card: bool) -> Finding {
    use crate::i18n::Language;
    use crate::voice::{Engine, language_name};
    if !config.enabled {
        return Finding::ok(Check::Voice, "off ([voice] enabled = false)");
    }
    let mut missing: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let mut voiced: Vec<&str> = Vec::new();
    let mut silent: Vec<&str> = Vec::new();
    for l in Language::ALL {
        match Engine::for_language(l) {
            None => silent.push(language_name(l)),
            Some(engine) => match engine.check_installed() {
                Ok(()) => voiced.push(language_name(l)),
                Err(e) => {
                    missing.push(language_name(l).to_owned());
                    let fix = e.to_string();
                    if !fixes.contains(&fix) {
                        fixes.push(fix);
                    }
                }
            },
        }
    }
    let no_voice_anywhere = format!(
        "no voice exists for {} (the screen says so)",
        silent.join(", ")
    );
    if !missing.is_empty() {
        return Finding::bad(
            Check::Voice,
            Status::Warn,
            format!("no voice for {}; {no_voice_anywhere}", missing.join(", ")),
            fixes.join("; "),
        );
    }
    if !sound_card {
        return Finding::bad(
            Check::Voice,
            Status::Warn,
            format!(
                "voices installed, but {}",
                crate::voice::VoiceError::NoSoundDevice
            ),
            "connect the speaker (or turn [voice] enabled off); `aplay -l` lists the cards",
        );
    }
    Finding::ok(
        Check::Voice,
        format!(
            "voices installed for {}, volume {} %; {no_voice_anywhere}",
            voiced.join(", "),
            config.volume
        ),
    )
}

/// The templates' findings, and the ids of those that load (for the `[office.fees]` check).
fn templates(dir: &Path) -> (Vec<Finding>, Vec<String>) {
    if !dir.is_dir() {
        let finding = vec![Finding::bad(
            Check::Templates,
            Status::Fail,
            format!("the templates folder {} does not exist", dir.display()),
            format!(
                "set [kiosk] forms_dir in kakanai.toml (relative to it), or copy the packaged \
                 templates: `sudo install -d {d} && sudo cp {PACKAGED_FORMS}/*.toml {d}/`",
                d = dir.display()
            ),
        )];
        return (finding, Vec::new());
    }
    let (good, errors) = crate::forms::load_dir(dir);
    let mut findings: Vec<Finding> = errors
        .iter()
        .map(|e| {
            let name = Path::new(&e.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let packaged = Path::new(PACKAGED_FORMS).join(&name);
            let restore = if !name.is_empty() && packaged.exists() {
                format!(
                    "; or restore the packaged copy: `sudo cp {} {}`",
                    packaged.display(),
                    e.file
                )
            } else {
                String::new()
            };
            Finding::bad(
                Check::Templates,
                Status::Fail,
                format!(
                    "{}{}: {} (this form is not offered)",
                    e.file,
                    if e.line > 0 {
                        format!(" line {}", e.line)
                    } else {
                        String::new()
                    },
                    e.what
                ),
                format!(
                    "correct it (forms/README.md) and check with `kakanai forms check {}`{restore}",
                    e.file
                ),
            )
        })
        .collect();
    if good.is_empty() && errors.is_empty() {
        findings.push(Finding::bad(
            Check::Templates,
            Status::Fail,
            format!("no form templates in {}", dir.display()),
            format!(
                "copy the packaged ones: `sudo cp {PACKAGED_FORMS}/*.toml {}/`, or fix [kiosk] forms_dir",
                dir.display()
            ),
        ));
    } else if !good.is_empty() {
        findings.insert(
            0,
            Finding::ok(
                Check::Templates,
                format!("{} valid template(s) in {}", good.len(), dir.display()),
            ),
        );
    }
    (findings, good.iter().map(|t| t.spec.id.clone()).collect())
}

/// `[office]`: a form addressed to 「市区町村長」 is accepted, but looks unfinished to a
/// resident and a clerk; a fee under a form id that no template has is a typo that leaves the
/// price blank on the paper.
fn office(office: &crate::forms::Office, form_ids: &[String]) -> Finding {
    let fix_addressee = "set [office] addressee in kakanai.toml (e.g. addressee = \"札幌市長\")";
    let unknown: Vec<&str> = office
        .fees
        .keys()
        .map(String::as_str)
        .filter(|id| !form_ids.iter().any(|f| f == id))
        .collect();
    // With no template loaded, the templates check has failed already: no second finding.
    if !unknown.is_empty() && !form_ids.is_empty() {
        return Finding::bad(
            Check::Office,
            Status::Warn,
            format!(
                "[office.fees] names form(s) no template has: {} (their price is not printed)",
                unknown.join(", ")
            ),
            format!(
                "use the ids `kakanai forms list` shows: {}",
                form_ids.join(", ")
            ),
        );
    }
    if office.addressee.trim().is_empty() {
        return Finding::bad(
            Check::Office,
            Status::Warn,
            "[office] addressee is not set: the forms say 「（あて先）市区町村長」",
            fix_addressee,
        );
    }
    Finding::ok(
        Check::Office,
        format!(
            "forms say {}; fees set for {} form(s)",
            office.addressee_line(),
            office.fees.len()
        ),
    )
}

/// Below this much free space the database check fails (a year of sessions is a few MB).
pub const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

fn usage_db(path: &Path) -> Finding {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fix_perm = format!(
        "the kiosk's user must be able to write it: `sudo install -d -o kakanai -g kakanai -m \
         0700 {d}` and `sudo chown kakanai:kakanai {d}/*`; if the disk is mounted read-only, \
         check it (`dmesg`, `fsck`) and remount it read-write",
        d = dir.display()
    );
    if !dir.is_dir() {
        return Finding::bad(
            Check::UsageDb,
            Status::Fail,
            format!("the folder {} does not exist", dir.display()),
            fix_perm,
        );
    }
    if mounted_read_only(dir) {
        return Finding::bad(
            Check::UsageDb,
            Status::Fail,
            format!(
                "{} cannot be written: its disk is mounted read-only",
                path.display()
            ),
            fix_perm,
        );
    }
    let written = if path.exists() {
        write_probe_db(path)
    } else {
        // Not there yet (the kiosk makes it on its first session): the folder must take it.
        write_probe_file_io(dir).map_err(WriteProbeError::from)
    };
    if let Err(e) = written {
        return Finding::bad(
            Check::UsageDb,
            Status::Fail,
            format!("{} cannot be written: {e}", path.display()),
            fix_perm,
        );
    }
    match free_bytes(dir) {
        Some(free) if free < MIN_FREE_BYTES => Finding::bad(
            Check::UsageDb,
            Status::Fail,
            format!(
                "only {} MB left on the disk holding {}",
                free / 1_048_576,
                path.display()
            ),
            "free space on that disk (old logs: `sudo journalctl --vacuum-size=200M`), or move \
             [kiosk] usage_db to a bigger one",
        ),
        free => Finding::ok(
            Check::UsageDb,
            format!(
                "{} writable{}{}",
                path.display(),
                if path.exists() {
                    ""
                } else {
                    " (made at the first session)"
                },
                free.map_or(String::new(), |f| format!(", {} MB free", f / 1_048_576))
            ),
        ),
    }
}

/// Take SQLite's write lock on the existing database and let it go: fails exactly when the
/// kiosk's next write would (read-only file or disk, another writer, a broken file).
fn write_probe_db(path: &Path) -> Result<(), WriteProbeError> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
    Ok(())
}

/// Why a write probe failed: SQLite's answer, or the OS's.
#[derive(Debug, thiserror::Error)]
enum WriteProbeError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn write_probe_file_io(dir: impl AsRef<Path>) -> std::io::Result<()> {
    let probe = dir
        .as_ref()
        .join(format!(".kakanai-doctor-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

fn statvfs(dir: &Path) -> Option<libc::statvfs> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct we own from a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    (unsafe { libc::statvfs(c.as_ptr(), &mut st) } == 0).then_some(st)
}

/// A read-only mount stops even root, whose file modes would not.
fn mounted_read_only(dir: &Path) -> bool {
    statvfs(dir).is_some_and(|st| st.f_flag & libc::ST_RDONLY != 0)
}

fn free_bytes(dir: &Path) -> Option<u64> {
    statvfs(dir).map(|st| st.f_bavail * st.f_frsize)
}

/// The local time's offset from UTC in seconds and the zone's name, as the C library sees
/// them now (`TZ`, else /etc/localtime).
pub fn local_offset() -> (i64, String) {
    // SAFETY: tzset reads TZ; localtime_r fills the zeroed tm we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let now = crate::kiosk::unix_now() as libc::time_t;
    unsafe extern "C" {
        /// POSIX: reads TZ (the libc crate does not declare it).
        fn tzset();
    }
    unsafe {
        tzset();
        libc::localtime_r(&now, &mut tm);
    }
    let name = std::env::var("TZ")
        .ok()
        .map(|t| t.trim_start_matches(':').to_owned())
        .or_else(|| {
            std::fs::read_link("/etc/localtime").ok().map(|l| {
                let l = l.to_string_lossy().into_owned();
                l.split("zoneinfo/").nth(1).unwrap_or(&l).to_owned()
            })
        })
        .unwrap_or_else(|| "UTC".into());
    (tm.tm_gmtoff, name)
}

fn time_zone() -> Finding {
    let (offset, name) = local_offset();
    if offset == 9 * 3600 {
        Finding::ok(Check::TimeZone, format!("{name} (UTC+9)"))
    } else {
        Finding::bad(
            Check::TimeZone,
            Status::Fail,
            format!(
                "the time zone is {name} (UTC{:+}), not Asia/Tokyo: log times and the day a \
                 session counts for in the office's records would be off",
                offset as f64 / 3600.0
            ),
            "`sudo timedatectl set-timezone Asia/Tokyo` (package tzdata), then restart the \
             kiosk: `sudo systemctl restart kakanai`",
        )
    }
}

/// The earliest time the clock may plausibly show: 2026-01-01 00:00 JST (before this version
/// was made; a PC whose clock battery died shows 2000 or 1970).
pub const PLAUSIBLE_FROM: i64 = 1_767_193_200;
/// And the latest: 2100-01-01.
pub const PLAUSIBLE_UNTIL: i64 = 4_102_444_800;

fn clock(now: i64) -> Finding {
    let d = myna_card::Date::from_unix_seconds(now + 9 * 3600);
    let hm = (now + 9 * 3600).rem_euclid(86_400);
    let shown = format!(
        "{:04}-{:02}-{:02} {:02}:{:02} JST",
        d.year,
        d.month,
        d.day,
        hm / 3600,
        hm % 3600 / 60
    );
    if (PLAUSIBLE_FROM..PLAUSIBLE_UNTIL).contains(&now) {
        let wareki = crate::card::Date::new(d.year, d.month, d.day)
            .map(crate::wareki::format_kanji)
            .unwrap_or_default();
        Finding::ok(Check::Clock, format!("{shown} ({wareki})"))
    } else {
        Finding::bad(
            Check::Clock,
            Status::Fail,
            format!(
                "the clock says {shown}: 和暦 dates on forms and the days of the usage counts \
                 would be wrong"
            ),
            "set the time from the network: `sudo timedatectl set-ntp true` (package \
             systemd-timesyncd); if it is wrong after every power-off, replace the PC's clock \
             battery",
        )
    }
}

fn config_file(path: Option<&Path>) -> Finding {
    let Some(path) = path.filter(|p| p.exists()) else {
        return Finding::bad(
            Check::ConfigFile,
            Status::Warn,
            "no configuration file: every setting is the default",
            "write /etc/kakanai/kakanai.toml (the package installs one; README, Configuration) \
             and start with `--config` that file",
        );
    };
    match Config::permission_warning(path) {
        Some(warning) => Finding::bad(
            Check::ConfigFile,
            Status::Fail,
            warning,
            format!(
                "`sudo chown root:kakanai {p}` and `sudo chmod 0640 {p}`",
                p = path.display()
            ),
        ),
        None => Finding::ok(
            Check::ConfigFile,
            format!("{}: only its owner can write it", path.display()),
        ),
    }
}

fn admin(hash: &str) -> Finding {
    let fix = "make a hash with `echo -n 'PASSWORD' | kakanai admin hash` and put it into \
               [admin] credential_hash in kakanai.toml";
    if hash.is_empty() {
        return Finding::bad(
            Check::Admin,
            Status::Fail,
            "no admin credential: the admin screen (counts, exports, test page) stays closed",
            fix,
        );
    }
    match argon2::password_hash::PasswordHash::new(hash) {
        Ok(_) => Finding::ok(Check::Admin, "the admin credential is set"),
        Err(_) => Finding::bad(
            Check::Admin,
            Status::Fail,
            "[admin] credential_hash is not a password hash (paste the whole `$argon2id$…` line)",
            fix,
        ),
    }
}

fn panels(config: &Config) -> Option<Finding> {
    let names: Vec<(&str, &str)> = [
        ("front", config.windows.front.output.as_str()),
        ("back", config.windows.back.output.as_str()),
    ]
    .into_iter()
    .filter(|(_, o)| !o.is_empty())
    .collect();
    if names.is_empty() {
        return None;
    }
    if std::env::var_os("DISPLAY").is_none() {
        return Some(Finding::ok(
            Check::Panels,
            "not checked here (no X display); the kiosk arranges the panels when it starts",
        ));
    }
    let outputs = match crate::panels::query() {
        Ok(o) => o,
        Err(e) => {
            return Some(Finding::bad(
                Check::Panels,
                Status::Fail,
                e.to_string(),
                "`sudo apt install x11-xserver-utils`",
            ));
        }
    };
    let problems: Vec<String> = names
        .iter()
        .filter_map(|(window, name)| {
            crate::panels::missing(&outputs, name).map(|why| format!("[windows.{window}] {why}"))
        })
        .collect();
    Some(if problems.is_empty() {
        Finding::ok(
            Check::Panels,
            names
                .iter()
                .map(|(w, n)| format!("{w} on {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    } else {
        Finding::bad(
            Check::Panels,
            Status::Fail,
            problems.join("; "),
            "check the panel's cable and power, or set the window's output in kakanai.toml to \
             one of the connected outputs (`xrandr --query` on the kiosk's display lists them)",
        )
    })
}

static SESSION_REPORT: Mutex<Option<Report>> = Mutex::new(None);

/// Keep the report of this kiosk session's start-up check for the admin screen.
pub fn remember(report: Report) {
    *SESSION_REPORT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report);
}

/// The findings of the session's start-up check; empty while it runs (or outside the kiosk).
pub fn session_findings() -> Vec<Finding> {
    SESSION_REPORT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .map(|r| r.findings.clone())
        .unwrap_or_default()
}

impl Finding {
    /// The check and its verdict as a catalog sentence ("カード読み取り機：正常"), for the admin
    /// screen; the detail (`what`, `fix`) stays the technical text the journal and `kakanai
    /// doctor` print, for whoever maintains the PC.
    pub fn verdict(&self) -> crate::i18n::Text {
        let check = match self.check {
            Check::Reader => "doctor.check.reader",
            Check::Card => "doctor.check.card",
            Check::Printer => "doctor.check.printer",
            Check::Fonts => "doctor.check.fonts",
            Check::Templates => "doctor.check.templates",
            Check::UsageDb => "doctor.check.usage_db",
            Check::TimeZone => "doctor.check.time_zone",
            Check::Clock => "doctor.check.clock",
            Check::ConfigFile => "doctor.check.config_file",
            Check::Admin => "doctor.check.admin",
            Check::Office => "doctor.check.office",
            Check::Panels => "doctor.check.panels",
            Check::Voice => "doctor.check.voice",
        };
        let status = match self.status {
            Status::Ok => "doctor.status.ok",
            Status::Warn => "doctor.status.warn",
            Status::Fail => "doctor.status.fail",
        };
        crate::i18n::Text::new("doctor.verdict")
            .arg_key("check", check)
            .arg_key("status", status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_office_check_warns_of_an_unset_addressee_and_a_fee_for_no_form() {
        let ids = vec!["juminhyo".to_owned(), "koseki".to_owned()];
        let mut o = crate::forms::Office::default();
        let f = office(&o, &ids);
        assert_eq!(f.status, Status::Warn);
        assert!(f.what.contains("市区町村長") && f.fix.contains("[office] addressee"));
        o.addressee = "札幌市長".into();
        o.fees.insert("juminhyou".into(), 300);
        let f = office(&o, &ids);
        assert_eq!(f.status, Status::Warn);
        assert!(f.what.contains("juminhyou") && f.fix.contains("juminhyo, koseki"));
        o.fees.clear();
        o.fees.insert("juminhyo".into(), 300);
        let f = office(&o, &ids);
        assert_eq!(f.status, Status::Ok);
        assert!(f.what.contains("（あて先）札幌市長"), "{}", f.what);
    }

    #[test]
    fn a_line_says_the_check_what_and_what_to_do() {
        let f = Finding::bad(Check::Printer, Status::Fail, "no queue", "add it");
        assert_eq!(f.line(), "FAIL printer: no queue — what to do: add it");
        assert_eq!(Finding::ok(Check::Clock, "x").line(), "ok   clock: x");
    }

    #[test]
    fn the_admin_screen_reads_each_verdict_from_the_catalogs() {
        use crate::i18n::Language;
        let f = Finding::bad(Check::Printer, Status::Fail, "no queue", "add it");
        assert_eq!(
            f.verdict().in_language(Language::JA),
            "プリンタ：異常（下の対処を行ってください）"
        );
        assert_eq!(
            Finding::ok(Check::UsageDb, "x")
                .verdict()
                .in_language(Language::EN),
            "Usage database: OK"
        );
    }

    #[test]
    fn the_voice_check_names_what_is_missing_and_warns_without_a_sound_card() {
        let off = crate::config::VoiceSection {
            enabled: false,
            volume: 100,
        };
        assert_eq!(voice(&off, false).status, Status::Ok);
        let on = crate::config::VoiceSection::default();
        // This machine has the voices (scripts/setup) but no sound card.
        let f = voice(&on, false);
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(f.what.contains("no sound card"), "{}", f.what);
        let f = voice(&on, true);
        assert_eq!(f.status, Status::Ok, "{}", f.line());
        assert!(
            f.what.contains("Nepali") && f.what.contains("no voice exists for Tagalog"),
            "{}",
            f.what
        );
    }

    #[test]
    fn a_dead_clock_battery_fails_and_today_passes() {
        assert_eq!(clock(0).status, Status::Fail);
        assert_eq!(clock(946_684_800).status, Status::Fail);
        let now = clock(1_800_000_000);
        assert_eq!(now.status, Status::Ok, "{now:?}");
        assert!(now.what.contains("令和"), "{}", now.what);
    }

    #[test]
    fn the_admin_credential_must_be_a_hash() {
        assert_eq!(admin("").status, Status::Fail);
        assert_eq!(admin("0000").status, Status::Fail);
        let hash = crate::kiosk::admin::hash_credential("secret").unwrap();
        assert_eq!(admin(&hash).status, Status::Ok);
    }

    #[test]
    fn a_writable_database_passes_and_a_missing_folder_fails() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("usage.db");
        assert_eq!(usage_db(&db).status, Status::Ok, "not there yet is fine");
        crate::usage::store::Store::open(&db).unwrap();
        assert_eq!(usage_db(&db).status, Status::Ok);
        let f = usage_db(&dir.path().join("missing/usage.db"));
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.contains("install -d -o kakanai"), "{}", f.fix);
    }
}
