//! The administrator's tools under bad input and careless use, through the real binary and
//! real SQLite files on disk: an output that is an input is refused and nothing is lost; a
//! failed command leaves an existing report whole; `kpi merge` refuses overlapping exports,
//! mixed periods, bad numbers and formula cells; `kpi seed` keeps out of a database in use and
//! marks what it makes; a foreign SQLite file gets no tables; impossible ranges, dates, config
//! values and credentials are refused; usage errors exit 64; the kiosk without a display says
//! what is missing; bidirectional controls in a card's name are flagged and shown escaped.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use kakanai::usage::seed::{SeedParams, generate};
use kakanai::usage::store::Store;
use support::{fixtures, kakanai};

const PARAMS: SeedParams = SeedParams {
    sessions: 600,
    days: 60,
    last_day: 20_588, // 2026-05-15
    terminals: 1,
    seed: 5,
};

/// A usage database of real-looking use (recorded session by session, as the kiosk does; not
/// `kpi seed`, which marks its databases synthetic).
fn real_db(dir: &Path, name: &str, seed: u64) -> PathBuf {
    let db = dir.join(name);
    let mut store = Store::open(&db).unwrap();
    for r in generate(&SeedParams { seed, ..PARAMS }) {
        store.record(&r).unwrap();
    }
    db
}

