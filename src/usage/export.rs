//! KPI exports: CSV that opens correctly in Excel on a Japanese Windows PC (UTF-8 with BOM,
//! CRLF, Japanese headers by default), JSON, and merging several terminals' CSV exports into one
//! office report.
//!
//! Every row carries its source (the database's random id, `-synthetic` after it for a database
//! `kpi seed` wrote into), so a merge counts each terminal's rows once even when the same export
//! is given twice, and refuses exports of one terminal whose rows for a period differ (exports
//! over overlapping dates), mixed periods and mixed groupings, and any cell that is not what
//! kakanai writes: a bad number is an error naming the file, the line and the column, never a 0.
//!
//! Every text cell written starts with a letter or digit, or is neutralised as OWASP
//! recommends (a leading `'`): a cell starting with `= + - @`, a tab or a CR would be run by
//! Excel as a formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`).
//!
//! `日本語以外の表示件数` (`non_japanese_ui`) counts the sessions a resident ran in a language
//! other than Japanese: English, 中文, 한국어, Tiếng Việt, Português, Tagalog, नेपाली. やさしい日本語
//! (`ja-x-easy`) is Japanese and is not counted there; the usage log keeps its own code, so an
//! office can still count it from the sessions.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use super::aggregate::{Key, Period, Row};

/// Header language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語 (default).
    Ja,
    /// English.
    En,
}

const COLUMNS: [(&str, &str); 38] = [
    ("期間", "period"),
    ("様式", "form"),
    ("端末", "terminal"),
    ("運用", "mode"),
    ("利用件数", "sessions"),
    ("出力完了件数", "printed_sessions"),
    ("申請書等出力件数", "forms_printed"),
    ("部数", "copies"),
    ("出力枚数", "sheets"),
    ("自動記入項目数", "fields_filled"),
    ("記入項目数", "fields_total"),
    ("記入項目削減率", "filled_rate"),
    ("合計滞在秒", "session_seconds"),
    ("平均滞在秒", "average_session_s"),
    ("中央値滞在秒", "median_session_s"),
    ("中央値カード読取ミリ秒", "median_card_read_ms"),
    ("中央値作成秒", "median_choice_to_print_s"),
    ("満足度1", "satisfaction_1"),
    ("満足度2", "satisfaction_2"),
    ("満足度3", "satisfaction_3"),
    ("満足度4", "satisfaction_4"),
    ("満足度5", "satisfaction_5"),
    ("係員支援件数", "assisted"),
    ("職員操作件数", "staff_operated"),
    ("カードなし件数", "identification_none"),
    ("暗証番号利用件数", "identification_pin"),
    ("照合番号B利用件数", "identification_code_b"),
    ("日本語以外の表示件数", "non_japanese_ui"),
    ("カード読取エラー件数", "card_read_errors"),
    ("暗証番号誤り件数", "pin_wrong"),
    ("暗証番号ロック件数", "pin_blocked"),
    ("ロック回避（係員案内）件数", "lockout_guard"),
    ("印刷エラー件数", "printer_errors"),
    ("係員引継ぎ件数", "clerk_take_over"),
    ("係員呼出件数", "help_requested"),
    ("窓口申請件数", "applications"),
    ("利用率", "usage_rate"),
    ("データ元", "source"),
];

/// How a column combines when exports are merged.
enum Merge {
    /// Part of the row's identity.
    Key,
    /// Counts add up.
    Sum,
    /// Recomputed from two summed columns (numerator, denominator, decimals).
    Ratio(&'static str, &'static str, usize),
    /// Cannot be combined: kept only when a row has a single source.
    Median,
    /// Office-wide: the largest figure given.
    Max,
    /// The sources, joined.
    Source,
}

fn merge_kind(column: &str) -> Merge {
    match column {
        "period" | "form" | "terminal" | "mode" => Merge::Key,
        "filled_rate" => Merge::Ratio("fields_filled", "fields_total", 4),
        "average_session_s" => Merge::Ratio("session_seconds", "sessions", 1),
        "usage_rate" => Merge::Ratio("forms_printed", "applications", 4),
        c if c.starts_with("median_") => Merge::Median,
        "applications" => Merge::Max,
        "source" => Merge::Source,
        _ => Merge::Sum,
    }
}

