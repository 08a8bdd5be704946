//! 郵便番号から住所入力: what a postal code tells about an address, from Japan Post's data
//! embedded by `akinai-postal`, and the rule that fills an address form from it. The checkout
//! page runs no script (CCSG-V-3), so the form is filled on the server when the shopper presses
//! 「住所を自動入力」; the address book also fills it in the browser from `GET /postal-code/…`.

use serde::Serialize;

pub use akinai_postal::Place;

use crate::address::{PostalCode, Prefecture};

/// One town a code is given to, as the JSON endpoint and the forms show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceView {
    /// JIS X 0401 code, the value of the prefecture `<select>`.
    pub prefecture_code: u8,
    pub prefecture: &'static str,
    pub city: &'static str,
    pub town: &'static str,
    pub prefecture_kana: &'static str,
    pub city_kana: &'static str,
    pub town_kana: &'static str,
}

/// The prefecture names' readings, for the JSON answer.
fn prefecture_kana(p: Prefecture) -> &'static str {
    const KANA: [&str; 47] = [
        "ホッカイドウ",
        "アオモリケン",
        "イワテケン",
        "ミヤギケン",
        "アキタケン",
        "ヤマガタケン",
        "フクシマケン",
        "イバラキケン",
        "トチギケン",
        "グンマケン",
        "サイタマケン",
        "チバケン",
        "トウキョウト",
        "カナガワケン",
        "ニイガタケン",
        "トヤマケン",
        "イシカワケン",
        "フクイケン",
        "ヤマナシケン",
        "ナガノケン",
        "ギフケン",
        "シズオカケン",
        "アイチケン",
        "ミエケン",
        "シガケン",
        "キョウトフ",
        "オオサカフ",
        "ヒョウゴケン",
        "ナラケン",
        "ワカヤマケン",
        "トットリケン",
        "シマネケン",
        "オカヤマケン",
        "ヒロシマケン",
        "ヤマグチケン",
        "トクシマケン",
        "カガワケン",
        "エヒメケン",
        "コウチケン",
        "フクオカケン",
        "サガケン",
        "ナガサキケン",
        "クマモトケン",
        "オオイタケン",
        "ミヤザキケン",
        "カゴシマケン",
        "オキナワケン",
    ];
    KANA.get(usize::from(p.code()) - 1).copied().unwrap_or("")
}

/// Every town the code is given to (empty when Japan Post's data does not know it).
pub fn places(code: &PostalCode) -> Vec<PlaceView> {
    akinai_postal::lookup(code.as_str())
        .into_iter()
        .filter_map(|p| {
            let pref = Prefecture::from_code(p.prefecture)?;
            Some(PlaceView {
                prefecture_code: p.prefecture,
                prefecture: pref.name_ja(),
                city: p.city,
                town: p.town,
                prefecture_kana: prefecture_kana(pref),
                city_kana: p.city_kana,
                town_kana: p.town_kana,
            })
        })
        .collect()
}

/// What filling the form from its postal code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filled {
    /// Prefecture, city and (when the street line was empty) town were filled.
    One,
    /// The code covers several towns: prefecture and city were filled where they agree, and
    /// these are the towns to choose from.
    Several(Vec<String>),
    /// The code is not in Japan Post's data.
    Unknown,
    /// The postal code field does not hold a postal code.
    Malformed,
}

/// The address fields of a form (checkout or address book) that a postal code fills.
pub struct AddressFields<'a> {
    pub postal_code: &'a mut String,
    pub prefecture: &'a mut String,
    pub city: &'a mut String,
    pub line1: &'a mut String,
}

/// `address_fields()` on the forms that hold an address (checkout, address book).
macro_rules! address_fields {
    ($($form:ty),*) => {$(
        impl $form {
            /// The form's address fields, for [`fill`].
            pub fn address_fields(&mut self) -> AddressFields<'_> {
                AddressFields {
                    postal_code: &mut self.postal_code,
                    prefecture: &mut self.prefecture,
                    city: &mut self.city,
                    line1: &mut self.line1,
                }
            }
        }
    )*};
}

address_fields!(
    crate::checkout::CheckoutInput,
    crate::address_book::RecipientInput
);

/// Fills prefecture and city from the postal code, and the town into the street line when the
/// shopper has not typed one yet (the house number is theirs to add). The code itself is
/// rewritten in its canonical form.
pub fn fill(f: AddressFields<'_>) -> Filled {
    let Ok(code) = PostalCode::parse(f.postal_code) else {
        return Filled::Malformed;
    };
    let found = places(&code);
    let Some(first) = found.first() else {
        return Filled::Unknown;
    };
    *f.postal_code = code.as_str().to_string();
    let same = |g: fn(&PlaceView) -> &str| found.iter().all(|p| g(p) == g(first));
    if same(|p| p.prefecture) {
        *f.prefecture = first.prefecture_code.to_string();
        if same(|p| p.city) {
            *f.city = first.city.to_string();
        }
    }
    if found.len() == 1 {
        if f.line1.trim().is_empty() {
            *f.line1 = first.town.to_string();
        }
        return Filled::One;
    }
    Filled::Several(
        found
            .iter()
            .map(|p| format!("{}{}{}", p.prefecture, p.city, p.town))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(code: &str, line1: &str) -> (String, String, String, String) {
        (code.into(), String::new(), String::new(), line1.into())
    }

    fn run(f: &mut (String, String, String, String)) -> Filled {
        fill(AddressFields {
            postal_code: &mut f.0,
            prefecture: &mut f.1,
            city: &mut f.2,
            line1: &mut f.3,
        })
    }

    #[test]
    fn one_town_fills_prefecture_city_and_town() {
        let mut f = form("１５００００１", "");
        assert_eq!(run(&mut f), Filled::One);
        assert_eq!(
            f,
            (
                "150-0001".into(),
                "13".into(),
                "渋谷区".into(),
                "神宮前".into()
            )
        );
    }

    #[test]
    fn a_typed_street_line_is_kept() {
        let mut f = form("150-0001", "神宮前1-2-3");
        assert_eq!(run(&mut f), Filled::One);
        assert_eq!(f.3, "神宮前1-2-3");
    }

    #[test]
    fn a_code_of_two_prefectures_lists_them_and_fills_nothing_uncertain() {
        let mut f = form("498-0000", "");
        let Filled::Several(towns) = run(&mut f) else {
            panic!("several expected")
        };
        assert!(
            towns.iter().any(|t| t.starts_with("愛知県弥富市")),
            "{towns:?}"
        );
        assert!(towns.iter().any(|t| t.starts_with("三重県")), "{towns:?}");
        assert_eq!((f.1.as_str(), f.2.as_str(), f.3.as_str()), ("", "", ""));
    }

    #[test]
    fn unknown_and_malformed_codes_change_nothing() {
        let mut f = form("000-0000", "");
        assert_eq!(run(&mut f), Filled::Unknown);
        let mut g = form("12-34", "");
        assert_eq!(run(&mut g), Filled::Malformed);
        assert_eq!(g, form("12-34", ""));
    }

    #[test]
    fn the_json_view_names_the_prefecture_and_readings() {
        let p = places(&PostalCode::parse("060-0001").unwrap());
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].prefecture_code, p[0].prefecture, p[0].prefecture_kana),
            (1, "北海道", "ホッカイドウ")
        );
        assert_eq!(p[0].city, "札幌市中央区");
    }
}
