//! Shipping: a batch of the outbox to PostgreSQL in one transaction, then out of the outbox.
//!
//! Each table of a batch is one `INSERT … SELECT FROM unnest($1, $2, …) ON CONFLICT DO
//! NOTHING`: one round trip per table whatever the batch size, and a session the server already
//! has (shipped before a crash cut the local delete short) is skipped, not counted again.

use super::outbox::{self, Batch, OutTotal};
use super::{Central, CentralError};
use crate::usage::record::EventKind;
use crate::usage::store::Store;

/// Sessions per transaction: a second of a busy kiosk's history per round trip, and small
/// enough that a cut connection wastes little.
pub const DEFAULT_BATCH: usize = 2_000;

/// Who is shipping: what the `kiosks` table holds about this kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskInfo {
    /// The local database's random id (`meta.database_id`).
    pub database_id: String,
    /// The configured terminal id.
    pub terminal: String,
    /// The configured office (may be empty).
    pub office: String,
    /// kakanai's version.
    pub software_version: String,
    /// The loaded templates, `id version` comma-separated.
    pub templates: String,
}

impl KioskInfo {
    /// This kiosk: the database's id, the configuration's terminal and office, this build's
    /// version and the templates' versions.
    pub fn of(
        store: &Store,
        terminal: &str,
        office: &str,
        templates: &[crate::forms::Template],
    ) -> Result<Self, CentralError> {
        let mut list: Vec<String> = templates
            .iter()
            .map(|t| format!("{} {}", t.spec.id, t.spec.version))
            .collect();
        list.sort();
        Ok(KioskInfo {
            database_id: store.database_id()?,
            terminal: terminal.to_owned(),
            office: office.to_owned(),
            software_version: env!("CARGO_PKG_VERSION").to_owned(),
            templates: list.join(", "),
        })
    }
}

fn mode_name(code: i64) -> &'static str {
    if code == 1 { "staff" } else { "self" }
}
fn identification_name(code: i64) -> &'static str {
    match code {
        1 => "pin",
        2 => "code_b",
        _ => "none",
    }
}
fn card_check_name(code: i64) -> &'static str {
    match code {
        1 => "verified",
        2 => "unverified",
        _ => "not_read",
    }
}
/// The words `sessions.outcome` holds, in the order of [`crate::usage::store::OUTCOMES`].
pub const OUTCOME_NAMES: [&str; 5] = [
    "printed",
    "cancelled",
    "timed_out",
    "card_error",
    "print_error",
];
fn outcome_name(code: i64) -> &'static str {
    OUTCOME_NAMES
        .get(code.clamp(0, 4) as usize)
        .copied()
        .unwrap_or("printed")
}
fn event_name(code: i64) -> &'static str {
    EventKind::ALL
        .get(code.clamp(0, EventKind::ALL.len() as i64 - 1) as usize)
        .map_or("card_read_failed", |k| k.name())
}

/// The `kiosks.id` of `(database_id, terminal)`, created at first contact. The configured
/// terminal's row also gets the office, versions and the contact time.
fn kiosk_id(
    tx: &mut postgres::Transaction<'_>,
    info: &KioskInfo,
    terminal: &str,
) -> Result<i32, postgres::Error> {
    let row = if terminal == info.terminal {
        tx.query_one(
            "INSERT INTO kiosks (database_id, terminal, office, software_version, templates)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (database_id, terminal) DO UPDATE SET office = excluded.office,
               software_version = excluded.software_version, templates = excluded.templates,
               last_contact = now()
             RETURNING id",
            &[
                &info.database_id,
                &terminal,
                &info.office,
                &info.software_version,
                &info.templates,
            ],
        )?
    } else {
        // Sessions recorded under an earlier terminal id of this database.
        tx.query_one(
            "INSERT INTO kiosks (database_id, terminal, office) VALUES ($1, $2, $3)
             ON CONFLICT (database_id, terminal) DO UPDATE SET database_id = excluded.database_id
             RETURNING id",
            &[&info.database_id, &terminal, &info.office],
        )?
    };
    Ok(row.get(0))
}

