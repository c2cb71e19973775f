//! Shipping to the city's central PostgreSQL, against a real server started by the test
//! (src/testbed_pg.rs: initdb + pg_ctl in a temp folder, as `nobody` when run as root): three
//! kiosks shipping at once while the server is stopped and started again; a kiosk process
//! killed after the server committed a batch and before its outbox forgot it, and killed at a
//! random point; a record shipped twice; the fleet export compared byte for byte with merging
//! every kiosk's export by hand, and by office with the kiosks' logs put together; the report;
//! the password file's checks.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use kakanai::testbed_pg::Postgres;
use kakanai::usage::aggregate::{Grouping, Period, Query, aggregate};
use kakanai::usage::central::Central;
use kakanai::usage::central::background::{Shipper, ShipperOptions};
use kakanai::usage::central::fleet;
use kakanai::usage::central::outbox;
use kakanai::usage::central::ship::{KioskInfo, connect_and_ship};
use kakanai::usage::export::{Lang, SourcedRow, merge_csv, write_csv, write_csv_rows};
use kakanai::usage::record::{SessionRecord, Slug};
use kakanai::usage::seed::{SeedParams, generate};
use kakanai::usage::store::Store;
use support::kakanai;

const LAST_DAY: i64 = 20_778; // 2026-11-21

fn server() -> Postgres {
    // fsync off spares the shared disk; stopping and starting the server is still real.
    Postgres::start_with(&[("fsync", "off")]).expect("a private PostgreSQL")
}

fn central(pg: &Postgres) -> Central {
    Central::new(&pg.url(), Some(&pg.password_file())).unwrap()
}

/// Kiosk `i`'s history: its own sessions under its own terminal id.
fn history(i: usize, sessions: usize) -> Vec<SessionRecord> {
    let terminal = Slug::new(&format!("kiosk-{i:02}")).unwrap();
    generate(&SeedParams {
        sessions,
        days: 70,
        last_day: LAST_DAY,
        terminals: 1,
        seed: 500 + i as u64,
    })
    .into_iter()
    .map(|mut r| {
        r.terminal = terminal.clone();
        r
    })
    .collect()
}

fn info(store: &Store, i: usize, office: &str) -> KioskInfo {
    KioskInfo::of(
        store,
        &format!("kiosk-{i:02}"),
        office,
        &support::templates(),
    )
    .unwrap()
}

fn count(pg: &Postgres, sql: &str) -> i64 {
    pg.city().unwrap().query_one(sql, &[]).unwrap().get(0)
}

/// Every session of every kiosk, month × form × terminal, as the hand merge of the kiosks' CSV
/// exports gives it (English headers).
fn hand_merge(dbs: &[PathBuf], q: &Query) -> Vec<u8> {
    let inputs: Vec<(String, Vec<u8>)> = dbs
        .iter()
        .map(|db| {
            let store = Store::open_read_only(db).unwrap();
            let rows = aggregate(&store, q).unwrap();
            let mut csv = Vec::new();
            write_csv(
                &mut csv,
                q.by,
                &rows,
                &store.database_id().unwrap(),
                Lang::En,
            )
            .unwrap();
            (db.display().to_string(), csv)
        })
        .collect();
    let mut out = Vec::new();
    merge_csv(&inputs, &mut out, Lang::En).unwrap();
    out
}

/// The fleet's export from the central database (English headers).
fn fleet_csv(c: &Central, q: &Query, office: bool) -> Vec<u8> {
    let rows = fleet::aggregate(c, q, office).unwrap();
    let keys: Vec<_> = rows.keys().map(|k| (k.office.clone(), k.key())).collect();
    let list: Vec<SourcedRow<'_>> = rows
        .values()
        .zip(&keys)
        .map(|(fr, (o, k))| {
            let s: Vec<&str> = fr.sources.iter().map(String::as_str).collect();
            (o.as_str(), k, &fr.row, s.join("+"))
        })
        .collect();
    let mut out = Vec::new();
    write_csv_rows(&mut out, q.by, &list, office, Lang::En).unwrap();
    out
}

fn all_days(by: Period, group: Grouping) -> Query {
    Query {
        from_day: 0,
        to_day: 100_000,
        by,
        group,
    }
}

fn month_form_terminal() -> Query {
    all_days(
        Period::Month,
        Grouping {
            form: true,
            terminal: true,
            mode: false,
        },
    )
}