/// Run the binary with `args` and `stdin`, killed after 30 s so a hang fails instead of
/// stalling CI.
fn run_in(dir: Option<&Path>, args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = kakanai();
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("kakanai {args:?} did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = feeder.join();
    child.wait_with_output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_in(None, args, b"")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn export(db: &Path, out: &Path, from: &str, to: &str, by: &str, group: &str) {
    let o = run(&[
        "kpi",
        "export",
        "--db",
        s(db),
        "--from",
        from,
        "--to",
        to,
        "--by",
        by,
        "--group",
        group,
        "-o",
        s(out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

fn sessions(db: &Path) -> i64 {
    Store::open(db).unwrap().session_count().unwrap()
}

/// Rewrite one cell (row index among the data rows, column index) of a KPI CSV export.
fn set_cell(csv_path: &Path, row: usize, col: usize, value: &str) {
    let bytes = std::fs::read(csv_path).unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect();
    rows[row][col] = value.to_owned();
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(&headers).unwrap();
        for row in rows {
            w.write_record(row).unwrap();
        }
    }
    std::fs::write(csv_path, out).unwrap();
}

fn column_sum(csv_path: &Path, column: &str) -> u64 {
    let bytes = std::fs::read(csv_path).unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    r.records()
        .map(|x| x.unwrap()[i].parse::<u64>().unwrap())
        .sum()
}

#[test]
fn an_output_that_is_an_input_is_refused_and_a_failed_merge_leaves_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = real_db(dir.path(), "x.db", 1);
    let before = sessions(&db);
    assert_eq!(before, PARAMS.sessions as i64);
    let link = dir.path().join("link.db");
    std::fs::hard_link(&db, &link).unwrap();
    let range = ["--from", "2026-03-01", "--to", "2026-05-31"];
    for output in [s(&db), &format!("{}-wal", s(&db)), s(&link)] {
        let mut args = vec!["kpi", "export", "--db", s(&db)];
        args.extend(range);
        args.extend(["-o", output]);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(64), "export -o {output}: {}", err(&o));
        assert!(err(&o).contains("also an input"), "{}", err(&o));
        let o = run(&["kpi", "merge", s(&db), "-o", output]);
        assert_eq!(o.status.code(), Some(64), "merge -o {output}: {}", err(&o));
        let mut args = vec!["kpi", "report", "--db", s(&db)];
        args.extend(range);
        args.extend(["-o", output]);
        let o = run_in(Some(Path::new(env!("CARGO_MANIFEST_DIR"))), &args, b"");
        assert_eq!(o.status.code(), Some(64), "report -o {output}: {}", err(&o));
    }
    assert!(!dir.path().join("x.db-wal").exists() || sessions(&db) == before);
    assert_eq!(sessions(&db), before, "the database lost sessions");
    assert!(Store::open(&db).unwrap().integrity_ok().unwrap());

    // A merge that fails leaves the existing report exactly as it was, and no temp file.
    let report = dir.path().join("report.csv");
    std::fs::write(&report, "the report of last month").unwrap();
    std::fs::write(dir.path().join("wronghdr.csv"), "\u{feff}a,b\r\n1,2\r\n").unwrap();
    let listing = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let files_before = listing(dir.path());
    let o = run(&[
        "kpi",
        "merge",
        s(&dir.path().join("wronghdr.csv")),
        "-o",
        s(&report),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("wronghdr.csv"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "the report of last month"
    );
    assert_eq!(listing(dir.path()), files_before);
}

#[test]
fn merge_refuses_overlaps_mixed_periods_and_groupings_and_bad_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = real_db(dir.path(), "t1.db", 1);
    let half = dir.path().join("half.csv");
    let whole = dir.path().join("whole.csv");
    export(&db, &half, "2026-04-01", "2026-04-15", "month", "");
    export(&db, &whole, "2026-04-01", "2026-04-30", "month", "");
    // Two exports of one terminal over overlapping dates: refused both ways round.
    for (a, b) in [(&half, &whole), (&whole, &half)] {
        let out = dir.path().join("office.csv");
        let o = run(&["kpi", "merge", s(a), s(b), "-o", s(&out)]);
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        assert!(
            err(&o).contains("overlapping") && err(&o).contains("2026-04"),
            "{}",
            err(&o)
        );
        assert!(!out.exists());
    }
    // The same export twice, and overlapping exports whose common period is complete in
    // both, count once, exactly.
    let march_april = dir.path().join("ma.csv");
    let april_may = dir.path().join("am.csv");
    export(&db, &march_april, "2026-03-01", "2026-04-30", "month", "");
    export(&db, &april_may, "2026-04-01", "2026-05-31", "month", "");
    let out = dir.path().join("office.csv");
    let o = run(&[
        "kpi",
        "merge",
        s(&march_april),
        s(&april_may),
        s(&march_april),
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let all = dir.path().join("all.csv");
    export(&db, &all, "2026-03-01", "2026-05-31", "month", "");
    assert_eq!(column_sum(&out, "利用件数"), column_sum(&all, "利用件数"));
    assert_eq!(column_sum(&all, "利用件数"), sessions(&db) as u64);

    // A merged report merged again with one of its own inputs: that terminal is in both.
    let other_db = real_db(dir.path(), "t3.db", 3);
    let other_csv = dir.path().join("t3.csv");
    export(
        &other_db,
        &other_csv,
        "2026-03-01",
        "2026-05-31",
        "month",
        "",
    );
    let office = dir.path().join("merged.csv");
    let o = run(&["kpi", "merge", s(&all), s(&other_csv), "-o", s(&office)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = run(&["kpi", "merge", s(&office), s(&all), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("same terminal"), "{}", err(&o));
    // …while the merged report alone merges to itself.
    let again = dir.path().join("again.csv");
    let o = run(&["kpi", "merge", s(&office), "-o", s(&again)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&office).unwrap()
    );

    // Week rows with month rows; a grouping with another.
    let weeks = dir.path().join("weeks.csv");
    export(&db, &weeks, "2026-03-01", "2026-05-31", "week", "");
    let o = run(&["kpi", "merge", s(&weeks), s(&all), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("--by"), "{}", err(&o));
    let other = real_db(dir.path(), "t2.db", 2);
    let by_form = dir.path().join("by-form.csv");
    export(
        &other,
        &by_form,
        "2026-03-01",
        "2026-05-31",
        "month",
        "form",
    );
    let o = run(&["kpi", "merge", s(&by_form), s(&all), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("--group"), "{}", err(&o));

    // A number that is not a count is an error naming the file, the line and the column.
    for bad in ["abc", "1.5", "-5", "18446744073709551615", " 7", ""] {
        let edited = dir.path().join("edited.csv");
        std::fs::copy(&all, &edited).unwrap();
        set_cell(&edited, 1, 4, bad);
        let o = run(&["kpi", "merge", s(&edited), "-o", s(&out)]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}: {}", err(&o));
        let e = err(&o);
        assert!(
            e.contains("edited.csv")
                && e.contains("line 3")
                && e.contains("column 5")
                && e.contains("利用件数"),
            "{bad:?}: {e}"
        );
    }
}

#[test]
fn formula_cells_never_reach_the_merged_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = real_db(dir.path(), "t.db", 3);
    let by_form = dir.path().join("f.csv");
    export(
        &db,
        &by_form,
        "2026-04-01",
        "2026-05-31",
        "month",
        "form,terminal",
    );
    let out = dir.path().join("office.csv");
    for (col, cell) in [
        (1, "=HYPERLINK(\"http://evil.example/\",\"詳細\")"),
        (1, "=cmd|' /C calc'!A0"),
        (2, "+1+1"),
        (2, "@SUM(A1:A9)"),
        (2, "-2+3"),
        (1, "\t=1+1"),
        (37, "=1+1"),
        (14, "=1+1"),
    ] {
        let edited = dir.path().join("edited.csv");
        std::fs::copy(&by_form, &edited).unwrap();
        set_cell(&edited, 0, col, cell);
        let o = run(&["kpi", "merge", s(&edited), "-o", s(&out)]);
        assert_eq!(o.status.code(), Some(1), "{cell:?}: {}", err(&o));
        assert!(
            err(&o).contains(&format!("column {}", col + 1)),
            "{cell:?}: {}",
            err(&o)
        );
        assert!(!out.exists());
    }
    // An id that starts like a formula cannot come in through a template or the config.
    let cfg = dir.path().join("kakanai.toml");
    std::fs::write(&cfg, "terminal_id = \"-kiosk\"\n").unwrap();
    let o = run(&["--config", s(&cfg), "forms", "list"]);
    assert_eq!(o.status.code(), Some(64), "{}", err(&o));
    assert!(err(&o).contains("terminal_id"), "{}", err(&o));
    assert!(kakanai::usage::record::Slug::new("-kiosk").is_none());
    assert!(kakanai::usage::record::Slug::new("=1").is_none());
    let t =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/juminhyo.toml"))
            .unwrap()
            .replacen("id = \"juminhyo\"", "id = \"-juminhyo\"", 1);
    let errors = kakanai::forms::Template::parse(
        &t,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/x.toml"),
    )
    .unwrap_err();
    assert!(
        errors.iter().any(|e| e.what.starts_with("id:")),
        "{errors:?}"
    );
}

#[test]
fn seed_keeps_out_of_a_database_in_use_and_marks_what_it_makes() {
    let dir = tempfile::tempdir().unwrap();
    let real = real_db(dir.path(), "real.db", 4);
    let o = run(&["kpi", "seed", "--db", s(&real), "--sessions", "100"]);
    assert_eq!(o.status.code(), Some(64), "{}", err(&o));
    assert!(err(&o).contains("--force"), "{}", err(&o));
    assert_eq!(sessions(&real), PARAMS.sessions as i64);

    let made = dir.path().join("demo.db");
    let o = run(&[
        "kpi",
        "seed",
        "--db",
        s(&made),
        "--sessions",
        "100",
        "--days",
        "30",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let csv = dir.path().join("demo.csv");
    export(&made, &csv, "2000-01-01", "2099-12-31", "month", "");
    let text = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
    assert!(text.contains("-synthetic"), "{text}");
    let json = dir.path().join("demo.json");
    let o = run(&[
        "kpi",
        "export",
        "--db",
        s(&made),
        "--from",
        "2000-01-01",
        "--to",
        "2099-12-31",
        "--format",
        "json",
        "-o",
        s(&json),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["synthetic"], true);
    // Made-up history cannot be merged with real use.
    let out = dir.path().join("office.csv");
    let o = run(&["kpi", "merge", s(&made), s(&real), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("made-up"), "{}", err(&o));
    // --force seeds, and the whole database is then marked.
    let o = run(&[
        "kpi",
        "seed",
        "--db",
        s(&real),
        "--sessions",
        "10",
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(Store::open(&real).unwrap().is_synthetic().unwrap());
}

#[test]
fn a_foreign_sqlite_file_gets_no_tables() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("notes.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    for args in [
        vec![
            "kpi",
            "totals",
            "set",
            "--db",
            s(&foreign),
            "--window",
            "1",
            "--date",
            "2026-11-21",
            "--count",
            "3",
        ],
        vec!["kpi", "seed", "--db", s(&foreign), "--sessions", "10"],
        vec![
            "kpi",
            "export",
            "--db",
            s(&foreign),
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "-o",
            s(&dir.path().join("o.csv")),
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", err(&o));
        assert!(
            err(&o).contains("not a kakanai usage database"),
            "{args:?}: {}",
            err(&o)
        );
        assert_eq!(
            std::fs::read(&foreign).unwrap(),
            before,
            "{args:?} changed it"
        );
        assert!(!dir.path().join("notes.sqlite-wal").exists());
    }
}

#[test]
fn an_empty_range_and_impossible_birth_dates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = real_db(dir.path(), "x.db", 6);
    let out = dir.path().join("o.csv");
    for cmd in ["export", "report"] {
        let o = run(&[
            "kpi",
            cmd,
            "--db",
            s(&db),
            "--from",
            "2026-12-01",
            "--to",
            "2026-01-01",
            "-o",
            s(&out),
        ]);
        assert_eq!(o.status.code(), Some(64), "{cmd}: {}", err(&o));
        assert!(err(&o).contains("after --to"), "{}", err(&o));
        assert!(!out.exists());
    }
    let standard = std::fs::read_to_string(fixtures().join("cards/standard.toml")).unwrap();
    for date in ["1867-12-31", "2999-01-01"] {
        let p = dir.path().join(format!("{date}.toml"));
        std::fs::write(
            &p,
            standard.replace(
                "birth_date = \"1960-04-01\"",
                &format!("birth_date = \"{date}\""),
            ),
        )
        .unwrap();
        let o = run_in(None, &["card", "read", "--sim", s(&p)], b"1234\n");
        assert_eq!(o.status.code(), Some(64), "{date}: {}", err(&o));
        assert!(err(&o).contains("birth_date"), "{date}: {}", err(&o));
        assert!(o.stdout.is_empty(), "{date}");
    }
}

#[test]
fn usage_errors_exit_64_and_help_says_what_starts_the_kiosk() {
    for args in [
        vec!["frobnicate"],
        vec!["kpi", "export", "--nope"],
        vec!["kpi", "export", "--from"],
        vec!["card", "read", "--sim"],
        vec!["print", "--timeout", "soon", "x.pdf"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", err(&o));
    }
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("Without a command") && help.contains("full-screen"),
        "{help}"
    );
    assert_eq!(run(&["--version"]).status.code(), Some(0));
}

#[test]
fn without_a_display_the_kiosk_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("var/usage.db");
    let cfg = dir.path().join("kakanai.toml");
    std::fs::write(
        &cfg,
        format!(
            "[kiosk]\nusage_db = \"{}\"\nforms_dir = \"{}/forms\"\n",
            db.display(),
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let out = kakanai()
        .args(["--config", s(&cfg)])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert!(
        err(&out).contains("DISPLAY") && err(&out).contains("WAYLAND_DISPLAY"),
        "{}",
        err(&out)
    );
    assert!(!db.exists() && !db.parent().unwrap().exists());
}

#[test]
fn forms_and_kpi_take_their_folders_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let db = real_db(dir.path(), "usage.db", 7);
    let cfg = dir.path().join("kakanai.toml");
    std::fs::write(
        &cfg,
        format!(
            "[kiosk]\nusage_db = \"{}\"\nforms_dir = \"{}/forms\"\n",
            db.display(),
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    // From a folder with no forms/ of its own.
    let o = run_in(
        Some(dir.path()),
        &["--config", s(&cfg), "forms", "list"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("juminhyo"));
    let out = dir.path().join("o.csv");
    let o = run_in(
        Some(dir.path()),
        &[
            "--config",
            s(&cfg),
            "kpi",
            "export",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "-o",
            s(&out),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(column_sum(&out, "利用件数"), PARAMS.sessions as u64);
}

#[test]
fn admin_hash_refuses_weak_credentials_and_reads_all_of_stdin() {
    for weak in [&b"short12\n"[..], b"12345678901\n", b"ab\ncdefghijk\n"] {
        let o = run_in(None, &["admin", "hash"], weak);
        assert_eq!(o.status.code(), Some(64), "{weak:?}: {}", err(&o));
        assert!(o.stdout.is_empty());
    }
    // /dev/zero on stdin: refused quickly, not read until memory runs out.
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let o = kakanai()
        .args(["admin", "hash"])
        .stdin(zero)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(64), "{}", err(&o));
    for good in [&b"123456789012\n"[..], b"kakanai-admin"] {
        let o = run_in(None, &["admin", "hash"], good);
        assert_eq!(o.status.code(), Some(0), "{good:?}: {}", err(&o));
        let toml = String::from_utf8(o.stdout).unwrap();
        assert!(
            kakanai::config::Config::parse(&toml, "k.toml").is_ok(),
            "{toml}"
        );
    }
    // Values that would break the kiosk are refused at start, with the range.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kakanai.toml");
    for (text, needle) in [
        ("[kiosk]\nprint_timeout_s = 0\n", "between 10 and 600"),
        ("[card]\nguard_at = 0\n", "between 1 and 2"),
        ("[admin]\ncredential_hash = \"0000\"\n", "credential_hash"),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let o = run(&["--config", s(&cfg), "forms", "list"]);
        assert_eq!(o.status.code(), Some(64), "{text}: {}", err(&o));
        assert!(err(&o).contains(needle), "{text}: {}", err(&o));
    }
}

#[test]
fn bidirectional_controls_in_a_name_are_flagged_and_never_printed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let standard = std::fs::read_to_string(fixtures().join("cards/standard.toml")).unwrap();
    let p = dir.path().join("bidi.toml");
    std::fs::write(
        &p,
        standard
            .replace("山田　太郎", "山田　\u{202E}郎太")
            .replace("東青梅", "東\u{200F}青梅"),
    )
    .unwrap();
    let o = run_in(None, &["card", "read", "--sim", s(&p), "--json"], b"1234\n");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        !stdout.contains('\u{202E}') && !stdout.contains('\u{200F}'),
        "{stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["needs_clerk_check"], true);
    assert_eq!(json["name"], "山田　\u{202E}郎太");
    let o = run_in(None, &["card", "read", "--sim", s(&p)], b"1234\n");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("<U+202E>") && stdout.contains("<U+200F>") && stdout.contains("注意"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{202E}'), "{stdout}");
}
