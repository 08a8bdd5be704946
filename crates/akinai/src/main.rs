//! `akinai`: one binary for the storefront, its background jobs and its operations.
//!
//! ```text
//! akinai serve [--demo] [--listen ADDR] [--data-dir DIR] [--config FILE]
//! akinai migrate [--data-dir DIR] [--config FILE]
//! akinai config check [--config FILE]
//! akinai theme approve --by NAME
//! akinai integrity check | acknowledge --by NAME | manifest
//! ```
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use akinai::config::{Config, Overrides};

#[derive(Parser)]
#[command(
    name = "akinai",
    version,
    about = "Secure-by-default e-commerce for Japanese shops"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, mail files, secret key); default ./data.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the shop (and run its background jobs).
    Serve {
        /// Seed the demo catalog into an empty store.
        #[arg(long)]
        demo: bool,
        /// Listen address; default 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Theme commands.
    Theme {
        #[command(subcommand)]
        command: ThemeCommand,
    },
    /// Tamper detection commands.
    Integrity {
        #[command(subcommand)]
        command: IntegrityCommand,
    },
    /// Admin accounts (there is no default account: the first owner is created here).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit trail of administrative actions.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Member policies and the invoice number of the shop settings (also on the admin's ショップ設定 screen).
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin and print a one-time enrolment link (24 hours).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: akinai::ops::Role,
        /// Who creates it (recorded); default: the new admin's own address.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Unlock an admin locked after failed logins.
    Unlock {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exit 1 when an entry was edited, removed or inserted.
    Verify {
        /// The head hash recorded earlier (from the log or an export): a cut-off tail fails too.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Write the entries as JSON lines to standard output.
    Export {
        /// Only entries after this sequence number.
        #[arg(long, value_name = "SEQ", default_value_t = 0)]
        after: i64,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Print the member policies.
    Show,
    /// Change member policies; the change is recorded as a security event.
    Set {
        /// When members need a second factor.
        #[arg(long, value_enum)]
        second_factor: Option<akinai::ops::Policy>,
        /// Whether guests may order without an account.
        #[arg(long, value_name = "on|off")]
        guest_checkout: Option<akinai::ops::OnOff>,
        /// The invoice registration number (T and 13 digits) printed on order statements.
        #[arg(long, value_name = "T0000000000000")]
        invoice_number: Option<String>,
        /// Who makes the change (recorded).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

#[derive(Subcommand)]
enum ThemeCommand {
    /// Approve the theme directory as it is now (a recorded theme update).
    Approve {
        /// Who approves (recorded with the manifest).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

#[derive(Subcommand)]
enum IntegrityCommand {
    /// Compare the theme with its approved manifest; exit 1 on a difference or closed checkout.
    Check,
    /// Acknowledge tamper alerts and open checkout again.
    Acknowledge {
        /// Who acknowledges (recorded).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Print the SHA-256 of the executable and of every embedded template and asset.
    Manifest,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration with secrets masked.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let demo = matches!(cli.command, Command::Serve { demo: true, .. });
    let overrides = Overrides {
        listen,
        data_dir: cli.data_dir.clone(),
        // The demo shop is never a production shop: its test payment page needs development
        // mode, and so do its relaxed checks.
        mode: demo.then_some(akinai::config::Mode::Development),
    };
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("akinai: {e:#}");
            return ExitCode::from(2);
        }
    };
    akinai::init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("akinai: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { demo, .. } => akinai::serve(config, demo).await,
            Command::Migrate => akinai::migrate(&config).await,
            Command::Config {
                command: ConfigCommand::Check,
            } => akinai::config_check(&config).await,
            Command::Theme {
                command: ThemeCommand::Approve { by },
            } => akinai::ops::theme_approve(&config, &by).await,
            Command::Integrity { command } => match command {
                IntegrityCommand::Check => {
                    return akinai::ops::integrity_check(&config).await.map(|clean| {
                        if clean {
                            ExitCode::SUCCESS
                        } else {
                            ExitCode::from(1)
                        }
                    })
                }
                IntegrityCommand::Acknowledge { by } => {
                    akinai::ops::integrity_acknowledge(&config, &by).await
                }
                IntegrityCommand::Manifest => akinai::ops::integrity_manifest(),
            },
            Command::Admin { command } => match command {
                AdminCommand::Create {
                    email,
                    name,
                    role,
                    by,
                } => {
                    let by = by.unwrap_or_else(|| email.clone());
                    akinai::ops::admin_create(&config, &email, &name, role, &by).await
                }
                AdminCommand::Unlock { email, by } => {
                    akinai::ops::admin_unlock(&config, &email, &by).await
                }
            },
            Command::Audit { command } => match command {
                AuditCommand::Verify { head } => {
                    return akinai::ops::audit_verify(&config, head.as_deref())
                        .await
                        .map(|ok| {
                            if ok {
                                ExitCode::SUCCESS
                            } else {
                                ExitCode::from(1)
                            }
                        })
                }
                AuditCommand::Export { after } => akinai::ops::audit_export(&config, after).await,
            },
            Command::Settings { command } => match command {
                SettingsCommand::Show => akinai::ops::settings_show(&config).await,
                SettingsCommand::Set {
                    second_factor,
                    guest_checkout,
                    invoice_number,
                    by,
                } => {
                    let change = akinai::ops::SettingsArgs {
                        second_factor,
                        guest_checkout,
                        invoice_number,
                    };
                    akinai::ops::settings_set(&config, change, &by).await
                }
            },
        }
        .map(|()| ExitCode::SUCCESS)
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("akinai: {e:#}");
            ExitCode::FAILURE
        }
    }
}
