//! Row counts, the maintenance switch and the backup run record on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::operations_store!(crate::PgStore);
