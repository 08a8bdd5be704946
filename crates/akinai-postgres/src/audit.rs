//! The audit trail: the shared statements (`akinai_sql`, ADR 020; an advisory lock serialises
//! appends from every node).

akinai_sql::audit_store!(crate::PgStore);
