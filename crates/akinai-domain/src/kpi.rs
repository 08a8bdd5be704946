//! Figures of the dashboard (admin issue, item 9), computed without IO: percentiles of the time
//! to confirmation and the funnel's step-to-step rates.

/// The `p`-th percentile (0–100) of `values` by the nearest-rank method; `None` when empty.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    // Nearest rank: ceil(p/100 × n), at least 1.
    let rank = (usize::try_from(p.min(100)).unwrap_or(100) * n)
        .div_ceil(100)
        .max(1);
    sorted.get(rank - 1).copied()
}

/// `part` of `whole` in percent with one decimal (`None` when `whole` is zero).
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| {
        let tenths = (part.saturating_mul(1000) + whole / 2) / whole;
        // Tenths of a percent fit f64 exactly.
        #[allow(clippy::cast_precision_loss)]
        let r = tenths as f64 / 10.0;
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 95), Some(95));
        assert_eq!(percentile(&v, 100), Some(100));
        assert_eq!(percentile(&[7, 3, 5], 50), Some(5));
        assert_eq!(percentile(&[42], 95), Some(42));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn rates_in_tenths_of_a_percent() {
        assert_eq!(rate(1, 3), Some(33.3));
        assert_eq!(rate(2, 3), Some(66.7));
        assert_eq!(rate(0, 5), Some(0.0));
        assert_eq!(rate(1, 0), None);
    }
}
