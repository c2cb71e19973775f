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
        /// The usage database (default: usage_db in kakanai.toml), or the city's central
        /// database (`postgres://user@host/db`: the whole fleet; `--group` also takes `office`).
        #[arg(long)]
        db: Option<PathBuf>,
        /// For a central database: the file holding its password (mode 640 or 600).
        #[arg(long)]
        password_file: Option<PathBuf>,
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
        /// The usage database (default: usage_db in kakanai.toml), or the city's central
        /// database (`postgres://…`: the fleet).
        #[arg(long)]
        db: Option<PathBuf>,
        /// For a central database: the file holding its password (mode 640 or 600).
        #[arg(long)]
        password_file: Option<PathBuf>,
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
    /// Ship the sessions queued in a usage database to the city's central database, and exit
    /// (a kiosk that was offline; the kiosk itself ships in the background).
    Ship(super::central::ShipArgs),
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
    /// Fill a new database with realistic synthetic history (demos, benchmarks); its exports
    /// are marked synthetic.
    Seed {
        /// The usage database (default: usage_db in kakanai.toml). Refused when it already
        /// holds sessions or totals, unless --force.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Seed even into a database that holds real use (its exports are then all marked
        /// synthetic).
        #[arg(long)]
        force: bool,
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
        /// The usage database (default: usage_db in kakanai.toml).
        #[arg(long)]
        db: Option<PathBuf>,
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

pub(super) fn fail(message: &str, code: i32) -> i32 {
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

pub(super) fn lang(text: &str) -> Result<Lang, String> {
    match text {
        "ja" => Ok(Lang::Ja),
        "en" => Ok(Lang::En),
        _ => Err("--lang must be ja or en".into()),
    }
}

/// Write an output: refused when it is one of `inputs`, else written beside and renamed into
/// place only when complete (a failed command leaves an existing report as it was).
fn write_output(
    output: &Path,
    inputs: &[&Path],
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> i32 {
    if let Err(e) = crate::files::refuse_overwriting_inputs(output, inputs) {
        return fail(&e.to_string(), exit::USAGE);
    }
    let written =
        crate::files::write_replacing(output, 0o644, |w| write(w).map_err(std::io::Error::other));
    match written {
        Ok(()) => exit::OK,
        Err(e) => fail(&format!("{}: {e}", output.display()), exit::FAILED),
    }
}

/// `--from` and `--to` as day numbers, the first not after the last.
fn range(from: &str, to: &str) -> Result<(i64, i64), String> {
    let (a, b) = (day(from, "from")?, day(to, "to")?);
    if a > b {
        return Err(format!(
            "--from {from} is after --to {to}: the range would be empty"
        ));
    }
    Ok((a, b))
}

/// The largest CSV export `kpi merge` reads (years of daily rows per form are a few MB).
const MERGE_MAX_BYTES: u64 = 256 << 20;

/// Whether `path` is a SQLite database, from its first 16 bytes (a database is not read whole).
fn is_sqlite(path: &Path) -> Result<bool, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "{}: not a regular file; name an export or a usage database",
            path.display()
        ));
    }
    let mut head = [0u8; 16];
    let n = file
        .take(16)
        .read(&mut head)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(n == 16 && &head == b"SQLite format 3\0")
}

