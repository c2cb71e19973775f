//! What the admin screen does, without any window: the credential check with its lockout, the
//! counts it shows, the export to a folder, the day's application totals.
//!
//! Everything here reaches counts only: the usage database holds no personal data by design
//! (see `usage::record`), so an administrator cannot see a resident's data from this screen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::i18n::Text;
use crate::usage::aggregate::{Grouping, Period, Query, aggregate};
use crate::usage::export::{Lang, write_csv};
use crate::usage::record::Slug;
use crate::usage::store::{Store, day_of, month_of_day};

/// Wrong credentials in a row before the admin entry locks.
pub const MAX_FAILURES: u32 = 5;
/// How long it stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(300);

/// What went wrong on the admin screen (or `kakanai admin`), typed until a person reads it:
/// [`AdminError::for_clerk`] gives the sentence from the catalogs, in the admin's language.
/// None of these carries a credential or any resident's data: the usage database holds none.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// argon2 could not hash the credential (out of memory, or the OS gave no randomness).
    #[error("cannot hash the credential: {0}")]
    Hash(argon2::password_hash::Error),
    /// `[admin] credential_hash` is not the PHC string `kakanai admin hash` prints.
    #[error("not an argon2 hash")]
    NotArgon2,
    /// The usage database could not be opened, read or written.
    #[error(transparent)]
    Usage(#[from] crate::usage::store::StoreError),
    /// The monthly report PDF could not be drawn.
    #[error(transparent)]
    Report(#[from] crate::usage::report::ReportError),
    /// The export folder (a USB stick) could not be made or written: not mounted, full,
    /// write-protected.
    #[error("{}: {source}", path.display())]
    Folder {
        /// The folder or file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The window name for the day's totals is not a slug.
    #[error("the window name must be letters, digits or -")]
    WindowName,
}

impl AdminError {
    /// The sentence the admin reads, from the catalogs.
    pub fn for_clerk(&self) -> Text {
        match self {
            AdminError::Hash(e) => Text::new("admin.error.hash").arg("detail", e),
            AdminError::NotArgon2 => Text::new("admin.bad_hash"),
            AdminError::Usage(e) => Text::new("admin.error.usage").arg("detail", e),
            AdminError::Report(e) => Text::new("admin.error.report").arg("detail", e),
            AdminError::Folder { path, source } => Text::new("admin.error.folder")
                .arg("path", path.display())
                .arg("detail", source),
            AdminError::WindowName => Text::new("admin.error.window"),
        }
    }
}

/// Hash an admin credential for `[admin] credential_hash` (argon2id, random salt, PHC string).
pub fn hash_credential(secret: &str) -> Result<String, AdminError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AdminError::Hash)
}

/// Check that `hash` is an argon2 PHC string (what `kakanai admin hash` prints), so that a
/// bad one is an error when the configuration loads, not at the first login.
pub fn check_hash(hash: &str) -> Result<(), AdminError> {
    let parsed = PasswordHash::new(hash.trim()).map_err(|_| AdminError::NotArgon2)?;
    if !parsed.algorithm.as_str().starts_with("argon2") || parsed.hash.is_none() {
        return Err(AdminError::NotArgon2);
    }
    Ok(())
}

/// The shortest admin credential `kakanai admin hash` accepts.
pub const MIN_CREDENTIAL: usize = 8;
/// The shortest credential of digits only (a PIN pad's worth of guesses is too few).
pub const MIN_DIGITS_CREDENTIAL: usize = 12;

/// Why a credential is too weak to hash, or `None`.
pub fn weak_credential(secret: &str) -> Option<String> {
    let n = secret.chars().count();
    if n < MIN_CREDENTIAL {
        return Some(format!(
            "the credential must have at least {MIN_CREDENTIAL} characters"
        ));
    }
    if secret.chars().all(|c| c.is_ascii_digit()) && n < MIN_DIGITS_CREDENTIAL {
        return Some(format!(
            "a credential of digits only must have at least {MIN_DIGITS_CREDENTIAL} of them"
        ));
    }
    if secret.contains(['\n', '\r']) {
        return Some("the credential must be one line (it is typed at the kiosk)".into());
    }
    None
}

/// Why the admin entry refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    /// No credential is configured: the admin screen is closed.
    #[error("no admin credential is configured ([admin] credential_hash)")]
    NotConfigured,
    /// The configured hash is not an argon2 PHC string.
    #[error("[admin] credential_hash is not a valid argon2 hash")]
    BadHash,
    /// Wrong credential; this many tries before the lock.
    #[error("wrong credential ({left} tries before the admin entry locks)")]
    Wrong {
        /// Tries left.
        left: u32,
    },
    /// Locked after too many wrong credentials.
    #[error("locked after {MAX_FAILURES} wrong credentials; try again in {seconds} s")]
    Locked {
        /// Seconds until it opens again.
        seconds: u64,
    },
}

