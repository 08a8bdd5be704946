//! `akinai api token …` (issue 20, item 2): API tokens for automation and for the checks —
//! made with a name and scopes (optionally an expiry and an address allow-list), printed once,
//! listed by their visible prefix with their last use, revoked. Every creation and revocation
//! goes to the audit trail with the operator's name.

use clap::Subcommand;

use akinai_core::api::TokenRequest;
use akinai_core::audit::AuditContext;
use akinai_core::CoreError;

use crate::config::Config;

#[derive(Subcommand)]
pub enum ApiCommand {
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Makes a token and prints it once (only its SHA-256 is kept).
    Create {
        /// What it is for (e.g. 在庫連携).
        #[arg(long)]
        name: String,
        /// Comma-separated: products:read, products:write, orders:read, orders:write,
        /// orders:refund, customers:read, webhooks:read, webhooks:write.
        #[arg(long)]
        scopes: String,
        /// Days until it expires (default: it does not).
        #[arg(long, value_name = "DAYS")]
        expires: Option<u32>,
        /// Comma-separated addresses or CIDR ranges it may be used from (default: any).
        #[arg(long, value_name = "LIST", default_value = "")]
        allow_ip: String,
        /// Who makes it (recorded in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Lists the tokens (prefix, name, scopes, expiry, last use, revocation).
    List,
    /// Revokes a token by its prefix (akn_1a2b3c4d) or id.
    Revoke {
        /// The token's prefix or id, as `list` shows.
        token: String,
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

fn jst(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub async fn run(config: &Config, command: ApiCommand) -> anyhow::Result<()> {
    let ApiCommand::Token { command } = command;
    let shop = crate::build_shop(config).await?;
    let tokens = shop.api_tokens();
    match command {
        TokenCommand::Create {
            name,
            scopes,
            expires,
            allow_ip,
            by,
        } => {
            let request = TokenRequest {
                name,
                scopes,
                expires_in_days: expires,
                allowed_ips: allow_ip,
            };
            let made = tokens
                .create(&AuditContext::cli(&by), &request)
                .await
                .map_err(|e| match e {
                    CoreError::InvalidForm(fields) => anyhow::anyhow!(
                        "not made: {} (scopes: products:read, products:write, orders:read, \
                         orders:write, orders:refund, customers:read, webhooks:read, webhooks:write; expiry 1–1830 \
                         days; addresses like 203.0.113.7 or 203.0.113.0/24)",
                        fields.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
                    ),
                    other => other.into(),
                })?;
            eprintln!(
                "made API token {} ({}) with scopes {}; it is shown this once, keep it secret:",
                made.id,
                made.prefix,
                made.scopes.to_text()
            );
            println!("{}", made.secret);
        }
        TokenCommand::List => {
            let list = tokens.list().await?;
            if list.is_empty() {
                println!("no API tokens");
            }
            for t in list {
                let state = match &t.revoked {
                    Some((at, by)) => format!("revoked {} by {by}", jst(*at)),
                    None => match t.token.expires_at {
                        Some(at) => format!("expires {}", jst(at)),
                        None => "no expiry".into(),
                    },
                };
                let used = t.last_used.as_ref().map_or_else(
                    || "never used".into(),
                    |(at, ip)| format!("last used {} from {ip}", jst(*at)),
                );
                let fence = if t.token.allowed_ips.is_empty() {
                    "any address".to_string()
                } else {
                    t.token.allowed_ips.clone()
                };
                println!(
                    "{}\t{}\t{}\t{}\t{state}\t{used}\t{fence}",
                    t.id, t.token.prefix, t.token.name, t.token.scopes
                );
            }
        }
        TokenCommand::Revoke { token, by } => {
            let id = tokens
                .revoke(&AuditContext::cli(&by), &token)
                .await
                .map_err(|e| match e {
                    CoreError::NotFound => {
                        anyhow::anyhow!(
                            "no active API token {token:?} (see `akinai api token list`)"
                        )
                    }
                    other => other.into(),
                })?;
            println!("revoked API token {id}");
        }
    }
    Ok(())
}
