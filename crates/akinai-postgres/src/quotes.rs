//! Quotes (ADR 049): the shared statements of `akinai-sql`.

akinai_sql::quote_store!(crate::PgStore);
