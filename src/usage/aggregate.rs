//! KPI aggregation: counts by day / week / month / Japanese fiscal year (April–March),
//! optionally by form, terminal and mode.
//!
//! The rows are streamed from SQLite with the period computed from the precomputed Japan-time
//! `day` and `month` columns, and summed in memory by integer keys. Medians come from per-value
//! histograms (durations are whole seconds or milliseconds), so they are exact without keeping
//! every session.

use std::collections::BTreeMap;

use rusqlite::params;

use super::record::EventKind;
use super::store::{Store, StoreError, month_of_day};

/// The period rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Calendar day (Japan time).
    Day,
    /// Week starting Monday, named by its Monday.
    Week,
    /// Calendar month.
    Month,
    /// 年度: April to March, named by the year it starts in.
    FiscalYear,
}

impl Period {
    /// Parse `day|week|month|fiscal-year`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "day" => Period::Day,
            "week" => Period::Week,
            "month" => Period::Month,
            "fiscal-year" => Period::FiscalYear,
            _ => return None,
        })
    }

    /// SQL giving the period key of `s.day` / `s.month`.
    fn sql(self) -> &'static str {
        match self {
            Period::Day => "s.day",
            // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
            Period::Week => "(s.day - ((s.day + 3) % 7))",
            Period::Month => "s.month",
            Period::FiscalYear => {
                "(CASE WHEN s.month % 100 >= 4 THEN s.month / 100 ELSE s.month / 100 - 1 END)"
            }
        }
    }

    /// The key of a day number, as [`Period::sql`] computes it.
    pub fn key_of_day(self, day: i64) -> i64 {
        let month = month_of_day(day);
        match self {
            Period::Day => day,
            Period::Week => day - (day + 3).rem_euclid(7),
            Period::Month => month,
            Period::FiscalYear => {
                if month % 100 >= 4 {
                    month / 100
                } else {
                    month / 100 - 1
                }
            }
        }
    }

    /// A period key as printed: 2026-11-21, 2026-11-16/2026-11-22 (a week, Monday to Sunday,
    /// as an ISO 8601 interval: a week's row must not look like a day's, or a merge could mix
    /// them), 2026-11, 2026 (年度).
    pub fn label(self, key: i64) -> String {
        let date = |day: i64| {
            let d = myna_card::Date::from_unix_seconds(day * 86_400);
            format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
        };
        match self {
            Period::Day => date(key),
            Period::Week => format!("{}/{}", date(key), date(key + 6)),
            Period::Month => format!("{:04}-{:02}", key / 100, key % 100),
            Period::FiscalYear => format!("{key}"),
        }
    }
}

/// Which columns split the rows besides the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grouping {
    /// By form id.
    pub form: bool,
    /// By terminal.
    pub terminal: bool,
    /// By mode (self-service / staff-operated).
    pub mode: bool,
}

impl Grouping {
    /// Parse `form,terminal,mode` (any subset, any order).
    pub fn parse(s: &str) -> Option<Self> {
        let mut g = Grouping::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "form" => g.form = true,
                "terminal" => g.terminal = true,
                "mode" => g.mode = true,
                _ => return None,
            }
        }
        Some(g)
    }
}

/// The rows' identity: period, and the grouped columns ("" when not grouped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Period key (see [`Period::label`]).
    pub period: i64,
    /// Form id.
    pub form: String,
    /// Terminal id.
    pub terminal: String,
    /// "self" / "staff".
    pub mode: String,
}

/// One row of the KPI table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// 利用件数: sessions (with form grouping: sessions that printed the form).
    pub sessions: u64,
    /// Sessions that ended with a print.
    pub printed_sessions: u64,
    /// 申請書等出力件数: forms printed.
    pub forms_printed: u64,
    /// Copies printed.
    pub copies: u64,
    /// 出力枚数: sheets (copies × pages).
    pub sheets: u64,
    /// Fields the kiosk filled.
    pub fields_filled: u64,
    /// Fields in total.
    pub fields_total: u64,
    /// Sum of session seconds (so that averages merge exactly).
    pub session_seconds: u64,
    /// Median session seconds.
    pub median_session_s: Option<f64>,
    /// Median card read, ms.
    pub median_card_read_ms: Option<f64>,
    /// Median seconds from form choice to print.
    pub median_choice_to_print_s: Option<f64>,
    /// Survey answers 1..5.
    pub satisfaction: [u64; 5],
    /// Sessions the clerk helped from the back screen.
    pub assisted: u64,
    /// Staff-operated sessions.
    pub staff_operated: u64,
    /// Sessions by identification: none (staff entry), PIN, 照合番号B.
    pub by_identification: [u64; 3],
    /// Sessions whose UI language was not Japanese: やさしい日本語 (`ja-x-easy`) is Japanese and
    /// not counted here (the KPI is about residents served in another language; the per-session
    /// export's language column still tells `ja-x-easy` apart).
    pub non_japanese: u64,
    /// Events by kind, in [`EventKind::ALL`] order.
    pub events: [u64; 9],
    /// All applications at the windows in the period (entered by an admin).
    pub applications: Option<u64>,
}