fn index_of(column: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| c.1 == column)
        .unwrap_or_else(|| unreachable!("a known column"))
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(String::new, |x| format!("{x:.digits$}"))
}

fn record(period: Period, key: &Key, row: &Row, source: &str) -> Vec<String> {
    let n = |v: u64| v.to_string();
    let mut out = vec![
        period.label(key.period),
        key.form.clone(),
        key.terminal.clone(),
        key.mode.clone(),
    ];
    out.extend(
        [
            row.sessions,
            row.printed_sessions,
            row.forms_printed,
            row.copies,
            row.sheets,
            row.fields_filled,
            row.fields_total,
        ]
        .map(n),
    );
    out.push(opt(row.filled_rate(), 4));
    out.push(n(row.session_seconds));
    out.push(opt(row.average_session_s(), 1));
    out.push(opt(row.median_session_s, 1));
    out.push(opt(row.median_card_read_ms, 1));
    out.push(opt(row.median_choice_to_print_s, 1));
    out.extend(row.satisfaction.map(n));
    out.push(n(row.assisted));
    out.push(n(row.staff_operated));
    out.extend(row.by_identification.map(n));
    out.push(n(row.non_japanese));
    // Card read errors: not a My Number card, removed, failed.
    out.push(n(row.events[0] + row.events[1] + row.events[2]));
    out.extend(row.events[3..].iter().map(|v| n(*v)));
    out.push(row.applications.map_or_else(String::new, n));
    out.push(opt(row.usage_rate(), 4));
    out.push(source.to_owned());
    out
}

/// A cell as it may be handed to a spreadsheet: one that Excel, LibreOffice or Google Sheets
/// would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading apostrophe, so it shows as the text it is (OWASP, "CSV Injection").
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Write one row, every cell neutralised.
fn write_row<S: AsRef<str>>(
    w: &mut csv::Writer<&mut dyn Write>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    w.write_record(
        cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned()),
    )
}

/// A CSV writer for Excel on a Japanese PC: the UTF-8 BOM, CRLF line ends, and the header row.
fn csv_writer(out: &mut dyn Write, lang: Lang) -> std::io::Result<csv::Writer<&mut dyn Write>> {
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(
        COLUMNS
            .iter()
            .map(|(ja, en)| if lang == Lang::Ja { *ja } else { *en }),
    )?;
    Ok(w)
}

/// Write rows as CSV (UTF-8 with BOM, CRLF).
pub fn write_csv(
    out: &mut dyn Write,
    period: Period,
    rows: &BTreeMap<Key, Row>,
    source: &str,
    lang: Lang,
) -> std::io::Result<()> {
    let mut w = csv_writer(out, lang)?;
    for (key, row) in rows {
        write_row(&mut w, record(period, key, row, source))?;
    }
    w.flush()
}

/// Write rows as JSON: `{"period": …, "rows": [{column: value, …}]}` with English keys.
pub fn write_json(
    out: &mut dyn Write,
    period: Period,
    rows: &BTreeMap<Key, Row>,
    source: &str,
) -> std::io::Result<()> {
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|(k, r)| {
            let values = record(period, k, r, source);
            let mut obj = serde_json::Map::new();
            for ((_, en), v) in COLUMNS.iter().zip(values) {
                let value = match v.parse::<f64>() {
                    Ok(x) if !matches!(*en, "period" | "form" | "terminal" | "mode" | "source") => {
                        serde_json::json!(x)
                    }
                    _ if v.is_empty() => serde_json::Value::Null,
                    _ => serde_json::Value::String(v),
                };
                obj.insert((*en).to_owned(), value);
            }
            serde_json::Value::Object(obj)
        })
        .collect();
    let by = match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
        Period::FiscalYear => "fiscal-year",
    };
    let synthetic = source.split('+').any(|s| s.ends_with(SYNTHETIC));
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({ "by": by, "synthetic": synthetic, "rows": list }),
    )?;
    writeln!(out)
}

