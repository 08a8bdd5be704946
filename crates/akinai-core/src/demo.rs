//! The demo catalog: a realistic Japanese shop that `akinai serve --demo` seeds into an empty
//! store, and that benchmarks scale up to any size. Deterministic (no randomness), so every run
//! and every test sees the same shop.

use akinai_domain::catalog::{NewProduct, NewSku};
use akinai_domain::ids::CategoryId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::settings::ShopSettings;
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;
use std::sync::Arc;

use akinai_store::{CatalogStore, NewCategory, SettingsStore, StoreError};

use crate::CoreError;

/// How a demo category's products are generated.
struct Line {
    slug: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    tax: TaxCategory,
    /// (base name, base price in yen)
    items: &'static [(&'static str, i64)],
    /// Name suffixes that make separate products (colours, flavours, sizes of a pack).
    kinds: &'static [&'static str],
    /// Whether the kinds cost more along the list (sizes, packs); colours cost the same.
    kinds_priced: bool,
    /// Options that become SKUs of one product; empty for single-SKU products.
    options: &'static [&'static str],
    blurb: &'static str,
}

const LINES: &[Line] = &[
    Line {
        slug: "fashion",
        name: "ファッション",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[],
        kinds: &[],
        kinds_priced: true,
        options: &[],
        blurb: "",
    },
    Line {
        slug: "outer",
        name: "アウター",
        parent: Some("fashion"),
        tax: TaxCategory::Standard,
        items: &[
            ("レザージャケット", 29800),
            ("デニムジャケット", 12800),
            ("ウールコート", 34800),
            ("ダウンジャケット", 24800),
        ],
        kinds: &["黒", "茶", "紺"],
        kinds_priced: false,
        options: &["S", "M", "L"],
        blurb: "長く着られる定番のアウター。国内の工房で一着ずつ仕立てています。",
    },
    Line {
        slug: "leather-goods",
        name: "革小物",
        parent: Some("fashion"),
        tax: TaxCategory::Standard,
        items: &[
            ("本革ベルト", 6600),
            ("本革長財布", 15800),
            ("Leather Card Case", 4400),
            ("本革キーケース", 5500),
            ("革の名刺入れ", 4950),
        ],
        kinds: &["ブラック", "キャメル", "ネイビー"],
        kinds_priced: false,
        options: &[],
        blurb: "栃木レザーを使い、職人が手縫いで仕上げた革小物。使うほどに艶が増します。",
    },
    Line {
        slug: "bags",
        name: "バッグ",
        parent: Some("fashion"),
        tax: TaxCategory::Standard,
        items: &[
            ("帆布トートバッグ", 7700),
            ("レザーショルダーバッグ", 19800),
            ("リュックサック", 13200),
        ],
        kinds: &["生成り", "黒", "オリーブ"],
        kinds_priced: false,
        options: &[],
        blurb: "毎日の荷物をすっきり収める、丈夫なバッグです。",
    },
    Line {
        slug: "food",
        name: "食品",
        parent: None,
        tax: TaxCategory::Reduced,
        items: &[],
        kinds: &[],
        kinds_priced: true,
        options: &[],
        blurb: "",
    },
    Line {
        slug: "tea",
        name: "お茶",
        parent: Some("food"),
        tax: TaxCategory::Reduced,
        items: &[
            ("静岡煎茶", 1080),
            ("宇治抹茶", 2160),
            ("ほうじ茶", 864),
            ("玄米茶", 756),
            ("和紅茶", 1296),
        ],
        kinds: &["100g", "200g", "ティーバッグ20包"],
        kinds_priced: true,
        options: &[],
        blurb: "契約農家から直接仕入れた茶葉を、季節ごとに丁寧に火入れしました。",
    },
    Line {
        slug: "sweets",
        name: "和菓子・お菓子",
        parent: Some("food"),
        tax: TaxCategory::Reduced,
        items: &[
            ("黒糖かりんとう", 540),
            ("栗きんとん", 1944),
            ("抹茶バウムクーヘン", 2376),
            ("手焼きせんべい", 1080),
            ("芋ようかん", 1296),
        ],
        kinds: &["小箱", "中箱", "大箱"],
        kinds_priced: true,
        options: &[],
        blurb: "昔ながらの製法で作るお菓子。ご贈答にもどうぞ。",
    },
    Line {
        slug: "seasoning",
        name: "調味料",
        parent: Some("food"),
        tax: TaxCategory::Reduced,
        items: &[
            ("天然醸造醤油", 972),
            ("米味噌", 1296),
            ("柚子ぽん酢", 756),
            ("本みりん", 1188),
            ("純米酢", 864),
        ],
        kinds: &["300ml", "500ml", "1L"],
        kinds_priced: true,
        options: &[],
        blurb: "蔵元で一年以上熟成させた、まろやかな味わいの調味料です。",
    },
    Line {
        slug: "drinks",
        name: "飲料",
        parent: None,
        tax: TaxCategory::Reduced,
        items: &[
            ("有機りんごジュース", 648),
            ("水出しアイスコーヒー", 1296),
            ("みかんジュース", 540),
            ("炭酸水", 162),
            ("甘酒", 756),
        ],
        kinds: &["1本", "6本セット", "12本セット"],
        kinds_priced: true,
        options: &[],
        blurb: "素材の味をそのまま生かした飲み物です。",
    },
    Line {
        slug: "sake",
        name: "お酒",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("純米吟醸酒", 3300),
            ("芋焼酎", 2640),
            ("梅酒", 1980),
            ("クラフトビール", 495),
            ("赤ワイン", 2970),
        ],
        kinds: &["300ml", "720ml", "1800ml"],
        kinds_priced: true,
        options: &[],
        blurb: "20歳未満の方の飲酒は法律で禁止されています。酒類は標準税率(10%)の対象です。",
    },
    Line {
        slug: "kitchen",
        name: "キッチン用品",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("南部鉄器の急須", 8800),
            ("ステンレス包丁", 11000),
            ("檜のまな板", 5500),
            ("竹のざる", 2200),
            ("銅の卵焼き器", 9900),
        ],
        kinds: &["小", "中", "大"],
        kinds_priced: true,
        options: &[],
        blurb: "台所で長く使える、職人の手仕事による道具です。",
    },
    Line {
        slug: "tableware",
        name: "器・食器",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("有田焼の飯碗", 2750),
            ("美濃焼のマグカップ", 2200),
            ("漆塗りの汁椀", 4400),
            ("ガラスの小鉢", 1650),
            ("木の箸", 1100),
        ],
        kinds: &["白", "藍", "飴色"],
        kinds_priced: false,
        options: &[],
        blurb: "毎日の食卓を彩る器。電子レンジ・食洗機の可否は商品ごとにご確認ください。",
    },
    Line {
        slug: "stationery",
        name: "文具",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("万年筆", 16500),
            ("和紙のノート", 880),
            ("真鍮のボールペン", 3300),
            ("手ぬぐい柄の一筆箋", 440),
            ("革のペンケース", 3850),
        ],
        kinds: &["黒", "赤", "青"],
        kinds_priced: false,
        options: &[],
        blurb: "書く時間が楽しくなる文房具を集めました。",
    },
    Line {
        slug: "interior",
        name: "インテリア",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("い草のラグ", 13200),
            ("木製の掛け時計", 8800),
            ("和紙の照明", 15400),
            ("信楽焼の花器", 6600),
            ("麻のクッションカバー", 3520),
        ],
        kinds: &["ナチュラル", "ダーク", "ホワイト"],
        kinds_priced: false,
        options: &[],
        blurb: "和の素材で、部屋に落ち着きを。",
    },
    Line {
        slug: "beauty",
        name: "美容・コスメ",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("椿油のヘアオイル", 2420),
            ("米ぬか石けん", 990),
            ("柚子のハンドクリーム", 1320),
            ("檜のバスソルト", 1540),
            ("絹のフェイスタオル", 1980),
        ],
        kinds: &["ミニ", "レギュラー", "詰め替え用"],
        kinds_priced: true,
        options: &[],
        blurb: "国産の植物原料を使った、肌にやさしい日用品です。",
    },
    Line {
        slug: "outdoor",
        name: "アウトドア",
        parent: None,
        tax: TaxCategory::Standard,
        items: &[
            ("ステンレスのシェラカップ", 1980),
            ("帆布のチェア", 9900),
            ("LEDランタン", 5280),
            ("焚き火台", 12100),
            ("ウールのブランケット", 8800),
        ],
        kinds: &["ソロ", "ファミリー", "プロ"],
        kinds_priced: true,
        options: &[],
        blurb: "キャンプにもベランダにも。頑丈で手入れのしやすい道具です。",
    },
    Line {
        slug: "gift-cards",
        name: "ギフト券",
        parent: None,
        tax: TaxCategory::NonTaxable,
        items: &[
            ("当店ギフト券", 3000),
            ("当店ギフト券", 5000),
            ("当店ギフト券", 10000),
        ],
        kinds: &["紙券", "カード型"],
        kinds_priced: true,
        options: &[],
        blurb: "当店でお使いいただけるギフト券です(非課税)。有効期限は発行から1年間です。",
    },
];

