//! `kakanai admin hash`: make the `[admin] credential_hash` line from a credential typed on
//! standard input, so the credential itself is never written anywhere.

use clap::Subcommand;
use zeroize::Zeroize;

use super::exit;

/// `kakanai admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Read a credential from standard input and print its argon2 hash for kakanai.toml.
    Hash,
}

/// The most `admin hash` reads from standard input (a credential is a line, not a file).
const MAX_INPUT: u64 = 4096;

/// Run an admin command.
pub fn run(command: AdminCommand) -> i32 {
    match command {
        AdminCommand::Hash => {
            use std::io::Read;
            // The whole of standard input, not its first line: `printf 'ab\ncdefgh'` must not
            // silently hash "ab". Bounded, so `< /dev/zero` cannot take the memory.
            let mut input = Vec::new();
            if std::io::stdin()
                .lock()
                .take(MAX_INPUT + 1)
                .read_to_end(&mut input)
                .is_err()
            {
                eprintln!("kakanai: cannot read the credential from standard input");
                return exit::FAILED;
            }
            if input.len() as u64 > MAX_INPUT {
                input.zeroize();
                eprintln!(
                    "kakanai: standard input is longer than {MAX_INPUT} bytes; give the credential alone"
                );
                return exit::USAGE;
            }
            let Ok(mut text) = String::from_utf8(input) else {
                eprintln!("kakanai: the credential is not UTF-8 text");
                return exit::USAGE;
            };
            // One line end, as `echo` adds, is not part of the credential.
            let end = text
                .strip_suffix("\r\n")
                .or_else(|| text.strip_suffix('\n'))
                .map_or(text.len(), str::len);
            let mut secret = text[..end].to_owned();
            text.zeroize();
            if let Some(why) = crate::kiosk::admin::weak_credential(&secret) {
                secret.zeroize();
                eprintln!("kakanai: {why}");
                return exit::USAGE;
            }
            let hash = crate::kiosk::admin::hash_credential(&secret);
            secret.zeroize();
            match hash {
                Ok(h) => {
                    println!("[admin]\ncredential_hash = \"{h}\"");
                    exit::OK
                }
                Err(e) => {
                    eprintln!("kakanai: {e}");
                    exit::FAILED
                }
            }
        }
    }
}
