//! `kakanai doctor` against a real private pcscd (a simulated My Number card in its virtual
//! reader) and a real private cupsd: everything ok when the installation is right, and each
//! broken thing an office gets wrong — pcscd stopped, the queue missing, a broken template, a
//! read-only database, the wrong time zone, a configuration others can write, no admin
//! credential — reported on its own line with what to do, and a non-zero exit status, while
//! the checks of what is not broken stay ok.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kakanai::card::sim::SimCard;
use kakanai::card::sim::vpcd::{Faults, InsertedCard};
use kakanai::testbed::{Cupsd, Pcscd, RawListener};
use support::{kakanai, keys, pcsc_lock, profile};

/// A kiosk installed right: a reader with a card on it, a printer queue, the templates, a
/// writable database folder, a configuration only its owner can write, an admin credential.
struct Office {
    dir: tempfile::TempDir,
    pcscd: Pcscd,
    _card: InsertedCard,
    cupsd: Cupsd,
    _printer: RawListener,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        let pcscd = Pcscd::start().unwrap();
        let card = InsertedCard::insert(
            SimCard::new(&profile("standard"), keys()),
            pcscd.ports[0],
            Faults::default(),
        )
        .unwrap();
        // pcscd sees the card a moment after vpcd has it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !kakanai::card::pcsc_reader::list_readers()
            .is_ok_and(|r| r.iter().any(|r| r.card_present))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the card never showed in pcscd"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let cupsd = Cupsd::start().unwrap();
        let printer = RawListener::start().unwrap();
        cupsd.add_raw_queue("kiosk", printer.port).unwrap();
        let forms = dir.path().join("forms");
        std::fs::create_dir_all(&forms).unwrap();
        for f in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("forms")).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                std::fs::copy(&p, forms.join(p.file_name().unwrap())).unwrap();
            }
        }
        std::fs::create_dir_all(dir.path().join("db")).unwrap();
        let office = Office {
            dir,
            pcscd,
            _card: card,
            cupsd,
            _printer: printer,
        };
        office.write_config(
            "kiosk",
            &kakanai::kiosk::admin::hash_credential("secret").unwrap(),
        );
        office
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("kakanai.toml")
    }

    /// The voice is off: the test machine has no sound card, which the voice check rightly
    /// warns about (its own test: `src/doctor.rs`).
    fn write_config(&self, queue: &str, hash: &str) {
        std::fs::write(
            self.config(),
            format!(
                "[printer]\nqueue = \"{queue}\"\nserver = \"{}\"\n[kiosk]\nusage_db = \"{}\"\n\
                 forms_dir = \"forms\"\n[admin]\ncredential_hash = \"{hash}\"\n\
                 [office]\naddressee = \"青梅市長\"\n[office.fees]\nkoseki = 450\n\
                 [voice]\nenabled = false\n",
                self.cupsd.server(),
                self.dir.path().join("db/usage.db").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(self.config(), std::fs::Permissions::from_mode(0o640)).unwrap();
    }

    /// `kakanai doctor` as the kiosk would run it here (Asia/Tokyo unless `tz` says otherwise).
    fn doctor_with(&self, wrap: &[&str], tz: &str) -> Output {
        let mut cmd = if wrap.is_empty() {
            kakanai()
        } else {
            let mut c = Command::new(wrap[0]);
            c.args(&wrap[1..]).arg(env!("CARGO_BIN_EXE_kakanai"));
            c
        };
        cmd.arg("--config")
            .arg(self.config())
            .arg("doctor")
            .env("TZ", tz)
            .env(Pcscd::socket_env().0, Pcscd::socket_env().1)
            .env_remove("DISPLAY")
            .output()
            .unwrap()
    }

    fn doctor(&self) -> Output {
        self.doctor_with(&[], "Asia/Tokyo")
    }
}

fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The report's line about `check`, which must say `status`; every other line must be ok.
fn only_failing(out: &Output, check: &str) -> String {
    let lines = lines(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status 1 on a failure:\n{}",
        lines.join("\n")
    );
    let failing: Vec<&String> = lines.iter().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        !failing.is_empty()
            && failing
                .iter()
                .all(|l| l.starts_with(&format!("FAIL {check}: "))),
        "only {check} fails:\n{}",
        lines.join("\n")
    );
    assert!(
        lines.iter().all(|l| !l.starts_with("WARN")),
        "{}",
        lines.join("\n")
    );
    failing
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_right_installation_is_all_ok() {
    let _lock = pcsc_lock();
    let office = Office::new();
    let out = office.doctor();
    let lines = lines(&out);
    assert!(
        out.status.success(),
        "{}\n{}",
        lines.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    for check in [
        "reader",
        "card",
        "printer",
        "fonts",
        "templates",
        "usage-db",
        "time-zone",
        "clock",
        "config-file",
        "admin",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("ok   {check}: "))),
            "{check} ok:\n{}",
            lines.join("\n")
        );
    }
    assert_eq!(lines.last().map(String::as_str), Some("all ok"));
    let all = lines.join("\n");
    assert!(all.contains("Virtual PCD 00 00"), "{all}");
    assert!(all.contains("answers (PIN tries left: 3)"), "{all}");
    assert!(all.contains("queue \"kiosk\""), "{all}");
    assert!(all.contains("10 valid template(s)"), "{all}");
    assert!(
        all.contains("forms say （あて先）青梅市長; fees set for 1 form(s)"),
        "{all}"
    );
    assert!(all.contains("Asia/Tokyo (UTC+9)"), "{all}");
    // Nothing of the card's holder: the doctor asks for PIN counters only.
    let p = profile("standard");
    for value in [p.name.as_str(), p.address.as_str()] {
        assert!(!all.contains(value), "{value} in the report");
    }

    // --json: one object per line, the same findings.
    let json = Command::new(env!("CARGO_BIN_EXE_kakanai"))
        .arg("--config")
        .arg(office.config())
        .args(["doctor", "--json"])
        .env("TZ", "Asia/Tokyo")
        .env(Pcscd::socket_env().0, Pcscd::socket_env().1)
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let objects: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), lines.len() - 1);
    assert!(objects.iter().all(|o| o["status"] == "ok"), "{objects:?}");
}