/// A small deterministic generator (Knuth's MMIX LCG): varied but reproducible stock levels.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound.max(1)
    }
}

/// Products in the demo catalog for one pass over the lines (about 210).
pub fn base_product_count() -> usize {
    LINES.iter().map(|l| l.items.len() * l.kinds.len()).sum()
}

/// Places and styles that set the passes of a scaled catalog apart, so 100,000 products have
/// 100,000 different names (search figures then mean something).
const ORIGINS: [&str; 40] = [
    "京都",
    "静岡",
    "北海道",
    "沖縄",
    "信州",
    "九州",
    "有田",
    "美濃",
    "益子",
    "南部",
    "江戸",
    "加賀",
    "土佐",
    "讃岐",
    "博多",
    "仙台",
    "金沢",
    "奈良",
    "鎌倉",
    "飛騨",
    "越前",
    "備前",
    "萩",
    "会津",
    "津軽",
    "出雲",
    "伊勢",
    "熊野",
    "阿波",
    "薩摩",
    "琉球",
    "房総",
    "秩父",
    "丹波",
    "近江",
    "播州",
    "尾張",
    "甲州",
    "能登",
    "日向",
];
const STYLES: [&str; 20] = [
    "",
    "手仕事の",
    "定番",
    "限定",
    "職人の",
    "季節の",
    "特選",
    "復刻",
    "新作",
    "贈答用",
    "小ぶりの",
    "大きめの",
    "軽い",
    "昔ながらの",
    "上質な",
    "普段使いの",
    "旅の",
    "お試し",
    "家族の",
    "一点ものの",
];

