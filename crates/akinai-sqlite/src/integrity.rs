//! The approved theme manifests and checkout holds (IPA-C-14) on SQLite: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::integrity_store!(crate::SqliteStore);
