//! Payments through a provider: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::payment_store!(crate::SqliteStore);
