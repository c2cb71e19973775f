//! Realistic synthetic usage for demos and benchmarks: weekday peaks (Mondays and the days after
//! holidays are busiest, weekends nearly empty), the March–April moving season, a mix of forms,
//! modes, identifications, outcomes and survey answers. Deterministic for a given seed, so a
//! test can generate the same records again and count them its own way.

use rusqlite::params;

use super::record::{
    CardCheck, Event, EventKind, FormRef, Identification, Language, Mode, Outcome, PrintedForm,
    Satisfaction, SessionRecord, Slug,
};
use super::store::{JST, Store, StoreError, day_of, month_of_day};

/// SplitMix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }
    /// Index chosen by weights.
    pub fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// The forms seeded, with their share of prints and how many fields the kiosk fills of how many.
pub const FORMS: [(&str, f64, u16, u16); 10] = [
    ("juminhyo", 34.0, 13, 16),
    ("inkan-shomei", 15.0, 11, 13),
    ("zei-shomei", 12.0, 11, 14),
    ("koseki", 12.0, 11, 17),
    ("ido-todoke", 9.0, 9, 16),
    ("fuhyo", 4.0, 11, 16),
    ("jpki", 6.0, 11, 13),
    ("pin-reset", 4.0, 11, 13),
    ("inkan-toroku", 2.0, 10, 12),
    ("kokuho-shikaku", 2.0, 11, 15),
];

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedParams {
    /// Sessions in all.
    pub sessions: usize,
    /// Spread over this many days, ending on `last_day` (a Japan-time day number).
    pub days: i64,
    /// The last day.
    pub last_day: i64,
    /// Terminals kiosk-01 … kiosk-NN.
    pub terminals: usize,
    /// PRNG seed.
    pub seed: u64,
}

fn day_weight(day: i64) -> f64 {
    let weekday = (day + 3).rem_euclid(7); // 0 Monday … 6 Sunday
    let month = month_of_day(day) % 100;
    let base = [1.35, 1.1, 1.0, 1.0, 1.15, 0.04, 0.0][weekday as usize];
    // The moving season: late March to mid April is two to three times as busy.
    let season = match month {
        3 => 2.2,
        4 => 2.6,
        5 | 12 => 0.9,
        1 => 1.2,
        _ => 1.0,
    };
    base * season
}

