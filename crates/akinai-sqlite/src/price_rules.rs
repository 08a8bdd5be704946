//! Price rules: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::price_rule_store!(crate::SqliteStore);
