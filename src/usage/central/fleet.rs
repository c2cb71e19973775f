//! The KPI table for the whole fleet, from the central database: the same figures, row for row
//! and medians included, as exporting every kiosk and merging the exports by hand (`kakanai kpi
//! merge`), and where the hand merge must leave a median blank (a row that spans kiosks), the
//! exact median over all the row's sessions.
//!
//! By month or fiscal year, whole months come from the rollup the shipments keep
//! ([`super::rollup`]: summed figures and exact duration histograms per month × kiosk × form ×
//! mode, a few thousand rows for a city year); the days of a partly covered month, and exports
//! by day or week, come from the raw rows (sums grouped by PostgreSQL, histograms per row key).
//! Each row keeps its sources (the kiosks' database ids), as a merged export does. 利用率's
//! denominator is the admin's daily totals per office and window: when several kiosks of one
//! office carry the same window's day, the largest figure is kept, as a merge does.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Central, CentralError};
use crate::usage::aggregate::{Grouping, Key, Period, Query, Row};
use crate::usage::record::EventKind;
use crate::usage::store::month_of_day;

/// The row's identity in a fleet table: the office (when grouped by office) and the usual key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FleetKey {
    /// Period key (see [`Period::label`]).
    pub period: i64,
    /// The office ("" when not grouped by office).
    pub office: String,
    /// Form id, terminal, mode as in [`Key`].
    pub form: String,
    /// Terminal id.
    pub terminal: String,
    /// "self" / "staff".
    pub mode: String,
}

impl FleetKey {
    /// The kiosk export's key (without the office).
    pub fn key(&self) -> Key {
        Key {
            period: self.period,
            form: self.form.clone(),
            terminal: self.terminal.clone(),
            mode: self.mode.clone(),
        }
    }
}

/// One row of the fleet's table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetRow {
    /// The figures.
    pub row: Row,
    /// The kiosks' database ids the row's sessions come from, sorted (the export's source
    /// column, joined with `+` as a merge joins them).
    pub sources: BTreeSet<String>,
}

/// Split `--group` into the office and the kiosk export's grouping: `office,terminal,form`.
pub fn parse_grouping(text: &str) -> Option<(bool, Grouping)> {
    let mut office = false;
    let rest: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|p| {
            if *p == "office" {
                office = true;
                false
            } else {
                true
            }
        })
        .collect();
    Some((office, Grouping::parse(&rest.join(","))?))
}

fn period_sql(by: Period) -> &'static str {
    // The day number as the kiosk stores it: days since 1970-01-01, Japan time.
    match by {
        Period::Day => "(s.day - DATE '1970-01-01')::bigint",
        Period::Week => {
            "((s.day - DATE '1970-01-01') - (((s.day - DATE '1970-01-01') + 3) % 7))::bigint"
        }
        Period::Month => "s.month::bigint",
        Period::FiscalYear => {
            "(CASE WHEN s.month % 100 >= 4 THEN s.month / 100 ELSE s.month / 100 - 1 END)::bigint"
        }
    }
}

struct Sql {
    keys: String,
    from_sessions: String,
    from_pairs: String,
    from_events: String,
}

fn sql_parts(q: &Query, office: bool) -> Sql {
    let keys = format!(
        "{}, {}, {}, {}, {}",
        period_sql(q.by),
        if office { "k.office" } else { "''::text" },
        if q.group.form { "p.form" } else { "''::text" },
        if q.group.terminal {
            "k.terminal"
        } else {
            "''::text"
        },
        if q.group.mode { "s.mode" } else { "''::text" },
    );
    let from_sessions = "sessions s JOIN kiosks k ON k.id = s.kiosk".to_owned();
    let from_pairs = "printed p JOIN sessions s ON s.kiosk = p.kiosk AND s.seq = p.seq JOIN kiosks k ON k.id = s.kiosk".to_owned();
    let from_events = if q.group.form {
        "events e JOIN sessions s ON s.kiosk = e.kiosk AND s.seq = e.seq JOIN printed p ON p.kiosk = s.kiosk AND p.seq = s.seq JOIN kiosks k ON k.id = s.kiosk"
    } else {
        "events e JOIN sessions s ON s.kiosk = e.kiosk AND s.seq = e.seq JOIN kiosks k ON k.id = s.kiosk"
    }
    .to_owned();
    Sql {
        keys,
        from_sessions,
        from_pairs,
        from_events,
    }
}

