//! `kakanai card …`: readers, reading, serving a simulated card.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use clap::Subcommand;
use myna_card::Card;
use zeroize::Zeroize;

use super::exit;
use crate::card::sim::vpcd::VirtualCard;
use crate::card::sim::vpcd::{self, Ended, Faults, Stop};
use crate::card::sim::{AnyProfile, SimCard, SimKeys, SimLicence, SimResidence};
use crate::card::{
    CardError, CardRead, Credential, Date, Key, ReadOptions, ResidenceRead, TrustAnchors,
    pcsc_reader, read_any, read_residence,
};
use crate::config::Config;

/// `kakanai card …`
#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// List the readers pcscd knows and whether a card is in each.
    Readers,
    /// Read the basic four fields. The PIN (4 digits) is read from standard input; with
    /// --code-b, three values: date of birth (YYYY-MM-DD), expiry year, security code.
    ///
    /// Exit status: 0 read, 2 wrong PIN (tries left), 3 blocked or lockout guard (see the
    /// clerk), 1 anything else.
    Read {
        /// Reader name (default: the config's, else the first reader holding a card).
        #[arg(long)]
        reader: Option<String>,
        /// Use 照合番号B instead of the PIN.
        #[arg(long)]
        code_b: bool,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// Read an in-process simulated card built from this profile instead of a reader.
        #[arg(long, value_name = "PROFILE.toml")]
        sim: Option<PathBuf>,
        /// Also trust this anchor file for the integrity check (repeatable).
        #[arg(long, value_name = "FILE")]
        trust_anchor: Vec<PathBuf>,
        /// Seconds to wait for a card to be placed.
        #[arg(long, default_value_t = 10)]
        wait: u64,
    },
    /// Be the card of a profile in pcscd's virtual reader (vpcd on 127.0.0.1) until stopped.
    ServeVpcd {
        /// The card profile.
        profile: PathBuf,
        /// vpcd's port (35963 is the first virtual reader of Debian's vpcd configuration).
        #[arg(long, default_value_t = vpcd::DEFAULT_PORT)]
        port: u16,
    },
    /// Print reader and card events as they happen (Ctrl-C to stop).
    Watch,
    /// Print the trust anchor file of the simulator's bundled test CA.
    #[command(hide = true)]
    SimAnchor,
}

/// Run a card command; returns the exit status.
pub fn run(command: CardCommand, config: &Config, config_base: &Path) -> i32 {
    match command {
        CardCommand::Readers => readers(),
        CardCommand::Read {
            reader,
            code_b,
            json,
            sim,
            trust_anchor,
            wait,
        } => {
            let mut options = match config.read_options(config_base) {
                Ok(o) => o,
                Err(e) => return fail(&e.to_string(), exit::USAGE),
            };
            for file in &trust_anchor {
                if let Err(e) = options.anchors.load_file(file) {
                    return fail(&e.to_string(), exit::USAGE);
                }
            }
            let reader =
                reader.or_else(|| Some(config.card.reader.clone()).filter(|r| !r.is_empty()));
            read(
                reader,
                code_b,
                json,
                sim.as_deref(),
                options,
                Duration::from_secs(wait),
            )
        }
        CardCommand::ServeVpcd { profile, port } => serve(&profile, port),
        CardCommand::Watch => watch(),
        CardCommand::SimAnchor => {
            print!(
                "{}",
                TrustAnchors::anchor_file_text(&SimKeys::fixture().anchor())
            );
            exit::OK
        }
    }
}

fn fail(message: &str, code: i32) -> i32 {
    eprintln!("kakanai: {message}");
    code
}

fn readers() -> i32 {
    match pcsc_reader::list_readers() {
        Ok(list) if list.is_empty() => fail(&CardError::NoReader.to_string(), exit::FAILED),
        Ok(list) => {
            for r in list {
                println!(
                    "{}\t{}",
                    r.name,
                    if r.card_present {
                        "card present"
                    } else {
                        "empty"
                    }
                );
            }
            exit::OK
        }
        Err(e) => fail(&e.to_string(), exit::FAILED),
    }
}

