//! `akinai webhooks …` (issue 20, item 4): endpoints for automation and for the checks —
//! added with a URL and the events it wants (the `whsec_` secret printed once), listed with
//! their state, rotated (the old secret signs too for a day), removed, re-enabled after a
//! `410 Gone`, and the delivery log. Every change goes to the audit trail with the operator's
//! name.

use clap::Subcommand;

use akinai_core::audit::AuditContext;
use akinai_core::CoreError;
use akinai_domain::ids::WebhookEndpointId;

use crate::config::Config;

#[derive(Subcommand)]
pub enum WebhooksCommand {
    /// Registers an endpoint and prints its whsec_ secret once.
    Add {
        /// Where to POST (https; http and internal addresses only in development mode or with
        /// webhooks_allow_internal).
        #[arg(long)]
        url: String,
        /// Comma-separated: order.created, order.paid, order.shipped, order.cancelled,
        /// order.refunded, product.updated, inventory.low, customer.created.
        #[arg(long)]
        events: String,
        /// Who adds it (recorded in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Lists the endpoints (id, URL, events, state).
    List,
    /// Removes an endpoint; its pending deliveries end.
    Remove {
        id: i64,
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Gives an endpoint a new secret (printed once); the old one also signs for 24 hours.
    Rotate {
        id: i64,
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Turns an endpoint disabled by a 410 Gone back on.
    Enable {
        id: i64,
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// The newest deliveries (of one endpoint with --endpoint).
    Log {
        #[arg(long)]
        endpoint: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn jst(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn explain(e: CoreError) -> anyhow::Error {
    match e {
        CoreError::InvalidForm(fields) => {
            let why: Vec<&str> = fields
                .iter()
                .map(|(_, key)| match *key {
                    "webhook.internal_url" => {
                        "the URL leads to an internal address (loopback, private, link-local or \
                         metadata), refused in production (SSRF); for a receiver on this machine \
                         or network set webhooks_allow_internal = true in the configuration (or \
                         AKINAI__WEBHOOKS_ALLOW_INTERNAL=true)"
                    }
                    "webhook.plain_http" => {
                        "use https; plain http only for a receiver on this machine or network, \
                         with webhooks_allow_internal = true (or AKINAI__WEBHOOKS_ALLOW_INTERNAL=true)"
                    }
                    "webhook.bad_events" => {
                        "events: order.created, order.paid, order.shipped, order.cancelled, \
                         order.refunded, product.updated, inventory.low, customer.created"
                    }
                    "webhook.too_many" => "a shop has at most 20 endpoints",
                    _ => "not an absolute https URL without user name or password",
                })
                .collect();
            anyhow::anyhow!("not added: {}", why.join("; "))
        }
        CoreError::NotFound => anyhow::anyhow!("no such endpoint (see `akinai webhooks list`)"),
        other => other.into(),
    }
}

pub async fn run(config: &Config, command: WebhooksCommand) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    let hooks = shop.webhooks();
    match command {
        WebhooksCommand::Add { url, events, by } => {
            let made = hooks
                .add(&AuditContext::cli(&by), &url, &events)
                .await
                .map_err(explain)?;
            eprintln!(
                "added webhook endpoint {}; its signing secret is shown this once, keep it secret:",
                made.id
            );
            println!("{}", made.secret);
        }
        WebhooksCommand::List => {
            let list = hooks.list().await?;
            if list.is_empty() {
                println!("no webhook endpoints");
            }
            for e in list {
                let state = match &e.disabled {
                    Some((at, why)) => format!("disabled {} ({why})", jst(*at)),
                    None => "active".into(),
                };
                println!(
                    "{}\t{}\t{}\t{state}",
                    e.id, e.endpoint.url, e.endpoint.events
                );
            }
        }
        WebhooksCommand::Remove { id, by } => {
            hooks
                .remove(&AuditContext::cli(&by), WebhookEndpointId(id))
                .await
                .map_err(explain)?;
            println!("removed webhook endpoint {id}");
        }
        WebhooksCommand::Rotate { id, by } => {
            let made = hooks
                .rotate(&AuditContext::cli(&by), WebhookEndpointId(id))
                .await
                .map_err(explain)?;
            eprintln!(
                "new secret for endpoint {id}; the old one also signs for {} hours:",
                akinai_core::webhooks::ROTATION_OVERLAP_HOURS
            );
            println!("{}", made.secret);
        }
        WebhooksCommand::Enable { id, by } => {
            hooks
                .enable(&AuditContext::cli(&by), WebhookEndpointId(id))
                .await
                .map_err(explain)?;
            println!("enabled webhook endpoint {id}");
        }
        WebhooksCommand::Log { endpoint, limit } => {
            for d in hooks
                .deliveries(endpoint.map(WebhookEndpointId), limit)
                .await?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}\tattempts {}\t{}\t{}",
                    d.id,
                    d.endpoint_id,
                    jst(d.created_at),
                    d.event_type,
                    d.state,
                    d.attempts,
                    d.last_status.map_or_else(|| "-".into(), |s| s.to_string()),
                    d.last_error.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
