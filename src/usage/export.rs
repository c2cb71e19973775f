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

const COLUMNS: [(&str, &str); 27] = [
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
    ("窓口申請件数", "applications"),
    ("利用率", "usage_rate"),
    ("データ元", "source"),
];

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
    out.push(row.applications.map_or_else(String::new, n));
    out.push(opt(row.usage_rate(), 4));
    out.push(source.to_owned());
    out
}

/// Write rows as CSV (UTF-8 with BOM, CRLF).
pub fn write_csv(
    out: &mut dyn Write,
    period: Period,
    rows: &BTreeMap<Key, Row>,
    source: &str,
    lang: Lang,
) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(
        COLUMNS
            .iter()
            .map(|(ja, en)| if lang == Lang::Ja { *ja } else { *en }),
    )?;
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
            seen.entry((v[26].clone(), group)).or_insert(v);
        }
    }
    /// Per group: summed columns, sources, the office-wide denominator, the first row seen.
    struct Merged {
        sums: Vec<u64>,
        sources: Vec<String>,
        applications: u64,
        first: Vec<String>,
    }
    let mut merged: BTreeMap<Group, Merged> = BTreeMap::new();
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    for ((source, group), v) in seen {
        let entry = merged.entry(group).or_insert_with(|| Merged {
            sums: vec![0; COLUMNS.len()],
            sources: Vec::new(),
            applications: 0,
            first: v.clone(),
        });
        for i in [4, 5, 6, 7, 8, 9, 10, 12, 17, 18, 19, 20, 21, 22, 23] {
            entry.sums[i] += num(&v[i]);
        }
        entry.applications = entry.applications.max(num(&v[24]));
        entry.sources.push(source);
    }
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(
        COLUMNS
            .iter()
            .map(|(ja, en)| if lang == Lang::Ja { *ja } else { *en }),
    )
    .map_err(std::io::Error::from)?;
    let count = merged.len();
    for ((period, form, terminal, mode), m) in merged {
        let Merged {
            sums,
            sources,
            applications,
            first,
        } = m;
        let single = sources.len() == 1;
        let ratio = |a: u64, b: u64, d: usize| {
            if b > 0 {
                format!("{:.d$}", a as f64 / b as f64)
            } else {
                String::new()
            }
        };
        let mut row = vec![period, form, terminal, mode];
        row.extend(sums[4..=10].iter().map(u64::to_string));
        row.push(ratio(sums[9], sums[10], 4));
        row.push(sums[12].to_string());
        row.push(ratio(sums[12], sums[4], 1));
        row.extend(
            first[14..=16]
                .iter()
                .map(|m| if single { m.clone() } else { String::new() }),
        );
        row.extend(sums[17..=23].iter().map(u64::to_string));
        row.push(if applications > 0 {
            applications.to_string()
        } else {
            String::new()
        });
        row.push(ratio(sums[6], applications, 4));
        row.push(sources.join("+"));
        w.write_record(row).map_err(std::io::Error::from)?;
    }
    w.flush()?;
    Ok(count)
}