/// Write a batch and totals in one transaction (the server's part of a shipment).
fn write(
    client: &mut postgres::Client,
    info: &KioskInfo,
    batch: &Batch,
    totals: &[OutTotal],
) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    let mut ids = std::collections::HashMap::new();
    ids.insert(
        info.terminal.clone(),
        kiosk_id(&mut tx, info, &info.terminal)?,
    );
    for s in &batch.sessions {
        if !ids.contains_key(&s.terminal) {
            let id = kiosk_id(&mut tx, info, &s.terminal)?;
            ids.insert(s.terminal.clone(), id);
        }
    }
    let kiosk_of: std::collections::HashMap<i64, i32> = batch
        .sessions
        .iter()
        .map(|s| (s.seq, ids[&s.terminal]))
        .collect();
    if !batch.sessions.is_empty() {
        let s = &batch.sessions;
        let kiosk: Vec<i32> = s.iter().map(|x| ids[&x.terminal]).collect();
        let seq: Vec<i64> = s.iter().map(|x| x.seq).collect();
        let window: Vec<Option<&str>> = s.iter().map(|x| x.window.as_deref()).collect();
        let started: Vec<i64> = s.iter().map(|x| x.started).collect();
        let ended: Vec<i64> = s.iter().map(|x| x.ended).collect();
        let day: Vec<i32> = s.iter().map(|x| x.day as i32).collect();
        let month: Vec<i32> = s.iter().map(|x| x.month as i32).collect();
        let mode: Vec<&str> = s.iter().map(|x| mode_name(x.mode)).collect();
        let assisted: Vec<bool> = s.iter().map(|x| x.assisted).collect();
        let language: Vec<&str> = s.iter().map(|x| x.language.as_str()).collect();
        let ident: Vec<&str> = s
            .iter()
            .map(|x| identification_name(x.identification))
            .collect();
        let check: Vec<&str> = s.iter().map(|x| card_check_name(x.card_check)).collect();
        let outcome: Vec<&str> = s.iter().map(|x| outcome_name(x.outcome)).collect();
        let sat: Vec<Option<i16>> = s.iter().map(|x| x.satisfaction.map(|v| v as i16)).collect();
        let card: Vec<Option<i32>> = s.iter().map(|x| x.card_read_ms.map(|v| v as i32)).collect();
        let choice: Vec<Option<i32>> = s
            .iter()
            .map(|x| x.choice_to_print_s.map(|v| v as i32))
            .collect();
        let inserted = tx.query(
            "INSERT INTO sessions (kiosk, seq, service_window, started, ended, seconds, day, month, mode,
                assisted, language, identification, card_check, outcome, satisfaction, card_read_ms, choice_to_print_s)
             SELECT k, q, w, to_timestamp(st), to_timestamp(en), (en - st)::integer, DATE '1970-01-01' + d, m, mo,
                a, l, i, c, o, sa, cr, ch
             FROM unnest($1::integer[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::integer[],
                $7::integer[], $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[],
                $14::smallint[], $15::integer[], $16::integer[])
                AS u(k, q, w, st, en, d, m, mo, a, l, i, c, o, sa, cr, ch)
             ON CONFLICT (kiosk, seq) DO NOTHING
             RETURNING kiosk, seq",
            &[
                &kiosk, &seq, &window, &started, &ended, &day, &month, &mode, &assisted, &language,
                &ident, &check, &outcome, &sat, &card, &choice,
            ],
        )?;
        // The rollup counts only what the server did not have: a session shipped twice adds
        // nothing the second time.
        let new: std::collections::HashSet<(i32, i64)> =
            inserted.iter().map(|r| (r.get(0), r.get(1))).collect();
        let fresh: Vec<&super::outbox::OutSession> = s
            .iter()
            .filter(|x| new.contains(&(ids[&x.terminal], x.seq)))
            .collect();
        let kiosk_of = |x: &super::outbox::OutSession| ids[&x.terminal];
        super::rollup::upsert(
            &mut tx,
            &super::rollup::deltas(&fresh, &batch.printed, &batch.events, &kiosk_of),
        )?;
    }
    if !batch.printed.is_empty() {
        let p = &batch.printed;
        let kiosk: Vec<i32> = p.iter().map(|x| kiosk_of[&x.seq]).collect();
        let seq: Vec<i64> = p.iter().map(|x| x.seq).collect();
        let n: Vec<i16> = p.iter().map(|x| x.n).collect();
        let form: Vec<&str> = p.iter().map(|x| x.form.as_str()).collect();
        let version: Vec<&str> = p.iter().map(|x| x.version.as_str()).collect();
        let copies: Vec<i32> = p.iter().map(|x| x.copies as i32).collect();
        let pages: Vec<i32> = p.iter().map(|x| x.pages as i32).collect();
        let filled: Vec<i32> = p.iter().map(|x| x.filled as i32).collect();
        let total: Vec<i32> = p.iter().map(|x| x.total as i32).collect();
        tx.execute(
            "INSERT INTO printed (kiosk, seq, n, form, version, copies, pages, filled, total)
             SELECT * FROM unnest($1::integer[], $2::bigint[], $3::smallint[], $4::text[], $5::text[],
                $6::integer[], $7::integer[], $8::integer[], $9::integer[])
             ON CONFLICT (kiosk, seq, n) DO NOTHING",
            &[
                &kiosk, &seq, &n, &form, &version, &copies, &pages, &filled, &total,
            ],
        )?;
    }
    if !batch.events.is_empty() {
        let e = &batch.events;
        let kiosk: Vec<i32> = e.iter().map(|x| kiosk_of[&x.seq]).collect();
        let seq: Vec<i64> = e.iter().map(|x| x.seq).collect();
        let n: Vec<i16> = e.iter().map(|x| x.n).collect();
        let at: Vec<i64> = e.iter().map(|x| x.at).collect();
        let kind: Vec<&str> = e.iter().map(|x| event_name(x.kind)).collect();
        tx.execute(
            "INSERT INTO events (kiosk, seq, n, at, kind)
             SELECT k, q, n, to_timestamp(at), kind
             FROM unnest($1::integer[], $2::bigint[], $3::smallint[], $4::bigint[], $5::text[]) AS u(k, q, n, at, kind)
             ON CONFLICT (kiosk, seq, n) DO NOTHING",
            &[&kiosk, &seq, &n, &at, &kind],
        )?;
    }
    if !totals.is_empty() {
        let window: Vec<&str> = totals.iter().map(|t| t.window.as_str()).collect();
        let day: Vec<i32> = totals.iter().map(|t| t.day as i32).collect();
        let count: Vec<i32> = totals.iter().map(|t| t.count as i32).collect();
        tx.execute(
            "INSERT INTO daily_totals (kiosk, service_window, day, count)
             SELECT $1, w, DATE '1970-01-01' + d, c FROM unnest($2::text[], $3::integer[], $4::integer[]) AS u(w, d, c)
             ON CONFLICT (kiosk, service_window, day) DO UPDATE SET count = excluded.count, updated = now()",
            &[&ids[&info.terminal], &window, &day, &count],
        )?;
    }
    tx.commit()
}

