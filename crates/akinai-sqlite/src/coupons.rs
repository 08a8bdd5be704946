//! Coupons and their uses: the shared statements (`akinai_sql`, ADR 020).

akinai_sql::coupon_store!(crate::SqliteStore);
