//! IPA-C-9 transport: built-in TLS with rustls over real sockets (HSTS, `Secure` cookies,
//! certificate renewal without restart, unusable files refused with the file named), the
//! plain-HTTP listener that only redirects, and the `Forwarded` header believed only from
//! trusted proxies.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

use akinai_web::proxy::TrustedProxies;
use akinai_web::tls::CertStore;
use akinai_web::{AppState, WebConfig};

use crate::support::TestApp;

/// A self-signed certificate for `localhost`, as (certificate PEM, key PEM).
fn self_signed() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Writes the pair and stamps both files with `mtime`, so a renewal is seen whatever the
/// file system's timestamp granularity.
fn install(dir: &Path, (cert, key): &(String, String), mtime: SystemTime) {
    for (name, text) in [("cert.pem", cert), ("key.pem", key)] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }
}

/// A client that trusts only `cert_pem` and reaches `localhost` at `addr`.
fn client_builder_trusting(cert_pem: &str, addr: SocketAddr) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
}

fn client_trusting(cert_pem: &str, addr: SocketAddr) -> reqwest::Client {
    client_builder_trusting(cert_pem, addr).build().unwrap()
}

async fn serve_tls(app: &TestApp, certs: Arc<CertStore>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = akinai_web::router(AppState::new(app.shop.clone(), WebConfig::new(true)));
    tokio::spawn(akinai_web::server::serve_tls(
        listener,
        router,
        akinai_web::server::ServerLimits::default(),
        certs,
        std::future::pending(),
    ));
    addr
}

#[tokio::test]
async fn built_in_tls_serves_the_shop_with_hsts_and_secure_cookies() {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let first = self_signed();
    install(
        dir.path(),
        &first,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000),
    );
    let certs = CertStore::open(&dir.path().join("cert.pem"), &dir.path().join("key.pem")).unwrap();
    let addr = serve_tls(&app, certs.clone()).await;

    let client = client_trusting(&first.0, addr);
    let url = format!("https://localhost:{}/", addr.port());
    let page = client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.version(),
        reqwest::Version::HTTP_2,
        "HTTP/2 when offered (ALPN)"
    );
    let old = client_builder_trusting(&first.0, addr)
        .http1_only()
        .build()
        .unwrap();
    let page1 = old.get(&url).send().await.unwrap();
    assert_eq!(
        (page1.status(), page1.version()),
        (StatusCode::OK, reqwest::Version::HTTP_11)
    );
    assert!(page.headers().contains_key("strict-transport-security"));
    let cookies: Vec<_> = page.headers().get_all("set-cookie").iter().collect();
    assert!(!cookies.is_empty());
    for c in cookies {
        assert!(c.to_str().unwrap().contains("Secure"), "{c:?}");
    }

    // Plain HTTP on the TLS port gets no page.
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/"))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != StatusCode::OK);

    // Renewal: new files are served after the periodic check, without a restart.
    let second = self_signed();
    assert!(!certs.reload_if_changed().unwrap(), "nothing changed yet");
    install(
        dir.path(),
        &second,
        SystemTime::UNIX_EPOCH + Duration::from_secs(2_000),
    );
    assert!(certs.reload_if_changed().unwrap());
    let renewed = client_trusting(&second.0, addr)
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status(), StatusCode::OK);
    assert!(
        client_trusting(&first.0, addr)
            .get(&url)
            .send()
            .await
            .is_err(),
        "the old certificate is no longer served"
    );

    // A broken renewal keeps the working certificate in service.
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").unwrap();
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("cert.pem"))
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(3_000))
        .unwrap();
    assert!(certs.reload_if_changed().is_err());
    let still = client_trusting(&second.0, addr)
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK);
}

#[test]
fn unusable_certificate_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pair = self_signed();
    let other = self_signed();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let missing = CertStore::open(&cert, &key).unwrap_err().to_string();
    assert!(missing.contains("cert.pem"), "{missing}");
    std::fs::write(&cert, &pair.0).unwrap();
    std::fs::write(&key, "garbage").unwrap();
    let bad_key = CertStore::open(&cert, &key).unwrap_err().to_string();
    assert!(bad_key.contains("key.pem"), "{bad_key}");
    std::fs::write(&key, &other.1).unwrap();
    let mismatch = CertStore::open(&cert, &key).unwrap_err().to_string();
    assert!(
        mismatch.contains("key.pem"),
        "a key of another certificate: {mismatch}"
    );
    std::fs::write(&cert, "").unwrap();
    assert!(CertStore::open(&cert, &key).is_err());
}

#[tokio::test]
async fn the_plain_listener_only_redirects_to_the_https_base_url() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = akinai_web::limits::redirect_router("https://shop.example.jp/".into());
    tokio::spawn(akinai_web::server::serve(
        listener,
        app,
        akinai_web::server::ServerLimits::default(),
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path) in [
        (reqwest::Method::GET, "/search?q=%E3%81%8A%E8%8C%B6"),
        (reqwest::Method::POST, "/checkout"),
        (reqwest::Method::GET, "//evil.example/"),
    ] {
        let resp = client
            .request(method, format!("http://{addr}{path}"))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::MOVED_PERMANENTLY);
        let location = resp.headers()["location"].to_str().unwrap();
        assert_eq!(location, format!("https://shop.example.jp{path}"));
    }
}

/// The `Forwarded` header (RFC 7239) from a trusted proxy range decides the scheme; from anyone
/// else it is ignored.
#[tokio::test]
async fn rfc7239_forwarded_from_a_trusted_range_is_believed() {
    let app = TestApp::empty().await; // base_url https://shop.example.jp
    let trusted = WebConfig {
        trusted_proxies: TrustedProxies(vec!["127.0.0.0/8".parse().unwrap()]),
        ..WebConfig::new(true)
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let addr = crate::support::serve(AppState::new(app.shop.clone(), trusted)).await;
    let resp = client
        .get(format!("http://{addr}/cart"))
        .header("forwarded", "for=198.51.100.7;proto=http")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(resp.headers()["location"], "https://shop.example.jp/cart");
    let elsewhere = WebConfig {
        trusted_proxies: TrustedProxies(vec!["10.0.0.0/8".parse().unwrap()]),
        ..WebConfig::new(true)
    };
    let addr = crate::support::serve(AppState::new(app.shop.clone(), elsewhere)).await;
    let resp = client
        .get(format!("http://{addr}/cart"))
        .header("forwarded", "for=198.51.100.7;proto=http")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "not from a trusted proxy");
}
