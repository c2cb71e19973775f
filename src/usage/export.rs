//! KPI exports: CSV that opens correctly in Excel on a Japanese Windows PC (UTF-8 with BOM,
//! CRLF, Japanese headers by default), JSON, and merging several terminals' CSV exports into one
//! office report.
//!
//! Every row carries its source (the database's random id), so a merge counts each terminal's
//! rows once even when the same export is given twice.

use std::collections::BTreeMap;
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
        w.write_record(record(period, key, row, source))?;
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
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "by": by, "rows": list }))?;
    writeln!(out)
}

/// A merge that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A file is not a kakanai KPI CSV.
    #[error("{file}: {what}")]
    Input {
        /// The file.
        file: String,
        /// What is wrong.
        what: String,
    },
    /// Writing failed.
    #[error("writing the merged report: {0}")]
    Write(#[from] std::io::Error),
}

/// Merge CSV exports (either header language) into one CSV: counts add up across terminals,
/// rows from the same source (an export given twice, or overlapping exports of one terminal) are
/// counted once, averages and rates are recomputed from the sums, and medians — which cannot be
/// combined — are kept only where a row has a single source. The denominator (applications) is
/// office-wide, so the largest figure given for a period is kept rather than a sum.
pub fn merge_csv(
    inputs: &[(String, Vec<u8>)],
    out: &mut dyn Write,
    lang: Lang,
) -> Result<usize, MergeError> {
    type Group = (String, String, String, String);
    let mut seen: BTreeMap<(String, Group), Vec<String>> = BTreeMap::new();
    for (file, bytes) in inputs {
        let bad = |what: String| MergeError::Input {
            file: file.clone(),
            what,
        };
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| bad("not UTF-8".into()))?;
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
        let ja: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        let en: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
        let h: Vec<&str> = headers.iter().collect();
        if h != ja && h != en {
            return Err(bad(
                "not a kakanai KPI export (its header row differs)".into()
            ));
        }
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("row {}: {e}", i + 2)))?;
            let v: Vec<String> = rec.iter().map(str::to_owned).collect();
            if v.len() != COLUMNS.len() {
                return Err(bad(format!(
                    "row {}: {} columns, expected {}",
                    i + 2,
                    v.len(),
                    COLUMNS.len()
                )));
            }
            let group = (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone());
            seen.entry((v[COLUMNS.len() - 1].clone(), group))
                .or_insert(v);
        }
    }
    /// Per group: the summed columns, the sources, the first row seen.
    type Merged = (Vec<u64>, Vec<String>, Vec<String>);
    let mut merged: BTreeMap<Group, Merged> = BTreeMap::new();
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    for ((source, group), v) in seen {
        let (sums, sources, _) = merged
            .entry(group)
            .or_insert_with(|| (vec![0; COLUMNS.len()], Vec::new(), v.clone()));
        for (i, (_, en)) in COLUMNS.iter().enumerate() {
            match merge_kind(en) {
                Merge::Sum => sums[i] += num(&v[i]),
                Merge::Max => sums[i] = sums[i].max(num(&v[i])),
                _ => {}
            }
        }
        sources.push(source);
    }
    let mut w = csv_writer(out, lang)?;
    let count = merged.len();
    for (group, (sums, sources, first)) in merged {
        let keys = [group.0, group.1, group.2, group.3];
        let row: Vec<String> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (_, en))| match merge_kind(en) {
                Merge::Key => keys[i].clone(),
                Merge::Sum => sums[i].to_string(),
                Merge::Max if sums[i] == 0 => String::new(),
                Merge::Max => sums[i].to_string(),
                Merge::Ratio(a, b, d) => {
                    let (a, b) = (sums[index_of(a)], sums[index_of(b)]);
                    if b > 0 {
                        format!("{:.d$}", a as f64 / b as f64)
                    } else {
                        String::new()
                    }
                }
                Merge::Median if sources.len() == 1 => first[i].clone(),
                Merge::Median => String::new(),
                Merge::Source => sources.join("+"),
            })
            .collect();
        w.write_record(row).map_err(std::io::Error::from)?;
    }
    w.flush()?;
    Ok(count)
}