/// What a seeded database's source ends with (see [`super::store::Store::export_source`]).
pub const SYNTHETIC: &str = "-synthetic";

/// The office column of a fleet export (`--group office`), after the period.
pub const OFFICE_COLUMN: (&str, &str) = ("庁舎", "office");

/// One row of a fleet export: its office ("" when not grouped by office), key, figures and
/// sources (the kiosks' database ids, joined with `+` as a merge joins them).
pub type SourcedRow<'a> = (&'a str, &'a Key, &'a Row, String);

fn with_office(mut values: Vec<String>, office: Option<&str>) -> Vec<String> {
    if let Some(o) = office {
        values.insert(1, o.to_owned());
    }
    values
}

/// Write a fleet's rows as CSV, each with its own sources: the kiosk export's columns (the same
/// bytes as `kakanai kpi merge` of the kiosks' exports), and with `office` the office column
/// after the period.
pub fn write_csv_rows(
    out: &mut dyn Write,
    period: Period,
    rows: &[SourcedRow<'_>],
    office: bool,
    lang: Lang,
) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let header: Vec<&str> = COLUMNS
        .iter()
        .map(|(ja, en)| if lang == Lang::Ja { *ja } else { *en })
        .collect();
    let office_header = if lang == Lang::Ja {
        OFFICE_COLUMN.0
    } else {
        OFFICE_COLUMN.1
    };
    write_row(
        &mut w,
        with_office(
            header.into_iter().map(str::to_owned).collect(),
            office.then_some(office_header),
        ),
    )?;
    for (o, key, row, source) in rows {
        write_row(
            &mut w,
            with_office(record(period, key, row, source), office.then_some(*o)),
        )?;
    }
    w.flush()
}

/// Write a fleet's rows as JSON, as [`write_json`] does, each with its sources and, with
/// `office`, an `office` key.
pub fn write_json_rows(
    out: &mut dyn Write,
    period: Period,
    rows: &[SourcedRow<'_>],
    office: bool,
) -> std::io::Result<()> {
    let mut list = Vec::new();
    for (o, key, row, source) in rows {
        let mut one = BTreeMap::new();
        one.insert((*key).clone(), (*row).clone());
        let mut buf = Vec::new();
        write_json(&mut buf, period, &one, source)?;
        let mut v: serde_json::Value = serde_json::from_slice(&buf)?;
        if let Some(serde_json::Value::Object(mut obj)) =
            v["rows"].as_array_mut().and_then(|a| a.pop())
        {
            if office {
                obj.insert("office".into(), serde_json::Value::String((*o).to_owned()));
            }
            list.push(serde_json::Value::Object(obj));
        }
    }
    let by = match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
        Period::FiscalYear => "fiscal-year",
    };
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "by": by, "rows": list }))?;
    writeln!(out)
}

/// A merge that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A file is not a kakanai KPI CSV, or holds a cell kakanai would not write.
    #[error("{file}: {what}")]
    Input {
        /// The file.
        file: String,
        /// What is wrong (line and column where there is one).
        what: String,
    },
    /// The files cannot be merged into one honest report.
    #[error("{0}")]
    Conflict(String),
    /// Writing failed.
    #[error("writing the merged report: {0}")]
    Write(#[from] std::io::Error),
}

/// The period a label belongs to: `2026-11-21`, `2026-11-16/2026-11-22`, `2026-11`, `2026`.
fn period_kind(label: &str) -> Option<Period> {
    let date_day = |t: &str| {
        crate::card::Date::parse_iso(t).map(|d| {
            crate::cli::kpi::civil_to_days(
                i64::from(d.year()),
                i64::from(d.month()),
                i64::from(d.day()),
            )
        })
    };
    let b = label.as_bytes();
    match b.len() {
        4 if b.iter().all(u8::is_ascii_digit) => Some(Period::FiscalYear),
        7 if b[4] == b'-'
            && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
            && (1..=12).contains(&label[5..].parse::<u8>().ok()?) =>
        {
            Some(Period::Month)
        }
        10 => date_day(label).map(|_| Period::Day),
        21 => {
            let (a, z) = label.split_once('/')?;
            let (a, z) = (date_day(a)?, date_day(z)?);
            (Period::Week.key_of_day(a) == a && z == a + 6).then_some(Period::Week)
        }
        _ => None,
    }
}

