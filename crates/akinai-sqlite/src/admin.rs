//! Admin accounts, enrolment links and admin sessions on SQLite: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::admin_store!(crate::SqliteStore);
