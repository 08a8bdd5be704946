//! Reading customers: Shopify's customer export (current `Default Address …` headers and the
//! older `Address1`, `Province Code`, …), EC-CUBE 4's 会員 CSV (お名前(姓)/(名), フリガナ in
//! お名前(セイ)/(メイ), 都道府県 by name or ID) and akinai's own (`akinai export customers`), one
//! customer per row. Japanese names are written family name first (「山田 花子」). Passwords are
//! never read, whatever columns the file has.

use std::io::Read;

use akinai_domain::address_book::RecipientInput;
use akinai_domain::transfer::{prefecture_code, ImportedCustomer};

use crate::decode::{decode, TextEncoding};
use crate::products::missing;
use crate::table::{Limited, Limits, Row, Table, TableError};
use crate::{FileError, Format, RowIssue};

/// The columns a format's customer file is read from.
struct Columns {
    email: Option<usize>,
    family: Option<usize>,
    given: Option<usize>,
    /// A whole name (akinai's file).
    name: Option<usize>,
    kana: [Option<usize>; 2],
    phone: Option<usize>,
    marketing: Option<usize>,
    postal: Option<usize>,
    prefecture: Option<usize>,
    city: Option<usize>,
    line1: Option<usize>,
    line2: Option<usize>,
    address_name: Option<usize>,
    address_phone: Option<usize>,
}

impl Columns {
    fn of(t: &Table<Box<dyn Read + Send>>, format: Format) -> Columns {
        let c = |names: &[&str]| t.column(names);
        match format {
            Format::Shopify => Columns {
                email: c(&["Email"]),
                family: c(&["Last Name"]),
                given: c(&["First Name"]),
                name: None,
                kana: [None, None],
                phone: c(&["Phone"]),
                marketing: c(&["Accepts Email Marketing", "Accepts Marketing"]),
                postal: c(&["Default Address Zip", "Zip"]),
                prefecture: c(&["Default Address Province Code", "Province Code"]),
                city: c(&["Default Address City", "City"]),
                line1: c(&["Default Address Address1", "Address1"]),
                line2: c(&["Default Address Address2", "Address2"]),
                address_name: None,
                address_phone: c(&["Default Address Phone"]),
            },
            Format::EcCube => Columns {
                email: c(&["メールアドレス"]),
                family: c(&["お名前(姓)"]),
                given: c(&["お名前(名)"]),
                name: None,
                kana: [c(&["お名前(セイ)"]), c(&["お名前(メイ)"])],
                phone: c(&["TEL", "電話番号"]),
                marketing: c(&["メルマガ", "メールマガジン", "メルマガ配信"]),
                postal: c(&["郵便番号"]),
                prefecture: c(&["都道府県(名称)", "都道府県(ID)", "都道府県"]),
                city: c(&["住所1"]),
                line1: c(&["住所2"]),
                line2: None,
                address_name: None,
                address_phone: None,
            },
            Format::Akinai => Columns {
                email: c(&["email"]),
                family: None,
                given: None,
                name: c(&["name"]),
                kana: [c(&["address_kana"]), None],
                phone: c(&["phone"]),
                marketing: c(&["marketing"]),
                postal: c(&["postal_code"]),
                prefecture: c(&["prefecture"]),
                city: c(&["city"]),
                line1: c(&["line1"]),
                line2: c(&["line2"]),
                address_name: c(&["address_name"]),
                address_phone: c(&["address_phone"]),
            },
        }
    }

    fn customer(&self, row: &Row) -> ImportedCustomer {
        let join = |a: &str, b: &str| {
            [a, b]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let name = match self.name {
            Some(_) => row.get(self.name).to_string(),
            None => join(row.get(self.family), row.get(self.given)),
        };
        let consent = row.get(self.marketing).to_lowercase();
        ImportedCustomer {
            row: row.number,
            email: row.get(self.email).to_string(),
            name,
            phone: row.get(self.phone).to_string(),
            marketing: matches!(
                consent.as_str(),
                "yes" | "true" | "1" | "subscribed" | "希望する"
            ),
            address: RecipientInput {
                name: row.get(self.address_name).to_string(),
                name_kana: join(row.get(self.kana[0]), row.get(self.kana[1])),
                phone: row.get(self.address_phone).to_string(),
                postal_code: row.get(self.postal).to_string(),
                prefecture: prefecture_code(row.get(self.prefecture)),
                city: row.get(self.city).to_string(),
                line1: row.get(self.line1).to_string(),
                line2: row.get(self.line2).to_string(),
            },
            issues: Vec::new(),
        }
    }
}

/// Customers one row at a time, then the issues of rows that are no customer.
pub struct CustomerReader {
    table: Table<Box<dyn Read + Send>>,
    columns: Columns,
    pub encoding: TextEncoding,
    pub format: Format,
    issues: Vec<RowIssue>,
    done: bool,
}

/// Opens a customer file: decoded, header read, format asked for or told by the header.
pub fn read_customers(
    input: impl Read + Send + 'static,
    format: Option<Format>,
    limits: Limits,
) -> Result<CustomerReader, FileError> {
    let (encoding, text) = decode(Limited::new(input, limits.max_bytes))?;
    let boxed: Box<dyn Read + Send> = Box::new(text);
    let table = Table::open(boxed, limits)?;
    let has = |names: &[&str]| table.column(names).is_some();
    let detected = if has(&["email"]) && has(&["name"]) && !has(&["First Name"]) {
        Some(Format::Akinai)
    } else if has(&["Email"]) && has(&["First Name"]) {
        Some(Format::Shopify)
    } else if has(&["メールアドレス"]) && has(&["お名前(姓)"]) {
        Some(Format::EcCube)
    } else {
        None
    };
    let Some(format) = format.or(detected) else {
        return Err(FileError::error(1, "", &table.header.join(","), "ヘッダーから形式が分かりません(Shopify・EC-CUBE・akinai の顧客CSVを、ヘッダー行付きで読み込んでください)"));
    };
    let columns = Columns::of(&table, format);
    let mut absent = Vec::new();
    if columns.email.is_none() {
        absent.push(match format {
            Format::EcCube => "メールアドレス",
            Format::Shopify => "Email",
            Format::Akinai => "email",
        });
    }
    if columns.name.is_none() && columns.family.is_none() && columns.given.is_none() {
        absent.push(match format {
            Format::EcCube => "お名前(姓)",
            Format::Shopify => "Last Name",
            Format::Akinai => "name",
        });
    }
    if !absent.is_empty() {
        return Err(missing(format, &absent));
    }
    Ok(CustomerReader {
        table,
        columns,
        encoding,
        format,
        issues: Vec::new(),
        done: false,
    })
}

impl CustomerReader {
    /// Issues of rows that are no customer (ragged rows, over-long cells).
    pub fn take_issues(&mut self) -> Vec<RowIssue> {
        std::mem::take(&mut self.issues)
    }
}

impl Iterator for CustomerReader {
    type Item = Result<ImportedCustomer, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.table.next_row() {
                Ok(Some(row)) => return Some(Ok(self.columns.customer(&row))),
                Ok(None) => self.done = true,
                Err(TableError::Row(issue)) => self.issues.push(issue),
                Err(TableError::File(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
