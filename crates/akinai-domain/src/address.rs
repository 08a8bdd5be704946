//! Contact and address data of a Japanese shopper, as parsed newtypes: a value of these types is
//! valid by construction. Input is NFKC-normalised first, so full-width digits and hyphens typed on
//! a phone keyboard (`１２３－４５６７`) are accepted and stored in their canonical form.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Why a field was rejected; the web layer turns these into translated messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("required")]
    Required,
    /// Longer than the field's limit (in characters).
    #[error("too long (at most {0} characters)")]
    TooLong(usize),
    #[error("invalid format")]
    Invalid,
    /// A character delivery labels cannot print (see [`printable_on_labels`]).
    #[error("{0:?} cannot be printed on a delivery label")]
    Unprintable(char),
    /// A delivery date or time slot chosen for a method that takes none (メール便).
    #[error("this shipping method takes no delivery date or time")]
    NoDeliveryChoice,
    /// A well-formed postal code that Japan Post's data does not know.
    #[error("unknown postal code")]
    UnknownPostalCode,
    /// The postal code belongs to another prefecture than the one chosen (this one).
    #[error("the postal code is in {0:?}")]
    PostalCodeElsewhere(Prefecture),
}

impl FieldError {
    /// The catalogue key of the message shown next to the field.
    pub fn message_key(self) -> &'static str {
        match self {
            FieldError::Required => "error.required",
            FieldError::TooLong(_) => "error.too_long",
            FieldError::Invalid => "error.invalid",
            FieldError::Unprintable(_) => "error.unprintable",
            FieldError::UnknownPostalCode => "error.postal_unknown",
            FieldError::NoDeliveryChoice => "error.no_delivery_choice",
            FieldError::PostalCodeElsewhere(_) => "error.postal_elsewhere",
        }
    }

    /// The catalogue key of the message with its values named (see [`FieldError::message_args`]);
    /// [`FieldError::message_key`] is the wording without them, for forms that pass keys only.
    pub fn detailed_key(self) -> &'static str {
        match self {
            FieldError::TooLong(_) => "error.too_long_max",
            other => other.message_key(),
        }
    }

    /// The values the message names, as `{name}` placeholders of the catalogue text: the limit,
    /// the refused character, the prefecture the postal code belongs to.
    pub fn message_args(self) -> Vec<(&'static str, String)> {
        match self {
            FieldError::TooLong(max) => vec![("max", max.to_string())],
            FieldError::Unprintable(c) => vec![("char", c.to_string())],
            FieldError::PostalCodeElsewhere(p) => {
                vec![("prefecture", p.name_ja().to_string())]
            }
            FieldError::Required
            | FieldError::Invalid
            | FieldError::UnknownPostalCode
            | FieldError::NoDeliveryChoice => Vec::new(),
        }
    }
}

/// Whether a character can be printed on a delivery label. Carriers' label systems (ヤマト B2,
/// 佐川 e飛伝, 日本郵便 ゆうプリ) take Shift_JIS (windows-31j) data, so a character is printable
/// when it has a Shift_JIS code; emoji, most CJK Extension characters and other scripts do not.
/// Input is NFKC-normalised before this check, so ①, ㈱ and half-width kana arrive in forms
/// that pass.
pub fn printable_on_labels(c: char) -> bool {
    let mut buf = [0u8; 4];
    // Characters CP932 spells differently (〜 U+301C is its ～ U+FF5E) are written in its
    // spelling on export, so they print.
    let mapped = crate::transfer::sjis_compatible(c.encode_utf8(&mut buf));
    let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&mapped);
    !unmappable
}

/// Text that goes onto a delivery label (names, address lines): [`parse_text`] and every
/// character printable (the first one that is not is named in the error).
pub fn parse_label_text(input: &str, max_chars: usize) -> Result<String, FieldError> {
    let s = parse_text(input, max_chars)?;
    match s.chars().find(|c| !printable_on_labels(*c)) {
        Some(c) => Err(FieldError::Unprintable(c)),
        None => Ok(s),
    }
}

/// Optional label text: empty input is `None`.
pub fn parse_optional_label_text(
    input: &str,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    match parse_label_text(input, max_chars) {
        Err(FieldError::Required) => Ok(None),
        other => other.map(Some),
    }
}

fn nfkc_trim(input: &str) -> String {
    input.nfkc().collect::<String>().trim().to_string()
}

/// Folds the many dash characters people type into an ASCII hyphen.
fn ascii_hyphens(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ' => '-',
            c => c,
        })
        .collect()
}