/// The records, in time order.
pub fn generate(p: &SeedParams) -> Vec<SessionRecord> {
    let mut rng = Rng::new(p.seed);
    let first = p.last_day - p.days + 1;
    let weights: Vec<f64> = (first..=p.last_day).map(day_weight).collect();
    let total: f64 = weights.iter().sum();
    let terminals: Vec<Slug> = (1..=p.terminals.max(1))
        .map(|i| Slug::new(&format!("kiosk-{i:02}")).unwrap_or_else(|| unreachable!("a slug")))
        .collect();
    let windows = [Slug::new("1"), Slug::new("2")];
    let form_weights: Vec<f64> = FORMS.iter().map(|f| f.1).collect();
    let mut out = Vec::with_capacity(p.sessions);
    // Sessions per day in proportion to the weights, the remainder spread by chance.
    let mut per_day: Vec<usize> = weights
        .iter()
        .map(|w| (w / total * p.sessions as f64).floor() as usize)
        .collect();
    let mut left = p.sessions - per_day.iter().sum::<usize>();
    while left > 0 {
        let i = rng.pick(&weights);
        per_day[i] += 1;
        left -= 1;
    }
    for (offset, count) in per_day.iter().enumerate() {
        let day = first + offset as i64;
        for _ in 0..*count {
            // Office hours 8:30–17:15 JST, busiest mid-morning.
            let minute = 510 + ((rng.unit() + rng.unit()) / 2.0 * 525.0) as i64;
            let started = day * 86_400 - JST + minute * 60 + rng.range(0, 60) as i64;
            let mode = if rng.unit() < 0.84 {
                Mode::SelfService
            } else {
                Mode::StaffOperated
            };
            let identification = [
                Identification::Pin,
                Identification::CodeB,
                Identification::None,
            ][rng.pick(&[80.0, 8.0, 12.0])];
            let outcome = OUTCOME_MIX[rng.pick(&[88.0, 5.0, 3.0, 3.0, 1.0])];
            let mut forms = Vec::new();
            let mut events = Vec::new();
            if outcome == Outcome::Printed || outcome == Outcome::PrintError {
                let n = 1 + rng.pick(&[72.0, 22.0, 6.0]);
                let mut chosen: Vec<usize> = Vec::new();
                while chosen.len() < n {
                    let f = rng.pick(&form_weights);
                    if !chosen.contains(&f) {
                        chosen.push(f);
                    }
                }
                if outcome == Outcome::Printed {
                    for f in chosen {
                        let (id, _, filled, total) = FORMS[f];
                        forms.push(PrintedForm {
                            form: FormRef {
                                id: Slug::new(id).unwrap_or_else(|| unreachable!()),
                                version: Slug::new("2026.1").unwrap_or_else(|| unreachable!()),
                            },
                            copies: 1 + rng.pick(&[90.0, 8.0, 2.0]) as u16,
                            pages: 1,
                            fields_filled: if identification == Identification::None {
                                2
                            } else {
                                filled
                            },
                            fields_total: total,
                        });
                    }
                } else {
                    events.push(Event {
                        at: started + 200,
                        kind: EventKind::PrinterError,
                    });
                }
            }
            if outcome == Outcome::CardError {
                events.push(Event {
                    at: started + 40,
                    kind: [
                        EventKind::PinBlocked,
                        EventKind::LockoutGuard,
                        EventKind::CardNotMyNumber,
                        EventKind::CardRemoved,
                    ][rng.pick(&[3.0, 3.0, 2.0, 1.0])],
                });
            }
            if rng.unit() < 0.06 {
                events.push(Event {
                    at: started + 30,
                    kind: EventKind::PinWrong,
                });
            }
            let duration =
                90 + rng.range(0, 420) as i64 + if mode == Mode::StaffOperated { 240 } else { 0 };
            let card_read = identification != Identification::None && outcome != Outcome::CardError;
            out.push(SessionRecord {
                terminal: terminals[rng.pick(&vec![1.0; terminals.len()])].clone(),
                window: windows[rng.pick(&[1.0, 1.0])].clone(),
                started,
                ended: started + duration,
                mode,
                assisted: mode == Mode::StaffOperated || rng.unit() < 0.12,
                language: [
                    Language::JA,
                    Language::EN,
                    Language::new("zh").unwrap_or(Language::EN),
                    Language::new("vi").unwrap_or(Language::EN),
                ][rng.pick(&[93.0, 4.0, 2.0, 1.0])],
                identification,
                card_check: if card_read {
                    CardCheck::Verified
                } else {
                    CardCheck::NotRead
                },
                outcome,
                satisfaction: if outcome == Outcome::Printed && rng.unit() < 0.4 {
                    Satisfaction::new(1 + rng.pick(&[2.0, 3.0, 10.0, 35.0, 50.0]) as u8)
                } else {
                    None
                },
                card_read_ms: card_read.then(|| 700 + rng.range(0, 2500) as u32),
                card_kind: card_read.then_some(crate::card::CardKind::MyNumber),
                choice_to_print_s: (outcome == Outcome::Printed)
                    .then(|| 45 + rng.range(0, 300) as u32),
                forms,
                events,
            });
        }
    }
    out
}

const OUTCOME_MIX: [Outcome; 5] = [
    Outcome::Printed,
    Outcome::Cancelled,
    Outcome::TimedOut,
    Outcome::CardError,
    Outcome::PrintError,
];

