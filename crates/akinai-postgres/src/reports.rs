//! The dashboard's business figures: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::report_store!(crate::PgStore);
