//! Reading the `Accept-*` request headers: their comma-separated items with weights
//! (`token;q=0.5`, RFC 9110 §12.4.2), shared by language and encoding negotiation.

/// The items of one `Accept-*` value: the token (trimmed) and its weight — `Some(1.0)` when none
/// is given, `None` when the `q` parameter does not parse (each caller decides what that means).
pub fn weighted(value: &str) -> impl Iterator<Item = (&str, Option<f32>)> {
    value
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            let mut params = item.split(';');
            let token = params.next().unwrap_or_default().trim();
            let weight = params
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok());
            (token, weight)
        })
}

#[cfg(test)]
mod tests {
    use super::weighted;

    #[test]
    fn items_come_with_their_weights() {
        let items: Vec<_> = weighted("gzip, br;q=0.5 ,, ja; Q = 0.2, x;q=oops").collect();
        assert_eq!(
            items,
            [
                ("gzip", Some(1.0)),
                ("br", Some(0.5)),
                ("ja", Some(0.2)),
                ("x", None)
            ]
        );
    }
}
