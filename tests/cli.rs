//! The command line as an operator uses it: `kakanai card read --sim … --json` for every
//! profile, the exit codes, and `serve-vpcd` + `readers` + `read` through a real pcscd.

mod support;

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::Duration;

use kakanai::card::pcsc_reader;
use kakanai::card::sim::CardKind;
use kakanai::testbed::Pcscd;
use support::{all_profiles, fixtures, kakanai, pcsc_lock, stem};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = kakanai()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program may exit before reading its input (a profile it refuses): that is not an
    // error of the test.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn sim_read_json_prints_every_profile_exactly() {
    for (path, p) in all_profiles() {
        let name = stem(&path);
        let out = run(
            &["card", "read", "--sim", path.to_str().unwrap(), "--json"],
            &format!("{}\n", p.pin),
        );
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let code = out.status.code();
        if p.kind == CardKind::Other {
            assert_eq!(code, Some(1), "{name}: {stderr}");
            assert!(stderr.contains("not a My Number card"), "{name}: {stderr}");
            continue;
        }
        match p.pin_tries_left {
            0 => {
                assert_eq!(code, Some(3), "{name}");
                assert!(
                    stderr.contains("blocked") && stderr.contains("municipal office"),
                    "{stderr}"
                );
                continue;
            }
            1 => {
                assert_eq!(code, Some(3), "{name}");
                assert!(
                    stderr.contains("only 1 try left") && stderr.contains("clerk"),
                    "{stderr}"
                );
                continue;
            }
            _ => {}
        }
        assert_eq!(code, Some(0), "{name}: {stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let want = p.expected();
        assert_eq!(json["name"], want.name(), "{name}");
        assert_eq!(json["family_name"], want.family_name(), "{name}");
        assert_eq!(json["given_name"].as_str(), want.given_name(), "{name}");
        assert_eq!(json["address"], want.address(), "{name}");
        assert_eq!(json["birth_date"], want.birth_date().iso(), "{name}");
        assert_eq!(
            json["birth_date_wareki"],
            want.birth_date_wareki(),
            "{name}"
        );
        assert_eq!(
            json["sex"],
            u64::from(want.sex().unwrap().digit().to_digit(10).unwrap()),
            "{name}"
        );
        assert_eq!(json["sex_label"], want.sex().unwrap().label_ja(), "{name}");
        assert_eq!(json["verification"], "verified", "{name}");
        assert_eq!(json["kind"], "my-number", "{name}");
    }
}

#[test]
fn sim_read_json_of_licences_says_kind_and_leaves_sex_missing() {
    let path = fixtures().join("cards/licence-standard.toml");
    let out = run(
        &["card", "read", "--sim", path.to_str().unwrap(), "--json"],
        "4821\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "drivers-licence");
    assert_eq!(json["name"], "佐藤　美咲");
    assert_eq!(json["address"], "東京都八王子市元本郷町３丁目２４番１号");
    assert_eq!(json["birth_date"], "1989-01-07");
    assert!(json["sex"].is_null() && json["sex_label"].is_null());
    assert_eq!(json["address_changed"], true);
    assert_eq!(json["verification"], "unverified");
    // No PIN set: an empty line reads it; the 外字 shows as 〓 and is flagged.
    let path = fixtures().join("cards/licence-no-pin.toml");
    let out = run(
        &["card", "read", "--sim", path.to_str().unwrap(), "--json"],
        "\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["name"], "〓橋　一郎");
    assert_eq!(
        (json["gaiji"].clone(), json["needs_clerk_check"].clone()),
        (1.into(), true.into())
    );
    // Blocked: exit 3, and the police station is named.
    let path = fixtures().join("cards/licence-blocked.toml");
    let out = run(&["card", "read", "--sim", path.to_str().unwrap()], "9090\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("police station"),
        "{}",
        text(&out.stderr)
    );
    // Expired, and the default policy refuses it: exit 3, before the PIN.
    let path = fixtures().join("cards/licence-expired.toml");
    let out = run(&["card", "read", "--sim", path.to_str().unwrap()], "1357\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("expired"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_wrong_pin_says_how_many_tries_are_left_and_exits_2() {
    let path = fixtures().join("cards/standard.toml");
    let out = run(&["card", "read", "--sim", path.to_str().unwrap()], "9999\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).trim(), "kakanai: wrong PIN: 2 tries left");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_pin_that_is_not_four_digits_costs_no_try() {
    let path = fixtures().join("cards/standard.toml");
    let out = run(
        &["card", "read", "--sim", path.to_str().unwrap()],
        "12345\n",
    );
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stderr).contains("4 digits"));
}

#[test]
fn code_b_parts_come_from_stdin() {
    let path = fixtures().join("cards/taisho.toml");
    let out = run(
        &[
            "card",
            "read",
            "--sim",
            path.to_str().unwrap(),
            "--code-b",
            "--json",
        ],
        "1925-02-11\n2027\n2525\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["birth_date_wareki"], "大正14年2月11日");
}

#[test]
fn a_broken_profile_is_named_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "name = \"a　b\"\naddress = \"x\"\nbirth_date = \"1990-02-30\"\nsex = 1\npin = \"1234\"\nexpiry_year = 2030\nsecurity_code = \"0000\"\n").unwrap();
    let out = run(&["card", "read", "--sim", path.to_str().unwrap()], "1234\n");
    assert_eq!(out.status.code(), Some(64));
    let err = text(&out.stderr);
    assert!(
        err.contains("broken.toml") && err.contains("birth_date"),
        "{err}"
    );
}

#[test]
fn serve_vpcd_then_readers_and_read_through_pcscd() {
    let _lock = pcsc_lock();
    let pcscd = Pcscd::start().unwrap();
    let out = run(&["card", "readers"], "");
    assert_eq!(
        text(&out.stdout),
        "Virtual PCD 00 00\tempty\nVirtual PCD 00 01\tempty\n"
    );

    let profile = fixtures().join("cards/non-bmp.toml");
    let mut server = kakanai()
        .args([
            "card",
            "serve-vpcd",
            profile.to_str().unwrap(),
            "--port",
            &pcscd.ports[0].to_string(),
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    pcsc_reader::wait_for_card(Some("Virtual PCD 00 00"), Duration::from_secs(10)).unwrap();
    let out = run(&["card", "readers"], "");
    assert!(text(&out.stdout).starts_with("Virtual PCD 00 00\tcard present\n"));

    // Without the test CA as an anchor the card reads, but as not verified.
    let out = run(&["card", "read", "--json"], "8642\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["name"], "𠮷田　花子");
    assert_eq!(json["verification"], "unverified");
    assert!(
        json["verification_detail"]
            .as_str()
            .unwrap()
            .contains("9000033/001")
    );
    assert_eq!(json["needs_clerk_check"], true);

    let anchor = fixtures().join("keys/sim-ca.anchor.toml");
    let out = run(
        &[
            "card",
            "read",
            "--reader",
            "Virtual PCD 00 00",
            "--trust-anchor",
            anchor.to_str().unwrap(),
        ],
        "8642\n",
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("𠮷田　花子") && stdout.contains("検証      verified"),
        "{stdout}"
    );

    let out = run(&["card", "read"], "0000\n");
    assert_eq!(out.status.code(), Some(2));
    server.kill().unwrap();
    server.wait().unwrap();
    drop(pcscd);
}