#[test]
fn each_broken_thing_is_named_with_what_to_do() {
    let _lock = pcsc_lock();
    let mut office = Office::new();

    // The wrong time zone.
    let out = office.doctor_with(&[], "Europe/Berlin");
    let line = only_failing(&out, "time-zone");
    assert!(
        line.contains("Europe/Berlin") && line.contains("not Asia/Tokyo"),
        "{line}"
    );
    assert!(
        line.contains("timedatectl set-timezone Asia/Tokyo"),
        "{line}"
    );

    // The queue missing.
    office.write_config(
        "nosuch",
        &kakanai::kiosk::admin::hash_credential("s").unwrap(),
    );
    let line = only_failing(&office.doctor(), "printer");
    assert!(
        line.contains("no queue \"nosuch\"") && line.contains("queues there: kiosk"),
        "{line}"
    );
    assert!(line.contains("lpadmin -p nosuch"), "{line}");

    // The queue paused.
    office.write_config(
        "kiosk",
        &kakanai::kiosk::admin::hash_credential("s").unwrap(),
    );
    office.cupsd.admin("cupsdisable", &["kiosk"]).unwrap();
    let line = only_failing(&office.doctor(), "printer");
    assert!(line.contains("cannot print: stopped"), "{line}");
    assert!(line.contains("cupsenable kiosk"), "{line}");
    office.cupsd.admin("cupsenable", &["kiosk"]).unwrap();

    // No admin credential.
    office.write_config("kiosk", "");
    let line = only_failing(&office.doctor(), "admin");
    assert!(line.contains("kakanai admin hash"), "{line}");
    office.write_config(
        "kiosk",
        &kakanai::kiosk::admin::hash_credential("s").unwrap(),
    );

    // A configuration others can write.
    std::fs::set_permissions(office.config(), std::fs::Permissions::from_mode(0o666)).unwrap();
    let line = only_failing(&office.doctor(), "config-file");
    assert!(line.contains("chmod 0640"), "{line}");
    std::fs::set_permissions(office.config(), std::fs::Permissions::from_mode(0o640)).unwrap();

    // A broken template: named with its line; the others still offered.
    let broken = office.dir.path().join("forms/juminhyo.toml");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, text.replacen("title = ", "title = = ", 1)).unwrap();
    let line = only_failing(&office.doctor(), "templates");
    assert!(line.contains("juminhyo.toml line "), "{line}");
    assert!(line.contains("kakanai forms check"), "{line}");
    assert!(String::from_utf8_lossy(&office.doctor().stdout).contains("ok   templates: 9 valid"));
    std::fs::write(&broken, text).unwrap();

    // A read-only database: the folder mounted read-only (a file mode would not stop root).
    kakanai::usage::store::Store::open(&office.dir.path().join("db/usage.db")).unwrap();
    let db = office.dir.path().join("db");
    let script = format!(
        "mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}' && exec \"$@\"",
        d = db.display()
    );
    let mut wrap = vec!["unshare"];
    if !is_root() {
        wrap.extend(["--user", "--map-root-user"]);
    }
    wrap.extend(["--mount", "sh", "-c", &script, "sh"]);
    let line = only_failing(&office.doctor_with(&wrap, "Asia/Tokyo"), "usage-db");
    assert!(line.contains("is mounted read-only"), "{line}");
    assert!(line.contains("remount it read-write"), "{line}");

    // pcscd stopped: the reader check says so and how to start it (the card check is skipped).
    office.pcscd.stop();
    let line = only_failing(&office.doctor(), "reader");
    assert!(line.contains("pcscd is not running"), "{line}");
    assert!(
        line.contains("systemctl enable --now pcscd.socket"),
        "{line}"
    );
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// Under systemd (standard error is the stream `JOURNAL_STREAM` names) the log goes to
/// journald's socket with structured fields. journald is stood in for by a datagram socket of
/// the test's, bind-mounted over `/run/systemd/journal` in a private mount namespace.
#[test]
fn under_systemd_the_log_goes_to_the_journal_with_fields() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let journal_dir = dir.path().join("journal");
    std::fs::create_dir(&journal_dir).unwrap();
    let journal = std::os::unix::net::UnixDatagram::bind(journal_dir.join("socket")).unwrap();
    journal
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let stderr = std::fs::File::create(dir.path().join("stderr")).unwrap();
    let meta = stderr.metadata().unwrap();
    let config = dir.path().join("kakanai.toml");
    std::fs::write(&config, "[kiosk]\nidle_timeout_s = 120\n").unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let script = format!(
        "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && \
         mount --bind '{}' /run/systemd/journal && exec \"$@\"",
        journal_dir.display()
    );
    let mut cmd = Command::new("unshare");
    if !is_root() {
        cmd.args(["--user", "--map-root-user"]);
    }
    let mut child = cmd
        .args([
            "--mount",
            "sh",
            "-c",
            &script,
            "sh",
            env!("CARGO_BIN_EXE_kakanai"),
        ])
        .arg("--config")
        .arg(&config)
        .args(["-v", "doctor", "--log"])
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .env("TZ", "Asia/Tokyo")
        .env("PCSCLITE_CSOCK_NAME", dir.path().join("no-pcscd.comm"))
        .env_remove("DISPLAY")
        .stderr(stderr)
        .spawn()
        .unwrap();
    // Read while it runs: a datagram socket holds only a few unread messages
    // (net.unix.max_dgram_qlen, 10 by default) and the doctor would block on the next one.
    let mut entries = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Ok(n) = journal.recv(&mut buf) {
        let entry = journal_fields(&buf[..n]);
        let last = entry
            .get("MESSAGE")
            .is_some_and(|m| m.contains("self-check"));
        entries.push(entry);
        if last {
            break;
        }
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "the doctor ran and found problems");
    let reader = entries
        .iter()
        .find(|e| {
            e.get("MESSAGE")
                .is_some_and(|m| m.starts_with("FAIL reader: pcscd is not running"))
        })
        .unwrap_or_else(|| panic!("the reader finding in the journal: {entries:?}"));
    let field = |k: &str| reader.get(k).map(String::as_str);
    assert_eq!(field("SYSLOG_IDENTIFIER"), Some("kakanai"), "{reader:?}");
    assert_eq!(field("KAKANAI_EVENT"), Some("doctor"), "{reader:?}");
    assert_eq!(field("KAKANAI_CHECK"), Some("reader"), "{reader:?}");
    assert_eq!(
        field("PRIORITY"),
        Some("4"),
        "a failure is a warning: {reader:?}"
    );
    // Nothing went to standard error meanwhile: the journal had it.
    let said = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(!said.contains("pcscd is not running"), "{said}");
}

/// One datagram of journald's native protocol: `KEY=value` lines, or `KEY`, a newline, the
/// value's length as 64-bit little-endian, the value and a newline.
fn journal_fields(mut data: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut fields = std::collections::BTreeMap::new();
    while !data.is_empty() {
        let end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let line = &data[..end];
        if let Some(eq) = line.iter().position(|&b| b == b'=') {
            fields.insert(
                String::from_utf8_lossy(&line[..eq]).into_owned(),
                String::from_utf8_lossy(&line[eq + 1..]).into_owned(),
            );
            data = &data[(end + 1).min(data.len())..];
        } else {
            let key = String::from_utf8_lossy(line).into_owned();
            let rest = &data[end + 1..];
            let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
            fields.insert(key, String::from_utf8_lossy(&rest[8..8 + len]).into_owned());
            data = &rest[(8 + len + 1).min(rest.len())..];
        }
    }
    fields
}
