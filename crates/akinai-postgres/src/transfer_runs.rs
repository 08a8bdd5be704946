//! Imports started in the admin on PostgreSQL: the shared statements (`akinai_sql`, ADR 027).

akinai_sql::transfer_run_store!(crate::PgStore);