/// The way into the admin screen: an argon2 hash, and a lock after [`MAX_FAILURES`] wrong tries.
pub struct AdminGate {
    hash: Option<String>,
    failures: u32,
    locked_until: Option<Instant>,
    /// Where the count and the lock are kept across restarts (the usage database).
    persisted: Option<PathBuf>,
}

/// The usage database's `meta` keys of the lockout: counts and a time, nothing personal.
const FAILURES_KEY: &str = "admin_failures";
const LOCKED_UNTIL_KEY: &str = "admin_locked_until";

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl AdminGate {
    /// A gate for the configured hash (`None` or empty: closed).
    pub fn new(hash: Option<String>) -> Self {
        AdminGate {
            hash: hash.filter(|h| !h.trim().is_empty()),
            failures: 0,
            locked_until: None,
            persisted: None,
        }
    }

    /// Keep the wrong tries and the lock in the usage database at `db`, so that restarting the
    /// kiosk does not clear them (five more guesses per restart otherwise).
    pub fn persisted_in(mut self, db: impl Into<PathBuf>) -> Self {
        self.persisted = Some(db.into());
        self
    }

    /// Take the stored count and lock when they are stricter than what is in memory.
    fn load(&mut self, now: Instant) {
        let Some(db) = &self.persisted else { return };
        let read = Store::open(db)
            .and_then(|store| Ok((store.meta(FAILURES_KEY)?, store.meta(LOCKED_UNTIL_KEY)?)));
        match read {
            Ok((failures, until)) => {
                let mut failures = failures.and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
                let left = until.and_then(|u| u.parse::<i64>().ok()).map_or(0, |u| {
                    (u - unix_now()).clamp(0, LOCKOUT.as_secs() as i64) as u64
                });
                if left > 0 {
                    let stored = now + Duration::from_secs(left);
                    self.locked_until = Some(self.locked_until.map_or(stored, |m| m.max(stored)));
                } else if failures >= MAX_FAILURES {
                    // A lock that has run out starts the count again.
                    failures = 0;
                }
                self.failures = self.failures.max(failures.min(MAX_FAILURES));
            }
            Err(e) => tracing::warn!(error = %e, "admin.lockout_not_read"),
        }
    }

    fn save(&self, now: Instant) {
        let Some(db) = &self.persisted else { return };
        let until = self
            .locked_until
            .filter(|u| *u > now)
            .map(|u| unix_now() + (u - now).as_secs().max(1) as i64);
        let written = Store::open(db).and_then(|mut store| {
            store.set_meta(FAILURES_KEY, Some(&self.failures.to_string()))?;
            store.set_meta(LOCKED_UNTIL_KEY, until.map(|u| u.to_string()).as_deref())
        });
        if let Err(e) = written {
            tracing::warn!(error = %e, "admin.lockout_not_saved");
        }
    }

    /// Check `secret`.
    pub fn enter(&mut self, secret: &str, now: Instant) -> Result<(), GateError> {
        self.load(now);
        let result = self.check(secret, now);
        self.save(now);
        result
    }

    fn check(&mut self, secret: &str, now: Instant) -> Result<(), GateError> {
        if let Some(until) = self.locked_until {
            if now < until {
                return Err(GateError::Locked {
                    seconds: (until - now).as_secs().max(1),
                });
            }
            self.locked_until = None;
            self.failures = 0;
        }
        let hash = self.hash.as_deref().ok_or(GateError::NotConfigured)?;
        let parsed = PasswordHash::new(hash).map_err(|_| GateError::BadHash)?;
        if Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok()
        {
            self.failures = 0;
            return Ok(());
        }
        self.failures += 1;
        if self.failures >= MAX_FAILURES {
            self.locked_until = Some(now + LOCKOUT);
            return Err(GateError::Locked {
                seconds: LOCKOUT.as_secs(),
            });
        }
        Err(GateError::Wrong {
            left: MAX_FAILURES - self.failures,
        })
    }
}

/// Counts for the admin screen: forms printed per form, today and this month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Sessions today.
    pub sessions_today: u64,
    /// Sessions this month.
    pub sessions_month: u64,
    /// Forms printed today, per form id.
    pub today: BTreeMap<String, u64>,
    /// Forms printed this month, per form id.
    pub month: BTreeMap<String, u64>,
    /// Shipping to the city's central database, once it has been tried on this database.
    pub shipping: Option<crate::usage::central::outbox::ShipStatus>,
}

