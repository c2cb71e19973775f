//! The usage log end to end: seeded history exported by month matches an independent count;
//! SIGKILL in the middle of writes leaves a database that opens and checks; a full disk never
//! stops recording; migrations; merging exports; and no personal data in the file.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use kakanai::usage::Recorder;
use kakanai::usage::record::{
    CardCheck, FormRef, Identification, Language, Mode, Outcome, PrintedForm, SessionRecord, Slug,
};
use kakanai::usage::seed::{SeedParams, generate, seed};
use kakanai::usage::store::{SCHEMA_VERSION, Store, create_at_version};
use support::{all_profiles, kakanai};

const PARAMS: SeedParams = SeedParams {
    sessions: 30_000,
    days: 400,
    last_day: 20_778, // 2026-11-21
    terminals: 3,
    seed: 42,
};

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(
        text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'),
        "lines must end in CRLF"
    );
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn seeded_history_exported_by_month_matches_an_independent_count() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    let mut store = Store::open(&db).unwrap();
    assert_eq!(seed(&mut store, &PARAMS).unwrap(), PARAMS.sessions);
    drop(store);

    // The independent count: the same records again, months from the civil calendar of the
    // Japan-time instant, nothing from the store's own day/month columns.
    #[derive(Default, Debug, PartialEq)]
    struct Count {
        sessions: u64,
        forms: u64,
        sheets: u64,
        happy: u64,
        staff: u64,
        code_b: u64,
        pin_wrong: u64,
        foreign_ui: u64,
    }
    let mut want: BTreeMap<String, Count> = BTreeMap::new();
    for s in generate(&PARAMS) {
        let d = myna_card::Date::from_unix_seconds(s.started + 9 * 3600);
        let c = want
            .entry(format!("{:04}-{:02}", d.year, d.month))
            .or_default();
        c.sessions += 1;
        c.forms += s.forms.len() as u64;
        c.sheets += s
            .forms
            .iter()
            .map(|f| u64::from(f.copies) * u64::from(f.pages))
            .sum::<u64>();
        c.happy += u64::from(s.satisfaction.is_some_and(|x| x.value() == 5));
        c.staff += u64::from(s.mode == Mode::StaffOperated);
        c.code_b += u64::from(s.identification == Identification::CodeB);
        c.pin_wrong += s
            .events
            .iter()
            .filter(|e| e.kind == kakanai::usage::record::EventKind::PinWrong)
            .count() as u64;
        c.foreign_ui += u64::from(s.language != Language::JA);
    }

    let out = dir.path().join("month.csv");
    let status = kakanai()
        .args(["kpi", "export", "--db"])
        .arg(&db)
        .args([
            "--from",
            "2025-01-01",
            "--to",
            "2026-12-31",
            "--by",
            "month",
            "-o",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let mut got: BTreeMap<String, Count> = BTreeMap::new();
    for row in read_csv(&out) {
        let n = |k: &str| row[k].parse::<u64>().unwrap();
        got.insert(
            row["期間"].clone(),
            Count {
                sessions: n("利用件数"),
                forms: n("申請書等出力件数"),
                sheets: n("出力枚数"),
                happy: n("満足度5"),
                staff: n("職員操作件数"),
                code_b: n("照合番号B利用件数"),
                pin_wrong: n("暗証番号誤り件数"),
                foreign_ui: n("日本語以外の表示件数"),
            },
        );
    }
    assert_eq!(got, want);
    // The moving season shows: April is busier than June.
    assert!(
        want["2026-04"].sessions > want["2026-06"].sessions * 2,
        "{:?} {:?}",
        want["2026-04"],
        want["2026-06"]
    );
}

#[test]
fn exports_by_every_period_and_grouping_add_up_to_the_same_totals() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    seed(&mut Store::open(&db).unwrap(), &PARAMS).unwrap();
    let mut totals = Vec::new();
    for (by, group) in [
        ("day", ""),
        ("week", "mode"),
        ("month", "terminal"),
        ("fiscal-year", "form"),
        ("fiscal-year", "form,terminal,mode"),
    ] {
        let out = dir.path().join(format!("{by}-{group}.csv"));
        let status = kakanai()
            .args(["kpi", "export", "--db"])
            .arg(&db)
            .args([
                "--from",
                "2025-10-18",
                "--to",
                "2026-11-21",
                "--by",
                by,
                "--group",
                group,
                "--lang",
                "en",
                "-o",
            ])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let forms: u64 = read_csv(&out)
            .iter()
            .map(|r| r["forms_printed"].parse::<u64>().unwrap())
            .sum();
        totals.push(forms);
    }
    let expected: u64 = generate(&PARAMS).iter().map(|s| s.forms.len() as u64).sum();
    assert!(
        totals.iter().all(|t| *t == expected),
        "{totals:?} vs {expected}"
    );
}

