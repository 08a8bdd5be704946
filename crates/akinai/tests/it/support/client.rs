//! The test's browser: `Shopper`, one cookie-keeping HTTP client without redirects, and
//! `Page`, a response read whole with the few ways tests look into it.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// A route-table path with its parameters filled with harmless values.
pub fn concrete_path(path: &str) -> String {
    path.replace("{slug}", "food")
        .replace("{id}", "1")
        .replace("{variant_id}", "1")
        .replace("{token}", &"0".repeat(64))
        .replace("{code}", "ja")
        .replace("{name}", "x.css")
        .replace("{hue}", "1.svg")
}

/// A response read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden input named `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no hidden {name} in page:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_string()
    }
}

impl Page {
    /// The value of the first `attr="…"` attribute on the page, with HTML escapes undone.
    pub fn attr(&self, attr: &str) -> String {
        let marker = format!("{attr}=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {attr} on page:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap();
        let raw = &self.body[start..start + end];
        [
            ("&quot;", "\""),
            ("&#34;", "\""),
            ("&#39;", "'"),
            ("&lt;", "<"),
            ("&#60;", "<"),
            ("&gt;", ">"),
            ("&#62;", ">"),
            ("&#38;", "&"),
            ("&amp;", "&"),
        ]
        .iter()
        .fold(raw.to_string(), |s, (from, to)| s.replace(from, to))
    }
}

/// The challenge on `page` and its proof of work.
pub fn solve_page(page: &Page) -> Option<(String, String)> {
    if !page.body.contains("name=\"challenge\"") {
        return None;
    }
    let token = page.hidden("challenge");
    let bits_at = page.body.find("data-pow-bits=\"")? + "data-pow-bits=\"".len();
    let bits: u32 = page.body[bits_at..].split('"').next()?.parse().ok()?;
    let n = akinai_core::accounts::challenge::solve(&akinai_core::accounts::challenge::Challenge {
        token: token.clone(),
        bits,
        wait_secs: 0,
    });
    Some((token, n.to_string()))
}

/// One shopper with its own cookies.
pub struct Shopper {
    pub client: reqwest::Client,
    pub base: String,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Shopper {
    async fn read(resp: reqwest::Response) -> Page {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Shopper::read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A download: status, headers and the body's bytes (PDFs are not text).
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Shopper::read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts `multipart/form-data` with a `csrf` field and one file field `image`.
    pub async fn upload(
        &self,
        path: &str,
        csrf: &str,
        file_name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str(mime)
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part("image", part);
        self.send_multipart(path, form).await
    }

    /// Posts a `multipart/form-data` form as built by the test.
    pub async fn send_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        Shopper::read(
            self.client
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> Page {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        Shopper::read(req.send().await.unwrap()).await
    }

    /// Whether this shopper's cart page shows an empty cart.
    pub async fn cart_is_empty(&self) -> bool {
        self.get("/cart")
            .await
            .body
            .contains("カートに商品は入っていません")
    }

    /// The value of one of this shopper's cookies.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// Posts a form with this shopper's CSRF token added.
    /// Posts an admin form: the CSRF token from the dashboard (every role has its logout form),
    /// then `fields`.
    pub async fn admin_post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get("/admin").await.hidden("csrf");
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(path, &form).await
    }

    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// Logs in through the form, solving the bot challenge when the shop asks for it (as the
    /// page's script would).
    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.submit_solving(
            "/account/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Submits the form at `path` like a browser with JavaScript: answers a challenge shown on
    /// the form page, and once more if the answer page asks for one.
    pub async fn submit_solving(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let first = self.get(path).await;
        let page = self.submit_answering(path, form, &first).await;
        if page.status == StatusCode::FORBIDDEN && page.body.contains("name=\"challenge\"") {
            return self.submit_answering(path, form, &page).await;
        }
        page
    }

    /// Submits `form` plus the answer to the challenge `shown` carries, if any.
    async fn submit_answering(&self, path: &str, form: &[(&str, &str)], shown: &Page) -> Page {
        let answer = solve_page(shown);
        let mut fields = form.to_vec();
        if let Some((challenge, solution)) = &answer {
            fields.push(("challenge", challenge));
            fields.push(("solution", solution));
        }
        self.submit(path, &fields).await
    }

    /// The CSRF token the shop gave this shopper (a first visit sets it).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie("csrf") {
            return token;
        }
        self.get("/").await;
        self.cookie("csrf").expect("the shop sets a csrf cookie")
    }

    pub async fn add(&self, sku: akinai_domain::ids::SkuId, qty: &str) -> Page {
        let csrf = self.csrf().await;
        self.post(
            "/cart/add",
            &[
                ("csrf", &csrf),
                ("sku", &sku.0.to_string()),
                ("quantity", qty),
            ],
        )
        .await
    }

    pub async fn submit_details(&self, overrides: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut fields: Vec<(&str, String)> = vec![
            ("csrf", csrf),
            ("name", "山田 花子".into()),
            ("name_kana", "ヤマダ ハナコ".into()),
            ("email", "hanako@example.jp".into()),
            ("phone", "090-1234-5678".into()),
            ("postal_code", "150-0001".into()),
            ("prefecture", "13".into()),
            ("city", "渋谷区".into()),
            ("line1", "神宮前1-2-3".into()),
            ("line2", String::new()),
            ("shipping_method", "standard".into()),
            ("delivery_date", "2026-12-01".into()),
            ("delivery_slot", "午前中".into()),
            ("payment_method", "bank_transfer".into()),
        ];
        for (k, v) in overrides {
            match fields.iter_mut().find(|(name, _)| name == k) {
                Some(f) => f.1 = (*v).to_string(),
                // Fields the form has only when chosen (the gift box).
                None => fields.push((k, (*v).to_string())),
            }
        }
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post("/checkout", &form).await
    }

    /// Confirms the order shown on the confirmation screen.
    pub async fn place(&self) -> Page {
        let confirm = self.get("/checkout/confirm").await;
        assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
        self.post(
            "/checkout/confirm",
            &[
                ("csrf", &confirm.hidden("csrf")),
                ("fingerprint", &confirm.hidden("fingerprint")),
            ],
        )
        .await
    }
}
