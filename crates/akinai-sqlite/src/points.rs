//! Points: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::point_store!(crate::SqliteStore);
