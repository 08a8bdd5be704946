//! Rendered storefront pages kept for a moment, with the visitor's few details filled in on
//! every request (ADR 030).
//!
//! The home, category and product pages look the same to every visitor but for three things:
//! the CSP nonce, the masked CSRF token in their forms and the number in the cart badge. Such a
//! page is rendered once with an unguessable per-process marker in each of those places, split
//! at the markers, and kept for the read caches' time to live (`cache_ttl_ms`, ADR 006) under its
//! path and query, language and whether the visitor is signed in. Each request then copies the
//! parts and puts its own values (HTML-escaped) between them, so no visitor's nonce, token or
//! cart ever reaches another, and the page's queries and template run once per second at most.
//! Nodes converge by expiry, as the read caches do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use akinai_core::cache::{Lookup, TtlCache};

use crate::gzip_parts::{self, GzipStream};
use crate::i18n::Lang;

/// Most pages kept per process (about 10–40 KB each).
pub const CAPACITY: usize = 2_000;

/// Most search result pages kept per process, in a cache of their own so a flood of distinct
/// queries can only push out other searches, never the home, category and product pages.
pub const SEARCH_CAPACITY: usize = 500;

/// The visitor's details a cached page leaves open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hole {
    /// The response's CSP nonce.
    Nonce,
    /// The masked CSRF token of the page's forms.
    Csrf,
    /// The number of items in the visitor's cart.
    CartCount,
}

const HOLES: [Hole; 3] = [Hole::Nonce, Hole::Csrf, Hole::CartCount];

/// Which cached page a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// Path and query, as requested.
    pub here: String,
    pub lang: Lang,
    pub signed_in: bool,
}

/// A rendered page cut at its holes: `text[0]`, hole 0, `text[1]`, hole 1, …, `text[n]`.
#[derive(Debug)]
pub struct Rendered {
    text: Vec<String>,
    /// Each of `text` compressed once, for gzip responses (`gzip_parts`).
    deflated: Vec<Vec<u8>>,
    holes: Vec<Hole>,
    len: usize,
    deflated_len: usize,
}

/// A visitor's values for the holes.
pub struct Fill<'a> {
    pub nonce: &'a str,
    pub csrf: &'a str,
    pub cart_count: u32,
}

impl Rendered {
    /// The page with `fill`'s values in its holes.
    pub fn fill(&self, fill: &Fill<'_>) -> String {
        let mut count = itoa::Buffer::new();
        let mut out = String::with_capacity(self.len + 256);
        for (n, text) in self.text.iter().enumerate() {
            out.push_str(text);
            if let Some(hole) = self.holes.get(n) {
                escape_into(&mut out, fill.value(*hole, &mut count));
            }
        }
        out
    }

    /// [`Rendered::fill`] as a gzip stream: the fixed parts as compressed when the page was
    /// kept, the holes' values stored uncompressed between them (ADR 056).
    pub fn fill_gzip(&self, fill: &Fill<'_>) -> Vec<u8> {
        let mut count = itoa::Buffer::new();
        let mut value = String::with_capacity(64);
        let mut gz = GzipStream::with_capacity(self.deflated_len + 256);
        for (n, (text, deflated)) in self.text.iter().zip(&self.deflated).enumerate() {
            gz.part(text.as_bytes(), deflated);
            if let Some(hole) = self.holes.get(n) {
                value.clear();
                escape_into(&mut value, fill.value(*hole, &mut count));
                gz.stored(value.as_bytes());
            }
        }
        gz.finish()
    }
}

impl Fill<'_> {
    /// The value of `hole` (the cart count written into `count`).
    fn value<'a>(&'a self, hole: Hole, count: &'a mut itoa::Buffer) -> &'a str {
        match hole {
            Hole::Nonce => self.nonce,
            Hole::Csrf => self.csrf,
            Hole::CartCount => count.format(self.cart_count),
        }
    }
}

