//! The installed package: how long the session launcher takes from its start to both windows
//! drawn on the idle screen, run from the unpacked package as `kakanai.service` runs it (its
//! own `/usr/lib/kakanai/session`, the packaged binary and configuration), and how big the
//! package is. `cargo bench --bench package`.
//!
//! The package is built by `scripts/package` from the binary this bench was built with (the
//! release profile under `cargo bench`), with xz as for an office, or gzip in the quick
//! test-mode run CI does. The launcher is started under a private Xvfb 3840×1080 (two panels)
//! with `--measure-startup` passed through to the kiosk, which exits once both windows have
//! presented their first frame of the idle screen. No pcscd or CUPS: the start-up self-check
//! runs as at every start (off the UI thread) and finds them missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

struct Xvfb(std::process::Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xvfb() -> (Xvfb, String) {
    let n = (200..250)
        .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
        .expect("a free display");
    let name = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([
            &name,
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
        .expect("Xvfb (scripts/setup installs xvfb)");
    let socket = format!("/tmp/.X11-unix/X{n}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    (Xvfb(child), name)
}

/// Build the package; (its path, its size in bytes).
fn build(out: &Path, compress: &str) -> (PathBuf, u64) {
    let started = Instant::now();
    let result = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/package"))
        .args([
            "--binary",
            env!("CARGO_BIN_EXE_kakanai"),
            "--compress",
            compress,
        ])
        .arg("--out")
        .arg(out)
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/package");
    assert!(result.status.success(), "scripts/package failed");
    let deb = PathBuf::from(String::from_utf8_lossy(&result.stdout).trim());
    let size = std::fs::metadata(&deb).unwrap().len();
    eprintln!(
        "package: {} is {:.1} MB ({compress}), built in {:.1} s",
        deb.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    (deb, size)
}

/// Unpack it as if installed under `root`, with the database under it too.
fn install(deb: &Path, root: &Path) {
    let ok = Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(root)
        .status()
        .expect("dpkg-deb")
        .success();
    assert!(ok);
    let config = root.join("etc/kakanai/kakanai.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "\"/var/lib/kakanai/",
            &format!("\"{}/var/lib/kakanai/", root.display()),
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("var/lib/kakanai")).unwrap();
    let installed_kb: u64 = Command::new("du")
        .args(["-sk"])
        .arg(root)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    eprintln!("package: {:.1} MB installed", installed_kb as f64 / 1024.0);
}

/// Start the launcher; the time until the kiosk reports both windows' first frames.
fn start_once(root: &Path, display: &str) -> Duration {
    let started = Instant::now();
    let out = Command::new(root.join("usr/lib/kakanai/session"))
        .arg("--measure-startup")
        .env("KAKANAI_PREFIX", root)
        .env("DISPLAY", display)
        .env("PCSCLITE_CSOCK_NAME", root.join("no-pcscd.comm"))
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("NOTIFY_SOCKET")
        .current_dir(root.join("var/lib/kakanai"))
        .stderr(Stdio::null())
        .output()
        .expect("the session launcher");
    let elapsed = started.elapsed();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("startup_ms="),
        "the kiosk did not report both windows drawn: {said}"
    );
    elapsed
}

fn session_start(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    // `cargo bench` passes --bench; the test-mode run (CI) does not: packaging there is quick.
    let benching = std::env::args().any(|a| a == "--bench");
    let (deb, _) = build(dir.path(), if benching { "xz" } else { "gzip" });
    let root = dir.path().join("root");
    install(&deb, &root);
    let (_xvfb, display) = xvfb();
    // The first start pays for the page cache; measure the ones after it.
    let first = start_once(&root, &display);
    eprintln!("package: first start {} ms", first.as_millis());
    let mut g = c.benchmark_group("package");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("launcher_start_to_both_idle_windows_drawn", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += start_once(&root, &display);
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, session_start);
criterion_main!(benches);
