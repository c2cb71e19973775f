//! `kakanai admin hash`: make the `[admin] credential_hash` line from a credential typed on
//! standard input, so the credential itself is never written anywhere.

use std::io::BufRead;

use clap::Subcommand;
use zeroize::Zeroize;

use super::exit;

/// `kakanai admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Read a credential from standard input and print its argon2 hash for kakanai.toml.
    Hash,
}

/// Run an admin command.
pub fn run(command: AdminCommand) -> i32 {
    match command {
        AdminCommand::Hash => {
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line).is_err() {
                eprintln!("kakanai: cannot read the credential from standard input");
                return exit::FAILED;
            }
            let secret = line.trim_end_matches(['\r', '\n']).to_owned();
            line.zeroize();
            if secret.chars().count() < 4 {
                eprintln!("kakanai: the credential must have at least 4 characters");
                return exit::USAGE;
            }
            let hash = crate::kiosk::admin::hash_credential(&secret);
            let mut secret = secret;
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