/// The name prefix of pass `pass` of a scaled catalog (`None` for the first, the demo itself).
fn variety(pass: usize) -> Option<String> {
    if pass == 0 {
        return None;
    }
    let n = pass - 1;
    let origin = ORIGINS[n % ORIGINS.len()];
    let style = STYLES[(n / ORIGINS.len()) % STYLES.len()];
    let series = n / (ORIGINS.len() * STYLES.len());
    let more = if series == 0 {
        String::new()
    } else {
        format!("{} ", series + 1)
    };
    Some(format!("{more}{style}{origin}の"))
}

/// Seeds the demo catalog when the store has no products; returns how many were created.
/// `target` products are generated (at least one full pass, e.g. 10,000 for benchmarks);
/// passes after the first prefix names with a place and a style ([`variety`]).
pub async fn seed(store: &dyn CatalogStore, target: usize) -> Result<usize, StoreError> {
    if store.product_count().await? > 0 {
        return Ok(0);
    }
    let mut ids: Vec<(&str, CategoryId)> = Vec::new();
    for (pos, line) in LINES.iter().enumerate() {
        let parent_id = line
            .parent
            .and_then(|p| ids.iter().find(|(s, _)| *s == p).map(|(_, id)| *id));
        let id = store
            .create_category(&NewCategory {
                parent_id,
                slug: line.slug.into(),
                name: line.name.into(),
                position: i64::try_from(pos).unwrap_or(0),
            })
            .await?;
        ids.push((line.slug, id));
    }
    let mut rng = Lcg(20261125);
    let mut made = 0usize;
    let mut pass = 0usize;
    while made < target.max(1) {
        for line in LINES.iter().filter(|l| !l.items.is_empty()) {
            let Some(category_id) = ids.iter().find(|(s, _)| *s == line.slug).map(|(_, id)| *id)
            else {
                continue;
            };
            for (item_no, (item, base)) in line.items.iter().enumerate() {
                for (kind_no, kind) in line.kinds.iter().enumerate() {
                    if made >= target.max(1) {
                        return Ok(made);
                    }
                    let name = match variety(pass) {
                        None => format!("{item} {kind}"),
                        Some(prefix) => format!("{prefix}{item} {kind}"),
                    };
                    let sold_out = rng.next(100) < 8;
                    let step = if line.kinds_priced {
                        i64::try_from(kind_no).unwrap_or(0)
                    } else {
                        0
                    };
                    let price = round_price(base + base * step * 3 / 10);
                    let code_base = format!(
                        "{}-{:02}{:02}-{pass}",
                        line.slug.to_uppercase(),
                        item_no,
                        kind_no
                    );
                    let stock = |rng: &mut Lcg| {
                        if sold_out {
                            0
                        } else {
                            i64::try_from(rng.next(40)).unwrap_or(0) + 1
                        }
                    };
                    let skus = if line.options.is_empty() {
                        vec![NewSku {
                            code: code_base,
                            option_label: String::new(),
                            price: Yen(price),
                            stock: stock(&mut rng),
                        }]
                    } else {
                        line.options
                            .iter()
                            .enumerate()
                            .map(|(o, opt)| NewSku {
                                code: format!("{code_base}-{opt}"),
                                option_label: (*opt).to_string(),
                                price: Yen(price + i64::try_from(o).unwrap_or(0) * 1000),
                                stock: stock(&mut rng),
                            })
                            .collect()
                    };
                    let description = SafeHtml::sanitize(&format!(
                        "<p>{item}({kind})。{}</p><ul><li>カテゴリ: {}</li><li>商品コード: {}</li></ul>",
                        line.blurb,
                        line.name,
                        skus[0].code
                    ));
                    store
                        .create_product(&NewProduct {
                            category_id,
                            name,
                            description,
                            tax_category: line.tax,
                            image_hue: u16::try_from(
                                (item_no * 47 + kind_no * 97 + pass * 13) % 360,
                            )
                            .unwrap_or(0),
                            published: true,
                            skus,
                        })
                        .await?;
                    made += 1;
                }
            }
        }
        pass += 1;
    }
    Ok(made)
}

