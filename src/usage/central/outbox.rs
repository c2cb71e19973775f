//! The SQLite side of shipping: what the outbox holds, reading a batch of it, forgetting what
//! the server committed, and the shipping state the admin screen shows.
//!
//! The outbox is filled by triggers in the same transaction that records a session or sets a
//! day's total (schema version 3 of [`crate::usage::store`]), so nothing recorded can miss it,
//! and a session is shipped whole (its printed forms and events with it) or not at all.

use rusqlite::params;

use crate::usage::store::{Store, StoreError};

/// One queued session, as it is shipped: the local codes, and the sequence number that is its
/// identity within this database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutSession {
    /// `sessions.id` here; `sessions.seq` there.
    pub seq: i64,
    /// The terminal id it was recorded under.
    pub terminal: String,
    /// The window label.
    pub window: Option<String>,
    /// UTC seconds.
    pub started: i64,
    /// UTC seconds.
    pub ended: i64,
    /// Japan-time day number.
    pub day: i64,
    /// YYYYMM (Japan time).
    pub month: i64,
    /// 0 self-service, 1 staff-operated.
    pub mode: i64,
    /// The clerk helped.
    pub assisted: bool,
    /// UI language code.
    pub language: String,
    /// 0 none, 1 PIN, 2 照合番号B.
    pub identification: i64,
    /// 0 not read, 1 verified, 2 unverified.
    pub card_check: i64,
    /// Index into [`crate::usage::store::OUTCOMES`].
    pub outcome: i64,
    /// 1–5.
    pub satisfaction: Option<i64>,
    /// ms.
    pub card_read_ms: Option<i64>,
    /// s.
    pub choice_to_print_s: Option<i64>,
}

/// One printed form of a queued session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutPrinted {
    /// The session's `seq`.
    pub seq: i64,
    /// 0, 1, … within the session.
    pub n: i16,
    /// Form id.
    pub form: String,
    /// Template version.
    pub version: String,
    /// Copies.
    pub copies: i64,
    /// Pages per copy.
    pub pages: i64,
    /// Fields filled.
    pub filled: i64,
    /// Fields in all.
    pub total: i64,
}

/// One event of a queued session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutEvent {
    /// The session's `seq`.
    pub seq: i64,
    /// 0, 1, … within the session.
    pub n: i16,
    /// UTC seconds.
    pub at: i64,
    /// [`crate::usage::record::EventKind::code`].
    pub kind: i64,
}

/// A batch read from the outbox: the smallest queued sequence numbers, contiguous in the
/// outbox's order, so that forgetting it is one range.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The sessions.
    pub sessions: Vec<OutSession>,
    /// Their printed forms.
    pub printed: Vec<OutPrinted>,
    /// Their events.
    pub events: Vec<OutEvent>,
    /// The outbox range read, inclusive (empty batch: `None`).
    pub range: Option<(i64, i64)>,
}

/// A day's application total at a window, queued because it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutTotal {
    /// The window.
    pub window: String,
    /// Japan-time day number.
    pub day: i64,
    /// The count as it is now.
    pub count: i64,
}

fn sql(store: &Store) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: store.path().to_owned(),
        source,
    }
}

