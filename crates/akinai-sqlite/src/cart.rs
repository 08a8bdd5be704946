//! Server-side carts for SQLite: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::cart_store!(crate::SqliteStore);
