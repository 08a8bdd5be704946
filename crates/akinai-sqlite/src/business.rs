//! Business customers: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::business_store!(crate::SqliteStore);
