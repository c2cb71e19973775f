//! The printable KPI report: one A4 page (or more) in Japanese with the KPI table for the
//! period, forms printed per month as a bar chart, and forms printed per form.

use std::collections::BTreeMap;

use super::aggregate::{Grouping, Key, Period, Query, Row, aggregate};
use super::store::{Store, StoreError};
use crate::forms::fit::Align;
use crate::forms::fonts::FontKey;
use crate::forms::pdf::{Canvas, RenderError};

/// The report failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Drawing.
    #[error(transparent)]
    Render(#[from] RenderError),
}

fn total(rows: &BTreeMap<Key, Row>) -> Row {
    let mut t = Row::default();
    for r in rows.values() {
        t.add(r);
    }
    t
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

/// A bar chart: `bars` (label, value) in the box `b` with the title above.
fn bar_chart(
    c: &mut Canvas,
    b: [f32; 4],
    title: &str,
    bars: &[(String, u64)],
    unit: &str,
) -> Result<(), RenderError> {
    c.text(
        [b[0], b[1]],
        &format!("{title}（単位：{unit}）"),
        11.0,
        FontKey::GothicBold,
        Align::Left,
        0.0,
    )?;
    let top = b[1] + 8.0;
    let height = b[3] - 18.0;
    let max = bars.iter().map(|x| x.1).max().unwrap_or(1).max(1);
    // A round scale: 1, 2 or 5 × 10^n.
    let step = {
        let raw = max as f64 / 4.0;
        let mag = 10f64.powi(raw.log10().floor() as i32);
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(mag * 10.0)
    };
    let scale_max = (max as f64 / step).ceil() * step;
    let left = b[0] + 16.0;
    let width = b[2] - 18.0;
    for i in 0..=4 {
        let v = scale_max / 4.0 * i as f64;
        let y = top + height - (v / scale_max) as f32 * height;
        c.line(
            [left, y],
            [left + width, y],
            if i == 0 { 0.8 } else { 0.25 },
        );
        c.text(
            [b[0], y - 1.6],
            &format!("{}", v.round() as u64),
            7.0,
            FontKey::Gothic,
            Align::Right,
            14.0,
        )?;
    }
    let slot = width / bars.len().max(1) as f32;
    for (i, (label, value)) in bars.iter().enumerate() {
        let h = (*value as f64 / scale_max) as f32 * height;
        let x = left + i as f32 * slot + slot * 0.15;
        c.rect([x, top + height - h, slot * 0.7, h], Some(0.35), 0.0);
        c.text(
            [x - 2.0, top + height - h - 4.0],
            &value.to_string(),
            6.5,
            FontKey::Gothic,
            Align::Center,
            slot * 0.7 + 4.0,
        )?;
        c.text(
            [x - 3.0, top + height + 1.5],
            label,
            7.0,
            FontKey::Gothic,
            Align::Center,
            slot * 0.7 + 6.0,
        )?;
    }
    Ok(())
}

/// Draw the report for `from_day..=to_day`. `titles` maps form ids to their printed titles
/// (from the templates); ids without a title are shown as they are.
pub fn render(
    store: &Store,
    from_day: i64,
    to_day: i64,
    terminal_count_label: &str,
    titles: &BTreeMap<String, String>,
) -> Result<Vec<u8>, ReportError> {
    let by_month = aggregate(
        store,
        &Query {
            from_day,
            to_day,
            by: Period::Month,
            group: Grouping::default(),
        },
    )?;
    let by_form = aggregate(
        store,
        &Query {
            from_day,
            to_day,
            by: Period::FiscalYear,
            group: Grouping {
                form: true,
                ..Grouping::default()
            },
        },
    )?;
    render_rows(
        &by_month,
        &by_form,
        from_day,
        to_day,
        terminal_count_label,
        titles,
        store.is_synthetic()?,
    )
}

/// The queries [`render`] runs, for another source of rows (the city's central database):
/// by month without grouping, and by fiscal year × form.
pub fn queries(from_day: i64, to_day: i64) -> (Query, Query) {
    (
        Query {
            from_day,
            to_day,
            by: Period::Month,
            group: Grouping::default(),
        },
        Query {
            from_day,
            to_day,
            by: Period::FiscalYear,
            group: Grouping {
                form: true,
                ..Grouping::default()
            },
        },
    )
}

/// Draw the report from rows already aggregated as [`queries`] says (`synthetic`: the rows
/// are made up, and the report says so).
pub fn render_rows(
    by_month: &BTreeMap<Key, Row>,
    by_form: &BTreeMap<Key, Row>,
    from_day: i64,
    to_day: i64,
    terminal_count_label: &str,
    titles: &BTreeMap<String, String>,
    synthetic: bool,
) -> Result<Vec<u8>, ReportError> {
    let all = total(by_month);
    let mut c = Canvas::new("書かない窓口 利用状況報告", (210.0, 297.0));
    c.text(
        [15.0, 14.0],
        "書かない窓口 利用状況報告",
        18.0,
        FontKey::GothicBold,
        Align::Center,
        180.0,
    )?;
    c.text(
        [15.0, 26.0],
        &format!(
            "対象期間　{} 〜 {}　　{}",
            Period::Day.label(from_day),
            Period::Day.label(to_day),
            terminal_count_label
        ),
        10.0,
        FontKey::Gothic,
        Align::Center,
        180.0,
    )?;

    if synthetic {
        // A seeded database: the report must not pass for real use.
        c.text(
            [15.0, 30.5],
            "合成データ（kakanai kpi seed で作成）：実際の利用状況ではありません",
            9.5,
            FontKey::GothicBold,
            Align::Center,
            180.0,
        )?;
    }

    // The KPI table.
    let sat_n: u64 = all.satisfaction.iter().sum();
    let sat_avg = (sat_n > 0).then(|| {
        all.satisfaction
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64 + 1) * n)
            .sum::<u64>() as f64
            / sat_n as f64
    });
    let kpis: Vec<(&str, String)> = vec![
        ("利用件数（セッション）", all.sessions.to_string()),
        ("申請書等出力件数", all.forms_printed.to_string()),
        ("出力枚数", all.sheets.to_string()),
        (
            "窓口申請件数（入力値）",
            all.applications
                .map_or_else(|| "—".into(), |a| a.to_string()),
        ),
        ("書かない窓口利用割合（利用率）", pct(all.usage_rate())),
        (
            "記入項目の削減率（自動記入／全項目）",
            pct(all.filled_rate()),
        ),
        (
            "平均滞在時間",
            all.average_session_s().map_or_else(
                || "—".into(),
                |s| format!("{:.0}秒（{:.1}分）", s, s / 60.0),
            ),
        ),
        (
            "満足度（5段階平均・回答数）",
            sat_avg.map_or_else(|| "—".into(), |a| format!("{a:.2}（{sat_n}件）")),
        ),
        (
            "係員の支援があった件数",
            format!(
                "{}（{}）",
                all.assisted,
                pct((all.sessions > 0).then(|| all.assisted as f64 / all.sessions as f64))
            ),
        ),
        ("職員操作（対面）件数", all.staff_operated.to_string()),
    ];
    let top = 36.0;
    let row_h = 7.0;
    c.rect([15.0, top, 180.0, row_h], Some(0.85), 0.6);
    c.text(
        [17.0, top + 1.6],
        "指標",
        9.5,
        FontKey::GothicBold,
        Align::Left,
        0.0,
    )?;
    c.text(
        [120.0, top + 1.6],
        "値",
        9.5,
        FontKey::GothicBold,
        Align::Right,
        73.0,
    )?;
    for (i, (name, value)) in kpis.iter().enumerate() {
        let y = top + row_h * (i as f32 + 1.0);
        c.rect([15.0, y, 180.0, row_h], None, 0.4);
        c.text(
            [17.0, y + 1.7],
            name,
            9.5,
            FontKey::Gothic,
            Align::Left,
            0.0,
        )?;
        c.text(
            [120.0, y + 1.7],
            value,
            9.5,
            FontKey::Gothic,
            Align::Right,
            73.0,
        )?;
    }
    c.line(
        [118.0, top],
        [118.0, top + row_h * (kpis.len() as f32 + 1.0)],
        0.4,
    );

    // Forms printed per month.
    // "11月", with the year under the first month and under each January.
    let months: Vec<(String, u64)> = by_month
        .iter()
        .enumerate()
        .map(|(i, (k, r))| {
            let (year, month) = (k.period / 100, k.period % 100);
            let label = if i == 0 || month == 1 {
                format!("{month}月\n{year}年")
            } else {
                format!("{month}月")
            };
            (label, r.forms_printed)
        })
        .collect();
    let chart_top = top + row_h * (kpis.len() as f32 + 1.0) + 10.0;
    bar_chart(
        &mut c,
        [15.0, chart_top, 180.0, 72.0],
        "申請書等出力件数（月別）",
        &months,
        "件",
    )?;

    // Forms printed per form, over the whole period.
    let mut forms: BTreeMap<String, u64> = BTreeMap::new();
    for (k, r) in by_form {
        *forms.entry(k.form.clone()).or_default() += r.forms_printed;
    }
    let mut forms: Vec<(String, u64)> = forms.into_iter().collect();
    forms.sort_by_key(|f| std::cmp::Reverse(f.1));
    let forms_top = chart_top + 80.0;
    c.text(
        [15.0, forms_top],
        "申請書等出力件数（様式別）",
        11.0,
        FontKey::GothicBold,
        Align::Left,
        0.0,
    )?;
    let max = forms.iter().map(|f| f.1).max().unwrap_or(1).max(1);
    for (i, (form, n)) in forms.iter().take(12).enumerate() {
        let y = forms_top + 8.0 + i as f32 * 6.0;
        let name = titles.get(form).unwrap_or(form);
        c.text([15.0, y], name, 8.0, FontKey::Gothic, Align::Left, 0.0)?;
        let w = 85.0 * *n as f32 / max as f32;
        c.rect([88.0, y + 0.3, w.max(0.3), 4.0], Some(0.35), 0.0);
        c.text(
            [90.0 + w, y],
            &n.to_string(),
            8.0,
            FontKey::Gothic,
            Align::Left,
            0.0,
        )?;
    }
    c.text(
        [15.0, 286.0],
        "kakanai 書かない窓口 — 利用記録には個人情報を含みません（件数と時間のみ）。",
        7.5,
        FontKey::Gothic,
        Align::Left,
        0.0,
    )?;
    Ok(c.finish())
}