impl Row {
    /// Add another row's counts to this one (medians are not additive and are left alone).
    pub fn add(&mut self, b: &Row) {
        self.sessions += b.sessions;
        self.printed_sessions += b.printed_sessions;
        self.forms_printed += b.forms_printed;
        self.copies += b.copies;
        self.sheets += b.sheets;
        self.fields_filled += b.fields_filled;
        self.fields_total += b.fields_total;
        self.session_seconds += b.session_seconds;
        self.assisted += b.assisted;
        self.staff_operated += b.staff_operated;
        self.non_japanese += b.non_japanese;
        for (x, y) in self.satisfaction.iter_mut().zip(b.satisfaction) {
            *x += y;
        }
        for (x, y) in self.by_identification.iter_mut().zip(b.by_identification) {
            *x += y;
        }
        for (x, y) in self.events.iter_mut().zip(b.events) {
            *x += y;
        }
        self.applications = match (self.applications, b.applications) {
            (Some(x), Some(y)) => Some(x + y),
            (x, y) => x.or(y),
        };
    }

    /// 記入項目削減率: fields filled ÷ fields in total.
    pub fn filled_rate(&self) -> Option<f64> {
        (self.fields_total > 0).then(|| self.fields_filled as f64 / self.fields_total as f64)
    }
    /// Average session seconds.
    pub fn average_session_s(&self) -> Option<f64> {
        (self.sessions > 0).then(|| self.session_seconds as f64 / self.sessions as f64)
    }
    /// 利用率: forms printed at the kiosk ÷ all applications.
    pub fn usage_rate(&self) -> Option<f64> {
        self.applications
            .filter(|a| *a > 0)
            .map(|a| self.forms_printed as f64 / a as f64)
    }
}

/// What to aggregate.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// First Japan-time day, inclusive.
    pub from_day: i64,
    /// Last day, inclusive.
    pub to_day: i64,
    /// Period.
    pub by: Period,
    /// Grouping.
    pub group: Grouping,
}

fn median(hist: &BTreeMap<i64, u64>) -> Option<f64> {
    let n: u64 = hist.values().sum();
    if n == 0 {
        return None;
    }
    let value_at = |rank: u64| {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if seen > rank {
                return *v as f64;
            }
        }
        0.0
    };
    Some(if n % 2 == 1 {
        value_at(n / 2)
    } else {
        (value_at(n / 2 - 1) + value_at(n / 2)) / 2.0
    })
}

/// Integer identity of a row while aggregating: (period, form id, terminal id, mode); -1 where
/// not grouped. Names are looked up once at the end.
type IntKey = (i64, i64, i64, i64);

#[derive(Default)]
struct Acc {
    row: Row,
    durations: BTreeMap<i64, u64>,
    card_reads: BTreeMap<i64, u64>,
    choices: BTreeMap<i64, u64>,
}

impl Acc {
    /// Add one session's figures (with form grouping: one session-form pair).
    #[allow(clippy::too_many_arguments)]
    fn session(
        &mut self,
        duration: i64,
        outcome: i64,
        assisted: bool,
        staff: bool,
        satisfaction: Option<i64>,
        card_read: Option<i64>,
        choice: Option<i64>,
        identification: i64,
        non_japanese: bool,
    ) {
        let r = &mut self.row;
        r.sessions += 1;
        if let Some(n) = r
            .by_identification
            .get_mut(identification.clamp(0, 2) as usize)
        {
            *n += 1;
        }
        r.non_japanese += u64::from(non_japanese);
        r.printed_sessions += u64::from(outcome == 0);
        r.assisted += u64::from(assisted);
        r.staff_operated += u64::from(staff);
        r.session_seconds += duration.max(0) as u64;
        if let Some(x @ 1..=5) = satisfaction {
            r.satisfaction[x as usize - 1] += 1;
        }
        *self.durations.entry(duration).or_default() += 1;
        if let Some(v) = card_read {
            *self.card_reads.entry(v).or_default() += 1;
        }
        if let Some(v) = choice {
            *self.choices.entry(v).or_default() += 1;
        }
    }

