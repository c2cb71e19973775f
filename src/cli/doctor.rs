//! `kakanai doctor`: the installed kiosk's self-check (`crate::doctor`), one line per check,
//! each saying ok or what is wrong and what to do. Exit status 1 when something fails.

use std::path::Path;

use clap::Args;

use super::exit;
use crate::config::Config;
use crate::doctor::{Report, Setup, Status};

/// `kakanai doctor`
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// One JSON object per line instead of text: check, status, what, fix.
    #[arg(long)]
    pub json: bool,
    /// Also send each finding to the log (the journal under systemd).
    #[arg(long)]
    pub log: bool,
}

/// Run the checks and print the report.
pub fn run(args: DoctorArgs, config: &Config, config_path: Option<&Path>, base: &Path) -> i32 {
    let report = crate::doctor::run(&Setup {
        config,
        config_path,
        base,
        probe_card: true,
    });
    if args.log {
        report.log();
    }
    print(&report, args.json);
    if report.passed() {
        exit::OK
    } else {
        exit::FAILED
    }
}

fn print(report: &Report, json: bool) {
    for f in &report.findings {
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "check": f.check.name(),
                    "status": match f.status {
                        Status::Ok => "ok",
                        Status::Warn => "warn",
                        Status::Fail => "fail",
                    },
                    "what": f.what,
                    "fix": f.fix,
                })
            );
        } else {
            println!("{}", f.line());
        }
    }
    if !json {
        let failing = report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .count();
        if failing == 0 {
            println!("all ok");
        } else {
            println!("{failing} check(s) failing");
        }
    }
}
