//! The periodic security work's records: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::security_task_store!(crate::PgStore);
