//! The CSV contract at the command line, run as a real process (CSV issue, item 5):
//! `akinai import products … --dry-run --json --by NAME` and `akinai export … --out FILE`;
//! exit status non-zero on any error in the file, and nothing written then.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_akinai");

fn akinai(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("AKINAI__DATABASE_URL")
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn import_and_export_follow_the_cli_contract() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&akinai(&data, &["migrate"]));
    let file = dir.path().join("products.csv");
    let csv = "Handle,Title,Body (HTML),Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,Variant Price,Variant Taxable,Status\n\
               miso,味噌,<p>赤</p>,食品,軽減税率,TRUE,Title,Default Title,MISO-1,5,648,TRUE,active\n";
    std::fs::write(&file, csv).unwrap();
    let f = file.to_str().unwrap();

    // Dry run, JSON: planned, nothing written.
    let out = ok(&akinai(
        &data,
        &[
            "import",
            "products",
            "--format",
            "shopify",
            f,
            "--dry-run",
            "--json",
            "--by",
            "移行担当",
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["new"], 1);
    assert_eq!(report["applied"], false);
    assert_eq!(report["format"], "shopify");
    // For real: imported; again: nothing to change.
    let out = ok(&akinai(
        &data,
        &[
            "import",
            "products",
            "--format",
            "shopify",
            f,
            "--prices",
            "tax-included",
            "--by",
            "移行担当",
        ],
    ));
    assert!(out.contains("新規 1"), "{out}");
    let out = ok(&akinai(
        &data,
        &["import", "products", f, "--by", "移行担当"],
    ));
    assert!(
        out.contains("変更なし 1") && out.contains("変えるものはありません"),
        "{out}"
    );

    // A broken file: exit 1, the row and column named, nothing written.
    std::fs::write(&file, csv.replace("648", "64.8")).unwrap();
    let out = akinai(&data, &["import", "products", f, "--by", "移行担当"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("行 2 [Variant Price]") && text.contains("何も取り込んでいません"),
        "{text}"
    );

    // Exports: Shift_JIS products and UTF-8 inventory.
    let sjis = dir.path().join("out.csv");
    let out = ok(&akinai(
        &data,
        &[
            "export",
            "products",
            "--format",
            "shopify",
            "--encoding",
            "shift_jis",
            "--out",
            sjis.to_str().unwrap(),
            "--by",
            "移行担当",
        ],
    ));
    assert!(out.contains("wrote 1 rows"), "{out}");
    let bytes = std::fs::read(&sjis).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(
        !bad && text.contains("味噌") && text.contains(",648,"),
        "{text}"
    );
    let inv = dir.path().join("inv.csv");
    let out = ok(&akinai(
        &data,
        &[
            "export",
            "inventory",
            "--out",
            inv.to_str().unwrap(),
            "--json",
            "--by",
            "移行担当",
        ],
    ));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["rows"],
        1
    );
    assert_eq!(
        std::fs::read_to_string(&inv).unwrap(),
        "\u{FEFF}sku,handle,name,stock\r\nMISO-1,miso,味噌,5\r\n"
    );
    // A bad format name is refused before anything is read.
    let out = akinai(
        &data,
        &[
            "export",
            "products",
            "--format",
            "magento",
            "--out",
            inv.to_str().unwrap(),
            "--by",
            "x",
        ],
    );
    assert!(!out.status.success());
}

#[test]
fn images_may_come_from_a_zip_and_anything_else_is_refused() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&akinai(&data, &["migrate"]));
    let csv = dir.path().join("products.csv");
    std::fs::write(
        &csv,
        "handle,name,category,description_html,tax,published,sku,option,price,stock,images\n\
         a,画像つき,食品,,standard,1,A-1,,500,3,a.png\n",
    )
    .unwrap();
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 120, 40]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let zip_path = dir.path().join("images.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("images/a.png", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&png).unwrap();
    zip.finish().unwrap();
    let (c, z) = (csv.to_str().unwrap(), zip_path.to_str().unwrap());

    let out = ok(&akinai(
        &data,
        &[
            "import",
            "products",
            c,
            "--images",
            z,
            "--json",
            "--by",
            "移行担当",
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["images_added"], 1, "{report}");

    let not_zip = akinai(
        &data,
        &["import", "products", c, "--images", c, "--by", "移行担当"],
    );
    assert!(!not_zip.status.success(), "a CSV is not a zip of images");
    assert!(String::from_utf8_lossy(&not_zip.stderr).contains("not a zip archive"));
}
