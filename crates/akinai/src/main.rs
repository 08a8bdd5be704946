//! `akinai`: one binary for the storefront, its background jobs and its operations.
//!
//! ```text
//! akinai serve [--demo] [--listen ADDR] [--data-dir DIR] [--config FILE]
//! akinai migrate [--data-dir DIR] [--config FILE]
//! akinai config check [--config FILE]
//! akinai theme approve --by NAME
//! akinai integrity check | acknowledge --by NAME | manifest
//! akinai backup init | create [--out DIR] | list | verify FILE --identity KEY
//!               | restore FILE --identity KEY --data-dir NEW
//! akinai maintenance on --message TEXT --by NAME | off [--by NAME] | status
//! akinai logs search [--since DATE] [--until DATE] [--request-id ID] [--ip IP] [--text TEXT]
//! akinai import products|customers [--format shopify|ec-cube|akinai] FILE [--images DIR|ZIP]
//!               [--prices tax-included|tax-excluded]
//!               [--dry-run] [--json] --by NAME
//! akinai customers invite [--per-hour N] --by NAME
//! akinai export products|customers|orders|inventory [--format akinai|shopify] [--encoding utf-8|shift_jis]
//!               --out FILE [--json] --by NAME
//! ```
#![forbid(unsafe_code)]

