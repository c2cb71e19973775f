//! The Debian package, as an office installs it: `scripts/package` packages the binary this
//! test run already built (no release build in CI), and the tests look at what came out —
//! the file list and the maintainer scripts, lintian, `systemd-analyze verify` on the unit —
//! and run the package's own session launcher from the unpacked package under a private Xvfb:
//! both windows come up on the idle screen, placed as the packaged configuration says, with
//! blanking off, and the kiosk tells systemd it is ready and alive.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The package built once per test binary from the binary under test.
fn package() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package");
        let _ = std::fs::remove_dir_all(&out);
        let result = run(Command::new(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/package"),
        )
        .args([
            "--binary",
            env!("CARGO_BIN_EXE_kakanai"),
            "--compress",
            "gzip",
        ])
        .arg("--out")
        .arg(&out));
        assert!(
            result.status.success(),
            "scripts/package failed: {}",
            text(&result.stderr)
        );
        let deb = PathBuf::from(text(&result.stdout).trim());
        assert!(deb.is_file(), "{deb:?}");
        assert_eq!(
            deb.file_name().unwrap().to_string_lossy(),
            format!("kakanai_{}_amd64.deb", env!("CARGO_PKG_VERSION"))
        );
        deb
    })
}

fn run(cmd: &mut Command) -> Output {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.output().unwrap_or_else(|e| {
        panic!("{program}: {e} (scripts/setup installs dpkg-dev, lintian, systemd, xvfb, xdotool, imagemagick, x11-xserver-utils)")
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn dpkg_deb(args: &[&str]) -> String {
    let out = run(Command::new("dpkg-deb").args(args).arg(package()));
    assert!(
        out.status.success(),
        "dpkg-deb {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The package unpacked into a fresh folder (`dpkg-deb -x`), as if installed under it.
fn unpack(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    let out = run(Command::new("dpkg-deb").arg("-x").arg(package()).arg(&root));
    assert!(out.status.success(), "{}", text(&out.stderr));
    root
}

#[test]
fn the_package_holds_the_kiosk_its_configuration_and_its_scripts() {
    let listing = dpkg_deb(&["-c"]);
    // `-rwxr-xr-x root/root 1234 2026-12-01 12:00 ./usr/bin/kakanai`
    let entry = |path: &str| -> (String, String) {
        let line = listing
            .lines()
            .find(|l| l.ends_with(&format!(" .{path}")))
            .unwrap_or_else(|| panic!("{path} is not in the package:\n{listing}"));
        let mut words = line.split_whitespace();
        (
            words.next().unwrap().to_owned(),
            words.next().unwrap().to_owned(),
        )
    };
    for (path, mode) in [
        ("/usr/bin/kakanai", "-rwxr-xr-x"),
        ("/usr/lib/kakanai/session", "-rwxr-xr-x"),
        ("/lib/systemd/system/kakanai.service", "-rw-r--r--"),
        ("/etc/kakanai/kakanai.toml", "-rw-r--r--"),
        ("/etc/kakanai/forms/juminhyo.toml", "-rw-r--r--"),
        ("/etc/X11/kakanai-xorg.conf", "-rw-r--r--"),
        ("/usr/share/kakanai/forms/juminhyo.toml", "-rw-r--r--"),
        (
            "/usr/share/kakanai/fonts/BIZUDGothic-Regular.ttf",
            "-rw-r--r--",
        ),
        (
            "/usr/share/kakanai/fonts/BIZUDMincho-Regular.ttf",
            "-rw-r--r--",
        ),
        ("/usr/share/kakanai/fonts/OFL.txt", "-rw-r--r--"),
        ("/usr/share/doc/kakanai/copyright", "-rw-r--r--"),
        ("/usr/share/doc/kakanai/changelog.gz", "-rw-r--r--"),
        ("/usr/share/doc/kakanai/operations.md", "-rw-r--r--"),
        ("/usr/share/lintian/overrides/kakanai", "-rw-r--r--"),
    ] {
        assert_eq!(
            entry(path),
            (mode.to_owned(), "root/root".to_owned()),
            "{path}"
        );
    }
    let forms: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("forms"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(forms.len() >= 10, "{forms:?}");
    for f in &forms {
        entry(&format!("/etc/kakanai/forms/{f}"));
        entry(&format!("/usr/share/kakanai/forms/{f}"));
    }
    // Nothing of the build tree, no test keys or fixtures, no database.
    for absent in ["fixtures", "target", "sim-ca", ".db"] {
        assert!(
            !listing.contains(absent),
            "{absent} in the package:\n{listing}"
        );
    }

    // The control file: what the kiosk needs at run time.
    let control = dpkg_deb(&["-f"]);
    let depends = control
        .lines()
        .find_map(|l| l.strip_prefix("Depends: "))
        .unwrap_or_else(|| panic!("no Depends:\n{control}"));
    for needed in [
        "libc6",
        "libpcsclite1",
        "pcscd",
        "cups-client",
        "fonts-ipamj-mincho | fonts-noto-cjk",
        "xinit",
        "xserver-xorg-core",
        "xserver-xorg-input-libinput",
        "x11-xserver-utils",
        "tzdata",
        "adduser",
        "libxkbcommon-x11-0",
    ] {
        assert!(
            depends.contains(needed),
            "{needed} missing from Depends: {depends}"
        );
    }
    assert!(control.contains("Package: kakanai") && control.contains("Architecture: amd64"));

    // Every file under /etc is configuration the office edits: kept on upgrade.
    let dir = tempfile::tempdir().unwrap();
    let control_dir = dir.path().join("DEBIAN");
    let out = run(Command::new("dpkg-deb")
        .arg("-e")
        .arg(package())
        .arg(&control_dir));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let conffiles = std::fs::read_to_string(control_dir.join("conffiles")).unwrap();
    let etc: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split(" ./").nth(1))
        .filter(|p| p.starts_with("etc/"))
        .collect();
    assert_eq!(conffiles.lines().count(), etc.len(), "{conffiles}\n{etc:?}");
    for p in &etc {
        assert!(
            conffiles.lines().any(|c| c == format!("/{p}")),
            "/{p} is not a conffile"
        );
    }

    // The maintainer scripts: valid sh, and they do what the layout needs.
    for script in ["postinst", "prerm", "postrm"] {
        let path = control_dir.join(script);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{script}");
        let out = run(Command::new("sh").arg("-n").arg(&path));
        assert!(out.status.success(), "{script}: {}", text(&out.stderr));
    }
    let postinst = std::fs::read_to_string(control_dir.join("postinst")).unwrap();
    for needed in [
        "adduser --system --group --home /var/lib/kakanai",
        "chown kakanai:kakanai /var/lib/kakanai",
        "chmod 0700 /var/lib/kakanai",
        "chown root:kakanai /etc/kakanai/kakanai.toml",
        "chmod 0640 /etc/kakanai/kakanai.toml",
        "deb-systemd-helper enable 'kakanai.service'",
    ] {
        assert!(postinst.contains(needed), "postinst lacks {needed:?}");
    }
    let prerm = std::fs::read_to_string(control_dir.join("prerm")).unwrap();
    assert!(prerm.contains("deb-systemd-invoke stop 'kakanai.service'"));
    let postrm = std::fs::read_to_string(control_dir.join("postrm")).unwrap();
    assert!(postrm.contains("purge") && postrm.contains("rm -rf /var/lib/kakanai"));

    // The packaged configuration is valid, uses the installed paths, and prints to a queue
    // (never to a folder of PDFs on an office PC).
    let root = unpack(dir.path());
    let (config, base) =
        kakanai::config::Config::load(&root.join("etc/kakanai/kakanai.toml"), true).unwrap();
    assert_eq!(
        base.join(&config.kiosk.forms_dir),
        root.join("etc/kakanai/forms")
    );
    assert_eq!(
        config.kiosk.usage_db,
        Path::new("/var/lib/kakanai/usage.db")
    );
    assert_eq!(config.printer.queue, "kiosk");
    let (templates, errors) = kakanai::forms::load_dir(&root.join("etc/kakanai/forms"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(templates.len(), forms.len());
}

#[test]
fn lintian_reports_no_errors() {
    let started = Instant::now();
    let out = run(Command::new("lintian")
        .args(["--tag-display-limit", "0", "--display-info"])
        .arg(package()));
    let report = text(&out.stdout);
    eprintln!(
        "lintian took {:.1} s:\n{report}",
        started.elapsed().as_secs_f64()
    );
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{}", errors.join("\n"));
    assert!(
        out.status.success(),
        "lintian failed: {report}{}",
        text(&out.stderr)
    );
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let root = unpack(dir.path());
    let unit = root.join("lib/systemd/system/kakanai.service");
    let out = run(Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "systemd-analyze verify: {said}");
    // verify only warns about some mistakes; none are allowed about this unit.
    let ours: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("kakanai.service"))
        .collect();
    assert!(ours.is_empty(), "{}", ours.join("\n"));

    // What the unit promises, as systemd would read it.
    let text = std::fs::read_to_string(&unit).unwrap();
    for line in [
        "Type=notify",
        "NotifyAccess=all",
        "WatchdogSec=30",
        "Restart=always",
        "RestartSec=2",
        "User=kakanai",
        "Wants=pcscd.socket cups.service",
        "LimitCORE=0",
        "WantedBy=graphical.target",
    ] {
        assert!(text.lines().any(|l| l == line), "the unit lacks {line}");
    }
    assert!(
        !text.contains("Requires="),
        "a missing pcscd or CUPS must not keep the kiosk off"
    );
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    assert!(exec.starts_with("/usr/bin/xinit /usr/lib/kakanai/session -- /usr/bin/Xorg "));
    for flag in [
        "-nocursor",
        "-noreset",
        "-s 0",
        "-dpms",
        "-nolisten tcp",
        "-config kakanai-xorg.conf",
    ] {
        assert!(exec.contains(flag), "ExecStart lacks {flag}: {exec}");
    }
    let xorg = std::fs::read_to_string(root.join("etc/X11/kakanai-xorg.conf")).unwrap();
    for option in [
        "\"DontVTSwitch\" \"true\"",
        "\"DontZap\" \"true\"",
        "\"BlankTime\" \"0\"",
    ] {
        assert!(xorg.contains(option), "kakanai-xorg.conf lacks {option}");
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_display() -> u32 {
    (150..199)
        .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
        .expect("a free X display number")
}

fn x(display: &str, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (scripts/setup installs it)"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The kiosk's windows by title: (id, title).
fn windows(display: &str) -> Vec<(String, String)> {
    x(display, "xdotool", &["search", "--name", ""])
        .lines()
        .map(|id| (id.to_owned(), x(display, "xdotool", &["getwindowname", id])))
        .filter(|(_, name)| name.contains("書かない窓口"))
        .collect()
}

/// `xdotool getwindowgeometry --shell`: (x, y, width, height).
fn geometry(display: &str, id: &str) -> (i32, i32, i32, i32) {
    let out = x(display, "xdotool", &["getwindowgeometry", "--shell", id]);
    let get = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{k} in {out}"))
    };
    (get("X"), get("Y"), get("WIDTH"), get("HEIGHT"))
}

/// A private Xvfb with the two 1920×1080 panels side by side, as Xorg arranges them.
fn xvfb() -> (Killed, String) {
    let n = free_display();
    let display = format!(":{n}");
    let server = Killed(
        Command::new("Xvfb")
            // The unit's server flags that Xvfb knows (-noreset keeps the session's xset
            // settings when xset disconnects).
            .args([
                &display,
                "-screen",
                "0",
                "3840x1080x24",
                "-nolisten",
                "tcp",
                "-noreset",
                "-nocursor",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/setup installs xvfb)"),
    );
    let socket = format!("/tmp/.X11-unix/X{n}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Path::new(&socket).exists(), "Xvfb did not start");
    (server, display)
}

/// Unpack the package and make its configuration use the unpacked tree (its only absolute
/// path, the usage database) — the one edit an installation under a prefix needs.
fn installed(dir: &Path) -> PathBuf {
    let root = unpack(dir);
    let config = root.join("etc/kakanai/kakanai.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let rewritten = text.replace(
        "\"/var/lib/kakanai/",
        &format!("\"{}/var/lib/kakanai/", root.display()),
    );
    assert_ne!(text, rewritten, "the configuration names /var/lib/kakanai");
    // Xvfb is one RandR monitor 3840 wide, where full-screen would move both windows to its
    // origin; under Xorg each panel is a monitor of its own. So here the windows are placed
    // windowed (still without decorations) where the packaged configuration puts them.
    let rewritten = rewritten
        .replace("[windows.front]", "[windows.front]\nfullscreen = false")
        .replace("[windows.back]", "[windows.back]\nfullscreen = false");
    std::fs::write(&config, rewritten).unwrap();
    std::fs::create_dir_all(root.join("var/lib/kakanai")).unwrap();
    root
}

#[test]
fn the_session_launcher_brings_up_both_windows_on_the_idle_screen() {
    let dir = tempfile::tempdir().unwrap();
    let root = installed(dir.path());
    let (_xvfb, display) = xvfb();
    // systemd's notification socket, as the unit's Type=notify gives it.
    let notify_path = dir.path().join("notify");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let log_path = dir.path().join("session.log");
    let log = std::fs::File::create(&log_path).unwrap();
    // No pcscd and no CUPS here: the kiosk must start anyway and say so.
    let _session = Killed(
        Command::new(root.join("usr/lib/kakanai/session"))
            .env("KAKANAI_PREFIX", &root)
            .env("DISPLAY", &display)
            .env("NOTIFY_SOCKET", &notify_path)
            .env("PCSCLITE_CSOCK_NAME", dir.path().join("no-pcscd.comm"))
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("KAKANAI_LOG")
            .current_dir(root.join("var/lib/kakanai"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let kiosk_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut found = windows(&display);
    while found.len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        found = windows(&display);
    }
    assert_eq!(found.len(), 2, "both windows: {found:?}\n{}", kiosk_log());

    // READY from the first tick, then the watchdog's heartbeat every second.
    let mut buf = [0u8; 256];
    let n = notify.recv(&mut buf).expect("READY=1 within 30 s");
    let first = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        first.contains("READY=1") && first.contains("WATCHDOG=1"),
        "{first}"
    );
    let n = notify.recv(&mut buf).expect("a watchdog heartbeat");
    assert_eq!(&buf[..n], b"WATCHDOG=1");

    // The packaged placement: the resident's window on the left panel, the clerk's on the right.
    let front = found
        .iter()
        .find(|(_, t)| t.contains("住民用"))
        .expect("front");
    let back = found
        .iter()
        .find(|(_, t)| !t.contains("住民用"))
        .expect("back");
    assert_eq!(geometry(&display, &front.0), (0, 0, 1920, 1080));
    assert_eq!(geometry(&display, &back.0), (1920, 0, 1920, 1080));

    // Blanking off (Xvfb has no DPMS to switch off).
    let xset = x(&display, "xset", &["q"]);
    assert!(xset.contains("timeout:  0"), "{xset}");
    assert!(xset.contains("prefer blanking:  no"), "{xset}");

    // The idle screen on both panels: drawn (not the black root), and the same screen.
    std::thread::sleep(Duration::from_millis(1500));
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package-session.png");
    x(
        &display,
        "import",
        &["-window", "root", shot.to_str().unwrap()],
    );
    let image = image::open(&shot).expect("the screenshot").to_rgb8();
    assert_eq!(image.dimensions(), (3840, 1080));
    let colours = |x0: u32| {
        let mut seen = std::collections::BTreeSet::new();
        for y in (0..1080).step_by(7) {
            for x in (x0..x0 + 1920).step_by(7) {
                seen.insert(image.get_pixel(x, y).0);
            }
        }
        seen.len()
    };
    assert!(
        colours(0) > 20 && colours(1920) > 20,
        "both panels drawn: {shot:?}"
    );
    // The idle screen's welcome, in the middle of the front panel, is not black.
    let mid = image.get_pixel(960, 540).0;
    assert_ne!(mid, [0, 0, 0], "{shot:?}");

    // The start-up self-check ran and logged what is missing here, with what to do.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !kiosk_log().contains("self-check") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let said = kiosk_log();
    assert!(said.contains("FAIL reader: pcscd is not running"), "{said}");
    assert!(
        said.contains("systemctl enable --now pcscd.socket"),
        "{said}"
    );
    assert!(said.contains("printer:"), "{said}");
    // And the clerk's bar: the reader's service is down (not "checking" for ever).
    assert!(said.contains("ServiceDown"), "{said}");
}