#[test]
fn json_export_has_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    seed(&mut Store::open(&db).unwrap(), &PARAMS).unwrap();
    let out = dir.path().join("x.json");
    let status = kakanai()
        .args(["kpi", "export", "--db"])
        .arg(&db)
        .args([
            "--from",
            "2026-04-01",
            "--to",
            "2026-04-30",
            "--by",
            "month",
            "--format",
            "json",
            "-o",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["by"], "month");
    let april = generate(&PARAMS)
        .iter()
        .filter(|s| {
            let d = myna_card::Date::from_unix_seconds(s.started + 9 * 3600);
            (d.year, d.month) == (2026, 4)
        })
        .count();
    assert_eq!(v["rows"][0]["sessions"], serde_json::json!(april as f64));
}

#[test]
fn yasashii_nihongo_is_japanese_in_the_sessions_not_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    let mut store = Store::open(&db).unwrap();
    for (i, language) in Language::ALL.into_iter().enumerate() {
        let mut s = one_session();
        s.language = language;
        s.started += i as i64 * 600;
        s.ended += i as i64 * 600;
        store.record(&s).unwrap();
    }
    drop(store);
    let out = dir.path().join("x.json");
    let status = kakanai()
        .args(["kpi", "export", "--db"])
        .arg(&db)
        .args([
            "--from",
            "2025-11-01",
            "--to",
            "2025-11-30",
            "--by",
            "month",
        ])
        .args(["--format", "json", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["rows"][0]["sessions"], serde_json::json!(9.0));
    // en, zh, ko, vi, pt, tl, ne; not ja, not ja-x-easy.
    assert_eq!(v["rows"][0]["non_japanese_ui"], serde_json::json!(7.0));
}

#[test]
fn merging_counts_each_terminal_once_even_when_an_export_is_given_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut exports = Vec::new();
    for (i, seed_value) in [1u64, 2].iter().enumerate() {
        let db = dir.path().join(format!("t{i}.db"));
        seed(
            &mut Store::open(&db).unwrap(),
            &SeedParams {
                sessions: 2_000,
                seed: *seed_value,
                terminals: 1,
                ..PARAMS
            },
        )
        .unwrap();
        let out = dir.path().join(format!("t{i}.csv"));
        assert!(
            kakanai()
                .args(["kpi", "export", "--db"])
                .arg(&db)
                .args(["--from", "2025-01-01", "--to", "2026-12-31", "-o"])
                .arg(&out)
                .status()
                .unwrap()
                .success()
        );
        exports.push(out);
    }
    let merged = dir.path().join("office.csv");
    let status = kakanai()
        .args(["kpi", "merge"])
        .arg(&exports[0])
        .arg(&exports[1])
        .arg(&exports[0])
        .arg("-o")
        .arg(&merged)
        .status()
        .unwrap();
    assert!(status.success());
    let sum = |p: &Path| {
        read_csv(p)
            .iter()
            .map(|r| r["利用件数"].parse::<u64>().unwrap())
            .sum::<u64>()
    };
    assert_eq!(sum(&merged), 4_000);
    assert_eq!(sum(&exports[0]) + sum(&exports[1]), 4_000);
    // A terminal's database merges like its export (and, being the same source, once).
    let mixed = dir.path().join("mixed.csv");
    let status = kakanai()
        .args(["kpi", "merge"])
        .arg(dir.path().join("t0.db"))
        .arg(&exports[0])
        .arg(&exports[1])
        .arg("-o")
        .arg(&mixed)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(sum(&mixed), 4_000);
    // A file that is not an export is refused by name.
    std::fs::write(dir.path().join("junk.csv"), "a,b\n1,2\n").unwrap();
    let out = kakanai()
        .args(["kpi", "merge"])
        .arg(dir.path().join("junk.csv"))
        .arg("-o")
        .arg(&merged)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.csv"));
}