/// Free text such as a name or an address line: required, bounded, no control characters
/// (which also keeps CR/LF out of anything that might reach a mail header, SWS-8).
pub fn parse_text(input: &str, max_chars: usize) -> Result<String, FieldError> {
    let s = nfkc_trim(input);
    if s.is_empty() {
        return Err(FieldError::Required);
    }
    // The limit holds for what was typed or for its normalised form, whichever is shorter:
    // half-width カナ shrink under NFKC (ｶﾞ → ガ) while a few symbols grow (¨ → space +
    // combining mark), and neither should push a field that looks short enough over its limit.
    if s.chars().count() > max_chars && input.trim().chars().count() > max_chars {
        return Err(FieldError::TooLong(max_chars));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::Invalid);
    }
    Ok(s)
}

/// Optional free text: empty input is `None`.
pub fn parse_optional_text(input: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    match parse_text(input, max_chars) {
        Err(FieldError::Required) => Ok(None),
        other => other.map(Some),
    }
}

/// 郵便番号, stored as `123-4567`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(input: &str) -> Result<PostalCode, FieldError> {
        let s = ascii_hyphens(&nfkc_trim(input));
        let s = s.strip_prefix('〒').unwrap_or(&s).trim().to_string();
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        let hyphens = s.chars().filter(|c| *c == '-').count();
        let well_placed = hyphens == 0 || (hyphens == 1 && s.find('-') == Some(3));
        if digits.len() != 7 || !digits.chars().all(|c| c.is_ascii_digit()) || !well_placed {
            return Err(FieldError::Invalid);
        }
        Ok(PostalCode(format!("{}-{}", &digits[..3], &digits[3..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the code against Japan Post's data: it must exist and belong to `prefecture`
    /// (the shipping fee follows the prefecture, so a mismatch would charge the wrong fee and
    /// send the parcel astray). A code of two prefectures is accepted with either.
    pub fn check_prefecture(&self, prefecture: Prefecture) -> Result<(), FieldError> {
        let found = akinai_postal::prefectures(&self.0);
        if found.contains(&prefecture.code()) {
            return Ok(());
        }
        match found.first().copied().and_then(Prefecture::from_code) {
            Some(elsewhere) => Err(FieldError::PostalCodeElsewhere(elsewhere)),
            None => Err(FieldError::UnknownPostalCode),
        }
    }
}

/// 電話番号: a domestic number of 10 or 11 digits starting with 0, hyphens allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, FieldError> {
        let s = ascii_hyphens(&nfkc_trim(input));
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        if !s.chars().all(|c| c.is_ascii_digit() || c == '-') || s.contains("--") {
            return Err(FieldError::Invalid);
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if !(10..=11).contains(&digits.len()) || !digits.starts_with('0') {
            return Err(FieldError::Invalid);
        }
        Ok(Phone(s.trim_matches('-').to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked for a plausible shape (the confirmation mail proves it works).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, FieldError> {
        let s = nfkc_trim(input);
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        if s.len() > 254 {
            return Err(FieldError::TooLong(254));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(FieldError::Invalid);
        };
        let allowed_local =
            |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
        let allowed_domain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
        let ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(allowed_local)
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(allowed_domain);
        if !ok {
            return Err(FieldError::Invalid);
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// フリガナ: katakana (or hiragana, converted to katakana) and spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kana(String);

impl Kana {
    /// Longest reading, in characters.
    pub const MAX: usize = 100;

    pub fn parse(input: &str) -> Result<Kana, FieldError> {
        let s = parse_text(input, Kana::MAX)?;
        let s: String = s
            .chars()
            .map(|c| match c {
                '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                c => c,
            })
            .collect();
        let ok = s
            .chars()
            .all(|c| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '\u{3000}'));
        if !ok {
            return Err(FieldError::Invalid);
        }
        Ok(Kana(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! prefectures {
    ($($code:literal $variant:ident $ja:literal $en:literal),* $(,)?) => {
        /// The 47 prefectures (都道府県), numbered by their JIS X 0401 codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Prefecture { $($variant),* }

        impl Prefecture {
            pub const ALL: [Prefecture; 47] = [$(Prefecture::$variant),*];

            /// JIS X 0401 code, 1 (Hokkaido) to 47 (Okinawa).
            pub fn code(self) -> u8 {
                match self { $(Prefecture::$variant => $code),* }
            }

            pub fn name_ja(self) -> &'static str {
                match self { $(Prefecture::$variant => $ja),* }
            }

            pub fn name_en(self) -> &'static str {
                match self { $(Prefecture::$variant => $en),* }
            }
        }
    };
}

prefectures! {
    1 Hokkaido "北海道" "Hokkaido", 2 Aomori "青森県" "Aomori", 3 Iwate "岩手県" "Iwate",
    4 Miyagi "宮城県" "Miyagi", 5 Akita "秋田県" "Akita", 6 Yamagata "山形県" "Yamagata",
    7 Fukushima "福島県" "Fukushima", 8 Ibaraki "茨城県" "Ibaraki", 9 Tochigi "栃木県" "Tochigi",
    10 Gunma "群馬県" "Gunma", 11 Saitama "埼玉県" "Saitama", 12 Chiba "千葉県" "Chiba",
    13 Tokyo "東京都" "Tokyo", 14 Kanagawa "神奈川県" "Kanagawa", 15 Niigata "新潟県" "Niigata",
    16 Toyama "富山県" "Toyama", 17 Ishikawa "石川県" "Ishikawa", 18 Fukui "福井県" "Fukui",
    19 Yamanashi "山梨県" "Yamanashi", 20 Nagano "長野県" "Nagano", 21 Gifu "岐阜県" "Gifu",
    22 Shizuoka "静岡県" "Shizuoka", 23 Aichi "愛知県" "Aichi", 24 Mie "三重県" "Mie",
    25 Shiga "滋賀県" "Shiga", 26 Kyoto "京都府" "Kyoto", 27 Osaka "大阪府" "Osaka",
    28 Hyogo "兵庫県" "Hyogo", 29 Nara "奈良県" "Nara", 30 Wakayama "和歌山県" "Wakayama",
    31 Tottori "鳥取県" "Tottori", 32 Shimane "島根県" "Shimane", 33 Okayama "岡山県" "Okayama",
    34 Hiroshima "広島県" "Hiroshima", 35 Yamaguchi "山口県" "Yamaguchi", 36 Tokushima "徳島県" "Tokushima",
    37 Kagawa "香川県" "Kagawa", 38 Ehime "愛媛県" "Ehime", 39 Kochi "高知県" "Kochi",
    40 Fukuoka "福岡県" "Fukuoka", 41 Saga "佐賀県" "Saga", 42 Nagasaki "長崎県" "Nagasaki",
    43 Kumamoto "熊本県" "Kumamoto", 44 Oita "大分県" "Oita", 45 Miyazaki "宮崎県" "Miyazaki",
    46 Kagoshima "鹿児島県" "Kagoshima", 47 Okinawa "沖縄県" "Okinawa",
}

impl Prefecture {
    pub fn from_code(code: u8) -> Option<Prefecture> {
        Prefecture::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Parses a form value: the JIS code as a number.
    pub fn parse(input: &str) -> Result<Prefecture, FieldError> {
        let s = nfkc_trim(input);
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        s.parse::<u8>()
            .ok()
            .and_then(Prefecture::from_code)
            .ok_or(FieldError::Invalid)
    }
}

/// A Japanese delivery address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub postal_code: PostalCode,
    pub prefecture: Prefecture,
    /// 市区町村.
    pub city: String,
    /// 番地.
    pub line1: String,
    /// 建物名・部屋番号 (optional).
    pub line2: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_text_limit_holds_for_what_was_typed_even_where_normalising_lengthens_it() {
        // ¨ (U+00A8) becomes a space and a combining mark under NFKC: 20 typed, 21 normalised.
        let typed = "FȺÑ<㸂|ég¨īè$đĀ9|T𯵴íë";
        assert_eq!(typed.chars().count(), 20);
        assert!(parse_text(typed, 20).is_ok());
        // Half-width カナ shrink: ｶﾞ is two typed characters and one normalised.
        assert_eq!(parse_text("ｶﾞｶﾞ", 2).unwrap(), "ガガ");
        assert_eq!(
            parse_text(&"あ".repeat(21), 20),
            Err(FieldError::TooLong(20))
        );
    }

    #[test]
    fn postal_codes_are_normalised() {
        assert_eq!(PostalCode::parse("123-4567").unwrap().as_str(), "123-4567");
        assert_eq!(PostalCode::parse("1234567").unwrap().as_str(), "123-4567");
        assert_eq!(
            PostalCode::parse("１２３－４５６７").unwrap().as_str(),
            "123-4567"
        );
        assert_eq!(
            PostalCode::parse("〒150-0001").unwrap().as_str(),
            "150-0001"
        );
        for bad in [
            "12-34567",
            "123-456",
            "abc-defg",
            "1234-567",
            "123--4567",
            "123 4567",
        ] {
            assert_eq!(PostalCode::parse(bad), Err(FieldError::Invalid), "{bad}");
        }
        assert_eq!(PostalCode::parse("  "), Err(FieldError::Required));
    }

    #[test]
    fn phones_are_domestic_numbers() {
        assert_eq!(
            Phone::parse("03-1234-5678").unwrap().as_str(),
            "03-1234-5678"
        );
        assert_eq!(
            Phone::parse("０９０１２３４５６７８").unwrap().as_str(),
            "09012345678"
        );
        for bad in [
            "1234567890",
            "03-1234-567",
            "+81312345678",
            "090-1234-5678x",
            "0-",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_plausible_shape() {
        assert!(Email::parse("hanako@example.jp").is_ok());
        for bad in [
            "hanako",
            "@example.jp",
            "a@b",
            "a@.jp",
            "a b@example.jp",
            "a@example.jp\r\nBcc: x@y.z",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kana_accepts_hiragana_as_katakana() {
        assert_eq!(
            Kana::parse("やまだ はなこ").unwrap().as_str(),
            "ヤマダ ハナコ"
        );
        assert_eq!(Kana::parse("ﾔﾏﾀﾞ").unwrap().as_str(), "ヤマダ");
        assert!(Kana::parse("山田").is_err());
    }

    #[test]
    fn text_rejects_control_characters() {
        assert_eq!(parse_text("a\r\nBcc: x", 50), Err(FieldError::Invalid));
        assert_eq!(
            parse_text(&"あ".repeat(51), 50),
            Err(FieldError::TooLong(50))
        );
        assert_eq!(parse_optional_text("  ", 50), Ok(None));
    }

    #[test]
    fn label_text_refuses_what_carriers_cannot_print_and_names_it() {
        assert_eq!(
            parse_label_text("山田 花子", 50),
            Ok("山田 花子".to_string())
        );
        assert_eq!(parse_label_text("髙橋", 50), Ok("髙橋".to_string()));
        assert_eq!(
            parse_label_text("ｶﾌﾞｼｷｶﾞｲｼｬ ①", 50),
            Ok("カブシキガイシャ 1".to_string()),
            "NFKC first: half-width kana and circled digits pass"
        );
        assert_eq!(
            parse_label_text("はなこ😀", 50),
            Err(FieldError::Unprintable('😀'))
        );
        assert_eq!(
            parse_label_text("𠮷野家", 50),
            Err(FieldError::Unprintable('𠮷'))
        );
        assert_eq!(
            parse_label_text("Ñandú", 50),
            Err(FieldError::Unprintable('Ñ'))
        );
        assert_eq!(parse_optional_label_text(" ", 50), Ok(None));
        assert_eq!(
            FieldError::Unprintable('😀').message_args(),
            vec![("char", "😀".to_string())]
        );
    }

    #[test]
    fn postal_codes_must_belong_to_the_prefecture() {
        let code = |s: &str| PostalCode::parse(s).unwrap();
        assert_eq!(code("150-0001").check_prefecture(Prefecture::Tokyo), Ok(()));
        assert_eq!(
            code("060-0001").check_prefecture(Prefecture::Tokyo),
            Err(FieldError::PostalCodeElsewhere(Prefecture::Hokkaido))
        );
        assert_eq!(
            code("000-0000").check_prefecture(Prefecture::Tokyo),
            Err(FieldError::UnknownPostalCode)
        );
        for pref in [Prefecture::Aichi, Prefecture::Mie] {
            assert_eq!(code("498-0000").check_prefecture(pref), Ok(()), "{pref:?}");
        }
    }

    #[test]
    fn there_are_47_prefectures_with_unique_codes() {
        let mut codes: Vec<u8> = Prefecture::ALL.iter().map(|p| p.code()).collect();
        codes.dedup();
        assert_eq!(codes, (1..=47).collect::<Vec<_>>());
        assert_eq!(Prefecture::parse("13"), Ok(Prefecture::Tokyo));
        assert_eq!(Prefecture::parse("48"), Err(FieldError::Invalid));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = PostalCode::parse(&s);
            let _ = Phone::parse(&s);
            let _ = Email::parse(&s);
            let _ = Kana::parse(&s);
            let _ = Prefecture::parse(&s);
        }

        #[test]
        fn parsed_postal_codes_reparse_to_themselves(d in "[0-9]{7}") {
            let p = PostalCode::parse(&d).unwrap();
            prop_assert_eq!(PostalCode::parse(p.as_str()).unwrap(), p);
        }
    }
}