/// Write generated records in one transaction with prepared statements (a million in seconds),
/// and the day's application totals per window (the kiosk's share is about a third). The
/// database is marked synthetic ([`Store::is_synthetic`]): its exports say so.
pub fn seed(store: &mut Store, p: &SeedParams) -> Result<usize, StoreError> {
    let records = generate(p);
    let path = store.path().to_owned();
    let sql = |source| StoreError::Sqlite {
        path: path.clone(),
        source,
    };
    // Terminal and form ids are looked up once each and cached below.
    let conn = store.connection();
    conn.execute_batch("BEGIN").map_err(sql)?;
    let result = (|| -> rusqlite::Result<()> {
        let mut terminal_ids = std::collections::HashMap::new();
        let mut form_ids = std::collections::HashMap::new();
        let mut ins_terminal = conn.prepare("INSERT OR IGNORE INTO terminals(name) VALUES (?1)")?;
        let mut get_terminal = conn.prepare("SELECT id FROM terminals WHERE name = ?1")?;
        let mut ins_form =
            conn.prepare("INSERT OR IGNORE INTO forms(form, version) VALUES (?1, ?2)")?;
        let mut get_form = conn.prepare("SELECT id FROM forms WHERE form = ?1 AND version = ?2")?;
        let mut ins_session = conn.prepare(
            "INSERT INTO sessions(terminal, window, started, ended, day, month, mode, assisted, language, identification, card_check, outcome, satisfaction, card_read_ms, choice_to_print_s)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        let mut ins_printed = conn.prepare("INSERT INTO printed(session, form, copies, pages, filled, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        let mut ins_event =
            conn.prepare("INSERT INTO events(session, at, kind) VALUES (?1, ?2, ?3)")?;
        let mut per_day: std::collections::BTreeMap<i64, u64> = std::collections::BTreeMap::new();
        for s in &records {
            let t = match terminal_ids.get(s.terminal.as_str()) {
                Some(id) => *id,
                None => {
                    ins_terminal.execute([s.terminal.as_str()])?;
                    let id: i64 = get_terminal.query_row([s.terminal.as_str()], |r| r.get(0))?;
                    terminal_ids.insert(s.terminal.as_str().to_owned(), id);
                    id
                }
            };
            let day = day_of(s.started);
            *per_day.entry(day).or_default() += s.forms.len() as u64;
            ins_session.execute(params![
                t,
                s.window.as_ref().map(|w| w.as_str()),
                s.started,
                s.ended,
                day,
                month_of_day(day),
                (s.mode == Mode::StaffOperated) as i64,
                s.assisted,
                s.language.as_str(),
                [
                    Identification::None,
                    Identification::Pin,
                    Identification::CodeB
                ]
                .iter()
                .position(|x| *x == s.identification)
                .unwrap_or(0) as i64,
                [
                    CardCheck::NotRead,
                    CardCheck::Verified,
                    CardCheck::Unverified
                ]
                .iter()
                .position(|x| *x == s.card_check)
                .unwrap_or(0) as i64,
                OUTCOME_MIX
                    .iter()
                    .position(|x| *x == s.outcome)
                    .unwrap_or(0) as i64,
                s.satisfaction.map(|x| x.value()),
                s.card_read_ms,
                s.choice_to_print_s,
            ])?;
            let session = conn.last_insert_rowid();
            for f in &s.forms {
                let key = (
                    f.form.id.as_str().to_owned(),
                    f.form.version.as_str().to_owned(),
                );
                let form = match form_ids.get(&key) {
                    Some(id) => *id,
                    None => {
                        ins_form.execute([&key.0, &key.1])?;
                        let id: i64 = get_form.query_row([&key.0, &key.1], |r| r.get(0))?;
                        form_ids.insert(key, id);
                        id
                    }
                };
                ins_printed.execute(params![
                    session,
                    form,
                    f.copies,
                    f.pages,
                    f.fields_filled,
                    f.fields_total
                ])?;
            }
            for e in &s.events {
                ins_event.execute(params![session, e.at, e.kind.code()])?;
            }
        }
        // Marked: every export of this database says its history is made up.
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('synthetic', 'kpi seed') ON CONFLICT(key) DO NOTHING",
            [],
        )?;
        let mut ins_total = conn.prepare(
            "INSERT INTO daily_totals(window, day, count) VALUES (?1, ?2, ?3) ON CONFLICT(window, day) DO UPDATE SET count = excluded.count",
        )?;
        for (day, printed) in per_day {
            let all = (printed * 3 + 5) as i64;
            ins_total.execute(params!["1", day, all / 2])?;
            ins_total.execute(params!["2", day, all - all / 2])?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(sql)?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(sql(e));
        }
    }
    Ok(records.len())
}
