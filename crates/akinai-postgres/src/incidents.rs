//! The incident register on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::incident_store!(crate::PgStore);