/// What a shipment did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shipped {
    /// Sessions taken out of the outbox (the server has them).
    pub sessions: usize,
    /// Daily totals taken out.
    pub totals: usize,
    /// Transactions.
    pub batches: usize,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Ship one batch of up to `limit` sessions (and the queued totals with the first): write it,
/// and once the server has committed, call `after_commit` and take it out of the outbox. An
/// empty outbox still updates `kiosks.last_contact`. Returns the sessions shipped.
pub fn ship_batch(
    central: &Central,
    client: &mut postgres::Client,
    store: &Store,
    info: &KioskInfo,
    limit: usize,
    after_commit: &mut dyn FnMut(usize),
) -> Result<Shipped, CentralError> {
    let batch = outbox::read_batch(store, limit.max(1))?;
    let totals = outbox::read_totals(store)?;
    write(client, info, &batch, &totals).map_err(|e| central.err(e))?;
    after_commit(batch.sessions.len());
    outbox::mark_shipped(store, &batch, &totals, now())?;
    Ok(Shipped {
        sessions: batch.sessions.len(),
        totals: totals.len(),
        batches: 1,
    })
}

/// Ship everything queued, batch after batch, until the outbox is empty. A failure is noted
/// in the local shipping state (for the admin screen) and returned; what was shipped before it
/// stays shipped.
pub fn ship_all(
    central: &Central,
    client: &mut postgres::Client,
    store: &Store,
    info: &KioskInfo,
    limit: usize,
    after_commit: &mut dyn FnMut(usize),
) -> Result<Shipped, CentralError> {
    let mut done = Shipped::default();
    loop {
        match ship_batch(central, client, store, info, limit, after_commit) {
            Ok(one) => {
                done.sessions += one.sessions;
                done.totals += one.totals;
                done.batches += 1;
                if one.sessions < limit.max(1) {
                    return Ok(done);
                }
            }
            Err(e) => {
                let _ = outbox::record_failure(store, &e.to_string(), now());
                return Err(e);
            }
        }
    }
}

/// Connect and ship everything queued (what `kakanai kpi ship` does). A failure to connect is
/// noted in the shipping state too.
pub fn connect_and_ship(
    central: &Central,
    store: &Store,
    info: &KioskInfo,
    limit: usize,
    after_commit: &mut dyn FnMut(usize),
) -> Result<Shipped, CentralError> {
    let mut client = match central.connect() {
        Ok(c) => c,
        Err(e) => {
            let _ = outbox::record_failure(store, &e.to_string(), now());
            return Err(e);
        }
    };
    ship_all(central, &mut client, store, info, limit, after_commit)
}
