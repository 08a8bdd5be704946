//! Invoice payment: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::receivable_store!(crate::PgStore);
