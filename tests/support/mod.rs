//! Shared set-up for the integration tests: a test CA generated for this run, the profiles, and
//! the private pcscd (one at a time per process: libpcsclite reads its socket path from the
//! environment).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use kakanai::card::sim::{CardProfile, SimKeys};
use kakanai::card::{ReadOptions, TrustAnchors};
use kakanai::testbed::Pcscd;

pub mod ui;

/// Keys generated once per test binary: the positive integrity path runs against a CA that
/// exists only for this run.
pub fn keys() -> &'static SimKeys {
    static KEYS: OnceLock<SimKeys> = OnceLock::new();
    KEYS.get_or_init(SimKeys::generate)
}

/// Read options trusting only this run's CA.
pub fn options() -> ReadOptions {
    let mut anchors = TrustAnchors::none();
    anchors.push(keys().anchor());
    ReadOptions {
        accept_expired_licence: false,
        accept_expired_residence_card: false,
        guard_at: 1,
        anchors,
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn profile(name: &str) -> CardProfile {
    CardProfile::load(&fixtures().join("cards").join(format!("{name}.toml"))).unwrap()
}

pub fn all_profiles() -> Vec<(PathBuf, CardProfile)> {
    CardProfile::load_dir(&fixtures().join("cards")).unwrap()
}

/// The file stem of a profile path.
pub fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Serialises every test that talks to pcscd, and points libpcsclite at the private pcscd's
/// socket. The variable is set while holding the lock, before the first PC/SC call of the
/// process, and never changes after.
pub fn pcsc_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    static ENV: OnceLock<()> = OnceLock::new();
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    ENV.get_or_init(|| {
        let (key, value) = Pcscd::socket_env();
        // SAFETY: every test in a binary that uses pcscd takes this lock first, so no other
        // test thread of this binary reads the environment concurrently.
        unsafe { std::env::set_var(key, value) };
    });
    guard
}

/// A successful read gave exactly the profile's four fields, and they verified.
pub fn assert_read_matches(read: &kakanai::card::CardRead, p: &CardProfile, name: &str) {
    let want = p.expected();
    assert_eq!(read.data.name(), want.name(), "{name}");
    assert_eq!(read.data.address(), want.address(), "{name}");
    assert_eq!(read.data.birth_date(), want.birth_date(), "{name}");
    assert_eq!(read.data.sex(), want.sex(), "{name}");
    assert_eq!(read.data.family_name(), want.family_name(), "{name}");
    assert_eq!(read.data.given_name(), want.given_name(), "{name}");
    assert!(
        read.verification.is_verified(),
        "{name}: {}",
        read.verification
    );
}

/// Output of a tool the tests read PDFs and images back with (pdftotext, pdffonts, pdftoppm,
/// zbarimg …), which scripts/setup installs; fails the test when the tool fails.
pub fn tool<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(program: &str, args: &[S]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program}: {e} (scripts/setup installs poppler-utils and zbar-tools)")
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text of a PDF in the order it was written (`pdftotext -raw`).
pub fn pdf_text(pdf: &Path) -> String {
    tool(
        "pdftotext",
        &["-raw".as_ref(), pdf.as_os_str(), "-".as_ref()],
    )
}

/// `pdffonts` of a PDF.
pub fn pdf_fonts(pdf: &Path) -> String {
    tool("pdffonts", &[pdf.as_os_str()])
}

/// The binary under test.
pub fn kakanai() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_kakanai"))
}

/// One column of the usage log's sessions, in order, as debug text (`Integer(0)`, `Text("ja")`).
/// The recorder writes each session as it ends: a session still open is not there.
pub fn session_log(db: &Path, column: &str) -> Vec<String> {
    let store = kakanai::usage::store::Store::open(db).unwrap();
    let mut stmt = store
        .connection()
        .prepare(&format!("SELECT {column} FROM sessions ORDER BY id"))
        .unwrap();
    stmt.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
        .unwrap()
        .map(|v| format!("{:?}", v.unwrap()))
        .collect()
}

/// The session settings most tests use: kiosk-01 at window 1, a 120 s idle timeout, a 10 s print
/// timeout, this run's CA trusted, the card asked for again when it is taken off.
pub fn kiosk_config() -> kakanai::kiosk::KioskConfig {
    kakanai::kiosk::KioskConfig {
        terminal: kakanai::usage::record::Slug::new("kiosk-01").unwrap(),
        window: kakanai::usage::record::Slug::new("1"),
        idle_timeout_s: 120,
        read: options(),
        print_timeout_s: 10,
        on_card_removed: kakanai::kiosk::OnRemoval::PlaceAgain,
    }
}

/// The project's form templates, all of which must load.
pub fn templates() -> Vec<kakanai::forms::Template> {
    let (templates, errors) =
        kakanai::forms::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("forms"));
    assert!(errors.is_empty(), "{errors:?}");
    templates
}

/// A kiosk over PC/SC reading from `reader`, printing PDFs into `dir/printed`, logging to
/// `dir/usage.db`, with [`kiosk_config`].
#[allow(dead_code)]
pub fn pcsc_kiosk(dir: &Path, reader: &str) -> kakanai::kiosk::Kiosk {
    kakanai::kiosk::Kiosk::new(
        templates(),
        Box::new(kakanai::kiosk::services::PcscReader {
            reader: Some(reader.into()),
        }),
        Box::new(kakanai::print::FolderPrinter {
            dir: dir.join("printed"),
        }),
        kakanai::usage::Recorder::open(&dir.join("usage.db")),
        kiosk_config(),
    )
}

/// The first file in the print folder `dir` (the tests that use it print one PDF there).
#[allow(dead_code)]
pub fn first_printed(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .next()
        .expect("a printed PDF")
        .unwrap()
        .path()
}