/// Read up to `limit` queued sessions with their forms and events, in one read transaction
/// (a session recorded meanwhile is either wholly in the batch or not at all).
pub fn read_batch(store: &Store, limit: usize) -> Result<Batch, StoreError> {
    let conn = store.connection();
    let err = sql(store);
    conn.execute_batch("BEGIN DEFERRED").map_err(&err)?;
    let result = (|| -> rusqlite::Result<Batch> {
        let range: (Option<i64>, Option<i64>) = conn.query_row(
            "SELECT min(session), max(session) FROM (SELECT session FROM outbox ORDER BY session LIMIT ?1)",
            [limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (Some(first), Some(last)) = range else {
            return Ok(Batch::default());
        };
        let mut batch = Batch {
            range: Some((first, last)),
            ..Batch::default()
        };
        let mut stmt = conn.prepare_cached(
            "SELECT s.id, t.name, s.window, s.started, s.ended, s.day, s.month, s.mode, s.assisted, s.language,
                    s.identification, s.card_check, s.outcome, s.satisfaction, s.card_read_ms, s.choice_to_print_s
             FROM outbox o JOIN sessions s ON s.id = o.session JOIN terminals t ON t.id = s.terminal
             WHERE o.session BETWEEN ?1 AND ?2 ORDER BY o.session",
        )?;
        let mut rows = stmt.query([first, last])?;
        while let Some(r) = rows.next()? {
            batch.sessions.push(OutSession {
                seq: r.get(0)?,
                terminal: r.get(1)?,
                window: r.get(2)?,
                started: r.get(3)?,
                ended: r.get(4)?,
                day: r.get(5)?,
                month: r.get(6)?,
                mode: r.get(7)?,
                assisted: r.get(8)?,
                language: r.get(9)?,
                identification: r.get(10)?,
                card_check: r.get(11)?,
                outcome: r.get(12)?,
                satisfaction: r.get(13)?,
                card_read_ms: r.get(14)?,
                choice_to_print_s: r.get(15)?,
            });
        }
        let mut stmt = conn.prepare_cached(
            "SELECT p.session, f.form, f.version, p.copies, p.pages, p.filled, p.total
             FROM printed p JOIN forms f ON f.id = p.form JOIN outbox o ON o.session = p.session
             WHERE p.session BETWEEN ?1 AND ?2 ORDER BY p.session, p.rowid",
        )?;
        let mut rows = stmt.query([first, last])?;
        let mut previous = (i64::MIN, -1i16);
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let n = if previous.0 == seq { previous.1 + 1 } else { 0 };
            previous = (seq, n);
            batch.printed.push(OutPrinted {
                seq,
                n,
                form: r.get(1)?,
                version: r.get(2)?,
                copies: r.get(3)?,
                pages: r.get(4)?,
                filled: r.get(5)?,
                total: r.get(6)?,
            });
        }
        let mut stmt = conn.prepare_cached(
            "SELECT e.session, e.at, e.kind FROM events e JOIN outbox o ON o.session = e.session
             WHERE e.session BETWEEN ?1 AND ?2 ORDER BY e.session, e.rowid",
        )?;
        let mut rows = stmt.query([first, last])?;
        let mut previous = (i64::MIN, -1i16);
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let n = if previous.0 == seq { previous.1 + 1 } else { 0 };
            previous = (seq, n);
            batch.events.push(OutEvent {
                seq,
                n,
                at: r.get(1)?,
                kind: r.get(2)?,
            });
        }
        Ok(batch)
    })();
    let _ = conn.execute_batch("COMMIT");
    result.map_err(err)
}

/// The queued daily totals, with their counts as they are now.
pub fn read_totals(store: &Store) -> Result<Vec<OutTotal>, StoreError> {
    let conn = store.connection();
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.window, o.day, t.count FROM outbox_totals o JOIN daily_totals t ON t.window = o.window AND t.day = o.day ORDER BY o.day, o.window",
        )
        .map_err(sql(store))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(OutTotal {
                window: r.get(0)?,
                day: r.get(1)?,
                count: r.get(2)?,
            })
        })
        .map_err(sql(store))?;
    rows.collect::<Result<_, _>>().map_err(sql(store))
}