/// Rounds a generated price to a tidy tax-inclusive amount (tens of yen).
fn round_price(p: i64) -> i64 {
    (p + 5) / 10 * 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_has_at_least_200_products_in_at_least_10_categories() {
        assert!(base_product_count() >= 200, "{}", base_product_count());
        assert!(LINES.len() >= 10);
        assert!(LINES.iter().any(|l| l.tax == TaxCategory::Reduced));
        assert!(LINES.iter().any(|l| l.tax == TaxCategory::Standard));
        assert!(
            LINES.iter().any(|l| !l.options.is_empty()),
            "some products have variants"
        );
    }

    #[test]
    fn the_passes_of_a_100000_product_catalog_all_have_their_own_names() {
        let passes = 100_000 / base_product_count() + 1;
        let prefixes: std::collections::HashSet<String> =
            (1..=passes).filter_map(variety).collect();
        assert_eq!(prefixes.len(), passes, "no prefix repeats");
        assert_eq!(variety(0), None, "the demo itself keeps its names");
        assert_eq!(variety(1).as_deref(), Some("京都の"));
    }
}

/// Seeds the demo shop (`akinai serve --demo`): the starter settings under the demo shop's
/// name and the demo catalog, each only where the store has none yet.
#[derive(Clone)]
pub struct Demo {
    pub(crate) settings_store: Arc<dyn SettingsStore>,
    pub(crate) catalog_store: Arc<dyn CatalogStore>,
}

impl Demo {
    /// Seeds the starter settings and the catalog; returns how many products were created (zero
    /// when the store had some).
    pub async fn seed(&self) -> Result<usize, CoreError> {
        self.seed_with(ShopSettings::starter(DEMO_SHOP)).await
    }

    /// Seeds the demo as `akinai serve --demo` runs it, with its test payment page: all four
    /// payment methods offered, and the many-orders-to-one-address hold rule kept but loosened
    /// (10 a day instead of 3) so that someone trying the README flow a few times is not held.
    pub async fn seed_for_trial(&self) -> Result<usize, CoreError> {
        let mut settings = ShopSettings::starter(DEMO_SHOP);
        settings
            .payment_methods
            .extend([PaymentMethod::Card, PaymentMethod::Konbini]);
        settings.legal.payment_timing = TRIAL_PAYMENT_TIMING.into();
        settings.holds.orders_per_address_per_day = TRIAL_ORDERS_PER_ADDRESS;
        self.seed_with(settings).await
    }

    async fn seed_with(&self, settings: ShopSettings) -> Result<usize, CoreError> {
        if self.settings_store.settings().await?.is_none() {
            self.settings_store.save_settings(&settings).await?;
        }
        Ok(seed(self.catalog_store.as_ref(), base_product_count()).await?)
    }
}

const DEMO_SHOP: &str = "あきない商店";

/// The trial demo's orders to one address a day before one is held for review.
pub const TRIAL_ORDERS_PER_ADDRESS: u32 = 10;

const TRIAL_PAYMENT_TIMING: &str = "クレジットカード:ご注文時に決済されます。コンビニ払い:ご注文後3日以内に店頭でお支払いください。銀行振込:ご注文後7日以内の前払い。代金引換:商品お受け取り時。";
