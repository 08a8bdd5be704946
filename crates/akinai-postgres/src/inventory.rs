//! Stock by SKU code on the backend: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::inventory_store!(crate::PgStore);