    fn printed(&mut self, copies: i64, pages: i64, filled: i64, total: i64) {
        let r = &mut self.row;
        r.forms_printed += 1;
        r.copies += copies.max(0) as u64;
        r.sheets += (copies * pages).max(0) as u64;
        r.fields_filled += filled.max(0) as u64;
        r.fields_total += total.max(0) as u64;
    }
}

/// Run the aggregation.
///
/// The rows are streamed once (twice without form grouping: sessions, then printed forms) and
/// summed in memory by integer keys, with per-value histograms for exact medians: a year of a
/// large office (a million sessions) takes well under the two seconds an export may take,
/// where per-figure `GROUP BY` queries took several times that.
pub fn aggregate(store: &Store, q: &Query) -> Result<BTreeMap<Key, Row>, StoreError> {
    let conn = store.connection();
    let err = |source| StoreError::Sqlite {
        path: store.path().to_owned(),
        source,
    };
    // Reading a large file: let SQLite map it instead of copying pages through its cache.
    let _ = conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;");
    let period = q.by.sql();
    let form = if q.group.form { "p.form" } else { "-1" };
    let terminal = if q.group.terminal { "s.terminal" } else { "-1" };
    let mode = if q.group.mode { "s.mode" } else { "-1" };
    let key_cols = format!("{period}, {form}, {terminal}, {mode}");
    let session_cols = "s.ended - s.started, s.outcome, s.assisted, s.mode, s.satisfaction, s.card_read_ms, s.choice_to_print_s, s.identification, s.language NOT IN ('ja', 'ja-x-easy')";
    let printed_cols = "p.copies, p.pages, p.filled, p.total";
    let mut accs: std::collections::HashMap<IntKey, Acc> = std::collections::HashMap::new();
    let key_of = |r: &rusqlite::Row| -> rusqlite::Result<IntKey> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    };
    let add_session = |acc: &mut Acc, r: &rusqlite::Row, at: usize| -> rusqlite::Result<()> {
        let mode: i64 = r.get(at + 3)?;
        acc.session(
            r.get(at)?,
            r.get(at + 1)?,
            r.get(at + 2)?,
            mode == 1,
            r.get(at + 4)?,
            r.get(at + 5)?,
            r.get(at + 6)?,
            r.get(at + 7)?,
            r.get(at + 8)?,
        );
        Ok(())
    };
    let add_printed = |acc: &mut Acc, r: &rusqlite::Row, at: usize| -> rusqlite::Result<()> {
        acc.printed(r.get(at)?, r.get(at + 1)?, r.get(at + 2)?, r.get(at + 3)?);
        Ok(())
    };
    if q.group.form {
        // A "session" of a form is a session that printed it: one pass over the pairs.
        let sql = format!(
            "SELECT {key_cols}, {session_cols}, {printed_cols} FROM printed p JOIN sessions s ON s.id = p.session WHERE s.day BETWEEN ?1 AND ?2"
        );
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
        while let Some(r) = it.next().map_err(err)? {
            let acc = accs.entry(key_of(r).map_err(err)?).or_default();
            add_session(acc, r, 4).map_err(err)?;
            add_printed(acc, r, 13).map_err(err)?;
        }
    } else {
        let sql = format!(
            "SELECT {key_cols}, {session_cols} FROM sessions s WHERE s.day BETWEEN ?1 AND ?2"
        );
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
        while let Some(r) = it.next().map_err(err)? {
            add_session(accs.entry(key_of(r).map_err(err)?).or_default(), r, 4).map_err(err)?;
        }
        let sql = format!(
            "SELECT {key_cols}, {printed_cols} FROM printed p JOIN sessions s ON s.id = p.session WHERE s.day BETWEEN ?1 AND ?2"
        );
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
        while let Some(r) = it.next().map_err(err)? {
            add_printed(accs.entry(key_of(r).map_err(err)?).or_default(), r, 4).map_err(err)?;
        }
    }

    // Events by kind (with form grouping: of the sessions that printed the form).
    let events_from = if q.group.form {
        "events e JOIN sessions s ON s.id = e.session JOIN printed p ON p.session = s.id"
    } else {
        "events e JOIN sessions s ON s.id = e.session"
    };
    let sql = format!(
        "SELECT {key_cols}, e.kind, count(*) FROM {events_from} WHERE s.day BETWEEN ?1 AND ?2 GROUP BY 1, 2, 3, 4, 5"
    );
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
    let last_kind = EventKind::ALL.len() as i64 - 1;
    while let Some(r) = it.next().map_err(err)? {
        let kind: i64 = r.get(4).map_err(err)?;
        let count: i64 = r.get(5).map_err(err)?;
        let acc = accs.entry(key_of(r).map_err(err)?).or_default();
        acc.row.events[kind.clamp(0, last_kind) as usize] += count.max(0) as u64;
    }

    let names =
        |table: &str, column: &str| -> Result<std::collections::HashMap<i64, String>, StoreError> {
            let mut stmt = conn
                .prepare(&format!("SELECT id, {column} FROM {table}"))
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)
        };
    let forms = names("forms", "form")?;
    let terminals = names("terminals", "name")?;

    // The denominator of 利用率, per period, for the office as a whole.
    let mut stmt = conn
        .prepare(
            "SELECT day, sum(count) FROM daily_totals WHERE day BETWEEN ?1 AND ?2 GROUP BY day",
        )
        .map_err(err)?;
    let mut totals: BTreeMap<i64, u64> = BTreeMap::new();
    let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
    while let Some(r) = it.next().map_err(err)? {
        let day: i64 = r.get(0).map_err(err)?;
        let count: i64 = r.get(1).map_err(err)?;
        *totals.entry(q.by.key_of_day(day)).or_default() += count.max(0) as u64;
    }

    // Two versions of one form are one form in the report: merge them under the form's id.
    let mut rows: BTreeMap<Key, Acc> = BTreeMap::new();
    for ((period, form, terminal, mode), acc) in accs {
        let key = Key {
            period,
            form: forms.get(&form).cloned().unwrap_or_default(),
            terminal: terminals.get(&terminal).cloned().unwrap_or_default(),
            mode: match mode {
                1 => "staff".to_owned(),
                0 => "self".to_owned(),
                _ => String::new(),
            },
        };
        let into = rows.entry(key).or_default();
        merge_acc(into, acc);
    }
    Ok(rows
        .into_iter()
        .map(|(key, acc)| {
            let mut row = acc.row;
            row.median_session_s = median(&acc.durations);
            row.median_card_read_ms = median(&acc.card_reads);
            row.median_choice_to_print_s = median(&acc.choices);
            row.applications = totals.get(&key.period).copied();
            (key, row)
        })
        .collect())
}