/// The server committed `batch` and `totals`: take them out of the outbox and note the time.
/// A total changed since it was read stays queued.
pub fn mark_shipped(
    store: &Store,
    batch: &Batch,
    totals: &[OutTotal],
    now: i64,
) -> Result<(), StoreError> {
    let conn = store.connection();
    let err = sql(store);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(&err)?;
    let result = (|| -> rusqlite::Result<()> {
        if let Some((first, last)) = batch.range {
            conn.execute(
                "DELETE FROM outbox WHERE session BETWEEN ?1 AND ?2",
                [first, last],
            )?;
        }
        let mut stmt = conn.prepare_cached(
            "DELETE FROM outbox_totals WHERE window = ?1 AND day = ?2
               AND (SELECT count FROM daily_totals WHERE window = ?1 AND day = ?2) = ?3",
        )?;
        for t in totals {
            stmt.execute(params![t.window, t.day, t.count])?;
        }
        conn.execute(
            "UPDATE ship_state SET shipped = shipped + ?1, last_shipped = ?2, last_attempt = ?2, last_error = NULL WHERE id = 1",
            params![batch.sessions.len() as i64, now],
        )?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(err),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(err(e))
        }
    }
}

/// Note a failed attempt (the server's or the network's message; no record content).
pub fn record_failure(store: &Store, message: &str, now: i64) -> Result<(), StoreError> {
    store
        .connection()
        .execute(
            "UPDATE ship_state SET last_attempt = ?1, last_error = ?2 WHERE id = 1",
            params![now, message],
        )
        .map(|_| ())
        .map_err(sql(store))
}

/// Put every session of this database back in the outbox (the server keeps what it has: this
/// ships nothing twice). For an operator who restored the central database from a backup.
pub fn requeue_all(store: &Store) -> Result<usize, StoreError> {
    store
        .connection()
        .execute(
            "INSERT OR IGNORE INTO outbox(session) SELECT id FROM sessions",
            [],
        )
        .map_err(sql(store))
}

/// This kiosk's shipping state, for the admin screen and `kakanai kpi ship`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipStatus {
    /// Sessions waiting in the outbox.
    pub queued: i64,
    /// Daily totals waiting.
    pub queued_totals: i64,
    /// Sessions shipped since the outbox was created.
    pub shipped: i64,
    /// When a shipment last succeeded (UTC seconds).
    pub last_shipped: Option<i64>,
    /// When shipping was last tried.
    pub last_attempt: Option<i64>,
    /// Why the last attempt failed (cleared by a success).
    pub last_error: Option<String>,
}

impl ShipStatus {
    /// The admin screen's line: 送信待ち 12 件・最終送信 2026-11-21 10:04・エラー …
    pub fn line(&self) -> String {
        let when = |t: i64| {
            let local = t + crate::usage::store::JST;
            let d = myna_card::Date::from_unix_seconds(local.div_euclid(86_400) * 86_400);
            let s = local.rem_euclid(86_400);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                d.year,
                d.month,
                d.day,
                s / 3600,
                s % 3600 / 60
            )
        };
        let mut out = format!("市の集計DBへ 送信待ち {} 件", self.queued);
        match self.last_shipped {
            Some(t) => out.push_str(&format!("・最終送信 {}", when(t))),
            None => out.push_str("・未送信"),
        }
        if let Some(e) = &self.last_error {
            let short: String = e.chars().take(120).collect();
            out.push_str(&format!("・エラー: {short}"));
        }
        out
    }
}

/// Read the shipping state.
pub fn status(store: &Store) -> Result<ShipStatus, StoreError> {
    let conn = store.connection();
    let err = sql(store);
    let queued = conn
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .map_err(&err)?;
    let queued_totals = conn
        .query_row("SELECT count(*) FROM outbox_totals", [], |r| r.get(0))
        .map_err(&err)?;
    conn.query_row(
        "SELECT shipped, last_shipped, last_attempt, last_error FROM ship_state WHERE id = 1",
        [],
        |r| {
            Ok(ShipStatus {
                queued,
                queued_totals,
                shipped: r.get(0)?,
                last_shipped: r.get(1)?,
                last_attempt: r.get(2)?,
                last_error: r.get(3)?,
            })
        },
    )
    .map_err(err)
}

/// The shipping state of the usage database at `db` (the admin screen opens it read-only).
pub fn status_of(db: &std::path::Path) -> Result<ShipStatus, StoreError> {
    status(&Store::open_read_only(db)?)
}