/// Wait until `done` or panic after `secs`.
fn wait_for(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn three_kiosks_ship_at_once_through_a_server_restart_and_match_the_hand_merge() {
    let mut pg = server();
    let dir = tempfile::tempdir().unwrap();
    let c = central(&pg);
    let offices = ["本庁", "本庁", "北支所"];
    let dbs: Vec<PathBuf> = (1..=3)
        .map(|i| dir.path().join(format!("kiosk-{i}.db")))
        .collect();
    let per_kiosk = 1_500;
    // Each kiosk records its sessions one transaction at a time, as the kiosk does, while its
    // shipper ships in the background every 50 ms.
    let go = std::sync::Arc::new(std::sync::Barrier::new(4));
    let halfway = std::sync::Arc::new(std::sync::Barrier::new(4));
    let resume = std::sync::Arc::new(std::sync::Barrier::new(4));
    let mut threads = Vec::new();
    for (i, db) in dbs.iter().enumerate() {
        let (db, c) = (db.clone(), c.clone());
        let (go, halfway, resume) = (go.clone(), halfway.clone(), resume.clone());
        let office = offices[i].to_owned();
        threads.push(std::thread::spawn(move || {
            let mut store = Store::open(&db).unwrap();
            let shipper = Shipper::spawn(
                db.clone(),
                c,
                info(&store, i + 1, &office),
                ShipperOptions {
                    interval: Duration::from_millis(50),
                    max_backoff: Duration::from_millis(400),
                    batch: 100,
                },
            );
            let records = history(i + 1, per_kiosk);
            go.wait();
            for (n, r) in records.iter().enumerate() {
                if n == per_kiosk / 2 {
                    halfway.wait();
                    resume.wait();
                }
                let started = Instant::now();
                store.record(r).unwrap();
                // Recording never waits for the network, server or no server.
                assert!(started.elapsed() < Duration::from_millis(1_500));
            }
            // The admin's daily totals (the denominator of 利用率) ship too.
            let window = Slug::new("1").unwrap();
            for day in LAST_DAY - 40..=LAST_DAY {
                store
                    .set_daily_total(&window, day, (day % 50 + i as i64 * 7) as u32)
                    .unwrap();
            }
            shipper
        }));
    }
    go.wait();
    halfway.wait();
    // The kiosks are halfway: the server goes away under them.
    pg.stop().unwrap();
    resume.wait();
    std::thread::sleep(Duration::from_millis(800));
    // They go on recording; the shippers note the failure for the admin screen.
    let failed: Vec<outbox::ShipStatus> = dbs
        .iter()
        .map(|db| outbox::status_of(db).unwrap())
        .collect();
    for s in &failed {
        let e = s.last_error.as_deref().unwrap_or("");
        assert!(
            e.contains("kakanai@127.0.0.1"),
            "the error names the server: {s:?}"
        );
        assert!(
            !e.contains(
                &std::fs::read_to_string(pg.password_file())
                    .unwrap()
                    .trim()
                    .to_owned()
            )
        );
    }
    pg.start_again().unwrap();
    let shippers: Vec<Shipper> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    wait_for(60, "every outbox to empty", || {
        dbs.iter().all(|db| {
            let s = outbox::status_of(db).unwrap();
            s.queued == 0 && s.queued_totals == 0
        })
    });
    for s in shippers {
        s.stop();
    }
    for db in &dbs {
        let s = outbox::status_of(db).unwrap();
        assert_eq!(s.shipped, per_kiosk as i64);
        assert!(s.last_error.is_none() && s.last_shipped.is_some(), "{s:?}");
    }

    // Totals: exactly the kiosks' local logs, kiosk by kiosk.
    let mut client = pg.city().unwrap();
    for (i, db) in dbs.iter().enumerate() {
        let store = Store::open_read_only(db).unwrap();
        let local =
            |sql: &str| -> i64 { store.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
        let terminal = format!("kiosk-{:02}", i + 1);
        let mut remote = |sql: &str| -> i64 {
            client
                .query_one(
                    &format!("SELECT ({sql}) FROM kiosks k WHERE k.terminal = $1"),
                    &[&terminal],
                )
                .unwrap()
                .get(0)
        };
        assert_eq!(
            remote("SELECT count(*) FROM sessions s WHERE s.kiosk = k.id"),
            local("SELECT count(*) FROM sessions")
        );
        assert_eq!(
            remote("SELECT count(*) FROM printed p WHERE p.kiosk = k.id"),
            local("SELECT count(*) FROM printed")
        );
        assert_eq!(
            remote("SELECT count(*) FROM events e WHERE e.kiosk = k.id"),
            local("SELECT count(*) FROM events")
        );
        assert_eq!(
            remote("SELECT sum(seconds)::bigint FROM sessions s WHERE s.kiosk = k.id"),
            local("SELECT sum(ended - started) FROM sessions")
        );
        assert_eq!(
            remote("SELECT sum(count)::bigint FROM daily_totals t WHERE t.kiosk = k.id"),
            local("SELECT sum(count) FROM daily_totals")
        );
    }

    // The fleet export, month × form × terminal: byte for byte the hand merge of the kiosks'
    // exports, medians, averages, rates and sources included.
    let q = month_form_terminal();
    let merged = hand_merge(&dbs, &q);
    let fleet = fleet_csv(&c, &q, false);
    assert_eq!(
        String::from_utf8_lossy(&fleet),
        String::from_utf8_lossy(&merged)
    );
    assert!(
        merged.len() > 10_000,
        "a real table: {} bytes",
        merged.len()
    );
    // Per day and mode as well.
    let q = all_days(
        Period::Day,
        Grouping {
            form: false,
            terminal: true,
            mode: true,
        },
    );
    assert_eq!(
        String::from_utf8_lossy(&fleet_csv(&c, &q, false)),
        String::from_utf8_lossy(&hand_merge(&dbs, &q))
    );
}

/// Put every kiosk's sessions of an office into one local database: its export is what the
/// fleet's office row must say, exact medians included (a hand merge has to leave those
/// blank).
#[test]
fn the_office_grouping_gives_exact_medians_across_kiosks() {
    let pg = server();
    let dir = tempfile::tempdir().unwrap();
    let c = central(&pg);
    let offices = ["本庁", "本庁", "北支所"];
    let mut together: BTreeMap<&str, Store> = BTreeMap::new();
    for (i, office) in offices.iter().enumerate() {
        let db = dir.path().join(format!("kiosk-{i}.db"));
        let mut store = Store::open(&db).unwrap();
        let all = together
            .entry(office)
            .or_insert_with(|| Store::open(&dir.path().join(format!("{office}.db"))).unwrap());
        for r in history(i + 1, 700) {
            store.record(&r).unwrap();
            all.record(&r).unwrap();
        }
        connect_and_ship(&c, &store, &info(&store, i + 1, office), 250, &mut |_| {}).unwrap();
    }
    for group in [
        Grouping::default(),
        Grouping {
            form: true,
            ..Grouping::default()
        },
        Grouping {
            mode: true,
            ..Grouping::default()
        },
    ] {
        let q = all_days(Period::Month, group);
        let rows = fleet::aggregate(&c, &q, true).unwrap();
        for (office, store) in &together {
            let expected = aggregate(store, &q).unwrap();
            let got: BTreeMap<_, _> = rows
                .iter()
                .filter(|(k, _)| k.office == *office)
                .map(|(k, fr)| (k.key(), fr.row.clone()))
                .collect();
            assert_eq!(got.len(), expected.len(), "{office} {group:?}");
            for (k, row) in &expected {
                assert_eq!(got.get(k), Some(row), "{office} {k:?}");
                assert!(row.median_session_s.is_some());
            }
        }
        // Without the office, the whole city: the sum of the offices' counts.
        let city = fleet::aggregate(&c, &q, false).unwrap();
        let sessions: u64 = city.values().map(|r| r.row.sessions).sum();
        let by_office: u64 = rows.values().map(|r| r.row.sessions).sum();
        assert_eq!(sessions, by_office);
        assert_eq!(
            sessions,
            if group.form {
                count(&pg, "SELECT count(*) FROM printed") as u64
            } else {
                2_100
            }
        );
    }
}

fn queued(db: &Path) -> i64 {
    outbox::status_of(db).unwrap().queued
}

#[test]
fn a_kiosk_killed_between_the_servers_commit_and_its_own_ships_again_and_counts_once() {
    let pg = server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    {
        let mut store = Store::open(&db).unwrap();
        for r in history(1, 3_000) {
            store.record(&r).unwrap();
        }
    }
    let url = pg.url();
    let pass = pg.password_file();
    let ship = |extra: &[&str]| {
        let mut cmd = kakanai();
        cmd.args(["kpi", "ship", "--db"])
            .arg(&db)
            .args(["--central", &url, "--password-file"])
            .arg(&pass)
            .args(["--terminal", "kiosk-01", "--office", "本庁"])
            .args(extra);
        cmd
    };
    // 1. The server commits the first batch; the process dies before the outbox forgets it.
    let mut child = ship(&["--batch", "1000", "--hang-after-commit"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "committed 1000", "{line}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(count(&pg, "SELECT count(*) FROM sessions"), 1_000);
    assert_eq!(
        queued(&db),
        3_000,
        "the outbox still holds the committed batch"
    );

    // 2. Killed again at a random point of a slow, many-batch shipment.
    // (The first 1,000 are on the server already: shipped again, they are skipped.)
    let mut child = ship(&["--batch", "5"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(60, "a few new batches", || {
        count(&pg, "SELECT count(*) FROM sessions") >= 1_100
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let shipped = count(&pg, "SELECT count(*) FROM sessions");
    assert!(shipped < 3_000, "killed mid-stream: {shipped}");

    // 3. Shipped again to the end: every session once, none twice.
    let out = ship(&[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("0 still queued"), "{said}");
    assert_eq!(queued(&db), 0);
    assert_eq!(count(&pg, "SELECT count(*) FROM sessions"), 3_000);
    let store = Store::open_read_only(&db).unwrap();
    let local_printed: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM printed", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count(&pg, "SELECT count(*) FROM printed"), local_printed);
    assert_eq!(
        String::from_utf8_lossy(&fleet_csv(&central(&pg), &month_form_terminal(), false)),
        String::from_utf8_lossy(&hand_merge(
            std::slice::from_ref(&db),
            &month_form_terminal()
        ))
    );
    // The kiosk's row: its office, software and template versions, last contact.
    let mut client = pg.city().unwrap();
    let row = client
        .query_one(
            "SELECT office, software_version, templates, last_contact > now() - interval '1 minute' FROM kiosks WHERE terminal = 'kiosk-01'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "本庁");
    assert_eq!(row.get::<_, String>(1), env!("CARGO_PKG_VERSION"));
    assert!(
        row.get::<_, String>(2).contains("juminhyo "),
        "{}",
        row.get::<_, String>(2)
    );
    assert!(row.get::<_, bool>(3));
}

#[test]
fn a_record_shipped_twice_is_counted_once() {
    let pg = server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let c = central(&pg);
    let mut store = Store::open(&db).unwrap();
    for r in history(2, 800) {
        store.record(&r).unwrap();
    }
    let me = info(&store, 2, "北支所");
    let first = connect_and_ship(&c, &store, &me, 300, &mut |_| {}).unwrap();
    assert_eq!((first.sessions, first.batches), (800, 3));
    let before = fleet_csv(&c, &month_form_terminal(), false);
    // Everything queued again (an operator's requeue, or a restored backup of the kiosk's
    // disk): shipped again, counted once.
    assert_eq!(outbox::requeue_all(&store).unwrap(), 800);
    let again = connect_and_ship(&c, &store, &me, 500, &mut |_| {}).unwrap();
    assert_eq!(again.sessions, 800);
    assert_eq!(count(&pg, "SELECT count(*) FROM sessions"), 800);
    assert_eq!(fleet_csv(&c, &month_form_terminal(), false), before);
    // Two shippers of the same database at once: still once.
    outbox::requeue_all(&store).unwrap();
    let (a, b) = std::thread::scope(|s| {
        let t = s.spawn(|| {
            let other = Store::open(&db).unwrap();
            connect_and_ship(&c, &other, &me, 100, &mut |_| {}).map(|x| x.sessions)
        });
        let mine = connect_and_ship(&c, &store, &me, 100, &mut |_| {}).map(|x| x.sessions);
        (mine, t.join().unwrap())
    });
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    assert_eq!(count(&pg, "SELECT count(*) FROM sessions"), 800);
    assert_eq!(fleet_csv(&c, &month_form_terminal(), false), before);
    // A session recorded later ships as a new one.
    store.record(&history(2, 1)[0]).unwrap();
    connect_and_ship(&c, &store, &me, 100, &mut |_| {}).unwrap();
    assert_eq!(count(&pg, "SELECT count(*) FROM sessions"), 801);
}

#[test]
fn the_command_line_exports_and_reports_the_fleet_as_the_hand_merge_does() {
    let pg = server();
    let dir = tempfile::tempdir().unwrap();
    let mut exports = Vec::new();
    for i in 1..=2 {
        let db = dir.path().join(format!("kiosk-{i}.db"));
        let mut store = Store::open(&db).unwrap();
        for r in history(i, 600) {
            store.record(&r).unwrap();
        }
        drop(store);
        let out = kakanai()
            .args(["kpi", "ship", "--db"])
            .arg(&db)
            .args(["--central", &pg.url(), "--password-file"])
            .arg(pg.password_file())
            .args(["--office", if i == 1 { "本庁" } else { "北支所" }])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = dir.path().join(format!("kiosk-{i}.csv"));
        let out = kakanai()
            .args(["kpi", "export", "--db"])
            .arg(&db)
            .args([
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--by",
                "month",
            ])
            .args(["--group", "terminal,form", "-o"])
            .arg(&csv)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        exports.push(csv);
    }
    let merged = dir.path().join("merged.csv");
    let out = kakanai()
        .args(["kpi", "merge"])
        .args(&exports)
        .arg("-o")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fleet = dir.path().join("fleet.csv");
    let export = |group: &str, output: &Path| {
        kakanai()
            .args(["kpi", "export", "--db", &pg.url(), "--password-file"])
            .arg(pg.password_file())
            .args([
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--by",
                "month",
            ])
            .args(["--group", group, "-o"])
            .arg(output)
            .output()
            .unwrap()
    };
    let out = export("terminal,form", &fleet);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&fleet).unwrap()),
        String::from_utf8_lossy(&std::fs::read(&merged).unwrap())
    );
    // By office: the office column after the period, Japanese headers.
    let by_office = dir.path().join("office.csv");
    let out = export("office,terminal,form", &by_office);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(std::fs::read(&by_office).unwrap()).unwrap();
    assert!(
        text.starts_with("\u{feff}期間,庁舎,様式,端末,"),
        "{}",
        &text[..80]
    );
    assert!(text.contains(",本庁,") && text.contains(",北支所,"));
    // A bad grouping is refused with what it takes.
    let out = export("office,street", &by_office);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("office, form, terminal and mode"));

    // The A4 report for the fleet.
    let pdf = dir.path().join("city.pdf");
    let out = kakanai()
        .args(["kpi", "report", "--db", &pg.url(), "--password-file"])
        .arg(pg.password_file())
        .args(["--from", "2026-01-01", "--to", "2026-12-31", "-o"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = support::pdf_text(&pdf);
    assert!(text.contains("市内 端末 2 台"), "{text}");
}

#[test]
fn passwords_stay_in_their_file() {
    use std::os::unix::fs::PermissionsExt;
    let pg = server();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    Store::open(&db).unwrap();
    let password = std::fs::read_to_string(pg.password_file()).unwrap();
    let password = password.trim();
    let ship = |url: &str, file: &Path| {
        kakanai()
            .args(["kpi", "ship", "--db"])
            .arg(&db)
            .args(["--central", url, "--password-file"])
            .arg(file)
            .output()
            .unwrap()
    };
    // A file others may read is refused, and says how to fix it.
    let open = dir.path().join("open.pass");
    std::fs::write(&open, format!("{password}\n")).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = ship(&pg.url(), &open);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(
        err.contains("chmod 640") && !err.contains(password),
        "{err}"
    );
    // A password in the URL is refused without echoing it.
    let with = pg
        .url()
        .replace("kakanai@", &format!("kakanai:{password}@"));
    let out = ship(&with, &pg.password_file());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(
        err.contains("password_file") && !err.contains(password),
        "{err}"
    );
    // A wrong password: the server says no, the message names the server, not the password.
    let wrong = dir.path().join("wrong.pass");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = ship(&pg.url(), &wrong);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("kakanai@127.0.0.1")
            && err.contains("password")
            && !err.contains("not-the-password"),
        "{err}"
    );
    assert!(outbox::status_of(&db).unwrap().last_error.is_some());
    // The right one works.
    let out = ship(&pg.url(), &pg.password_file());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !pg.log().contains(password),
        "the server's log has the password"
    );
}
