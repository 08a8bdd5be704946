//! Passkeys, the address book, profile changes and account erasure on PostgreSQL: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::member_store!(crate::PgStore);
