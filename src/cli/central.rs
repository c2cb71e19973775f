//! `kakanai kpi ship`, and `kpi export` / `kpi report` over the city's central database.
//! Passwords come from a file (`--password-file`), never from the command line; messages name
//! the server as `user@host:port/db`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::exit;
use super::kpi::{fail, lang};

fn create(path: &Path) -> std::io::Result<std::io::BufWriter<std::fs::File>> {
    Ok(std::io::BufWriter::new(std::fs::File::create(path)?))
}
use crate::usage::aggregate::{Period, Query};
use crate::usage::central::fleet::{self, parse_grouping};
use crate::usage::central::ship::{DEFAULT_BATCH, KioskInfo, connect_and_ship};
use crate::usage::central::{Central, outbox};
use crate::usage::export::{SourcedRow, write_csv_rows, write_json_rows};
use crate::usage::store::Store;

/// `kakanai kpi ship`
#[derive(Debug, Args)]
pub struct ShipArgs {
    /// The kiosk's usage database.
    #[arg(long)]
    pub db: PathBuf,
    /// The central database, `postgres://user@host:5432/database` (no password in it).
    #[arg(long)]
    pub central: String,
    /// The file holding the password (mode 640 or 600, owner root or this user).
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// This kiosk's terminal id (default: the one its last session was recorded under).
    #[arg(long)]
    pub terminal: Option<String>,
    /// This kiosk's office (本庁, 北支所 …).
    #[arg(long, default_value = "")]
    pub office: String,
    /// The form templates, whose versions the central database keeps per kiosk.
    #[arg(long, default_value = "forms")]
    pub forms: PathBuf,
    /// Sessions per transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    pub batch: usize,
    /// Stop dead after the first batch is committed on the server and before the outbox
    /// forgets it (the crash test kills the process there).
    #[arg(long, hide = true)]
    pub hang_after_commit: bool,
}

/// Whether `--db` names a central database rather than a file.
pub fn is_central(db: &Path) -> bool {
    let s = db.to_string_lossy();
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

fn central(db: &Path, password_file: Option<&Path>) -> Result<Central, String> {
    Central::new(&db.to_string_lossy(), password_file).map_err(|e| e.to_string())
}

/// Run `kpi ship`.
pub fn ship(args: ShipArgs) -> i32 {
    if let Err(e) = crate::usage::central::check_office(&args.office) {
        return fail(&e.to_string(), exit::USAGE);
    }
    let c = match Central::new(&args.central, args.password_file.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string(), exit::USAGE),
    };
    let store = match Store::open(&args.db) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string(), exit::FAILED),
    };
    let terminal = args.terminal.clone().unwrap_or_else(|| {
        store
            .connection()
            .query_row(
                "SELECT t.name FROM sessions s JOIN terminals t ON t.id = s.terminal ORDER BY s.id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|_| "kiosk-01".to_owned())
    });
    let templates = if args.forms.is_dir() {
        crate::forms::load_dir(&args.forms).0
    } else {
        Vec::new()
    };
    let info = match KioskInfo::of(&store, &terminal, &args.office, &templates) {
        Ok(i) => i,
        Err(e) => return fail(&e.to_string(), exit::FAILED),
    };
    let hang = args.hang_after_commit;
    let mut after_commit = |n: usize| {
        if hang {
            println!("committed {n}");
            let _ = std::io::stdout().flush();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    };
    match connect_and_ship(&c, &store, &info, args.batch, &mut after_commit) {
        Ok(done) => {
            let status = outbox::status(&store).unwrap_or_default();
            println!(
                "{} sessions and {} daily totals shipped to {} in {} transactions; {} still queued",
                done.sessions,
                done.totals,
                c.shown(),
                done.batches,
                status.queued
            );
            exit::OK
        }
        Err(e) => fail(
            &format!("{e}; the sessions stay queued, run kpi ship again"),
            exit::FAILED,
        ),
    }
}

/// `kpi export --db postgres://…`: the fleet's table.
pub fn fleet_export(
    db: &Path,
    password_file: Option<&Path>,
    (from_day, to_day): (i64, i64),
    (by, group, format, l): (&str, &str, &str, &str),
    output: &Path,
) -> i32 {
    let Some(by) = Period::parse(by) else {
        return fail("--by must be day, week, month or fiscal-year", exit::USAGE);
    };
    let Some((office, group)) = parse_grouping(group) else {
        return fail("--group takes office, form, terminal and mode", exit::USAGE);
    };
    let lang = match lang(l) {
        Ok(l) => l,
        Err(e) => return fail(&e, exit::USAGE),
    };
    if format != "csv" && format != "json" {
        return fail("--format must be csv or json", exit::USAGE);
    }
    let c = match central(db, password_file) {
        Ok(c) => c,
        Err(e) => return fail(&e, exit::USAGE),
    };
    let query = Query {
        from_day,
        to_day,
        by,
        group,
    };
    let rows = match fleet::aggregate(&c, &query, office) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string(), exit::FAILED),
    };
    let keys: Vec<_> = rows.keys().map(|k| (k.office.clone(), k.key())).collect();
    let list: Vec<SourcedRow<'_>> = rows
        .values()
        .zip(&keys)
        .map(|(fr, (o, k))| {
            let sources: Vec<&str> = fr.sources.iter().map(String::as_str).collect();
            (o.as_str(), k, &fr.row, sources.join("+"))
        })
        .collect();
    let written = create(output).and_then(|mut out| {
        if format == "csv" {
            write_csv_rows(&mut out, by, &list, office, lang)?;
        } else {
            write_json_rows(&mut out, by, &list, office)?;
        }
        out.flush()
    });
    match written {
        Ok(()) => exit::OK,
        Err(e) => fail(&format!("{}: {e}", output.display()), exit::FAILED),
    }
}

/// `kpi report --db postgres://…`: the A4 report for the fleet.
pub fn fleet_report(
    db: &Path,
    password_file: Option<&Path>,
    from_day: i64,
    to_day: i64,
    output: &Path,
) -> i32 {
    let c = match central(db, password_file) {
        Ok(c) => c,
        Err(e) => return fail(&e, exit::USAGE),
    };
    let (month_q, form_q) = crate::usage::report::queries(from_day, to_day);
    let result = (|| {
        let by_month = fleet::as_kiosk_rows(&fleet::aggregate(&c, &month_q, false)?);
        let by_form = fleet::as_kiosk_rows(&fleet::aggregate(&c, &form_q, false)?);
        let kiosks = fleet::kiosk_count(&c)?;
        Ok::<_, crate::usage::central::CentralError>((by_month, by_form, kiosks))
    })();
    let (by_month, by_form, kiosks) = match result {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string(), exit::FAILED),
    };
    let titles = crate::forms::load_dir(Path::new("forms"))
        .0
        .into_iter()
        .map(|t| (t.spec.id, t.spec.title))
        .collect();
    match crate::usage::report::render_rows(
        &by_month,
        &by_form,
        from_day,
        to_day,
        &format!("市内 端末 {kiosks} 台"),
        &titles,
        false,
    ) {
        Ok(bytes) => match std::fs::write(output, bytes) {
            Ok(()) => exit::OK,
            Err(e) => fail(&format!("{}: {e}", output.display()), exit::FAILED),
        },
        Err(e) => fail(&e.to_string(), exit::FAILED),
    }
}
