//! Moving in and out on SQLite: the shared statements (`akinai_sql`, ADR 020, ADR 026).

akinai_sql::transfer_store!(crate::SqliteStore);
