//! API tokens on SQLite: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::api_token_store!(crate::SqliteStore);
