//! The security event log on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::security_store!(crate::PgStore);
