//! KPI aggregation: counts by day / week / month / Japanese fiscal year (April–March),
//! optionally by form, terminal and mode.
//!
//! Everything is a SQL `GROUP BY` over the precomputed Japan-time `day` and `month` columns.
//! Medians come from per-value histograms (durations are whole seconds or milliseconds), so they
//! are exact without reading every session into memory.

use std::collections::BTreeMap;

use rusqlite::params;

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
            Period::FiscalYear => "(CASE WHEN s.month % 100 >= 4 THEN s.month / 100 ELSE s.month / 100 - 1 END)",
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

    /// A period key as printed: 2026-11-21, 2026-11-16 (week of), 2026-11, 2026 (年度).
    pub fn label(self, key: i64) -> String {
        match self {
            Period::Day | Period::Week => {
                let d = myna_card::Date::from_unix_seconds(key * 86_400);
                format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
            }
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
    /// All applications at the windows in the period (entered by an admin).
    pub applications: Option<u64>,
}

impl Row {
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
        self.applications.filter(|a| *a > 0).map(|a| self.forms_printed as f64 / a as f64)
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
    Some(if n % 2 == 1 { value_at(n / 2) } else { (value_at(n / 2 - 1) + value_at(n / 2)) / 2.0 })
}

/// Run the aggregation.
pub fn aggregate(store: &Store, q: &Query) -> Result<BTreeMap<Key, Row>, StoreError> {
    let conn = store.connection();
    let err = |source| StoreError::Sqlite { path: store.path().to_owned(), source };
    let period = q.by.sql();
    let form = if q.group.form { "f.form" } else { "''" };
    let terminal = if q.group.terminal { "t.name" } else { "''" };
    let mode = if q.group.mode { "CASE s.mode WHEN 1 THEN 'staff' ELSE 'self' END" } else { "''" };
    let keys = format!("{period}, {form}, {terminal}, {mode}");
    // With form grouping a "session" is a session that printed the form.
    let from = if q.group.form {
        "printed p JOIN sessions s ON s.id = p.session JOIN forms f ON f.id = p.form JOIN terminals t ON t.id = s.terminal"
    } else {
        "sessions s JOIN terminals t ON t.id = s.terminal"
    };
    let key_of = |r: &rusqlite::Row| -> rusqlite::Result<Key> {
        Ok(Key {
            period: r.get(0)?,
            form: r.get(1)?,
            terminal: r.get(2)?,
            mode: r.get(3)?,
        })
    };
    let mut rows: BTreeMap<Key, Row> = BTreeMap::new();

    let sql = format!(
        "SELECT {keys}, count(*), sum(s.outcome = 0), sum(s.assisted), sum(s.mode = 1), sum(s.ended - s.started),
                sum(s.satisfaction = 1), sum(s.satisfaction = 2), sum(s.satisfaction = 3), sum(s.satisfaction = 4), sum(s.satisfaction = 5)
         FROM {from} WHERE s.day BETWEEN ?1 AND ?2 GROUP BY {keys}"
    );
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
    while let Some(r) = it.next().map_err(err)? {
        let row = rows.entry(key_of(r).map_err(err)?).or_default();
        let get = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0).max(0) as u64);
        row.sessions = get(4).map_err(err)?;
        row.printed_sessions = get(5).map_err(err)?;
        row.assisted = get(6).map_err(err)?;
        row.staff_operated = get(7).map_err(err)?;
        row.session_seconds = get(8).map_err(err)?;
        for i in 0..5 {
            row.satisfaction[i] = get(9 + i).map_err(err)?;
        }
    }

    let printed_from = if q.group.form {
        from.to_owned()
    } else {
        "printed p JOIN sessions s ON s.id = p.session JOIN forms f ON f.id = p.form JOIN terminals t ON t.id = s.terminal".to_owned()
    };
    let sql = format!(
        "SELECT {keys}, count(*), sum(p.copies), sum(p.copies * p.pages), sum(p.filled), sum(p.total)
         FROM {printed_from} WHERE s.day BETWEEN ?1 AND ?2 GROUP BY {keys}"
    );
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
    while let Some(r) = it.next().map_err(err)? {
        let row = rows.entry(key_of(r).map_err(err)?).or_default();
        let get = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0).max(0) as u64);
        row.forms_printed = get(4).map_err(err)?;
        row.copies = get(5).map_err(err)?;
        row.sheets = get(6).map_err(err)?;
        row.fields_filled = get(7).map_err(err)?;
        row.fields_total = get(8).map_err(err)?;
    }

    // Medians from histograms.
    for (column, set) in [
        ("s.ended - s.started", 0usize),
        ("s.card_read_ms", 1),
        ("s.choice_to_print_s", 2),
    ] {
        let sql = format!(
            "SELECT {keys}, {column}, count(*) FROM {from} WHERE s.day BETWEEN ?1 AND ?2 AND {column} IS NOT NULL GROUP BY {keys}, {column}"
        );
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
        let mut hists: BTreeMap<Key, BTreeMap<i64, u64>> = BTreeMap::new();
        while let Some(r) = it.next().map_err(err)? {
            let value: i64 = r.get(4).map_err(err)?;
            let count: i64 = r.get(5).map_err(err)?;
            *hists.entry(key_of(r).map_err(err)?).or_default().entry(value).or_default() += count as u64;
        }
        for (key, hist) in hists {
            let row = rows.entry(key).or_default();
            let m = median(&hist);
            match set {
                0 => row.median_session_s = m,
                1 => row.median_card_read_ms = m,
                _ => row.median_choice_to_print_s = m,
            }
        }
    }

    // The denominator of 利用率, per period, for the office as a whole.
    let mut stmt = conn
        .prepare("SELECT day, sum(count) FROM daily_totals WHERE day BETWEEN ?1 AND ?2 GROUP BY day")
        .map_err(err)?;
    let mut totals: BTreeMap<i64, u64> = BTreeMap::new();
    let mut it = stmt.query(params![q.from_day, q.to_day]).map_err(err)?;
    while let Some(r) = it.next().map_err(err)? {
        let day: i64 = r.get(0).map_err(err)?;
        let count: i64 = r.get(1).map_err(err)?;
        *totals.entry(q.by.key_of_day(day)).or_default() += count.max(0) as u64;
    }
    for (key, row) in rows.iter_mut() {
        row.applications = totals.get(&key.period).copied();
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_a_day() {
        // 2026-11-21 (a Saturday) is day 20_778.
        let day = 20_778;
        assert_eq!(Period::Day.label(day), "2026-11-21");
        assert_eq!(Period::Week.label(Period::Week.key_of_day(day)), "2026-11-16");
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
