//! The audit trail: the shared statements (`akinai_sql`, ADR 020; one writer serialises appends).

akinai_sql::audit_store!(crate::SqliteStore);