#[test]
fn sigkill_mid_stream_leaves_a_database_that_opens_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut last = 0;
    for round in 0..15u64 {
        let mut child = kakanai()
            .args(["kpi", "stress-write", "--db"])
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment each round: inside or between transactions.
        std::thread::sleep(Duration::from_millis(120 + (round * 37) % 160));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let store = Store::open(&db).unwrap();
        assert!(
            store.integrity_ok().unwrap(),
            "round {round}: integrity_check failed"
        );
        let count = store.session_count().unwrap();
        assert!(
            count >= last,
            "round {round}: sessions went from {last} to {count}"
        );
        // Every session kept is whole: its printed forms are there too.
        let orphans: i64 = store
            .connection()
            .query_row(
                "SELECT count(*) FROM printed WHERE session NOT IN (SELECT id FROM sessions)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
        last = count;
    }
    assert!(last > 0, "nothing was written before the kills");
}

fn one_session() -> SessionRecord {
    SessionRecord {
        terminal: Slug::new("kiosk-01").unwrap(),
        window: Slug::new("1"),
        started: 1_763_700_000,
        ended: 1_763_700_300,
        mode: Mode::SelfService,
        assisted: false,
        language: Language::JA,
        identification: Identification::Pin,
        card_check: CardCheck::Verified,
        outcome: Outcome::Printed,
        satisfaction: None,
        card_read_ms: Some(1500),
        card_kind: Some(kakanai::card::CardKind::MyNumber),
        choice_to_print_s: Some(120),
        forms: vec![PrintedForm {
            form: FormRef {
                id: Slug::new("juminhyo").unwrap(),
                version: Slug::new("2026.1").unwrap(),
            },
            copies: 1,
            pages: 1,
            fields_filled: 10,
            fields_total: 14,
        }],
        events: Vec::new(),
    }
}

#[test]
fn a_full_disk_never_stops_recording_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full.db");
    let mut recorder = Recorder::open(&db);
    recorder.record(one_session());
    assert_eq!(recorder.health(), kakanai::usage::Health::Ok);
    // Fill the "disk": no page may be added from now on.
    let store = recorder.store().unwrap();
    let pages: i64 = store
        .connection()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    store.set_page_limit(pages as u64).unwrap();
    let mut recorded = 1;
    let mut degraded = None;
    for _ in 0..2_000 {
        recorder.record(one_session());
        recorded += 1;
        if let kakanai::usage::Health::Degraded {
            pending, reason, ..
        } = recorder.health()
        {
            degraded = Some((pending, reason));
            break;
        }
    }
    let (pending, reason) = degraded.expect("the page limit never bit");
    assert!(pending >= 1);
    assert!(
        reason.contains("full.db") && reason.contains("full"),
        "{reason}"
    );
    // Space again (a new connection has no limit): what waited is written, nothing twice.
    assert_eq!(recorder.flush(), pending);
    assert_eq!(recorder.health(), kakanai::usage::Health::Ok);
    assert_eq!(Store::open(&db).unwrap().session_count().unwrap(), recorded);
}

#[test]
fn an_older_schema_is_migrated_and_a_newer_one_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    create_at_version(&old, 1).unwrap();
    let mut store = Store::open(&old).unwrap();
    let version: i64 = store
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    store.record(&one_session()).unwrap();
    assert!(!store.database_id().unwrap().is_empty());
    drop(store);

    let new = dir.path().join("new.db");
    create_at_version(&new, 2).unwrap();
    rusqlite::Connection::open(&new)
        .unwrap()
        .execute_batch("PRAGMA user_version = 9")
        .unwrap();
    let before = std::fs::read(&new).unwrap();
    let err = Store::open(&new)
        .err()
        .expect("a newer schema must be refused");
    let message = err.to_string();
    assert!(
        message.contains("new.db")
            && message.contains("version 9")
            && message.contains("untouched"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(&new).unwrap(),
        before,
        "the newer file was modified"
    );
    assert!(!dir.path().join("new.db-wal").exists());
}