/// The first day (day number) of the month holding `day`.
fn first_of_month(day: i64) -> i64 {
    let month = month_of_day(day);
    let mut d = day;
    while month_of_day(d - 1) == month {
        d -= 1;
    }
    d
}

/// Count today's and this month's use (Japan time) from the usage database at `db`.
pub fn counts(db: &Path, now: i64) -> Result<Counts, AdminError> {
    let store = Store::open_read_only(db)?;
    let today = day_of(now);
    let from = first_of_month(today);
    let per = |from_day: i64, group: bool| {
        aggregate(
            &store,
            &Query {
                from_day,
                to_day: today,
                by: Period::Month,
                group: Grouping {
                    form: group,
                    ..Grouping::default()
                },
            },
        )
    };
    let mut c = Counts::default();
    for (key, row) in per(today, true)? {
        *c.today.entry(key.form).or_default() += row.forms_printed;
    }
    for (key, row) in per(from, true)? {
        *c.month.entry(key.form).or_default() += row.forms_printed;
    }
    c.sessions_today = per(today, false)?.values().map(|r| r.sessions).sum();
    c.sessions_month = per(from, false)?.values().map(|r| r.sessions).sum();
    c.shipping = crate::usage::central::outbox::status(&store)
        .ok()
        .filter(|s| s.last_attempt.is_some());
    c.today.retain(|k, _| !k.is_empty());
    c.month.retain(|k, _| !k.is_empty());
    Ok(c)
}

/// Export this fiscal year's KPI table (per day and form, Japanese headers, for Excel) and this
/// month's report PDF into `folder` (a USB stick). Returns the files written.
pub fn export_to(
    db: &Path,
    folder: &Path,
    terminal: &str,
    now: i64,
    titles: &BTreeMap<String, String>,
) -> Result<Vec<PathBuf>, AdminError> {
    let store = Store::open_read_only(db)?;
    let today = day_of(now);
    let month = month_of_day(today);
    // 年度: from April 1st of the fiscal year holding today.
    let mut from = first_of_month(today);
    while month_of_day(from) % 100 != 4 {
        from = first_of_month(from - 1);
    }
    let on = |path: &Path| {
        let path = path.to_owned();
        move |source| AdminError::Folder { path, source }
    };
    std::fs::create_dir_all(folder).map_err(on(folder))?;
    let rows = aggregate(
        &store,
        &Query {
            from_day: from,
            to_day: today,
            by: Period::Day,
            group: Grouping {
                form: true,
                ..Grouping::default()
            },
        },
    )?;
    let source = store.export_source()?;
    let csv_path = folder.join(format!("kakanai-{terminal}-{month}.csv"));
    let mut csv = Vec::new();
    write_csv(&mut csv, Period::Day, &rows, &source, Lang::Ja).map_err(on(&csv_path))?;
    // Beside, then renamed: a stick pulled mid-write leaves the previous export whole.
    crate::files::write_bytes_replacing(&csv_path, 0o644, &csv).map_err(on(&csv_path))?;
    let report = crate::usage::report::render(
        &store,
        first_of_month(today),
        today,
        &format!("端末 {terminal}"),
        titles,
    )?;
    let pdf_path = folder.join(format!("kakanai-{terminal}-{month}-report.pdf"));
    crate::files::write_bytes_replacing(&pdf_path, 0o644, &report).map_err(on(&pdf_path))?;
    Ok(vec![csv_path, pdf_path])
}

