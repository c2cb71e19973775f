//! The usage database: SQLite, WAL, one writer, migrations by `PRAGMA user_version`.
//!
//! Counts and times only (see [`super::record`]). Times are stored as UTC seconds; the day and
//! month columns are the Japan-time calendar day and month, precomputed so that a year of a
//! large office (a million sessions) aggregates by SQL `GROUP BY` without date functions.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};

use super::record::{CardCheck, Identification, Mode, Outcome, SessionRecord};

/// The schema this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// An error from the store. Messages name the file and what to do; no record content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no (disk full, read-only, locked, corrupt …).
    #[error("usage database {path}: {source}")]
    Sqlite {
        /// The file.
        path: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A newer kakanai wrote this file; it is left untouched.
    #[error(
        "usage database {path} has schema version {found}, newer than this kakanai understands ({SCHEMA_VERSION}); it was left untouched — use a newer kakanai to read it"
    )]
    TooNew {
        /// The file.
        path: String,
        /// Its version.
        found: i64,
    },
    /// An older file opened read-only (an export): it needs migrating first, which only a
    /// writer does.
    #[error(
        "usage database {path} has schema version {found}, older than this kakanai's ({SCHEMA_VERSION}); open it once with the kiosk (or `kakanai kpi totals set`) to migrate it, then export"
    )]
    TooOld {
        /// The file.
        path: String,
        /// Its version.
        found: i64,
    },
    /// A record failed its own checks.
    #[error("invalid usage record: {0}")]
    Invalid(&'static str),
    /// A SQLite file of some other program: kakanai adds nothing to it.
    #[error(
        "{path} is not a kakanai usage database (it holds tables of another program); it was left untouched — name the usage database (usage_db in kakanai.toml) or a new file"
    )]
    Foreign {
        /// The file.
        path: String,
    },
}

/// Migrations, in order: index `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: [&str; 4] = [
    // 1: the first schema.
    "CREATE TABLE terminals (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
     CREATE TABLE forms (id INTEGER PRIMARY KEY, form TEXT NOT NULL, version TEXT NOT NULL, UNIQUE(form, version));
     CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        terminal INTEGER NOT NULL REFERENCES terminals(id),
        window TEXT,
        started INTEGER NOT NULL,
        ended INTEGER NOT NULL,
        day INTEGER NOT NULL,
        month INTEGER NOT NULL,
        mode INTEGER NOT NULL,
        assisted INTEGER NOT NULL,
        language TEXT NOT NULL,
        identification INTEGER NOT NULL,
        card_check INTEGER NOT NULL,
        outcome INTEGER NOT NULL,
        satisfaction INTEGER,
        card_read_ms INTEGER,
        choice_to_print_s INTEGER
     );
     CREATE INDEX sessions_day ON sessions(day);
     CREATE TABLE printed (
        session INTEGER NOT NULL REFERENCES sessions(id),
        form INTEGER NOT NULL REFERENCES forms(id),
        copies INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        filled INTEGER NOT NULL,
        total INTEGER NOT NULL
     );
     CREATE INDEX printed_session ON printed(session);
     CREATE TABLE events (session INTEGER REFERENCES sessions(id), at INTEGER NOT NULL, kind INTEGER NOT NULL);
     CREATE TABLE daily_totals (window TEXT NOT NULL, day INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(window, day));",
    // 2: the export id that lets `kpi merge` recognise the same export given twice.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     INSERT INTO meta(key, value) VALUES ('database_id', lower(hex(randomblob(16))));",
    // 3: the outbox to the city's central database (src/usage/central): every session, as it
    // is recorded, is queued in the same transaction by a trigger (and the history already
    // here is queued once); a day's application total is queued whenever it is set. Shipping
    // deletes what the server has committed. `ship_state` is what the admin screen shows.
    "CREATE TABLE outbox (session INTEGER PRIMARY KEY);
     INSERT INTO outbox(session) SELECT id FROM sessions;
     CREATE TRIGGER sessions_outbox AFTER INSERT ON sessions BEGIN INSERT OR IGNORE INTO outbox(session) VALUES (new.id); END;
     CREATE TABLE outbox_totals (window TEXT NOT NULL, day INTEGER NOT NULL, PRIMARY KEY(window, day));
     INSERT INTO outbox_totals(window, day) SELECT window, day FROM daily_totals;
     CREATE TRIGGER totals_outbox_insert AFTER INSERT ON daily_totals BEGIN INSERT OR IGNORE INTO outbox_totals(window, day) VALUES (new.window, new.day); END;
     CREATE TRIGGER totals_outbox_update AFTER UPDATE ON daily_totals BEGIN INSERT OR IGNORE INTO outbox_totals(window, day) VALUES (new.window, new.day); END;
     CREATE TABLE ship_state (id INTEGER PRIMARY KEY CHECK (id = 1), shipped INTEGER NOT NULL, last_shipped INTEGER, last_attempt INTEGER, last_error TEXT);
     INSERT INTO ship_state(id, shipped) VALUES (1, 0);",
    // 4: which card was read (NULL: none, or recorded before kinds were counted): 1 the My
    // Number card, 2 the 運転免許証, 3 the 在留カード, 4 the 特別永住者証明書. Not shipped to the
    // central database yet.
    "ALTER TABLE sessions ADD COLUMN card_kind INTEGER;",
];

