//! A city year straight into the central database with `COPY` (the benchmark's seed): each
//! kiosk's synthetic history from [`crate::usage::seed::generate`], as if every kiosk had
//! shipped it. Offices 本庁, 北支所 and 南出張所 take a third of the kiosks each.

use std::io::Write;

use crate::usage::record::{CardCheck, Identification, Mode};
use crate::usage::seed::{SeedParams, generate};
use crate::usage::store::{day_of, month_of_day};

use super::outbox::{OutEvent, OutPrinted, OutSession};
use super::ship::OUTCOME_NAMES;
use crate::usage::record::SessionRecord;

/// The offices seeded kiosks belong to, in order.
pub const OFFICES: [&str; 3] = ["本庁", "北支所", "南出張所"];

/// What was seeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Sessions.
    pub sessions: u64,
    /// Printed forms.
    pub printed: u64,
    /// Events.
    pub events: u64,
}

fn date(day: i64) -> String {
    let d = myna_card::Date::from_unix_seconds(day * 86_400);
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

fn timestamp(t: i64) -> String {
    let s = t.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}+00",
        date(t.div_euclid(86_400)),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Seed `kiosks` kiosks with `sessions` sessions in all over the `days` days ending on
/// `last_day` (a Japan-time day number). Kiosk `i` is `kiosk-ii` with database id
/// `seed-…-ii`; the same arguments give the same rows.
pub fn seed_city(
    client: &mut postgres::Client,
    kiosks: usize,
    sessions: usize,
    days: i64,
    last_day: i64,
    seed: u64,
) -> Result<Seeded, Box<dyn std::error::Error + Send + Sync>> {
    let mut done = Seeded::default();
    let kiosks = kiosks.max(1);
    for i in 0..kiosks {
        let share = sessions / kiosks + usize::from(i < sessions % kiosks);
        let records = generate(&SeedParams {
            sessions: share,
            days,
            last_day,
            terminals: 1,
            seed: seed.wrapping_mul(1_000).wrapping_add(i as u64),
        });
        let terminal = format!("kiosk-{:02}", i + 1);
        let office = OFFICES[i * OFFICES.len() / kiosks];
        let database_id = format!("{:032x}", seed.wrapping_mul(1_000_003) + i as u64 + 1);
        let kiosk: i32 = client
            .query_one(
                "INSERT INTO kiosks (database_id, terminal, office, software_version, templates)
                 VALUES ($1, $2, $3, $4, 'seeded') RETURNING id",
                &[&database_id, &terminal, &office, &env!("CARGO_PKG_VERSION")],
            )?
            .get(0);
        let mut tx = client.transaction()?;
        let mut per_day: std::collections::BTreeMap<i64, u64> = Default::default();
        {
            let mut w = tx.copy_in(
                "COPY sessions (kiosk, seq, service_window, started, ended, seconds, day, month, mode, assisted,
                   language, identification, card_check, outcome, satisfaction, card_read_ms, choice_to_print_s) FROM STDIN",
            )?;
            let mut buf = Vec::with_capacity(1 << 20);
            for (seq, s) in records.iter().enumerate() {
                let day = day_of(s.started);
                *per_day.entry(day).or_default() += s.forms.len() as u64;
                let opt = |v: Option<i64>| v.map_or_else(|| "\\N".to_owned(), |x| x.to_string());
                let outcome = crate::usage::store::OUTCOMES
                    .iter()
                    .position(|o| *o == s.outcome)
                    .unwrap_or(0);
                let _ = writeln!(
                    buf,
                    "{kiosk}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    seq + 1,
                    s.window.as_ref().map_or("\\N", |w| w.as_str()),
                    timestamp(s.started),
                    timestamp(s.ended),
                    s.ended - s.started,
                    date(day),
                    month_of_day(day),
                    if s.mode == Mode::StaffOperated {
                        "staff"
                    } else {
                        "self"
                    },
                    if s.assisted { "t" } else { "f" },
                    s.language.as_str(),
                    match s.identification {
                        Identification::None => "none",
                        Identification::Pin => "pin",
                        Identification::CodeB => "code_b",
                    },
                    match s.card_check {
                        CardCheck::NotRead => "not_read",
                        CardCheck::Verified => "verified",
                        CardCheck::Unverified => "unverified",
                    },
                    OUTCOME_NAMES[outcome],
                    opt(s.satisfaction.map(|x| i64::from(x.value()))),
                    opt(s.card_read_ms.map(i64::from)),
                    opt(s.choice_to_print_s.map(i64::from)),
                );
                if buf.len() > 1 << 20 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
            w.write_all(&buf)?;
            w.finish()?;
        }
        {
            let mut w = tx.copy_in(
                "COPY printed (kiosk, seq, n, form, version, copies, pages, filled, total) FROM STDIN",
            )?;
            let mut buf = Vec::with_capacity(1 << 20);
            for (seq, s) in records.iter().enumerate() {
                for (n, f) in s.forms.iter().enumerate() {
                    done.printed += 1;
                    let _ = writeln!(
                        buf,
                        "{kiosk}\t{}\t{n}\t{}\t{}\t{}\t{}\t{}\t{}",
                        seq + 1,
                        f.form.id,
                        f.form.version,
                        f.copies,
                        f.pages,
                        f.fields_filled,
                        f.fields_total
                    );
                }
                if buf.len() > 1 << 20 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
            w.write_all(&buf)?;
            w.finish()?;
        }
        {
            let mut w = tx.copy_in("COPY events (kiosk, seq, n, at, kind) FROM STDIN")?;
            let mut buf = Vec::new();
            for (seq, s) in records.iter().enumerate() {
                for (n, e) in s.events.iter().enumerate() {
                    done.events += 1;
                    let _ = writeln!(
                        buf,
                        "{kiosk}\t{}\t{n}\t{}\t{}",
                        seq + 1,
                        timestamp(e.at),
                        e.kind.name()
                    );
                }
            }
            w.write_all(&buf)?;
            w.finish()?;
        }
        // The rollup, as shipping would have kept it.
        let (sessions_out, printed_out, events_out) = as_shipped(&records, &terminal);
        let all: Vec<&OutSession> = sessions_out.iter().collect();
        super::rollup::upsert(
            &mut tx,
            &super::rollup::deltas(&all, &printed_out, &events_out, &|_| kiosk),
        )?;
        for (day, printed) in per_day {
            let all = (printed * 3 + 5) as i32;
            tx.execute(
                "INSERT INTO daily_totals (kiosk, service_window, day, count) VALUES
                 ($1, '1', DATE '1970-01-01' + $2::integer, $3), ($1, '2', DATE '1970-01-01' + $2::integer, $4)",
                &[&kiosk, &(day as i32), &(all / 2), &(all - all / 2)],
            )?;
        }
        tx.commit()?;
        done.sessions += records.len() as u64;
    }
    client.batch_execute("ANALYZE")?;
    Ok(done)
}

/// The records as the outbox would have shipped them (sequence numbers from 1).
fn as_shipped(
    records: &[SessionRecord],
    terminal: &str,
) -> (Vec<OutSession>, Vec<OutPrinted>, Vec<OutEvent>) {
    let (mut sessions, mut printed, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for (i, s) in records.iter().enumerate() {
        let seq = i as i64 + 1;
        let day = day_of(s.started);
        sessions.push(OutSession {
            seq,
            terminal: terminal.to_owned(),
            window: s.window.as_ref().map(|w| w.as_str().to_owned()),
            started: s.started,
            ended: s.ended,
            day,
            month: month_of_day(day),
            mode: i64::from(s.mode == Mode::StaffOperated),
            assisted: s.assisted,
            language: s.language.as_str().to_owned(),
            identification: match s.identification {
                Identification::None => 0,
                Identification::Pin => 1,
                Identification::CodeB => 2,
            },
            card_check: match s.card_check {
                CardCheck::NotRead => 0,
                CardCheck::Verified => 1,
                CardCheck::Unverified => 2,
            },
            outcome: crate::usage::store::OUTCOMES
                .iter()
                .position(|o| *o == s.outcome)
                .unwrap_or(0) as i64,
            satisfaction: s.satisfaction.map(|x| i64::from(x.value())),
            card_read_ms: s.card_read_ms.map(i64::from),
            choice_to_print_s: s.choice_to_print_s.map(i64::from),
        });
        for (n, f) in s.forms.iter().enumerate() {
            printed.push(OutPrinted {
                seq,
                n: n as i16,
                form: f.form.id.as_str().to_owned(),
                version: f.form.version.as_str().to_owned(),
                copies: i64::from(f.copies),
                pages: i64::from(f.pages),
                filled: i64::from(f.fields_filled),
                total: i64::from(f.fields_total),
            });
        }
        for (n, e) in s.events.iter().enumerate() {
            events.push(OutEvent {
                seq,
                n: n as i16,
                at: e.at,
                kind: e.kind.code(),
            });
        }
    }
    (sessions, printed, events)
}