/// The credential from standard input. Values are never echoed into messages.
fn credential_from_stdin(code_b: bool) -> Result<Credential, CardError> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let prompt = |text: &str| {
        if interactive {
            eprint!("{text}");
            let _ = std::io::stderr().flush();
        }
    };
    let next = |text: &str| -> String {
        prompt(text);
        let mut line = String::new();
        let _ = stdin.lock().read_line(&mut line);
        let value = line.trim().to_owned();
        EMPTY_LINE.with(|e| e.set(value.is_empty()));
        line.zeroize();
        value
    };
    if code_b {
        let birth = next("生年月日 / date of birth (YYYY-MM-DD): ");
        let expiry = next("有効期限の年 / expiry year: ");
        let code = next("セキュリティコード / security code: ");
        let birth = Date::parse_iso(&birth).ok_or(CardError::InvalidCredential {
            key: crate::card::Key::CodeB,
            reason: "the date of birth is YYYY-MM-DD",
        })?;
        let expiry: u16 = expiry.parse().map_err(|_| CardError::InvalidCredential {
            key: crate::card::Key::CodeB,
            reason: "the expiry year is 4 digits",
        })?;
        Credential::code_b(birth, expiry, &code)
    } else {
        let mut value = next(
            "暗証番号 / PIN (4 digits), or the 在留カード's card number (12 letters and digits): ",
        );
        // Twelve characters are a 在留カード's card number; anything else is taken as a PIN
        // (whose shape check says what is wrong).
        let is_card_number = value
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .count()
            == 12;
        let credential = if is_card_number {
            Credential::card_number(&value)
        } else {
            Credential::pin(&value)
        };
        value.zeroize();
        credential
    }
}

/// The credential, or none when the line is empty: a 運転免許証 with no PIN set is read
/// without one (any other card then says what it needs).
fn optional_credential_from_stdin(code_b: bool) -> Result<Option<Credential>, CardError> {
    match credential_from_stdin(code_b) {
        Ok(c) => Ok(Some(c)),
        Err(CardError::InvalidCredential { .. }) if !code_b && last_line_was_empty() => Ok(None),
        Err(e) => Err(e),
    }
}

