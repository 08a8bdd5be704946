//! Issued documents on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::document_store!(crate::PgStore);