/// A merged source: database ids (32 hex digits) joined by `+`, each perhaps `-synthetic`.
fn sources_of(cell: &str) -> Option<BTreeSet<String>> {
    let mut set = BTreeSet::new();
    for part in cell.split('+') {
        let id = part.strip_suffix(SYNTHETIC).unwrap_or(part);
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        set.insert(part.to_owned());
    }
    Some(set)
}

/// A count: digits only, at most 15 of them (what a spreadsheet holds exactly).
fn count(cell: &str) -> Option<u64> {
    (!cell.is_empty() && cell.len() <= 15 && cell.bytes().all(|b| b.is_ascii_digit()))
        .then(|| cell.parse().ok())
        .flatten()
}

/// A figure kakanai writes with decimals (a rate, a median): digits, perhaps a point and digits.
fn decimal(cell: &str) -> bool {
    let (int, frac) = cell.split_once('.').unwrap_or((cell, "0"));
    !int.is_empty()
        && int.len() <= 15
        && !frac.is_empty()
        && frac.len() <= 6
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

/// Which key columns split a file's rows (form, terminal, mode): non-empty in every row or in
/// none.
type Split = [bool; 3];

/// One row read from an input.
struct Entry {
    sources: BTreeSet<String>,
    cells: Vec<String>,
    file: String,
    line: u64,
}

/// Merge CSV exports (either header language) into one CSV: counts add up across terminals,
/// averages and rates are recomputed from the sums, and medians — which cannot be combined —
/// are kept only where a row comes from a single export. The denominator (applications) is
/// office-wide, so the largest figure given for a period is kept rather than a sum.
///
/// A row that appears again with the same source and the same figures (an export given twice,
/// or overlapping exports of a period that was complete in both) is counted once. The same
/// terminal and period with different figures — exports over overlapping dates, or taken on
/// different days of a period still running — cannot be counted exactly and is refused, as are
/// files of different periods (week rows with month rows), of different groupings, made-up
/// history (`kpi seed`) mixed with real use, and any cell kakanai would not have written.
pub fn merge_csv(
    inputs: &[(String, Vec<u8>)],
    out: &mut dyn Write,
    lang: Lang,
) -> Result<usize, MergeError> {
    type Group = (String, String, String, String);
    let mut groups: BTreeMap<Group, Vec<Entry>> = BTreeMap::new();
    // The period and the split of the first file that has rows, to refuse mixtures.
    let mut shape: Option<(Period, Split, String)> = None;
    let mut synthetic: Option<(bool, String)> = None;
    for (file, bytes) in inputs {
        let bad = |what: String| MergeError::Input {
            file: file.clone(),
            what,
        };
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| bad("not UTF-8".into()))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
        let ja: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        let en: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
        let h: Vec<&str> = headers.iter().collect();
        if h != ja && h != en {
            return Err(bad(
                "not a kakanai KPI export (its header row differs)".into()
            ));
        }
        let mut file_split: Option<Split> = None;
        for rec in reader.records() {
            let rec = rec.map_err(|e| bad(e.to_string()))?;
            // The line the record starts on (csv's own count lags a line behind with CRLF).
            let line = rec.position().map_or(0, |p| {
                let at = (p.byte() as usize).min(text.len());
                let skip = text[at..].len() - text[at..].trim_start_matches(['\r', '\n']).len();
                1 + text.as_bytes()[..at + skip]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count() as u64
            });
            let v: Vec<String> = rec.iter().map(str::to_owned).collect();
            if v.len() != COLUMNS.len() {
                return Err(bad(format!(
                    "line {line}: {} columns, expected {}",
                    v.len(),
                    COLUMNS.len()
                )));
            }
            let at = |i: usize, what: &str| {
                bad(format!(
                    "line {line}, column {} ({}): {what}",
                    i + 1,
                    headers.get(i).unwrap_or("")
                ))
            };
            // The key cells.
            let period = period_kind(&v[0]).ok_or_else(|| {
                at(
                    0,
                    "not a period kakanai writes (2026-11-21, 2026-11-16/2026-11-22, 2026-11, 2026)",
                )
            })?;
            for i in [1, 2] {
                if !v[i].is_empty() && crate::usage::record::Slug::new(&v[i]).is_none() {
                    return Err(at(
                        i,
                        "not an id kakanai writes (a letter or digit, then letters, digits, - _ .)",
                    ));
                }
            }
            if !matches!(v[3].as_str(), "" | "self" | "staff") {
                return Err(at(3, "must be self, staff or empty"));
            }
            let last = COLUMNS.len() - 1;
            let sources = sources_of(&v[last])
                .ok_or_else(|| at(last, "not the source ids kakanai writes"))?;
            // The figures.
            for (i, (_, en)) in COLUMNS.iter().enumerate() {
                let ok = match merge_kind(en) {
                    Merge::Sum => count(&v[i]).is_some(),
                    Merge::Max => v[i].is_empty() || count(&v[i]).is_some(),
                    Merge::Ratio(..) | Merge::Median => v[i].is_empty() || decimal(&v[i]),
                    Merge::Key | Merge::Source => true,
                };
                if !ok {
                    return Err(at(
                        i,
                        if matches!(merge_kind(en), Merge::Sum | Merge::Max) {
                            "not a whole number (digits only, at most 15)"
                        } else {
                            "not a number kakanai writes (digits, perhaps a point and decimals)"
                        },
                    ));
                }
            }
            // One file, one grouping; all files, one period and one grouping.
            let split = [!v[1].is_empty(), !v[2].is_empty(), !v[3].is_empty()];
            match file_split {
                None => file_split = Some(split),
                Some(s) if s != split => {
                    return Err(bad(format!(
                        "line {line}: split by other columns than the rows before it"
                    )));
                }
                Some(_) => {}
            }
            match &shape {
                None => shape = Some((period, split, file.clone())),
                Some((p, _, first)) if *p != period => {
                    return Err(MergeError::Conflict(format!(
                        "{file} has rows by {}, {first} by {}: export every terminal with the same --by",
                        period_name(period),
                        period_name(*p)
                    )));
                }
                Some((_, s, first)) if *s != split => {
                    return Err(MergeError::Conflict(format!(
                        "{file} is split by {}, {first} by {}: export every terminal with the same --group",
                        split_name(split),
                        split_name(*s)
                    )));
                }
                Some(_) => {}
            }
            let made_up = sources.iter().any(|s| s.ends_with(SYNTHETIC));
            match &synthetic {
                None => synthetic = Some((made_up, file.clone())),
                Some((m, first)) if *m != made_up => {
                    let (seeded, real) = if made_up {
                        (file, first)
                    } else {
                        (first, file)
                    };
                    return Err(MergeError::Conflict(format!(
                        "{seeded} holds made-up history (`kakanai kpi seed`), {real} real use: they cannot be merged into one report"
                    )));
                }
                Some(_) => {}
            }
            let group = (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone());
            let entries = groups.entry(group).or_default();
            let mut duplicate = false;
            for e in entries.iter() {
                if e.sources == sources && e.cells == v {
                    duplicate = true;
                    break;
                }
                if !e.sources.is_disjoint(&sources) {
                    return Err(MergeError::Conflict(format!(
                        "{}, line {} and {file}, line {line} both count period {} of the same terminal with different figures (exports over overlapping dates, or taken at different times): give one export per terminal that covers the whole range",
                        e.file, e.line, v[0]
                    )));
                }
            }
            if !duplicate {
                entries.push(Entry {
                    sources,
                    cells: v,
                    file: file.clone(),
                    line,
                });
            }
        }
    }
    let mut w = csv_writer(out, lang)?;
    let count_rows = groups.len();
    for (group, entries) in groups {
        let mut sums = vec![0u64; COLUMNS.len()];
        let mut max: Vec<Option<u64>> = vec![None; COLUMNS.len()];
        let mut sources = BTreeSet::new();
        for e in &entries {
            for (i, (_, en)) in COLUMNS.iter().enumerate() {
                let n = count(&e.cells[i]);
                match merge_kind(en) {
                    Merge::Sum => {
                        sums[i] = sums[i]
                            .checked_add(n.unwrap_or(0))
                            .filter(|s| *s < 1_000_000_000_000_000)
                            .ok_or_else(|| {
                                MergeError::Conflict(format!(
                                    "period {}: the sum of {} is too large to be a count",
                                    group.0, COLUMNS[i].1
                                ))
                            })?;
                    }
                    Merge::Max => max[i] = max[i].max(n),
                    _ => {}
                }
            }
            sources.extend(e.sources.iter().cloned());
        }
        let keys = [&group.0, &group.1, &group.2, &group.3];
        let row: Vec<String> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (_, en))| match merge_kind(en) {
                Merge::Key => keys[i].clone(),
                Merge::Sum => sums[i].to_string(),
                Merge::Max => max[i].map_or_else(String::new, |m| m.to_string()),
                Merge::Ratio(a, b, d) => {
                    let a = sums[index_of(a)];
                    let b = match merge_kind(b) {
                        Merge::Max => max[index_of(b)].unwrap_or(0),
                        _ => sums[index_of(b)],
                    };
                    if b > 0 {
                        format!("{:.d$}", a as f64 / b as f64)
                    } else {
                        String::new()
                    }
                }
                Merge::Median if entries.len() == 1 => entries[0].cells[i].clone(),
                Merge::Median => String::new(),
                Merge::Source => sources.iter().cloned().collect::<Vec<_>>().join("+"),
            })
            .collect();
        write_row(&mut w, row).map_err(std::io::Error::from)?;
    }
    w.flush()?;
    Ok(count_rows)
}

