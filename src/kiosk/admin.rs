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

use crate::usage::aggregate::{Grouping, Period, Query, aggregate};
use crate::usage::export::{Lang, write_csv};
use crate::usage::record::Slug;
use crate::usage::store::{Store, day_of, month_of_day};

/// Wrong credentials in a row before the admin entry locks.
pub const MAX_FAILURES: u32 = 5;
/// How long it stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(300);

/// Hash an admin credential for `[admin] credential_hash` (argon2id, random salt, PHC string).
pub fn hash_credential(secret: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the credential: {e}"))
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
}

impl AdminGate {
    /// A gate for the configured hash (`None` or empty: closed).
    pub fn new(hash: Option<String>) -> Self {
        AdminGate {
            hash: hash.filter(|h| !h.trim().is_empty()),
            failures: 0,
            locked_until: None,
        }
    }

    /// Check `secret`.
    pub fn enter(&mut self, secret: &str, now: Instant) -> Result<(), GateError> {
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
pub fn counts(db: &Path, now: i64) -> Result<Counts, String> {
    let store = Store::open_read_only(db).map_err(|e| e.to_string())?;
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
        .map_err(|e| e.to_string())
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
) -> Result<Vec<PathBuf>, String> {
    let store = Store::open_read_only(db).map_err(|e| e.to_string())?;
    let today = day_of(now);
    let month = month_of_day(today);
    // 年度: from April 1st of the fiscal year holding today.
    let mut from = first_of_month(today);
    while month_of_day(from) % 100 != 4 {
        from = first_of_month(from - 1);
    }
    std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
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
    )
    .map_err(|e| e.to_string())?;
    let source = store.database_id().map_err(|e| e.to_string())?;
    let csv_path = folder.join(format!("kakanai-{terminal}-{month}.csv"));
    let mut csv = Vec::new();
    write_csv(&mut csv, Period::Day, &rows, &source, Lang::Ja).map_err(|e| e.to_string())?;
    std::fs::write(&csv_path, csv).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    let report = crate::usage::report::render(
        &store,
        first_of_month(today),
        today,
        &format!("端末 {terminal}"),
        titles,
    )
    .map_err(|e| e.to_string())?;
    let pdf_path = folder.join(format!("kakanai-{terminal}-{month}-report.pdf"));
    std::fs::write(&pdf_path, report).map_err(|e| format!("{}: {e}", pdf_path.display()))?;
    Ok(vec![csv_path, pdf_path])
}

/// Record today's number of applications at `window` (the denominator of 利用率).
pub fn set_total(db: &Path, window: &str, now: i64, count: u32) -> Result<(), String> {
    let window = Slug::new(window).ok_or("the window name must be letters, digits or -")?;
    let mut store = Store::open(db).map_err(|e| e.to_string())?;
    store
        .set_daily_total(&window, day_of(now), count)
        .map_err(|e| e.to_string())
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
}