const SESSION_SUMS: &str = "count(*), count(*) FILTER (WHERE s.outcome = 'printed'), coalesce(sum(s.seconds), 0)::bigint,
    count(*) FILTER (WHERE s.assisted), count(*) FILTER (WHERE s.mode = 'staff'),
    count(*) FILTER (WHERE s.satisfaction = 1), count(*) FILTER (WHERE s.satisfaction = 2),
    count(*) FILTER (WHERE s.satisfaction = 3), count(*) FILTER (WHERE s.satisfaction = 4),
    count(*) FILTER (WHERE s.satisfaction = 5),
    count(*) FILTER (WHERE s.identification = 'none'), count(*) FILTER (WHERE s.identification = 'pin'),
    count(*) FILTER (WHERE s.identification = 'code_b'), count(*) FILTER (WHERE s.language NOT IN ('ja', 'ja-x-easy'))";
const PRINTED_SUMS: &str =
    "count(*), coalesce(sum(p.copies), 0)::bigint, coalesce(sum(p.copies * p.pages), 0)::bigint,
    coalesce(sum(p.filled), 0)::bigint, coalesce(sum(p.total), 0)::bigint";
fn key_of(r: &postgres::Row) -> FleetKey {
    FleetKey {
        period: r.get(0),
        office: r.get(1),
        form: r.get(2),
        terminal: r.get(3),
        mode: r.get(4),
    }
}

fn n(r: &postgres::Row, i: usize) -> u64 {
    r.get::<_, i64>(i).max(0) as u64
}

fn add_sessions(row: &mut Row, r: &postgres::Row, at: usize) {
    row.sessions += n(r, at);
    row.printed_sessions += n(r, at + 1);
    row.session_seconds += n(r, at + 2);
    row.assisted += n(r, at + 3);
    row.staff_operated += n(r, at + 4);
    for i in 0..5 {
        row.satisfaction[i] += n(r, at + 5 + i);
    }
    for i in 0..3 {
        row.by_identification[i] += n(r, at + 10 + i);
    }
    row.non_japanese += n(r, at + 13);
}

fn add_printed(row: &mut Row, r: &postgres::Row, at: usize) {
    row.forms_printed += n(r, at);
    row.copies += n(r, at + 1);
    row.sheets += n(r, at + 2);
    row.fields_filled += n(r, at + 3);
    row.fields_total += n(r, at + 4);
}

/// The figures of one row while they are gathered: counts, sources, and the histograms whose
/// medians the row reports.
#[derive(Default)]
struct Acc {
    fleet: FleetRow,
    seconds: HashMap<i64, u64>,
    card_read_ms: HashMap<i64, u64>,
    choice_to_print_s: HashMap<i64, u64>,
}

