//! `kakanai kpi …`: exports, merging, daily totals, synthetic history. These reach counts only:
//! the usage database holds nothing personal, so an export can be handed over as it is.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::exit;
use crate::card::Date;
use crate::usage::aggregate::{Grouping, Period, Query, aggregate};
use crate::usage::export::{Lang, merge_csv, write_csv, write_json};
use crate::usage::record::Slug;
use crate::usage::seed::{SeedParams, seed};
use crate::usage::store::{Store, day_of};

/// `kakanai kpi …`
#[derive(Debug, Subcommand)]
pub enum KpiCommand {
    /// Export KPI counts for a date range.
    Export {
        /// The usage database.
        #[arg(long)]
        db: PathBuf,
        /// First day, YYYY-MM-DD (Japan time).
        #[arg(long)]
        from: String,
        /// Last day, inclusive.
        #[arg(long)]
        to: String,
        /// day, week, month or fiscal-year (年度, April–March).
        #[arg(long, default_value = "month")]
        by: String,
        /// Also split by: form, terminal, mode (comma-separated).
        #[arg(long, default_value = "")]
        group: String,
        /// csv (UTF-8 with BOM, CRLF: opens in Excel) or json.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Header language for CSV: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// A printable A4 report (PDF): the KPI table and charts of forms printed per month and
    /// per form.
    Report {
        /// The usage database.
        #[arg(long)]
        db: PathBuf,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, inclusive.
        #[arg(long)]
        to: String,
        /// Output PDF.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Merge several terminals' CSV exports or usage databases into one office report.
    Merge {
        /// CSV exports and/or usage databases.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// For databases: the period (day, week, month, fiscal-year).
        #[arg(long, default_value = "month")]
        by: String,
        /// For databases: also split by form, terminal, mode.
        #[arg(long, default_value = "")]
        group: String,
        /// For databases: first day (default: all history).
        #[arg(long)]
        from: Option<String>,
        /// For databases: last day (default: all history).
        #[arg(long)]
        to: Option<String>,
        /// Header language: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Daily application totals per window (the denominator of 利用率).
    #[command(subcommand)]
    Totals(TotalsCommand),
    /// Record synthetic sessions one at a time, each in its own transaction, until killed
    /// (the crash test kills it with SIGKILL mid-stream).
    #[command(hide = true)]
    StressWrite {
        /// The usage database.
        #[arg(long)]
        db: PathBuf,
    },
    /// Record sessions through the kiosk's soft-failing recorder, report its health, wait for
    /// a file to appear, flush, and report again (the read-only fault test drives it).
    #[command(hide = true)]
    RecorderCheck {
        /// The usage database.
        #[arg(long)]
        db: PathBuf,
        /// Sessions to record.
        #[arg(long)]
        sessions: usize,
        /// Flush once this file exists (waits up to 30 s).
        #[arg(long)]
        resume_after: PathBuf,
    },
    /// Fill a database with realistic synthetic history (demos, benchmarks).
    Seed {
        /// The usage database.
        #[arg(long)]
        db: PathBuf,
        /// Sessions in all.
        #[arg(long)]
        sessions: usize,
        /// Days of history, ending today.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Number of terminals.
        #[arg(long, default_value_t = 2)]
        terminals: usize,
        /// PRNG seed (the same seed gives the same history).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `kakanai kpi totals …`
#[derive(Debug, Subcommand)]
pub enum TotalsCommand {
    /// Set one day's total for a window.
    Set {
        /// The usage database.
        #[arg(long)]
        db: PathBuf,
        /// The window ("1", "2", "a" …).
        #[arg(long)]
        window: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// All applications made at that window that day.
        #[arg(long)]
        count: u32,
    },
}

fn fail(message: &str, code: i32) -> i32 {
    eprintln!("kakanai: {message}");
    code
}

fn day(text: &str, what: &str) -> Result<i64, String> {
    let d = Date::parse_iso(text).ok_or_else(|| format!("--{what} must be a date YYYY-MM-DD"))?;
    Ok(civil_to_days(
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    ))
}

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's days_from_civil).
pub fn civil_to_days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn lang(text: &str) -> Result<Lang, String> {
    match text {
        "ja" => Ok(Lang::Ja),
        "en" => Ok(Lang::En),
        _ => Err("--lang must be ja or en".into()),
    }
}

fn create(path: &Path) -> std::io::Result<std::io::BufWriter<std::fs::File>> {
    Ok(std::io::BufWriter::new(std::fs::File::create(path)?))
}

/// Run `kpi …`.
pub fn run(command: KpiCommand) -> i32 {
    match command {
        KpiCommand::Export {
            db,
            from,
            to,
            by,
            group,
            format,
            lang: l,
            output,
        } => {
            let parsed = (|| {
                Ok::<_, String>((
                    day(&from, "from")?,
                    day(&to, "to")?,
                    Period::parse(&by).ok_or("--by must be day, week, month or fiscal-year")?,
                    Grouping::parse(&group).ok_or("--group takes form, terminal and mode")?,
                    lang(&l)?,
                ))
            })();
            let (from_day, to_day, by, group, lang) = match parsed {
                Ok(p) => p,
                Err(e) => return fail(&e, exit::USAGE),
            };
            if format != "csv" && format != "json" {
                return fail("--format must be csv or json", exit::USAGE);
            }
            let store = match Store::open_read_only(&db) {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            let source = store.database_id().unwrap_or_default();
            let rows = match aggregate(
                &store,
                &Query {
                    from_day,
                    to_day,
                    by,
                    group,
                },
            ) {
                Ok(r) => r,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            let written = create(&output).and_then(|mut out| {
                if format == "csv" {
                    write_csv(&mut out, by, &rows, &source, lang)?;
                } else {
                    write_json(&mut out, by, &rows, &source)?;
                }
                out.flush()
            });
            match written {
                Ok(()) => exit::OK,
                Err(e) => fail(&format!("{}: {e}", output.display()), exit::FAILED),
            }
        }
        KpiCommand::Report {
            db,
            from,
            to,
            output,
        } => {
            let (from_day, to_day) = match (day(&from, "from"), day(&to, "to")) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return fail(&e, exit::USAGE),
            };
            let store = match Store::open_read_only(&db) {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            let terminals: i64 = store
                .connection()
                .query_row("SELECT count(*) FROM terminals", [], |r| r.get(0))
                .unwrap_or(0);
            // Form titles from the templates, when the forms folder is here.
            let titles = crate::forms::load_dir(Path::new("forms"))
                .0
                .into_iter()
                .map(|t| (t.spec.id, t.spec.title))
                .collect();
            match crate::usage::report::render(
                &store,
                from_day,
                to_day,
                &format!("端末 {terminals} 台"),
                &titles,
            ) {
                Ok(bytes) => match std::fs::write(&output, bytes) {
                    Ok(()) => exit::OK,
                    Err(e) => fail(&format!("{}: {e}", output.display()), exit::FAILED),
                },
                Err(e) => fail(&e.to_string(), exit::FAILED),
            }
        }
        KpiCommand::Merge {
            files,
            by,
            group,
            from,
            to,
            lang: l,
            output,
        } => {
            let lang = match lang(&l) {
                Ok(l) => l,
                Err(e) => return fail(&e, exit::USAGE),
            };
            let db_query = (|| {
                Ok::<_, String>(Query {
                    from_day: from
                        .as_deref()
                        .map(|f| day(f, "from"))
                        .transpose()?
                        .unwrap_or(0),
                    to_day: to
                        .as_deref()
                        .map(|t| day(t, "to"))
                        .transpose()?
                        .unwrap_or(i64::from(i32::MAX)),
                    by: Period::parse(&by).ok_or("--by must be day, week, month or fiscal-year")?,
                    group: Grouping::parse(&group)
                        .ok_or("--group takes form, terminal and mode")?,
                })
            })();
            let db_query = match db_query {
                Ok(q) => q,
                Err(e) => return fail(&e, exit::USAGE),
            };
            let mut inputs = Vec::new();
            for f in &files {
                let bytes = match std::fs::read(f) {
                    Ok(bytes) => bytes,
                    Err(e) => return fail(&format!("{}: {e}", f.display()), exit::FAILED),
                };
                // A usage database is exported first, then merged like a CSV export.
                let bytes = if bytes.starts_with(b"SQLite format 3\0") {
                    let exported = Store::open_read_only(f).and_then(|store| {
                        let rows = aggregate(&store, &db_query)?;
                        let mut csv = Vec::new();
                        write_csv(&mut csv, db_query.by, &rows, &store.database_id()?, lang)
                            .map_err(|_| {
                                crate::usage::StoreError::Invalid("the export could not be written")
                            })?;
                        Ok(csv)
                    });
                    match exported {
                        Ok(csv) => csv,
                        Err(e) => return fail(&e.to_string(), exit::FAILED),
                    }
                } else {
                    bytes
                };
                inputs.push((f.display().to_string(), bytes));
            }
            let result = create(&output)
                .map_err(|e| e.to_string())
                .and_then(|mut out| {
                    let n = merge_csv(&inputs, &mut out, lang).map_err(|e| e.to_string())?;
                    out.flush().map_err(|e| e.to_string())?;
                    Ok(n)
                });
            match result {
                Ok(_) => exit::OK,
                Err(e) => fail(&e, exit::FAILED),
            }
        }
        KpiCommand::Totals(TotalsCommand::Set {
            db,
            window,
            date,
            count,
        }) => {
            let Some(window) = Slug::new(&window) else {
                return fail("--window: letters, digits, - and _ only", exit::USAGE);
            };
            let d = match day(&date, "date") {
                Ok(d) => d,
                Err(e) => return fail(&e, exit::USAGE),
            };
            match Store::open(&db).and_then(|mut s| s.set_daily_total(&window, d, count)) {
                Ok(()) => exit::OK,
                Err(e) => fail(&e.to_string(), exit::FAILED),
            }
        }
        KpiCommand::RecorderCheck {
            db,
            sessions,
            resume_after,
        } => {
            let records = crate::usage::seed::generate(&SeedParams {
                sessions,
                days: 1,
                last_day: 20_778,
                terminals: 1,
                seed: 9,
            });
            let mut recorder = crate::usage::Recorder::open(&db);
            for r in records {
                recorder.record(r);
            }
            println!("recorded: {:?}", recorder.health());
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while !resume_after.exists() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let written = recorder.flush();
            println!("flushed: {written} {:?}", recorder.health());
            exit::OK
        }
        KpiCommand::StressWrite { db } => {
            let mut store = match Store::open(&db) {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            let records = crate::usage::seed::generate(&SeedParams {
                sessions: 5_000,
                days: 30,
                last_day: 20_778,
                terminals: 1,
                seed: 7,
            });
            for (i, r) in records.iter().cycle().enumerate() {
                if let Err(e) = store.record(r) {
                    return fail(&e.to_string(), exit::FAILED);
                }
                if i % 100 == 0 {
                    println!("{i}");
                }
            }
            exit::OK
        }
        KpiCommand::Seed {
            db,
            sessions,
            days,
            terminals,
            seed: s,
        } => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let params = SeedParams {
                sessions,
                days: days.max(1),
                last_day: day_of(now),
                terminals,
                seed: s,
            };
            match Store::open(&db).and_then(|mut store| seed(&mut store, &params)) {
                Ok(n) => {
                    println!("{n} sessions seeded into {}", db.display());
                    exit::OK
                }
                Err(e) => fail(&e.to_string(), exit::FAILED),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(civil_to_days(1970, 1, 1), 0);
        assert_eq!(civil_to_days(2026, 11, 21), 20_778);
        assert_eq!(civil_to_days(2027, 4, 1), 20_909);
    }
}
