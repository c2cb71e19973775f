//! `scripts/setup` installs every program the project starts.
//!
//! A fresh machine has only what `scripts/setup` installs, yet a test that starts a program
//! installed by hand passes on the machine it was written on. That happened: Xvfb and xdotool
//! were missing from the list while every test passed here. This test reads the programs the
//! code and the scripts can start — every string literal in `src/`, `tests/`, `benches/` and
//! `fuzz/` that names a program on this machine's PATH, and every word of the scripts (comments
//! left out) that does — finds the Debian package that owns each one (`dpkg -S`), and fails
//! unless that package is one `scripts/setup` installs (or one they pull in), or one every
//! Debian system has (priority required or important, or Essential).
//!
//! It needs nothing but dpkg, which every Debian system has. It runs on the machine where the
//! program *is* installed — the developer's — which is exactly where the omission would
//! otherwise go unnoticed; on a fresh machine the test that starts the program fails instead.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Programs that no Debian package owns here, and why they need no package.
const NOT_FROM_DEBIAN: &[(&str, &str)] = &[
    (
        "cargo",
        "the Rust toolchain (rustup), which the README asks for first",
    ),
    ("rustc", "the Rust toolchain (rustup)"),
    ("rustfmt", "the Rust toolchain (rustup)"),
    ("cargo-clippy", "the Rust toolchain (rustup)"),
    ("kakanai", "this project's own binary"),
    (
        "sudo",
        "scripts/setup uses it only when not root, and then a sudo is what it needs",
    ),
];

/// Literals and script words that are the name of some program but are used as plain words.
const WORDS_NOT_PROGRAMS: &[(&str, &str)] = &[
    ("idle", "a printer's and a screen's state"),
    ("vi", "the language code of Vietnamese"),
    ("write", "KAKANAI_SCREENS=write"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The packages `scripts/setup` installs: the first word of each line of its `packages=( … )`.
fn setup_packages() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("scripts/setup")).expect("scripts/setup");
    let start = text
        .find("packages=(")
        .expect("scripts/setup has a packages=( … ) list");
    let body = &text[start + "packages=(".len()..];
    let end = body
        .find("\n)")
        .expect("the packages list ends with ) on its own line");
    let packages: BTreeSet<String> = body[..end]
        .lines()
        .filter_map(|l| l.split('#').next())
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert!(
        packages.len() >= 10,
        "read only {packages:?} from scripts/setup"
    );
    packages
}

fn dpkg_query(package: &str, format: &str) -> String {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", format, package])
        .output()
        .expect("dpkg-query (every Debian system has dpkg)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The packages `scripts/setup`'s list brings in: the list and what it depends on, two levels
/// deep (`imagemagick` → `imagemagick-6.q16`, which owns `import`).
fn installed_by_setup() -> BTreeSet<String> {
    let mut all = setup_packages();
    let mut frontier: Vec<String> = all.iter().cloned().collect();
    for _ in 0..2 {
        let mut next = Vec::new();
        for p in &frontier {
            let deps = dpkg_query(p, "${Depends},${Pre-Depends}");
            for dep in deps.split([',', '|']) {
                let name = dep.split_whitespace().next().unwrap_or("");
                let name = name.split(':').next().unwrap_or("");
                if !name.is_empty() && all.insert(name.to_owned()) {
                    next.push(name.to_owned());
                }
            }
        }
        frontier = next;
    }
    all
}

/// Every Debian system has it: Essential, or priority required or important.
fn on_every_debian(package: &str) -> bool {
    let info = dpkg_query(package, "${Essential} ${Priority}");
    let mut words = info.split_whitespace();
    let essential = words.next() == Some("yes");
    let priority = words.next().unwrap_or("");
    essential || priority == "required" || priority == "important"
}

/// Where `program` is among the system's program folders, where Debian's packages put them
/// (not a pyenv shim or `~/.cargo/bin`, which no fresh machine has).
fn locate(program: &str) -> Option<PathBuf> {
    ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(program))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| {
                    use std::os::unix::fs::PermissionsExt;
                    m.is_file() && m.permissions().mode() & 0o111 != 0
                })
                .unwrap_or(false)
        })
}

/// The paths a program's file may be listed under in dpkg's database: as found, resolved
/// (alternatives), and with usrmerge's /bin ↔ /usr/bin.
fn dpkg_paths(path: &Path) -> Vec<PathBuf> {
    let mut candidates = vec![path.to_path_buf()];
    if let Ok(real) = std::fs::canonicalize(path) {
        candidates.push(real);
    }
    for c in candidates.clone() {
        let s = c.to_string_lossy().into_owned();
        for (from, to) in [
            ("/usr/bin/", "/bin/"),
            ("/bin/", "/usr/bin/"),
            ("/usr/sbin/", "/sbin/"),
            ("/sbin/", "/usr/sbin/"),
        ] {
            if let Some(rest) = s.strip_prefix(from) {
                candidates.push(PathBuf::from(format!("{to}{rest}")));
            }
        }
    }
    candidates
}

