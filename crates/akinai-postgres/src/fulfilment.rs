//! The admin order list, status steps and order notes: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::fulfilment_store!(crate::PgStore);