/// Japan time: UTC+9, no daylight saving.
pub const JST: i64 = 9 * 3600;

/// The Japan-time day number (days since 1970-01-01) of a UTC timestamp.
pub fn day_of(ts: i64) -> i64 {
    (ts + JST).div_euclid(86_400)
}

/// `YYYYMM` of a day number.
pub fn month_of_day(day: i64) -> i64 {
    let d = myna_card::Date::from_unix_seconds(day * 86_400);
    i64::from(d.year) * 100 + i64::from(d.month)
}

/// The usage database, open for writing.
pub struct Store {
    conn: Connection,
    path: String,
}

fn code_mode(m: Mode) -> i64 {
    match m {
        Mode::SelfService => 0,
        Mode::StaffOperated => 1,
    }
}
fn code_ident(i: Identification) -> i64 {
    match i {
        Identification::None => 0,
        Identification::Pin => 1,
        Identification::CodeB => 2,
    }
}
/// The `sessions.card_kind` code of a card kind (migration 4).
pub fn code_card_kind(k: crate::card::CardKind) -> i64 {
    use crate::card::CardKind;
    match k {
        CardKind::MyNumber => 1,
        CardKind::DriversLicence => 2,
        CardKind::ResidenceCard => 3,
        CardKind::SpecialPermanentResident => 4,
    }
}
fn code_check(c: CardCheck) -> i64 {
    match c {
        CardCheck::NotRead => 0,
        CardCheck::Verified => 1,
        CardCheck::Unverified => 2,
    }
}
/// Stored outcome codes, in this order.
pub const OUTCOMES: [Outcome; 5] = [
    Outcome::Printed,
    Outcome::Cancelled,
    Outcome::TimedOut,
    Outcome::CardError,
    Outcome::PrintError,
];
fn code_outcome(o: Outcome) -> i64 {
    OUTCOMES.iter().position(|x| *x == o).unwrap_or(0) as i64
}

