//! The admin's catalog work: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::catalog_admin_store!(crate::SqliteStore);
