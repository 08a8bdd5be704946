//! API tokens on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::api_token_store!(crate::PgStore);