/// The median of a histogram: the middle value, or the mean of the two middle ones (as the
/// kiosk's export computes it).
fn median(hist: &HashMap<i64, u64>) -> Option<f64> {
    let mut pairs: Vec<(i64, u64)> = hist.iter().map(|(v, c)| (*v, *c)).collect();
    pairs.sort_unstable();
    let n: u64 = pairs.iter().map(|p| p.1).sum();
    if n == 0 {
        return None;
    }
    let value_at = |rank: u64| {
        let mut seen = 0;
        for (v, c) in &pairs {
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

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An inclusive range: of YYYYMM months, or of day numbers.
type Span = (i64, i64);
/// The months the rollup answers, and the day ranges the raw rows answer.
type Plan = (Option<Span>, Vec<Span>);

/// Which months the rollup answers (those wholly inside the range, for a period made of whole
/// months) and which day ranges the raw rows must: `(first YYYYMM, last YYYYMM)`, ranges.
fn plan(q: &Query) -> Plan {
    if !matches!(q.by, Period::Month | Period::FiscalYear) || q.from_day > q.to_day {
        return (None, vec![(q.from_day, q.to_day)]);
    }
    let first_of = |month: i64| days_from_civil(month / 100, month % 100, 1);
    let next = |month: i64| {
        if month % 100 == 12 {
            (month / 100 + 1) * 100 + 1
        } else {
            month + 1
        }
    };
    let (m_from, m_to) = (month_of_day(q.from_day), month_of_day(q.to_day));
    // The first month that starts on or after from_day, the last that ends on or before to_day.
    let first_full = if first_of(m_from) == q.from_day {
        m_from
    } else {
        next(m_from)
    };
    let last_full = if first_of(next(m_to)) - 1 == q.to_day {
        m_to
    } else {
        let mut prev = m_to - 1;
        if prev % 100 == 0 {
            prev = (m_to / 100 - 1) * 100 + 12;
        }
        prev
    };
    if first_full > last_full {
        return (None, vec![(q.from_day, q.to_day)]);
    }
    let mut raw = Vec::new();
    if first_of(first_full) > q.from_day {
        raw.push((q.from_day, first_of(first_full) - 1));
    }
    if first_of(next(last_full)) - 1 < q.to_day {
        raw.push((first_of(next(last_full)), q.to_day));
    }
    (Some((first_full, last_full)), raw)
}

type Rows = Vec<postgres::Row>;

/// Run `sql` with two integer parameters on a connection of its own.
fn run(central: &Central, sql: &str, a: i32, b: i32) -> Result<Rows, CentralError> {
    let mut client = central.connect_read()?;
    client.query(sql, &[&a, &b]).map_err(|e| central.err(e))
}

/// The rollup's rows for months `m_from..=m_to`, added in.
fn from_rollup(
    central: &Central,
    q: &Query,
    office: bool,
    (m_from, m_to): (i64, i64),
    accs: &mut HashMap<FleetKey, Acc>,
) -> Result<(), CentralError> {
    let period = match q.by {
        Period::FiscalYear => {
            "(CASE WHEN m.month % 100 >= 4 THEN m.month / 100 ELSE m.month / 100 - 1 END)::bigint"
        }
        _ => "m.month::bigint",
    };
    let sql = format!(
        "SELECT {period}, {}, {}, {}, {}, k.database_id, {},
            m.seconds_values, m.seconds_counts, m.card_read_ms_values, m.card_read_ms_counts,
            m.choice_to_print_s_values, m.choice_to_print_s_counts
         FROM monthly m JOIN kiosks k ON k.id = m.kiosk
         WHERE m.month BETWEEN $1 AND $2 AND {}",
        if office { "k.office" } else { "''::text" },
        if q.group.form { "m.form" } else { "''::text" },
        if q.group.terminal {
            "k.terminal"
        } else {
            "''::text"
        },
        if q.group.mode { "m.mode" } else { "''::text" },
        super::rollup::COUNT_COLUMNS
            .iter()
            .map(|c| format!("m.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        if q.group.form {
            "m.form <> ''"
        } else {
            "m.form = ''"
        },
    );
    for r in run(central, &sql, m_from as i32, m_to as i32)? {
        let acc = accs.entry(key_of(&r)).or_default();
        acc.fleet.sources.insert(r.get(5));
        let c = |i: usize| n(&r, 6 + i);
        let row = &mut acc.fleet.row;
        row.sessions += c(0);
        row.printed_sessions += c(1);
        row.session_seconds += c(2);
        row.assisted += c(3);
        row.staff_operated += c(4);
        for i in 0..5 {
            row.satisfaction[i] += c(5 + i);
        }
        for i in 0..3 {
            row.by_identification[i] += c(10 + i);
        }
        row.non_japanese += c(13);
        row.forms_printed += c(14);
        row.copies += c(15);
        row.sheets += c(16);
        row.fields_filled += c(17);
        row.fields_total += c(18);
        for i in 0..EventKind::ALL.len() {
            row.events[i] += c(super::rollup::EVENTS_AT + i);
        }
        let at = 6 + super::rollup::COUNT_COLUMNS.len();
        for (h, target) in [
            (at, &mut acc.seconds),
            (at + 2, &mut acc.card_read_ms),
            (at + 4, &mut acc.choice_to_print_s),
        ] {
            let values: Vec<i32> = r.get(h);
            let counts: Vec<i64> = r.get(h + 1);
            for (v, c) in values.into_iter().zip(counts) {
                *target.entry(i64::from(v)).or_default() += c.max(0) as u64;
            }
        }
    }
    Ok(())
}

/// The raw rows of days `from..=to`, added in: sums and events grouped by PostgreSQL, the
/// durations' histograms per row key.
fn from_raw(
    central: &Central,
    q: &Query,
    office: bool,
    (from, to): (i64, i64),
    accs: &mut HashMap<FleetKey, Acc>,
) -> Result<(), CentralError> {
    let parts = sql_parts(q, office);
    let (from, to) = (from.max(-700_000) as i32, to.min(2_000_000) as i32);
    let range = "s.day BETWEEN DATE '1970-01-01' + $1::integer AND DATE '1970-01-01' + $2::integer";
    let base = if q.group.form {
        &parts.from_pairs
    } else {
        &parts.from_sessions
    };
    let sums_sql = if q.group.form {
        format!(
            "SELECT {k}, k.database_id, {SESSION_SUMS}, {PRINTED_SUMS} FROM {base} WHERE {range} GROUP BY 1, 2, 3, 4, 5, 6",
            k = parts.keys
        )
    } else {
        format!(
            "SELECT {k}, k.database_id, {SESSION_SUMS} FROM {base} WHERE {range} GROUP BY 1, 2, 3, 4, 5, 6",
            k = parts.keys
        )
    };
    let printed_sql = (!q.group.form).then(|| {
        format!(
            "SELECT {k}, k.database_id, {PRINTED_SUMS} FROM {f} WHERE {range} GROUP BY 1, 2, 3, 4, 5, 6",
            k = parts.keys,
            f = parts.from_pairs
        )
    });
    let hist_sql = format!(
        "SELECT {k}, s.seconds::bigint, s.card_read_ms::bigint, s.choice_to_print_s::bigint, count(*)
         FROM {base} WHERE {range} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
        k = parts.keys
    );
    let events_sql = format!(
        "SELECT {k}, k.database_id, e.kind, count(*) FROM {f} WHERE {range} GROUP BY 1, 2, 3, 4, 5, 6, 7",
        k = parts.keys,
        f = parts.from_events
    );
    let (sums, printed, hist, events) = std::thread::scope(|scope| {
        let sums = scope.spawn(|| run(central, &sums_sql, from, to));
        let printed = printed_sql
            .as_deref()
            .map(|sql| scope.spawn(move || run(central, sql, from, to)));
        let events = scope.spawn(|| run(central, &events_sql, from, to));
        let hist = run(central, &hist_sql, from, to);
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<Rows, CentralError>>| {
            h.join()
                .unwrap_or_else(|_| Err(CentralError::QueryPanicked))
        };
        (join(sums), printed.map(join), hist, join(events))
    });
    for r in sums? {
        let acc = accs.entry(key_of(&r)).or_default();
        acc.fleet.sources.insert(r.get(5));
        add_sessions(&mut acc.fleet.row, &r, 6);
        if q.group.form {
            add_printed(&mut acc.fleet.row, &r, 20);
        }
    }
    if let Some(printed) = printed {
        for r in printed? {
            let acc = accs.entry(key_of(&r)).or_default();
            acc.fleet.sources.insert(r.get(5));
            add_printed(&mut acc.fleet.row, &r, 6);
        }
    }
    for r in events? {
        let acc = accs.entry(key_of(&r)).or_default();
        acc.fleet.sources.insert(r.get(5));
        let kind: String = r.get(6);
        if let Some(i) = EventKind::ALL.iter().position(|k| k.name() == kind) {
            acc.fleet.row.events[i] += n(&r, 7);
        }
    }
    for r in hist? {
        let acc = accs.entry(key_of(&r)).or_default();
        let count = n(&r, 8);
        let values: [Option<i64>; 3] = [r.get(5), r.get(6), r.get(7)];
        for (v, target) in values.into_iter().zip([
            &mut acc.seconds,
            &mut acc.card_read_ms,
            &mut acc.choice_to_print_s,
        ]) {
            if let Some(v) = v {
                *target.entry(v).or_default() += count;
            }
        }
    }
    Ok(())
}

/// The fleet's KPI table for `q`, optionally by office. By month or fiscal year, whole months
/// come from the rollup ([`super::rollup`]) and only the days of a partly covered month from
/// the raw rows; by day or week, everything from the raw rows.
pub fn aggregate(
    central: &Central,
    q: &Query,
    office: bool,
) -> Result<BTreeMap<FleetKey, FleetRow>, CentralError> {
    let mut accs: HashMap<FleetKey, Acc> = HashMap::new();
    let (months, raw) = plan(q);
    if let Some(months) = months {
        from_rollup(central, q, office, months, &mut accs)?;
    }
    for range in raw {
        from_raw(central, q, office, range, &mut accs)?;
    }
    let totals = run(
        central,
        "SELECT k.database_id, k.office, t.service_window, (t.day - DATE '1970-01-01')::bigint, t.count::bigint
         FROM daily_totals t JOIN kiosks k ON k.id = t.kiosk
         WHERE t.day BETWEEN DATE '1970-01-01' + $1::integer AND DATE '1970-01-01' + $2::integer",
        q.from_day.max(-700_000) as i32,
        q.to_day.min(2_000_000) as i32,
    )?;
    let mut rows: BTreeMap<FleetKey, FleetRow> = accs
        .into_iter()
        .map(|(key, acc)| {
            let mut fleet = acc.fleet;
            fleet.row.median_session_s = median(&acc.seconds);
            fleet.row.median_card_read_ms = median(&acc.card_read_ms);
            fleet.row.median_choice_to_print_s = median(&acc.choice_to_print_s);
            (key, fleet)
        })
        .collect();

    // 利用率's denominator: per source, its (office, window, day) counts.
    let mut by_source: HashMap<String, Vec<(String, String, i64, u64)>> = HashMap::new();
    for r in totals {
        by_source.entry(r.get(0)).or_default().push((
            r.get(1),
            r.get(2),
            r.get(3),
            r.get::<_, i64>(4).max(0) as u64,
        ));
    }
    for (key, fr) in rows.iter_mut() {
        let mut best: HashMap<(&str, &str, i64), u64> = HashMap::new();
        for source in &fr.sources {
            for (office, window, day, count) in by_source.get(source).into_iter().flatten() {
                if q.by.key_of_day(*day) == key.period {
                    let e = best
                        .entry((office.as_str(), window.as_str(), *day))
                        .or_default();
                    *e = (*e).max(*count);
                }
            }
        }
        if !best.is_empty() {
            fr.row.applications = Some(best.values().sum());
        }
    }
    Ok(rows)
}

/// How many kiosks the central database knows (for the report's heading).
pub fn kiosk_count(central: &Central) -> Result<i64, CentralError> {
    let mut client = central.connect_read()?;
    client
        .query_one("SELECT count(DISTINCT database_id) FROM kiosks", &[])
        .map(|r| r.get(0))
        .map_err(|e| central.err(e))
}

/// The rows as the kiosk's report takes them (without the office; rows that differ only by
/// office are added up, medians dropped — call with `office = false` to keep them).
pub fn as_kiosk_rows(rows: &BTreeMap<FleetKey, FleetRow>) -> BTreeMap<Key, Row> {
    let mut out: BTreeMap<Key, Row> = BTreeMap::new();
    for (k, fr) in rows {
        match out.entry(k.key()) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(fr.row.clone());
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let r = o.get_mut();
                r.add(&fr.row);
                r.median_session_s = None;
                r.median_card_read_ms = None;
                r.median_choice_to_print_s = None;
            }
        }
    }
    out
}
