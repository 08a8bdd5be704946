//! Customer accounts, sessions, one-time tokens and throttling counters on SQLite: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::account_store!(crate::SqliteStore);