/// File → the package that owns it, for all the files at once (one `dpkg -S`: it is slow to
/// start).
fn owners(paths: &BTreeSet<PathBuf>) -> BTreeMap<PathBuf, String> {
    let out = Command::new("dpkg")
        .arg("-S")
        .args(paths)
        .output()
        .expect("dpkg (every Debian system has it)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("diversion"))
        .filter_map(|l| l.split_once(": "))
        .map(|(pkgs, path)| {
            let pkg = pkgs.split(", ").next().unwrap_or(pkgs);
            let pkg = pkg.split(':').next().unwrap_or(pkg);
            (PathBuf::from(path), pkg.to_owned())
        })
        .collect()
}

fn is_program_word(w: &str) -> bool {
    let mut chars = w.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && w.len() >= 2
        && w.len() <= 40
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
}

/// String literals of a Rust file that could be a program's name.
fn rust_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('"') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('"') else { break };
        let lit = &after[..j];
        if is_program_word(lit) {
            words.push(lit.to_owned());
        }
        rest = &after[j + 1..];
    }
    words
}

/// The commands a shell script runs: the first word of every command (at a line's start, after
/// `|`, `&&`, `;`, `$(` …, after `exec`, `sudo`, `then`, `do` …, and inside quoted strings such
/// as `sh -c "…"`), comments left out. Other words — arguments, messages — are not commands.
fn script_words(text: &str) -> Vec<String> {
    const PREFIXES: &[&str] = &[
        "exec", "sudo", "$sudo", "!", "if", "elif", "while", "until", "then", "do", "else",
        "command", "env", "nice", "time",
    ];
    let mut words = Vec::new();
    for line in text.lines() {
        // A comment starts at a `#` at the line's start or after white space (not `$#`,
        // `${#a[@]}`).
        let bytes = line.as_bytes();
        let cut = (0..bytes.len())
            .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
            .unwrap_or(bytes.len());
        let code = line[..cut]
            .replace("$(", "\n")
            .replace(['|', '&', ';', '(', ')', '{', '}', '`', '"', '\''], "\n");
        for segment in code.split('\n') {
            let mut tokens = segment
                .split_whitespace()
                .skip_while(|t| PREFIXES.contains(t) || t.contains('='));
            if let Some(first) = tokens.next()
                && is_program_word(first)
            {
                words.push(first.to_owned());
            }
        }
    }
    words
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name == "corpus" || name == "artifacts" {
            continue;
        }
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Program → the files that name it.
fn programs_named() -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut paths = Vec::new();
    for d in ["src", "tests", "benches", "fuzz", "fixtures"] {
        files(&root().join(d), &mut paths);
    }
    let rust: Vec<PathBuf> = paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        // This file names programs as examples, not to start them.
        .filter(|p| !p.ends_with("tests/setup_installs.rs"))
        .collect();
    let mut scripts = Vec::new();
    files(&root().join("scripts"), &mut scripts);
    scripts.push(root().join(".ci/run"));
    for (path, words) in rust
        .iter()
        .map(|p| (p, rust_words(&std::fs::read_to_string(p).unwrap())))
        .chain(
            scripts
                .iter()
                .map(|p| (p, script_words(&std::fs::read_to_string(p).unwrap()))),
        )
    {
        let shown = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        for w in words {
            found.entry(w).or_default().insert(shown.clone());
        }
    }
    found
}

#[test]
fn every_program_the_project_starts_comes_from_scripts_setup() {
    let setup = installed_by_setup();
    let exempt: BTreeMap<&str, &str> = NOT_FROM_DEBIAN
        .iter()
        .chain(WORDS_NOT_PROGRAMS)
        .copied()
        .collect();
    let mut problems = Vec::new();
    let mut checked = BTreeSet::new();
    let located: Vec<(String, BTreeSet<String>, PathBuf)> = programs_named()
        .into_iter()
        .filter(|(program, _)| !exempt.contains_key(program.as_str()))
        // Not a program on this machine: a word, not a command.
        .filter_map(|(program, named_in)| locate(&program).map(|p| (program, named_in, p)))
        .collect();
    let owned = owners(&located.iter().flat_map(|(_, _, p)| dpkg_paths(p)).collect());
    for (program, named_in, path) in located {
        let Some(package) = dpkg_paths(&path).iter().find_map(|c| owned.get(c)).cloned() else {
            problems.push(format!(
                "{program} ({}) is named in {named_in:?} but no Debian package owns it: install it \
                 from a package in scripts/setup, or add it to NOT_FROM_DEBIAN with the reason",
                path.display()
            ));
            continue;
        };
        checked.insert(format!("{program}:{package}"));
        if !setup.contains(&package) && !on_every_debian(&package) {
            problems.push(format!(
                "{program} is named in {named_in:?}; it comes from the Debian package {package}, \
                 which scripts/setup does not install: a fresh machine fails. Add {package} to \
                 scripts/setup's packages list"
            ));
        }
    }
    // The scan must really see the programs the tests start, or it proves nothing.
    for must in [
        "Xvfb:xvfb",
        "xdotool:xdotool",
        "pcscd:pcscd",
        "cupsd:cups-daemon",
    ] {
        assert!(
            checked.contains(must),
            "the scan did not find {must} (saw {checked:?})"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scan_reads_literals_and_script_words_but_not_comments() {
    assert_eq!(
        rust_words(r#"Command::new("Xvfb").arg(":1"); tool("pdftotext", &[]); "two words""#),
        ["Xvfb", "pdftotext"]
    );
    assert_eq!(
        script_words(
            "xdotool search # not tesseract\necho \"ok as is\" ${#a[@]} $# && X=1 exec zbarimg -q\n\
             out=\"$(pdftotext a -)\"; sh -c \"mkdir -p d && exec pcscd -f\"; cmd=$(printf x)"
        ),
        [
            "xdotool",
            "echo",
            "ok",
            "zbarimg",
            "pdftotext",
            "sh",
            "mkdir",
            "pcscd",
            "printf"
        ]
    );
}