thread_local! {
    static EMPTY_LINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn last_line_was_empty() -> bool {
    EMPTY_LINE.with(std::cell::Cell::get)
}

fn read(
    reader: Option<String>,
    code_b: bool,
    json: bool,
    sim: Option<&Path>,
    mut options: ReadOptions,
    wait: Duration,
) -> i32 {
    let result: Result<Outcome, CardError> = match sim {
        Some(path) => {
            let profile = match AnyProfile::load(path) {
                Ok(p) => p,
                Err(e) => return fail(&e.to_string(), exit::USAGE),
            };
            let keys = SimKeys::fixture();
            options.anchors.push(keys.anchor());
            let credential = optional_credential_from_stdin(code_b);
            match profile {
                AnyProfile::MyNumber(p) => {
                    let mut sim = SimCard::new(&p, &keys);
                    drop(p);
                    credential.and_then(|c| read_outcome(&mut Card::new(&mut sim), c, &options))
                }
                AnyProfile::Licence(p) => {
                    let mut sim = SimLicence::new(&p);
                    drop(p);
                    credential.and_then(|c| read_outcome(&mut Card::new(&mut sim), c, &options))
                }
                AnyProfile::Residence(p) => {
                    let mut sim = SimResidence::new(&p);
                    drop(p);
                    credential.and_then(|c| read_outcome(&mut Card::new(&mut sim), c, &options))
                }
            }
        }
        None => pcsc_reader::wait_for_card(reader.as_deref(), wait).and_then(|name| {
            let credential = optional_credential_from_stdin(code_b)?;
            let (_, mut card) = pcsc_reader::connect(Some(&name))?;
            let read = read_outcome(&mut card, credential, &options);
            // Power off now, so the verified status is gone before we print anything.
            let _ = card.into_transport().close();
            read
        }),
    };
    match result {
        Ok(Outcome::Basic(read)) => {
            if json {
                println!("{}", escape_invisible_json(&to_json(&read)));
            } else {
                print_human(&read);
            }
            exit::OK
        }
        Ok(Outcome::Residence(read)) => {
            if json {
                println!("{}", escape_invisible_json(&residence_json(&read)));
            } else {
                print_residence(&read);
            }
            exit::OK
        }
        Err(e) => {
            let code = match e {
                CardError::WrongPin { .. } => exit::WRONG_PIN,
                CardError::Blocked { .. }
                | CardError::LastTryGuarded { .. }
                | CardError::ExpiredLicence
                | CardError::ExpiredStay
                | CardError::NoExtendedApdus => exit::SEE_CLERK,
                CardError::WrongCardNumber => exit::WRONG_PIN,
                CardError::InvalidCredential { .. } => exit::USAGE,
                _ => exit::FAILED,
            };
            fail(&e.to_string(), code)
        }
    }
}

/// What `card read` read: the basic four, or a 在留カード's fields (no name: only in the face
/// image).
enum Outcome {
    Basic(CardRead),
    Residence(ResidenceRead),
}

/// A card number goes to the 在留カード read, anything else (or nothing) to [`read_any`].
fn read_outcome<T: myna_card::Transmit>(
    card: &mut Card<T>,
    credential: Option<Credential>,
    options: &ReadOptions,
) -> Result<Outcome, CardError> {
    match credential {
        Some(c) if c.key() == Key::CardNumber => {
            read_residence(card, &c, options).map(Outcome::Residence)
        }
        c => read_any(card, c.as_ref(), options).map(Outcome::Basic),
    }
}

/// The same keys as [`to_json`] plus the 在留カード's own; a value the card does not hold as
/// data is null (missing, never guessed), and `missing` lists them for the caller to ask.
fn residence_json(read: &ResidenceRead) -> String {
    let mut missing = vec!["name"];
    if read.address.is_none() {
        missing.push("address");
    }
    if read.birth_date.is_none() {
        missing.push("birth_date");
    }
    if read.sex.is_none() {
        missing.push("sex");
    }
    serde_json::json!({
        "name": null,
        "family_name": null,
        "given_name": null,
        "address": read.address,
        "birth_date": read.birth_date.map(|d| d.iso()),
        "birth_date_wareki": read.birth_date.map(crate::wareki::format_kanji),
        "sex": read.sex.and_then(|s| s.digit().to_digit(10)),
        "sex_label": read.sex.map(|s| s.label_ja()),
        "kind": read.kind.slug(),
        "generation": read.generation,
        "nationality": read.nationality,
        "stay_expiry": read.stay_expiry.map(|d| d.iso()),
        "gaiji": 0,
        "expired": read.expired,
        "address_changed": read.address.is_some(),
        "address_date": read.address_date.map(|d| d.iso()),
        "missing": missing,
        "verification": "unverified",
        "verification_detail": read.verification.to_string(),
        "needs_clerk_check": true,
    })
    .to_string()
}

fn print_residence(read: &ResidenceRead) {
    use crate::card::basic_four::visible;
    let missing = "(only on the face image: not read)";
    println!(
        "カード    {} (generation {})",
        read.kind.name_ja(),
        read.generation
    );
    println!("氏名      {missing}");
    match &read.address {
        Some(a) => println!("住居地    {} (written on the back)", visible(a)),
        None => println!("住居地    (the back was never written) {missing}"),
    }
    match read.birth_date {
        Some(d) => println!("生年月日  {} ({})", crate::wareki::format_kanji(d), d.iso()),
        None => println!("生年月日  {missing}"),
    }
    match read.sex {
        Some(s) => println!("性別      {} ({})", s.label_ja(), s.digit()),
        None => println!("性別      {missing}"),
    }
    if let Some(n) = &read.nationality {
        println!("国籍・地域 {}", visible(n));
    }
    match read.stay_expiry {
        Some(d) => println!("在留期間  until {}", d.iso()),
        None if read.generation == 2 => println!("在留期間  (no end: 永住者 or 特別永住者)"),
        None => println!("在留期間  {missing}"),
    }
    if read.expired {
        println!("注意      the period of stay has ended (the office's setting accepts the card)");
    }
    println!("検証      {}", read.verification);
}

/// JSON with invisible formatting characters written as `\uXXXX` escapes: the same string to a
/// JSON reader, but nothing that reorders a terminal's line.
fn escape_invisible_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if crate::card::basic_four::is_invisible_format(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn to_json(read: &CardRead) -> String {
    let d = &read.data;
    serde_json::json!({
        "name": d.name(),
        "family_name": d.family_name(),
        "given_name": d.given_name(),
        "address": d.address(),
        "birth_date": d.birth_date().iso(),
        "birth_date_wareki": d.birth_date_wareki(),
        // null when the card holds no 性別 (the 運転免許証): missing, never guessed.
        "sex": d.sex().and_then(|s| s.digit().to_digit(10)),
        "sex_label": d.sex().map(|s| s.label_ja()),
        "kind": read.kind.slug(),
        "gaiji": read.notes.gaiji,
        "expired": read.notes.expired,
        "address_changed": read.notes.address_changed,
        "verification": if read.verification.is_verified() { "verified" } else { "unverified" },
        "verification_detail": read.verification.to_string(),
        "needs_clerk_check": crate::kiosk::check::ClerkCheck::of(d).is_some(),
    })
    .to_string()
}

fn print_human(read: &CardRead) {
    use crate::card::basic_four::visible;
    let d = &read.data;
    // Invisible formatting characters are shown as <U+…>: printed raw, a bidirectional
    // control would reorder the line the operator reads.
    println!("氏名      {}", visible(d.name()));
    match d.given_name() {
        Some(given) => println!(
            "  氏 / 名  {} / {}",
            visible(d.family_name()),
            visible(given)
        ),
        None => println!(
            "  氏 / 名  {} / (none: a single name)",
            visible(d.family_name())
        ),
    }
    println!("住所      {}", visible(d.address()));
    println!(
        "生年月日  {} ({})",
        d.birth_date_wareki(),
        d.birth_date().iso()
    );
    match d.sex() {
        Some(sex) => println!("性別      {} ({})", sex.label_ja(), sex.digit()),
        None => println!("性別      (not on this card: a form leaves it blank)"),
    }
    println!("カード    {}", read.kind.name_ja());
    if read.notes.expired {
        println!("注意      this 運転免許証 has expired (the office's setting accepts it)");
    }
    if read.notes.address_changed {
        println!("住所の出所 the latest address change recorded on the card");
    }
    println!("検証      {}", read.verification);
    if crate::kiosk::check::ClerkCheck::of(d).is_some() {
        println!(
            "注意      〓, a character outside the BMP, one the screen font lacks or an invisible formatting character (<U+…>): a clerk should check the name/address"
        );
    }
}

fn serve(profile: &Path, port: u16) -> i32 {
    match AnyProfile::load(profile) {
        Ok(AnyProfile::MyNumber(p)) => {
            let card = SimCard::new(&p, &SimKeys::fixture());
            drop(p);
            serve_card(Mutex::new(card), port)
        }
        Ok(AnyProfile::Licence(p)) => {
            let card = SimLicence::new(&p);
            drop(p);
            serve_card(Mutex::new(card), port)
        }
        Ok(AnyProfile::Residence(p)) => {
            let card = SimResidence::new(&p);
            drop(p);
            serve_card(Mutex::new(card), port)
        }
        Err(e) => fail(&e.to_string(), exit::USAGE),
    }
}

fn serve_card<C: VirtualCard>(card: Mutex<C>, port: u16) -> i32 {
    let stop = Stop::default();
    eprintln!("kakanai: serving the card to vpcd on 127.0.0.1:{port} (Ctrl-C removes it)");
    loop {
        let stream = match vpcd::connect(port, Duration::from_secs(3600)) {
            Ok(s) => s,
            Err(e) => {
                return fail(
                    &format!(
                        "cannot reach vpcd on 127.0.0.1:{port}: {e}; is pcscd running with vsmartcard-vpcd?"
                    ),
                    exit::FAILED,
                );
            }
        };
        match vpcd::serve_connection(&card, stream, &stop, Faults::default()) {
            Ok(Ended::ClosedByReader) => {
                eprintln!("kakanai: pcscd closed the virtual reader; waiting for it to come back");
                std::thread::sleep(Duration::from_millis(500));
            }
            Ok(Ended::Removed) => return exit::OK,
            Err(e) => {
                eprintln!("kakanai: the vpcd link failed ({e}); reconnecting");
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

fn watch() -> i32 {
    let (tx, rx) = std::sync::mpsc::channel();
    let monitor = match crate::card::monitor::Monitor::start(tx) {
        Ok(m) => m,
        Err(e) => return fail(&format!("cannot start the card monitor: {e}"), exit::FAILED),
    };
    for event in rx {
        println!("{event:?}");
    }
    monitor.stop();
    exit::OK
}
