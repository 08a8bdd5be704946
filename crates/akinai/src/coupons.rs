//! `akinai coupons create|list` (issue #23, item 6): coupons made from the command line for
//! scripted campaigns, audited as `cli:NAME`. The options are the admin form's fields, parsed by
//! the same rules (`akinai_domain::coupon_input`); every bad option is reported at once, in
//! Japanese, by its option name.

use akinai_core::CoreError;
use akinai_domain::coupon::Off;
use akinai_domain::coupon_input::CouponInput;
use akinai_store::coupons::Coupon;

use crate::config::Config;

/// `akinai coupons …`.
#[derive(Debug, clap::Subcommand)]
pub enum CouponsCommand {
    /// Makes a coupon.
    Create(Box<CreateArgs>),
    /// Lists the newest coupons with their rules and uses.
    List {
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// `akinai coupons create --code CODE (--percent N | --amount YEN) … --by NAME`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("off").required(true).args(["percent", "amount"])))]
pub struct CreateArgs {
    /// The code shoppers type (letters, digits, - and _; case and width do not matter).
    #[arg(long, value_name = "CODE")]
    code: String,
    /// Percent off the targeted items (1–100).
    #[arg(long, value_name = "N")]
    percent: Option<String>,
    /// Yen off (at most the targeted items' total).
    #[arg(long, value_name = "YEN")]
    amount: Option<String>,
    /// Minimum items total, tax included.
    #[arg(long, value_name = "YEN")]
    min: Option<String>,
    /// Orders that may use it in all.
    #[arg(long, value_name = "N")]
    uses: Option<String>,
    /// Orders one shopper (by e-mail address) may use it for.
    #[arg(long, value_name = "N")]
    per_customer: Option<String>,
    /// First valid day (Japan time), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last valid day (Japan time, the whole day), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only for a shopper's first order.
    #[arg(long)]
    first_order_only: bool,
    /// Only for these product IDs (comma-separated).
    #[arg(long, value_name = "IDS")]
    products: Option<String>,
    /// Only for products in these category IDs and their subcategories (comma-separated).
    #[arg(long, value_name = "IDS")]
    categories: Option<String>,
    /// Who makes it (recorded in the audit trail as cli:NAME).
    #[arg(long, value_name = "NAME")]
    by: String,
}

impl CreateArgs {
    fn input(&self) -> CouponInput {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        CouponInput {
            code: self.code.clone(),
            kind: if self.percent.is_some() {
                "percent"
            } else {
                "amount"
            }
            .into(),
            value: self
                .percent
                .clone()
                .or_else(|| self.amount.clone())
                .unwrap_or_default(),
            min_purchase: s(&self.min),
            max_uses: s(&self.uses),
            per_customer: s(&self.per_customer),
            valid_from: s(&self.from),
            valid_until: s(&self.until),
            first_order_only: if self.first_order_only { "1" } else { "" }.into(),
            products: s(&self.products),
            categories: s(&self.categories),
        }
    }

    /// The option a form field came from, for messages.
    fn option_of(&self, field: &str) -> &'static str {
        match field {
            "code" => "--code",
            "value" if self.percent.is_some() => "--percent",
            "value" | "kind" => "--amount",
            "min_purchase" => "--min",
            "max_uses" => "--uses",
            "per_customer" => "--per-customer",
            "valid_from" => "--from",
            "valid_until" => "--until",
            "products" => "--products",
            "categories" => "--categories",
            _ => "--by",
        }
    }
}

/// Why an option was refused, in Japanese.
fn why(option: &str) -> &'static str {
    match option {
        "--code" => "英数字・ハイフン・アンダースコアで 3〜32 文字にしてください",
        "--percent" => "1〜100 の整数にしてください",
        "--amount" => "1 円以上の整数(円)にしてください",
        "--from" | "--until" => "YYYY-MM-DD の日付にしてください(--until は --from より後)",
        "--products" => "商品 ID をカンマ区切りで指定してください",
        "--categories" => "カテゴリ ID をカンマ区切りで指定してください",
        _ => "0 以上の整数にしてください",
    }
}

/// One line of `coupons list`.
fn describe(c: &Coupon) -> String {
    let r = &c.rule;
    let off = match r.off {
        Off::Percent(p) => format!("{p}%引"),
        Off::Amount(a) => format!("{}引", a.display()),
    };
    let limit = |n: Option<u32>| n.map_or("無制限".to_string(), |n| n.to_string());
    let day = |t: Option<chrono::DateTime<chrono::Utc>>, back: i64| {
        t.map_or("-".to_string(), |t| {
            (t + chrono::Duration::hours(9) - chrono::Duration::days(back))
                .format("%Y-%m-%d")
                .to_string()
        })
    };
    format!(
        "{}\t{}\t最低 {}\t利用 {}/{}\t1人 {}\t期間 {}〜{}{}{}{}{}",
        c.code,
        off,
        r.min_purchase.display(),
        c.used,
        limit(r.max_uses),
        limit(r.per_customer),
        day(r.valid_from, 0),
        day(r.valid_until, 1),
        if r.first_order_only {
            "\t初回のみ"
        } else {
            ""
        },
        if r.products.is_empty() {
            String::new()
        } else {
            format!(
                "\t対象 {}",
                r.products
                    .iter()
                    .map(|p| p.0.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        },
        if r.categories.is_empty() {
            String::new()
        } else {
            let ids: Vec<String> = r.categories.iter().map(|c| c.0.to_string()).collect();
            format!("\t対象カテゴリ {}", ids.join(","))
        },
        if c.disabled { "\t停止中" } else { "" },
    )
}

/// Runs a `coupons` command.
pub async fn run(config: &Config, command: CouponsCommand) -> anyhow::Result<()> {
    let shop = crate::build_shop(config).await?;
    match command {
        CouponsCommand::Create(args) => {
            match shop
                .coupons()
                .create_from_cli(&args.input(), &args.by)
                .await
            {
                Ok(c) => println!("クーポンを作成しました:\n{}", describe(&c)),
                Err(CoreError::InvalidFields(errors)) => {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|(field, _)| {
                            let option = args.option_of(field);
                            format!("  {option}: {}", why(option))
                        })
                        .collect();
                    anyhow::bail!("クーポンを作成できません:\n{}", lines.join("\n"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        CouponsCommand::List { limit } => {
            let coupons = shop.coupons().list(limit).await?;
            if coupons.is_empty() {
                println!("クーポンはまだありません。");
            }
            for c in &coupons {
                println!("{}", describe(c));
            }
        }
    }
    Ok(())
}
