//! Webhook endpoints, events and deliveries on SQLite: the shared statements (`akinai_sql`, ADR 038).

akinai_sql::webhook_store!(crate::SqliteStore);