impl Store {
    /// Open (creating if needed) and migrate. A newer schema is refused and left untouched.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let name = path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: name.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        let mut store = Store {
            conn,
            path: name.clone(),
        };
        store.prepare().map_err(|e| match e {
            StoreError::Sqlite { source, .. } => sql(source),
            other => other,
        })?;
        Ok(store)
    }

    /// Open an existing database read-only (exports, reports): nothing is written to it.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let name = path.display().to_string();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Sqlite {
            path: name.clone(),
            source,
        })?;
        let store = Store {
            conn,
            path: name.clone(),
        };
        let version = store.version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: name,
                found: version,
            });
        }
        if version == 0 && store.foreign()? {
            return Err(StoreError::Foreign { path: name });
        }
        if version < SCHEMA_VERSION {
            return Err(StoreError::TooOld {
                path: name,
                found: version,
            });
        }
        Ok(store)
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Whether a file at schema version 0 already holds tables: another program's database.
    fn foreign(&self) -> Result<bool, StoreError> {
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(tables > 0)
    }

    fn prepare(&mut self) -> Result<(), StoreError> {
        let version = self.version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
            });
        }
        // Before anything is written (even the journal mode, which is in the file's header).
        if version == 0 && self.foreign()? {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        // WAL: a crash loses at most the transaction in flight, and readers (exports) do not
        // block the kiosk. synchronous=NORMAL is durable across a process kill under WAL.
        self.conn
            .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=2000;")
            .map_err(|e| self.err(e))?;
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(|e| StoreError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
            tx.execute_batch(migration)
                .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)))
                .and_then(|()| tx.commit())
                .map_err(|e| StoreError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
        }
        Ok(())
    }

    /// The connection, for queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The file's path, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// This database's random id (exports carry it, so a merge counts an export once).
    pub fn database_id(&self) -> Result<String, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'database_id'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// A `meta` value (this database's own settings: its id, the admin lockout …).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Set (or, with `None`, remove) a `meta` value.
    pub fn set_meta(&mut self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let r = match value {
            Some(v) => self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            ),
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [key]),
        };
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    /// Whether `kpi seed` wrote made-up sessions into this database.
    pub fn is_synthetic(&self) -> Result<bool, StoreError> {
        Ok(self.meta("synthetic")?.is_some())
    }

    /// The source exports carry: the database id, with `-synthetic` after it when the
    /// database holds made-up sessions, so that no export can be taken for real use.
    pub fn export_source(&self) -> Result<String, StoreError> {
        let id = self.database_id()?;
        Ok(if self.is_synthetic()? {
            format!("{id}{}", super::export::SYNTHETIC)
        } else {
            id
        })
    }

    /// Whether nothing has been recorded yet (no sessions, no daily totals).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM daily_totals)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 0)
    }

    /// Record a finished session: one transaction, all or nothing.
    pub fn record(&mut self, s: &SessionRecord) -> Result<i64, StoreError> {
        if s.ended < s.started {
            return Err(StoreError::Invalid("a session cannot end before it starts"));
        }
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT OR IGNORE INTO terminals(name) VALUES (?1)",
            [s.terminal.as_str()],
        )
        .map_err(sql)?;
        let terminal: i64 = tx
            .query_row(
                "SELECT id FROM terminals WHERE name = ?1",
                [s.terminal.as_str()],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let day = day_of(s.started);
        tx.execute(
            "INSERT INTO sessions(terminal, window, started, ended, day, month, mode, assisted, language, identification, card_check, outcome, satisfaction, card_read_ms, choice_to_print_s, card_kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                terminal,
                s.window.as_ref().map(|w| w.as_str()),
                s.started,
                s.ended,
                day,
                month_of_day(day),
                code_mode(s.mode),
                s.assisted,
                s.language.as_str(),
                code_ident(s.identification),
                code_check(s.card_check),
                code_outcome(s.outcome),
                s.satisfaction.map(|x| x.value()),
                s.card_read_ms,
                s.choice_to_print_s,
                s.card_kind.map(code_card_kind),
            ],
        )
        .map_err(sql)?;
        let session = tx.last_insert_rowid();
        for f in &s.forms {
            tx.execute(
                "INSERT OR IGNORE INTO forms(form, version) VALUES (?1, ?2)",
                [f.form.id.as_str(), f.form.version.as_str()],
            )
            .map_err(sql)?;
            let form: i64 = tx
                .query_row(
                    "SELECT id FROM forms WHERE form = ?1 AND version = ?2",
                    [f.form.id.as_str(), f.form.version.as_str()],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            tx.execute(
                "INSERT INTO printed(session, form, copies, pages, filled, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![session, form, f.copies, f.pages, f.fields_filled, f.fields_total],
            )
            .map_err(sql)?;
        }
        for e in &s.events {
            tx.execute(
                "INSERT INTO events(session, at, kind) VALUES (?1, ?2, ?3)",
                params![session, e.at, e.kind.code()],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(session)
    }

    /// Set the day's number of applications at a window (the denominator of 利用率).
    pub fn set_daily_total(
        &mut self,
        window: &super::record::Slug,
        day: i64,
        count: u32,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO daily_totals(window, day, count) VALUES (?1, ?2, ?3) ON CONFLICT(window, day) DO UPDATE SET count = excluded.count",
                params![window.as_str(), day, count],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Cap the file at `pages` pages (SQLite then answers SQLITE_FULL, as on a full disk).
    /// The fault tests use it; an office can use it to bound the file.
    pub fn set_page_limit(&self, pages: u64) -> Result<(), StoreError> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check` says ok.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let answer: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(answer == "ok")
    }

    /// Sessions recorded.
    pub fn session_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

/// Bring an older database up to date in place (what [`Store::open`] does), for tests of
/// older files: create one at `version`.
pub fn create_at_version(path: &Path, version: usize) -> Result<(), rusqlite::Error> {
    let conn = Connection::open(path)?;
    for (i, m) in MIGRATIONS.iter().enumerate().take(version) {
        conn.execute_batch(m)?;
        conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
    }
    Ok(())
}