fn period_name(p: Period) -> &'static str {
    match p {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
        Period::FiscalYear => "fiscal-year",
    }
}

fn split_name(s: Split) -> String {
    let names: Vec<&str> = ["form", "terminal", "mode"]
        .iter()
        .zip(s)
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
    if names.is_empty() {
        "nothing (period totals)".into()
    } else {
        names.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_left_alone() {
        for bad in [
            "=HYPERLINK(\"http://x\",\"a\")",
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for ok in ["juminhyo", "2026-04", "0.8125", "", "'=already"] {
            assert_eq!(neutralise(ok), ok);
        }
    }

    #[test]
    fn the_csv_writer_neutralises_every_text_cell() {
        let mut rows = BTreeMap::new();
        rows.insert(
            Key {
                period: 202_604,
                form: "=HYPERLINK(\"http://evil\")".into(),
                terminal: "@SUM(A1)".into(),
                mode: "+1".into(),
            },
            Row::default(),
        );
        let mut out = Vec::new();
        write_csv(&mut out, Period::Month, &rows, "-1+1", Lang::En).unwrap();
        let text = String::from_utf8(out[3..].to_vec()).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        for rec in r.records() {
            for cell in rec.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?}"
                );
            }
        }
    }

    #[test]
    fn period_labels_are_told_apart() {
        assert_eq!(period_kind("2026-11-21"), Some(Period::Day));
        assert_eq!(period_kind("2026-11-16/2026-11-22"), Some(Period::Week));
        assert_eq!(period_kind("2026-11-17/2026-11-23"), None);
        assert_eq!(period_kind("2026-11"), Some(Period::Month));
        assert_eq!(period_kind("2026-13"), None);
        assert_eq!(period_kind("2026"), Some(Period::FiscalYear));
        assert_eq!(period_kind("=1+1"), None);
    }

    #[test]
    fn counts_are_digits_only() {
        assert_eq!(count("7"), Some(7));
        for bad in ["abc", "1.5", "-5", "18446744073709551615", " 7", "+7", ""] {
            assert_eq!(count(bad), None, "{bad:?}");
        }
    }
}