/// Appends `value` HTML-escaped, as the templates escape what they print.
fn escape_into(out: &mut String, value: &str) {
    // The values are a nonce, a hex token and a number, so the byte scan finds nothing.
    if !value
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// This process's rendered pages.
pub struct PageCache {
    /// 32 random hex digits; `{marker}{n}z` stands for hole `n` while a page is rendered.
    marker: String,
    pages: TtlCache<PageKey, Rendered>,
    /// Pages being rendered because none was kept: later requests for them wait their turn.
    rendering: Mutex<HashMap<PageKey, Arc<tokio::sync::Mutex<()>>>>,
    /// Whether pages are kept at all (a TTL of 0 renders every request, none waiting).
    keeps: bool,
}

impl PageCache {
    pub fn new(ttl: Duration) -> PageCache {
        PageCache::with_capacity(ttl, CAPACITY)
    }

    /// A cache keeping at most `capacity` pages.
    pub fn with_capacity(ttl: Duration, capacity: usize) -> PageCache {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        PageCache {
            marker: format!("h{}", hex::encode(bytes)),
            pages: TtlCache::new(ttl, capacity),
            rendering: Mutex::new(HashMap::new()),
            keeps: !ttl.is_zero(),
        }
    }

    /// What a template prints in place of `hole` when rendering a page for the cache.
    pub fn placeholder(&self, hole: Hole) -> String {
        let n = HOLES.iter().position(|h| *h == hole).unwrap_or_default();
        format!("{}{n}z", self.marker)
    }

    /// The page for `key`, rendered by `render` (a body with [`PageCache::placeholder`]s) when
    /// it is not kept. An expired page is re-rendered by the first request to find it so while
    /// the others are served the previous body ([`TtlCache::get_or_claim`]); a page not kept at
    /// all is rendered by the first request while the others wait for it and are served its
    /// body, so a cold page under load is rendered once, not once per connection. A failed
    /// render keeps nothing: the next request tries again.
    pub async fn get_or_render<E, Fut>(
        &self,
        key: PageKey,
        render: impl FnOnce() -> Fut,
    ) -> Result<Arc<Rendered>, E>
    where
        Fut: std::future::Future<Output = Result<String, E>>,
    {
        let _turn = match self.pages.get_or_claim(&key) {
            Lookup::Fresh(page) => return Ok(page),
            Lookup::Refresh => None,
            Lookup::Missing if !self.keeps => None,
            Lookup::Missing => {
                let gate = self
                    .rendering
                    .lock()
                    .ok()
                    .map(|mut r| r.entry(key.clone()).or_default().clone());
                let turn = match gate {
                    Some(gate) => Some(gate.lock_owned().await),
                    None => None,
                };
                if let Lookup::Fresh(page) = self.pages.get_or_claim(&key) {
                    return Ok(page);
                }
                turn
            }
        };
        let rendered = render().await;
        if let Ok(mut r) = self.rendering.lock() {
            r.remove(&key);
        }
        match rendered {
            Ok(body) => Ok(self.put(key, &body)),
            Err(e) => {
                self.pages.forget(&key);
                Err(e)
            }
        }
    }

    /// The page if it is kept and fresh.
    #[cfg(test)]
    fn get(&self, key: &PageKey) -> Option<Arc<Rendered>> {
        self.pages.get(key)
    }

    /// Forgets every page (after an admin change made on this node).
    pub fn clear(&self) {
        self.pages.clear();
    }

    /// Cuts `body` (rendered with [`PageCache::placeholder`]s) at its holes and keeps it.
    pub fn put(&self, key: PageKey, body: &str) -> Arc<Rendered> {
        let rendered = Arc::new(self.cut(body));
        self.pages.put(key, rendered.clone());
        rendered
    }

    fn cut(&self, body: &str) -> Rendered {
        let mut text = Vec::new();
        let mut holes = Vec::new();
        let mut current = String::new();
        let mut rest = body;
        while let Some(at) = rest.find(&self.marker) {
            current.push_str(&rest[..at]);
            let after = &rest[at + self.marker.len()..];
            let hole = after.split_once('z').and_then(|(n, tail)| {
                let hole = HOLES.get(n.parse::<usize>().ok()?)?;
                Some((*hole, tail))
            });
            match hole {
                Some((hole, tail)) => {
                    text.push(std::mem::take(&mut current));
                    holes.push(hole);
                    rest = tail;
                }
                None => {
                    // Not a placeholder (text cannot guess the random marker); kept as it is.
                    current.push_str(&self.marker);
                    rest = after;
                }
            }
        }
        current.push_str(rest);
        text.push(current);
        let deflated: Vec<Vec<u8>> = text
            .iter()
            .map(|t| gzip_parts::deflate_part(t.as_bytes()))
            .collect();
        Rendered {
            deflated_len: deflated.iter().map(Vec::len).sum(),
            deflated,
            text,
            holes,
            len: body.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(here: &str) -> PageKey {
        PageKey {
            here: here.into(),
            lang: Lang::Ja,
            signed_in: false,
        }
    }

    #[test]
    fn holes_are_filled_with_each_visitors_values_escaped() {
        let cache = PageCache::new(Duration::from_secs(60));
        let body = format!(
            "<script nonce=\"{}\"></script><input value=\"{}\"><span>{}</span>{}",
            cache.placeholder(Hole::Nonce),
            cache.placeholder(Hole::Csrf),
            cache.placeholder(Hole::CartCount),
            cache.placeholder(Hole::Csrf),
        );
        let page = cache.put(key("/product/1"), &body);
        let a = page.fill(&Fill {
            nonce: "n+1/=",
            csrf: "aa",
            cart_count: 3,
        });
        assert_eq!(
            a,
            "<script nonce=\"n+1/=\"></script><input value=\"aa\"><span>3</span>aa"
        );
        let b = cache.get(&key("/product/1")).unwrap().fill(&Fill {
            nonce: "\"><x>",
            csrf: "bb",
            cart_count: 0,
        });
        assert!(b.contains("nonce=\"&quot;&gt;&lt;x&gt;\""), "{b}");
        assert!(b.contains("value=\"bb\"") && b.contains("<span>0</span>"));
        assert!(!b.contains(&cache.marker));
    }

    /// SWS-6, ADR 056: the gzip stream of a kept page decompresses to the page as filled for the same
    /// visitor, whatever the values (escaped alike); the fixed parts are compressed, the values
    /// are not (BREACH).
    #[test]
    fn sws_6_a_gzip_page_is_the_filled_page_compressed_and_its_values_stored_as_they_are() {
        use std::io::Read;
        let cache = PageCache::new(Duration::from_secs(60));
        let text = "<p>商いの品</p>".repeat(200);
        let body = format!(
            "{}{text}<script nonce=\"{}\"></script><input value=\"{}\">{text}<b>{}</b>",
            cache.placeholder(Hole::Csrf),
            cache.placeholder(Hole::Nonce),
            cache.placeholder(Hole::Csrf),
            cache.placeholder(Hole::CartCount),
        );
        let page = cache.put(key("/product/1"), &body);
        for (nonce, csrf, cart_count) in [("n+1/=", "0123abcd", 3), ("\"><x>", "", 1_000_000)] {
            let fill = Fill {
                nonce,
                csrf,
                cart_count,
            };
            let gz = page.fill_gzip(&fill);
            let mut plain = String::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_string(&mut plain)
                .unwrap();
            assert_eq!(plain, page.fill(&fill));
            assert!(
                gz.len() < plain.len() / 4,
                "{} of {}",
                gz.len(),
                plain.len()
            );
            if !csrf.is_empty() {
                assert!(gz.windows(csrf.len()).any(|w| w == csrf.as_bytes()));
            }
        }
    }

    #[tokio::test]
    async fn a_cold_page_is_rendered_once_for_requests_arriving_together() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let cache = Arc::new(PageCache::new(Duration::from_secs(60)));
        let renders = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, renders) = (cache.clone(), renders.clone());
            tasks.push(tokio::spawn(async move {
                let page = cache
                    .get_or_render(key("/category/x"), || async {
                        renders.fetch_add(1, SeqCst);
                        for _ in 0..10 {
                            tokio::task::yield_now().await;
                        }
                        Ok::<_, ()>("body".to_string())
                    })
                    .await;
                page.map(|p| {
                    p.fill(&Fill {
                        nonce: "n",
                        csrf: "c",
                        cart_count: 0,
                    })
                })
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok("body".to_string()));
        }
        assert_eq!(renders.load(SeqCst), 1, "one render for eight requests");
        let failed = cache
            .get_or_render(key("/gone"), || async { Err::<String, _>("404") })
            .await;
        assert!(failed.is_err());
        assert!(
            cache.get(&key("/gone")).is_none(),
            "a failed render keeps nothing"
        );
        let again = cache
            .get_or_render(key("/gone"), || async { Ok::<_, &str>("x".to_string()) })
            .await;
        assert!(again.is_ok());
    }

    #[test]
    fn pages_are_kept_per_path_language_and_sign_in() {
        let cache = PageCache::new(Duration::from_secs(60));
        cache.put(key("/product/1"), "a");
        assert!(cache.get(&key("/product/1")).is_some());
        assert!(cache.get(&key("/product/2")).is_none());
        let mut en = key("/product/1");
        en.lang = Lang::En;
        assert!(cache.get(&en).is_none());
        let mut signed_in = key("/product/1");
        signed_in.signed_in = true;
        assert!(cache.get(&signed_in).is_none());
    }

    #[test]
    fn text_resembling_the_marker_stays_as_it_is() {
        let cache = PageCache::new(Duration::from_secs(60));
        let body = format!("{}9z and {}x", cache.marker, cache.marker);
        let page = cache.put(key("/"), &body);
        let out = page.fill(&Fill {
            nonce: "n",
            csrf: "c",
            cart_count: 1,
        });
        assert_eq!(out, body);
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = PageCache::new(Duration::ZERO);
        cache.put(key("/"), "a");
        assert!(cache.get(&key("/")).is_none());
    }
}
