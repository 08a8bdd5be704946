//! The incident register on SQLite: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::incident_store!(crate::SqliteStore);