/// mimalloc serves the allocations instead of glibc's malloc, whose arena lock the runtime's
/// threads contended for on every request (ADR 034).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// What this node does: `all` serves and runs the background jobs; `web` serves
        /// without them; `worker` runs them without serving (several nodes on PostgreSQL).
        #[arg(long, value_enum, default_value_t = akinai::Role::All)]
        role: akinai::Role,
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
        command: akinai::audit_cli::AuditCommand,
    },
    /// Encrypted backups, restore drills and restores.
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Close the storefront (503 with a message) or open it again; the admin keeps working.
    Maintenance {
        #[command(subcommand)]
        command: MaintenanceCommand,
    },
    /// Read the log files back (`logs.dir`).
    Logs {
        #[command(subcommand)]
        command: LogsCommand,
    },
    /// Import products or customers from a CSV file (Shopify, EC-CUBE 4, akinai; UTF-8 or
    /// Shift_JIS): planned first, written only when the whole file is valid, in one transaction.
    /// Customers come without passwords.
    Import {
        #[arg(value_enum)]
        what: akinai::transfer::ImportWhat,
        /// The CSV file.
        file: PathBuf,
        /// The folder or zip file holding the images the file names (matched by file name;
        /// nothing is fetched from the network).
        #[arg(long, value_name = "DIR|ZIP")]
        images: Option<PathBuf>,
        /// shopify, ec-cube or akinai; default: told by the header.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// Whether the file's prices include tax; default: EC-CUBE's do not, the others' do.
        #[arg(long, value_enum)]
        prices: Option<akinai::transfer::Prices>,
        /// tracking: the carrier whose issued-slip file this is (yamato-b2, sagawa or generic).
        #[arg(long, value_name = "CARRIER")]
        carrier: Option<String>,
        /// Only check and show what would change.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Who imports (recorded in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Export products, customers, orders or inventory as CSV for Excel or another platform,
    /// the carrier's label file (shipping) or the month's sales journal (accounting); personal
    /// data and sales exports are recorded in the audit trail.
    Export(akinai::transfer::ExportCli),
    /// The security self-assessment: one row per requirement of the security catalogue, checked
    /// against the live shop (exit status 1 when any fails).
    Selfcheck(akinai::selfcheck::SelfcheckArgs),
    /// The go-live gate: `status`, and the owner's records — the vulnerability diagnosis before
    /// going live and exceptions to a blocking failure (a production start obeys them).
    Golive {
        #[command(subcommand)]
        command: akinai::golive::GoliveCommand,
    },
    /// Coupons: `coupons create --code CODE (--percent N | --amount YEN) … --by NAME` and
    /// `coupons list`.
    Coupons {
        #[command(subcommand)]
        command: akinai::coupons::CouponsCommand,
    },
    /// Reports: `report security --month YYYY-MM` (the monthly security report, PDF or HTML).
    Report {
        #[command(subcommand)]
        command: akinai::report::ReportCommand,
    },
    /// Imported members: send the invitation to set a password.
    Customers {
        #[command(subcommand)]
        command: CustomersCommand,
    },
    /// Member policies and the invoice number of the shop settings (also on the admin's ショップ設定 screen).
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// 帳票: an order's invoice or delivery slip as PDF (recorded in the audit trail).
    Documents {
        #[command(subcommand)]
        command: akinai::documents::DocumentsCommand,
    },
    /// The REST API: tokens (created once, listed by prefix, revoked; audited).
    Api {
        #[command(subcommand)]
        command: akinai::api::ApiCommand,
    },
    /// The shop's database: copy it from SQLite onto PostgreSQL (verified, table by table).
    Store {
        #[command(subcommand)]
        command: akinai::store_copy::StoreCommand,
    },
    /// Outgoing webhooks: endpoints (the whsec_ secret printed once), rotation, removal, log.
    Webhooks {
        #[command(subcommand)]
        command: akinai::webhooks::WebhooksCommand,
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
enum BackupCommand {
    /// Create the backup key pair: the public recipient goes into the data directory, the
    /// private identity into a file to keep off the server.
    Init {
        /// Where to write the private identity; default ./akinai-backup-identity.txt.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Write one encrypted backup of the shop while it serves.
    Create {
        /// Directory to write it to; default backup.dir (<data-dir>/backups).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// List the backups in a directory from their headers (no key needed).
    List {
        /// Directory to list; default backup.dir (<data-dir>/backups).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The restore drill: restore into a scratch place, check everything, print the restore time.
    Verify {
        file: PathBuf,
        /// The private identity file from `backup init`.
        #[arg(long, value_name = "KEYFILE")]
        identity: PathBuf,
    },
    /// Restore a backup into a new, empty data directory (given with --data-dir).
    Restore {
        file: PathBuf,
        /// The private identity file from `backup init`.
        #[arg(long, value_name = "KEYFILE")]
        identity: PathBuf,
    },
}

#[derive(Subcommand)]
enum LogsCommand {
    /// Print the log lines that match every condition given (JSON lines, oldest first).
    Search {
        /// First Japan day, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        since: Option<chrono::NaiveDate>,
        /// Last Japan day, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        until: Option<chrono::NaiveDate>,
        /// The request id (the `X-Request-Id` header, the error page's reference).
        #[arg(long, value_name = "ID")]
        request_id: Option<String>,
        /// The client address.
        #[arg(long, value_name = "IP")]
        ip: Option<String>,
        /// An order number (AK00000042) or any text the line holds.
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        /// Only this stream: app, access or security.
        #[arg(long, value_name = "STREAM")]
        stream: Option<String>,
    },
}

#[derive(Subcommand)]
enum CustomersCommand {
    /// Queue the invitation mail for imported members who have no password yet (once each),
    /// at most --per-hour an hour.
    Invite {
        #[arg(long, value_name = "N", default_value_t = 200)]
        per_hour: u32,
        /// Who sends (recorded in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

#[derive(Subcommand)]
enum MaintenanceCommand {
    /// Close the storefront: shoppers see a 503 page with the message.
    On {
        /// What shoppers read (e.g. when the shop opens again).
        #[arg(long, value_name = "TEXT")]
        message: String,
        /// Who closes it (recorded).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Open the storefront again.
    Off {
        /// Who opens it (recorded); default: operator.
        #[arg(long, value_name = "NAME", default_value = "operator")]
        by: String,
    },
    /// Say whether the storefront is closed.
    Status,
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

/// 0 when a check found nothing wrong, 1 when it did.
fn exit_status(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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
    akinai::init_logging(&config, matches!(cli.command, Command::Serve { .. }));
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
            Command::Serve { demo, role, .. } => {
                akinai::serve(config, demo, role, cli.config.as_deref()).await
            }
            Command::Migrate => akinai::migrate(&config).await,
            Command::Config {
                command: ConfigCommand::Check,
            } => akinai::config_check(&config).await,
            Command::Theme {
                command: ThemeCommand::Approve { by },
            } => akinai::ops::theme_approve(&config, &by).await,
            Command::Integrity { command } => match command {
                IntegrityCommand::Check => {
                    return akinai::ops::integrity_check(&config).await.map(exit_status)
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
            Command::Audit { command } => return akinai::audit_cli::run(&config, command).await,
            Command::Backup { command } => match command {
                BackupCommand::Init { identity } => akinai::backup::init(&config, identity),
                BackupCommand::Create { out } => {
                    akinai::backup::create(&config, out.as_deref()).await
                }
                BackupCommand::List { dir } => akinai::backup::list(&config, dir.as_deref()),
                BackupCommand::Verify { file, identity } => {
                    akinai::backup::verify(&config, &file, &identity).await
                }
                BackupCommand::Restore { file, identity } => match &cli.data_dir {
                    Some(new) => akinai::backup::restore(&config, &file, &identity, new).await,
                    None => Err(anyhow::anyhow!(
                        "give the new, empty data directory with --data-dir NEW"
                    )),
                },
            },
            Command::Logs {
                command:
                    LogsCommand::Search {
                        since,
                        until,
                        request_id,
                        ip,
                        text,
                        stream,
                    },
            } => akinai::ops::logs_search(
                &config,
                &akinai::logfiles::Query {
                    from: since,
                    to: until,
                    request_id,
                    ip,
                    text,
                    stream,
                },
            ),
            Command::Maintenance { command } => match command {
                MaintenanceCommand::On { message, by } => {
                    akinai::ops::maintenance(&config, Some(&message), &by).await
                }
                MaintenanceCommand::Off { by } => {
                    akinai::ops::maintenance(&config, None, &by).await
                }
                MaintenanceCommand::Status => akinai::ops::maintenance_status(&config).await,
            },
            Command::Import {
                what: akinai::transfer::ImportWhat::Tracking,
                file,
                carrier,
                dry_run,
                json,
                by,
                ..
            } => {
                return akinai::shipping::import(
                    &config,
                    carrier.as_deref(),
                    &file,
                    dry_run,
                    json,
                    &by,
                )
                .await
                .map(exit_status);
            }
            Command::Import {
                what,
                file,
                images,
                format,
                prices,
                dry_run,
                json,
                by,
                ..
            } => {
                let args = akinai::transfer::ImportArgs {
                    what,
                    file: &file,
                    images: images.as_deref(),
                    format: format.as_deref(),
                    prices,
                    dry_run,
                    json,
                    by: &by,
                };
                return akinai::transfer::import(&config, args)
                    .await
                    .map(exit_status);
            }
            Command::Export(cli) => akinai::transfer::export_command(&config, cli).await,
            Command::Report { command } => akinai::report::run(&config, command).await,
            Command::Coupons { command } => akinai::coupons::run(&config, command).await,
            Command::Selfcheck(args) => {
                return akinai::selfcheck::run(&config, args).await.map(exit_status)
            }
            Command::Golive { command } => {
                return akinai::golive::run(&config, command).await.map(exit_status)
            }
            Command::Customers {
                command: CustomersCommand::Invite { per_hour, by },
            } => akinai::transfer::invite(&config, per_hour, &by).await,
            Command::Documents { command } => akinai::documents::run(&config, command).await,
            Command::Api { command } => akinai::api::run(&config, command).await,
            Command::Webhooks { command } => akinai::webhooks::run(&config, command).await,
            Command::Store { command } => akinai::store_copy::run(command).await,
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
