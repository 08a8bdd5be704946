//! Named task leases on the backend: the shared statements (`akinai_sql`, ADR 040).

akinai_sql::task_lease_store!(crate::PgStore);