/// Run `kpi …`. The usage database and the forms folder default to kakanai.toml's (`base` is
/// the folder the configuration was read from).
pub fn run(command: KpiCommand, config: &crate::config::Config, base: &Path) -> i32 {
    let db_of = |db: Option<PathBuf>| db.unwrap_or_else(|| config.kiosk.usage_db.clone());
    match command {
        KpiCommand::Export {
            db,
            password_file,
            from,
            to,
            by,
            group,
            format,
            lang: l,
            output,
        } => {
            let db = db_of(db);
            if super::central::is_central(&db) {
                let (from_day, to_day) = match range(&from, &to) {
                    Ok(r) => r,
                    Err(e) => return fail(&e, exit::USAGE),
                };
                return super::central::fleet_export(
                    &db,
                    password_file.as_deref(),
                    (from_day, to_day),
                    (&by, &group, &format, &l),
                    &output,
                );
            }
            let parsed = (|| {
                let (from_day, to_day) = range(&from, &to)?;
                Ok::<_, String>((
                    from_day,
                    to_day,
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
            if let Err(e) = crate::files::refuse_overwriting_inputs(&output, &[&db]) {
                return fail(&e.to_string(), exit::USAGE);
            }
            let store = match Store::open_read_only(&db) {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            let source = match store.export_source() {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
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
            write_output(&output, &[&db], |out| {
                if format == "csv" {
                    write_csv(out, by, &rows, &source, lang)
                } else {
                    write_json(out, by, &rows, &source)
                }
                .map_err(|e| e.to_string())
            })
        }
        KpiCommand::Report {
            db,
            password_file,
            from,
            to,
            output,
        } => {
            let db = db_of(db);
            let (from_day, to_day) = match range(&from, &to) {
                Ok(r) => r,
                Err(e) => return fail(&e, exit::USAGE),
            };
            if super::central::is_central(&db) {
                return super::central::fleet_report(
                    &db,
                    password_file.as_deref(),
                    from_day,
                    to_day,
                    &output,
                );
            }
            if let Err(e) = crate::files::refuse_overwriting_inputs(&output, &[&db]) {
                return fail(&e.to_string(), exit::USAGE);
            }
            let store = match Store::open_read_only(&db) {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            let terminals: i64 = store
                .connection()
                .query_row("SELECT count(*) FROM terminals", [], |r| r.get(0))
                .unwrap_or(0);
            // Form titles from the templates, when the forms folder is here.
            let titles = crate::forms::load_dir(&base.join(&config.kiosk.forms_dir))
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
                Ok(bytes) => write_output(&output, &[&db], |out| {
                    out.write_all(&bytes).map_err(|e| e.to_string())
                }),
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
                let from_day = from.as_deref().map(|f| day(f, "from")).transpose()?;
                let to_day = to.as_deref().map(|t| day(t, "to")).transpose()?;
                if let (Some(a), Some(b)) = (from_day, to_day) {
                    if a > b {
                        return Err(format!(
                            "--from {} is after --to {}: the range would be empty",
                            from.as_deref().unwrap_or_default(),
                            to.as_deref().unwrap_or_default()
                        ));
                    }
                }
                Ok::<_, String>(Query {
                    from_day: from_day.unwrap_or(0),
                    to_day: to_day.unwrap_or(i64::from(i32::MAX)),
                    by: Period::parse(&by).ok_or("--by must be day, week, month or fiscal-year")?,
                    group: Grouping::parse(&group)
                        .ok_or("--group takes form, terminal and mode")?,
                })
            })();
            let db_query = match db_query {
                Ok(q) => q,
                Err(e) => return fail(&e, exit::USAGE),
            };
            let inputs_paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
            if let Err(e) = crate::files::refuse_overwriting_inputs(&output, &inputs_paths) {
                return fail(&e.to_string(), exit::USAGE);
            }
            let mut inputs = Vec::new();
            for f in &files {
                let sqlite = match is_sqlite(f) {
                    Ok(s) => s,
                    Err(e) => return fail(&e, exit::FAILED),
                };
                // A usage database is exported first, then merged like a CSV export.
                let bytes = if sqlite {
                    let exported = Store::open_read_only(f).and_then(|store| {
                        let rows = aggregate(&store, &db_query)?;
                        let mut csv = Vec::new();
                        write_csv(&mut csv, db_query.by, &rows, &store.export_source()?, lang)
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
                    match crate::files::read_regular(f, MERGE_MAX_BYTES, "a KPI export") {
                        Ok(bytes) => bytes,
                        Err(e) => return fail(&e.to_string(), exit::FAILED),
                    }
                };
                inputs.push((f.display().to_string(), bytes));
            }
            // Merged in memory first: a refused merge writes nothing at all.
            let mut merged = Vec::new();
            if let Err(e) = merge_csv(&inputs, &mut merged, lang) {
                return fail(&e.to_string(), exit::FAILED);
            }
            write_output(&output, &inputs_paths, |out| {
                out.write_all(&merged).map_err(|e| e.to_string())
            })
        }
        KpiCommand::Ship(args) => super::central::ship(args),
        KpiCommand::Totals(TotalsCommand::Set {
            db,
            window,
            date,
            count,
        }) => {
            let db = db_of(db);
            let Some(window) = Slug::new(&window) else {
                return fail(
                    "--window: letters, digits, - _ and ., the first a letter or digit",
                    exit::USAGE,
                );
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
            force,
            sessions,
            days,
            terminals,
            seed: s,
        } => {
            let db = db_of(db);
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
            let mut store = match Store::open(&db) {
                Ok(s) => s,
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            };
            match store.is_empty() {
                Ok(true) => {}
                Ok(false) if force => eprintln!(
                    "kakanai: warning: {} already holds use; with made-up sessions among them, every export of it is now marked synthetic",
                    db.display()
                ),
                Ok(false) => {
                    return fail(
                        &format!(
                            "{} already holds sessions or totals: made-up history would be counted among them. Seed a new file, or add --force (every export of it is then marked synthetic)",
                            db.display()
                        ),
                        exit::USAGE,
                    );
                }
                Err(e) => return fail(&e.to_string(), exit::FAILED),
            }
            match seed(&mut store, &params) {
                Ok(n) => {
                    println!("{n} synthetic sessions seeded into {}", db.display());
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