#[test]
fn the_database_file_holds_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    let mut recorder = Recorder::open(&db);
    // Sessions of every profile, through the real template path that produces the FormRef.
    let template = kakanai::forms::Template::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/juminhyo.toml"),
    )
    .unwrap();
    let profiles = all_profiles();
    for _ in &profiles {
        let mut s = one_session();
        s.forms[0].form = FormRef::of(&template).unwrap();
        recorder.record(s);
    }
    seed(
        &mut Store::open(&db).unwrap(),
        &SeedParams {
            sessions: 500,
            ..PARAMS
        },
    )
    .unwrap();
    drop(recorder);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for (_, p) in profiles {
        let expected = p.expected();
        for needle in [
            p.name.clone(),
            p.address.clone(),
            expected.family_name().to_owned(),
            p.birth_date.iso(),
            p.birth_date.compact(),
            expected.birth_date_wareki(),
        ] {
            assert!(
                !haystack.contains(&needle),
                "{needle:?} found in the usage database"
            );
        }
    }
}

#[test]
fn the_report_pdf_has_the_table_and_the_charts_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    seed(&mut Store::open(&db).unwrap(), &PARAMS).unwrap();
    let out = dir.path().join("report.pdf");
    let result = kakanai()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["kpi", "report", "--db"])
        .arg(&db)
        .args(["--from", "2025-11-22", "--to", "2026-11-21", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let text = support::pdf_text(&out);
    let in_range = generate(&PARAMS)
        .iter()
        .filter(|s| s.started + 9 * 3600 >= 20_414 * 86_400)
        .count();
    for needle in [
        "書かない窓口 利用状況報告",
        "利用件数（セッション）",
        "申請書等出力件数（月別）（単位：件）",
        "住民票の写し等交付請求書",
        "4月",
        &in_range.to_string(),
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the report:\n{text}"
        );
    }
    let fonts = support::pdf_fonts(&out);
    assert!(
        fonts
            .lines()
            .skip(2)
            .all(|l| l.contains('+') && l.matches("yes").count() >= 2),
        "{fonts}"
    );
}

/// Root ignores file permissions, so the database is made read-only the way a failing disk or
/// an administrator's mistake would: a read-only mount, in a private mount namespace.
#[test]
fn a_read_only_database_never_stops_recording_and_catches_up_when_writable() {
    let dir = tempfile::tempdir().unwrap();
    let signals = tempfile::tempdir().unwrap();
    let db = dir.path().join("usage.db");
    Store::open(&db).unwrap().record(&one_session()).unwrap();
    let script = format!(
        r#"set -e
mount --bind '{d}' '{d}'
mount -o remount,bind,ro '{d}'
'{bin}' kpi recorder-check --db '{db}' --sessions 5 --resume-after '{s}/go' > '{s}/out' 2> '{s}/err' &
pid=$!
for i in $(seq 400); do grep -q recorded '{s}/out' 2>/dev/null && break; sleep 0.05; done
mount -o remount,bind,rw '{d}'
touch '{s}/go'
wait $pid
"#,
        d = dir.path().display(),
        s = signals.path().display(),
        db = db.display(),
        bin = env!("CARGO_BIN_EXE_kakanai"),
    );
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    let mut cmd = std::process::Command::new("unshare");
    if !root {
        cmd.args(["--user", "--map-root-user"]);
    }
    let status = cmd
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .status()
        .unwrap();
    let out = std::fs::read_to_string(signals.path().join("out")).unwrap_or_default();
    let err = std::fs::read_to_string(signals.path().join("err")).unwrap_or_default();
    assert!(
        status.success(),
        "the recorder process failed: {out}\n{err}"
    );
    let mut lines = out.lines();
    let recorded = lines.next().unwrap_or_default();
    assert!(
        recorded.contains("Degraded")
            && recorded.contains("pending: 5")
            && recorded.contains("usage.db"),
        "{out}"
    );
    assert!(
        recorded.contains("readonly")
            || recorded.contains("read-only")
            || recorded.contains("unable to open"),
        "{out}"
    );
    let flushed = lines.next().unwrap_or_default();
    assert_eq!(flushed, "flushed: 5 Ok", "{out}");
    assert_eq!(Store::open(&db).unwrap().session_count().unwrap(), 6);
}