/// Record today's number of applications at `window` (the denominator of 利用率).
pub fn set_total(db: &Path, window: &str, now: i64, count: u32) -> Result<(), AdminError> {
    let window = Slug::new(window).ok_or(AdminError::WindowName)?;
    let mut store = Store::open(db)?;
    Ok(store.set_daily_total(&window, day_of(now), count)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_opens_for_the_credential_and_locks_after_five_wrong_ones() {
        let hash = hash_credential("4321").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("4321"));
        let mut gate = AdminGate::new(Some(hash));
        let t = Instant::now();
        assert_eq!(gate.enter("4321", t), Ok(()));
        for left in (1..MAX_FAILURES).rev() {
            assert_eq!(gate.enter("0000", t), Err(GateError::Wrong { left }));
        }
        assert!(matches!(
            gate.enter("0000", t),
            Err(GateError::Locked { .. })
        ));
        // Locked: even the right credential is refused until the lock ends.
        assert!(matches!(
            gate.enter("4321", t),
            Err(GateError::Locked { .. })
        ));
        assert_eq!(gate.enter("4321", t + LOCKOUT), Ok(()));
    }

    #[test]
    fn the_lockout_survives_a_restart_and_is_kept_in_the_usage_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("usage.db");
        let hash = hash_credential("correct horse").unwrap();
        let t = Instant::now();
        // Three wrong tries, a restart, two more: locked (the count was kept).
        let mut gate = AdminGate::new(Some(hash.clone())).persisted_in(&db);
        for left in [4, 3, 2] {
            assert_eq!(gate.enter("guess", t), Err(GateError::Wrong { left }));
        }
        drop(gate);
        let mut gate = AdminGate::new(Some(hash.clone())).persisted_in(&db);
        assert_eq!(gate.enter("guess", t), Err(GateError::Wrong { left: 1 }));
        assert!(matches!(
            gate.enter("guess", t),
            Err(GateError::Locked { .. })
        ));
        drop(gate);
        // A restart while locked: still locked, even for the right credential.
        let mut gate = AdminGate::new(Some(hash.clone())).persisted_in(&db);
        match gate.enter("correct horse", Instant::now()) {
            Err(GateError::Locked { seconds }) => assert!(seconds > 250, "{seconds}"),
            other => panic!("{other:?}"),
        }
        drop(gate);
        // What is stored: a count and a time, never the credential.
        let store = Store::open(&db).unwrap();
        assert_eq!(store.meta(FAILURES_KEY).unwrap().as_deref(), Some("5"));
        let until: i64 = store
            .meta(LOCKED_UNTIL_KEY)
            .unwrap()
            .unwrap()
            .parse()
            .unwrap();
        assert!(until > unix_now() + 250);
        let bytes = std::fs::read(&db).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("horse"));
        // Once the stored lock has run out, the right credential opens and clears it.
        let mut store = store;
        store
            .set_meta(LOCKED_UNTIL_KEY, Some(&(unix_now() - 1).to_string()))
            .unwrap();
        drop(store);
        let mut gate = AdminGate::new(Some(hash)).persisted_in(&db);
        assert_eq!(
            gate.enter("correct horse", Instant::now() + LOCKOUT),
            Ok(())
        );
        let store = Store::open(&db).unwrap();
        assert_eq!(store.meta(FAILURES_KEY).unwrap().as_deref(), Some("0"));
    }

    #[test]
    fn weak_credentials_are_named() {
        assert!(weak_credential("1234567").is_some());
        assert!(weak_credential("12345678901").is_some());
        assert!(weak_credential("123456789012").is_none());
        assert!(weak_credential("kakanai-0").is_none());
        assert!(weak_credential("two\nlines!").is_some());
        assert!(check_hash("plain").is_err());
        assert!(check_hash(&hash_credential("kakanai-0").unwrap()).is_ok());
    }

    #[test]
    fn no_hash_keeps_the_admin_screen_closed() {
        let mut gate = AdminGate::new(Some("  ".into()));
        assert_eq!(
            gate.enter("", Instant::now()),
            Err(GateError::NotConfigured)
        );
        let mut gate = AdminGate::new(Some("plain".into()));
        assert_eq!(gate.enter("plain", Instant::now()), Err(GateError::BadHash));
    }

    #[test]
    fn first_of_month_is_the_first() {
        // 2026-11-21 is day 20_778 (2025-11-21 is 20_413).
        let d = 20_778;
        assert_eq!(month_of_day(d), 202_611);
        assert_eq!(d - first_of_month(d), 20);
        assert_eq!(month_of_day(first_of_month(d) - 1), 202_610);
    }

    #[test]
    fn admin_failures_stay_typed_and_read_as_catalog_sentences() {
        use crate::i18n::Language;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("usage.db");
        drop(Store::open(&db).unwrap());
        // A "folder" that is a file: the stick's path is wrong.
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, b"x").unwrap();
        let e =
            export_to(&db, &file.join("out"), "1", 1_780_000_000, &BTreeMap::new()).unwrap_err();
        assert!(matches!(e, AdminError::Folder { .. }), "{e:?}");
        let ja = e.for_clerk().in_language(Language::JA);
        assert!(
            ja.contains("USB メモリ") && ja.contains("not-a-folder"),
            "{ja}"
        );
        assert!(!ja.contains('⟦'), "{ja}");
        let en = e.for_clerk().in_language(Language::EN);
        assert!(en.starts_with("Cannot write to"), "{en}");

        // No database at all: the usage log's own error, in a sentence that says what to check.
        let e = counts(&dir.path().join("missing.db"), 1_780_000_000).unwrap_err();
        assert!(matches!(e, AdminError::Usage(_)), "{e:?}");
        assert!(
            e.for_clerk()
                .in_language(Language::JA)
                .contains("ディスクの空き")
        );

        let e = set_total(&db, "窓口 1", 1_780_000_000, 3).unwrap_err();
        assert!(matches!(e, AdminError::WindowName), "{e:?}");
        assert!(check_hash("plain").is_err_and(|e| matches!(e, AdminError::NotArgon2)));
    }
}