fn merge_acc(into: &mut Acc, from: Acc) {
    into.row.add(&from.row);
    for (target, source) in [
        (&mut into.durations, from.durations),
        (&mut into.card_reads, from.card_reads),
        (&mut into.choices, from.choices),
    ] {
        for (v, c) in source {
            *target.entry(v).or_default() += c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_a_day() {
        // 2026-11-21 (a Saturday) is day 20_778.
        let day = 20_778;
        assert_eq!(Period::Day.label(day), "2026-11-21");
        assert_eq!(
            Period::Week.label(Period::Week.key_of_day(day)),
            "2026-11-16/2026-11-22"
        );
        assert_eq!(Period::Month.key_of_day(day), 202_611);
        assert_eq!(Period::FiscalYear.key_of_day(day), 2026);
        // 2027-03-31 still belongs to 年度 2026; 2027-04-01 starts 2027.
        assert_eq!(Period::FiscalYear.key_of_day(20_908), 2026);
        assert_eq!(Period::FiscalYear.key_of_day(20_909), 2027);
    }

    #[test]
    fn medians_of_histograms() {
        let h: BTreeMap<i64, u64> = [(10, 1), (20, 1), (30, 1)].into();
        assert_eq!(median(&h), Some(20.0));
        let h: BTreeMap<i64, u64> = [(10, 2), (30, 2)].into();
        assert_eq!(median(&h), Some(20.0));
        assert_eq!(median(&BTreeMap::new()), None);
    }
}
