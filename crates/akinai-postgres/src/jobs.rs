//! The job outbox: the shared statements (`akinai_sql`, ADR 020; the claim skips locked rows on PostgreSQL).

akinai_sql::job_store!(crate::PgStore);
