//! The shop's view of its members for SQLite: the customer list (newest first, keyset on id, on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::customer_admin_store!(crate::PgStore);
