#!/usr/bin/env python3
"""Screenshots of the demo shop and its back office, from a fresh data directory, so that the
pictures in README.md and docs/ stay true to what akinai looks like.

    cargo build -p akinai
    python3 tools/screenshots/take.py [--binary target/debug/akinai] [--out docs/screenshots]
                                      [--only NAME ...] [--port 18480]

It starts `akinai serve --demo` on a temporary data directory, buys as a guest (bank transfer),
creates and enrols an owner (computing the authenticator codes itself), and drives Debian's
headless Chromium through chromedriver (WebDriver over HTTP; standard library only) to take
full-page PNGs at a phone's size (375x812) and a desktop's (1280x900): `<name>-phone.png` and
`<name>-desktop.png`. Needs: chromium, chromium-driver and fonts-noto-cjk (apt). Nothing is
downloaded.
"""
import argparse
import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import company  # noqa: E402
import month_end  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"phone": (375, 812), "desktop": (1280, 900)}
# What README.md shows (docs/screenshots/): the storefront on a phone, the back office on a desktop.
README_SET = ["home-desktop", "home-phone", "product-phone", "checkout-autofilled-phone",
              "confirm-phone", "admin-dashboard-desktop", "admin-order-desktop",
              "admin-import-errors-desktop", "category-filtered-phone",
              "admin-shipping-ready-desktop"]
PASSWORD = "kumo hashi yuugure 2026"
EMAIL = "owner@example.jp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            if time.time() > deadline:
                raise SystemExit(f"{url} did not answer in {seconds} s")
            time.sleep(0.2)


def totp(secret: str, at: float) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def logo_png(width: int = 480, height: int = 120) -> bytes:
    """A plain logo (a red mark and a dark bar on white) as a PNG, with the standard library."""
    import zlib
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            if x < height and (x - height / 2) ** 2 + (y - height / 2) ** 2 < (height / 2.4) ** 2:
                rows += bytes((196, 58, 36))
            elif height * 1.2 < x < width - 12 and height * 0.4 < y < height * 0.6:
                rows += bytes((31, 41, 51))
            else:
                rows += bytes((255, 255, 255))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))


class Browser:
    """The few WebDriver commands the script needs, against chromedriver."""

    def __init__(self, driver_port: int):
        self.base = f"http://127.0.0.1:{driver_port}"
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": shutil.which("chromium") or "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--lang=ja",
                         "--hide-scrollbars", "--disable-dev-shm-usage"],
                "prefs": {"intl.accept_languages": "ja"},
            },
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        url = self.base + path if path == "/session" else f"{self.base}/session/{self.session}{path}"
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.load(r).get("value")
        except urllib.error.HTTPError as e:
            raise SystemExit(f"webdriver {method} {path}: {e.read().decode()[:400]}")

    def go(self, url: str) -> None:
        self.call("POST", "/url", {"url": url})

    def js(self, script: str, *args):
        endpoint = "/execute/async" if "arguments[arguments.length - 1]" in script else "/execute/sync"
        return self.call("POST", endpoint, {"script": script, "args": list(args)})

    def element(self, css: str) -> str:
        found = self.call("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def type(self, css: str, text: str) -> None:
        el = self.element(css)
        self.call("POST", f"/element/{el}/clear", {})
        self.call("POST", f"/element/{el}/value", {"text": text})

    def click(self, css: str) -> None:
        self.call("POST", f"/element/{self.element(css)}/click", {})

    def submit_form(self, css: str, button: str = "") -> None:
        """Submits the form the way its main button (or the `button` inside it) does
        (requestSubmit keeps validation)."""
        # Mark this document, submit, and wait until another one has loaded: without the wait
        # the next navigation could cancel the form's request (a race when no shot is taken).
        self.js("window.__akinaiOld = true; const f = document.querySelector(arguments[0]);"
                " f.requestSubmit(arguments[1] ? f.querySelector(arguments[1]) : undefined)",
                css, button)
        for _ in range(200):
            if not self.js("return window.__akinaiOld === true"):
                break
            time.sleep(0.05)
        self.wait_ready()

    def wait_ready(self) -> None:
        for _ in range(100):
            if self.js("return document.readyState") == "complete":
                return
            time.sleep(0.05)

    def shot(self, path: Path, width: int, height: int, screens: int = 8) -> None:
        """A PNG of the page at `width`, as long as the page but at most `screens` windows."""
        self.call("POST", "/window/rect", {"width": width, "height": height})
        self.call("POST", "/goog/cdp/execute", {
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": {"width": width, "height": height, "deviceScaleFactor": 1,
                       "mobile": width < 600}})
        self.wait_ready()
        # Scroll through the page so that lazy images load, then back to the top.
        for y in range(0, self.js("return document.documentElement.scrollHeight"), height):
            self.js("window.scrollTo(0, arguments[0])", y)
            time.sleep(0.05)
        self.js("window.scrollTo(0, 0)")
        self.js("var done = arguments[arguments.length - 1];"
                "Promise.all(Array.from(document.images).filter(i => !i.complete)"
                ".map(i => new Promise(r => { i.onload = i.onerror = r; }))).then(done);", )
        full = min(self.js("return document.documentElement.scrollHeight"), screens * height)
        shot = self.call("POST", "/goog/cdp/execute", {
            "cmd": "Page.captureScreenshot",
            "params": {"format": "png", "captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": width, "height": max(full, height),
                                "scale": 1}}})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.call("DELETE", "", None)
        except SystemExit:
            pass


MEMBER = "member@example.jp"
MEMBER_PASSWORD = "sora umi kaze yama 2026"


def mail_link(data: str, path: str) -> str:
    """The newest link to `path` in the shop's mail files (the demo writes mail to files)."""
    for _ in range(100):
        files = sorted(Path(data, "mail").glob("*"), key=lambda f: f.stat().st_mtime, reverse=True)
        for f in files:
            message = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            texts = [part.get_content() for part in message.walk()
                     if part.get_content_type() == "text/plain"]
            found = re.search(r"https?://\S*" + re.escape(path) + r"\S*", "\n".join(texts))
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise SystemExit(f"no mail with a link to {path}")


def member_points(b, take, shop: str, admin: str, data: str) -> None:
    b.go(f"{shop}/account/register")
    b.type("input[name=email]", MEMBER)
    b.type("input[name=name]", "山田 太郎")
    b.type("input[name=password]", MEMBER_PASSWORD)
    b.submit_form("form.account")
    b.go(mail_link(data, "/account/verify?t="))
    b.submit_form("form.account")
    b.go(f"{shop}/account/login")
    b.type("input[name=email]", MEMBER)
    b.type("input[name=password]", MEMBER_PASSWORD)
    b.submit_form("form.account")
    b.go(f"{admin}/admin/customers?email=" + urllib.parse.quote(MEMBER))
    b.go(b.js("return document.querySelector('table a[href^=\"/admin/customers/\"]').href"))
    b.type("form[action$='/points'] input[name=points]", "500")
    b.type("form[action$='/points'] input[name=reason]", "開店記念のプレゼント")
    b.submit_form("form[action$='/points']")
    take("admin-customer-points")
    # Into the 法人 group (when the price screenshots made it): group prices, tax excluded.
    if b.js("return document.querySelectorAll('#group-select option').length") > 1:
        b.js("document.querySelector('#group-select').selectedIndex = 1;")
        b.submit_form("form[action$='/group']")
        b.go(f"{shop}/search?q=" + urllib.parse.quote("本革ベルト"))
        b.go(b.js("return document.querySelector('ul.grid li.card a').href"))
        take("product-group")
    # A business application on my page, waiting in the back office.
    b.go(f"{shop}/account/business")
    b.type("input[name=company]", "株式会社あきない商事")
    b.type("input[name=department]", "購買部")
    b.type("input[name=invoice_number]", "T1234567890123")
    b.submit_form("form[action='/account/business']")
    take("account-business")
    b.go(f"{admin}/admin/business")
    take("admin-business")
    # Approved, with invoice terms (締め日・支払日・与信限度額) shown on my page.
    b.submit_form("form[action$='/decide']", "button[value=approve]")
    b.type("form.terms input[name=closing]", "20")
    b.type("form.terms input[name=credit_limit]", "500000")
    b.submit_form("form.terms")
    take("admin-business-terms")
    b.go(f"{shop}/account/business")
    take("account-business-terms")
    for name in ("本みりん", "本革ベルト"):
        b.go(f"{shop}/search?q=" + urllib.parse.quote(name))
        b.go(b.js("return document.querySelector('ul.grid li.card a').href"))
        b.submit_form("form[action='/cart/add']")
    b.type("input[name=points]", "300")
    b.submit_form("form[action='/cart/points']")
    take("cart-points")
    b.go(f"{shop}/checkout")
    b.type("input[name=postal_code]", "1500001")
    b.click("button[name=autofill]")
    b.wait_ready()
    for field, value in [("name", "山田 太郎"), ("name_kana", "やまだ たろう"),
                         ("phone", "090-1234-5678"), ("line1", "神宮前1-2-3")]:
        b.type(f"input[name={field}]", value)
    b.click("input[name=payment_method][value=bank_transfer]")
    b.submit_form("form.checkout")
    take("confirm-points")
    b.submit_form("form.place")
    b.go(f"{shop}/account/points")
    take("account-points")
    # A quote: asked for on the cart, priced and sent in the back office, read by the link.
    for name in ("本みりん", "本革ベルト"):
        b.go(f"{shop}/search?q=" + urllib.parse.quote(name))
        b.go(b.js("return document.querySelector('ul.grid li.card a').href"))
        b.submit_form("form[action='/cart/add']")
    b.go(f"{shop}/quote-request")
    b.type("input[name=company]", "株式会社あきない商事 購買部")
    b.type("input[name=phone]", "03-1234-5678")
    b.type("textarea[name=note]", "毎月 20 本ほど注文予定です。納期は月末希望です。")
    take("quote-request")
    b.submit_form("form[action='/quote-request']")
    take("quote-requested")
    b.go(f"{admin}/admin/quotes")
    take("admin-quotes")
    b.go(b.js("return document.querySelector('table a[href^=\"/admin/quotes/\"]').href"))
    b.js("document.querySelectorAll('input[name^=qty_]').forEach(i => i.value = '20');")
    b.js("document.querySelector('#shipping_fee').value = '0';")
    b.type("#message", "20 本以上のご注文のため、単価を勉強させていただきました。送料はサービスいたします。")
    b.submit_form("form[action$='/send']")
    take("admin-quote")
    b.go(mail_link(data, "/quotes/"))
    take("quote")
    b.go(f"{shop}/account/quotes")
    take("account-quotes")
    # Paid by invoice (請求書払い): the company's terms and what is left of its limit.
    for name in ("本みりん", "本革ベルト"):
        b.go(f"{shop}/search?q=" + urllib.parse.quote(name))
        b.go(b.js("return document.querySelector('ul.grid li.card a').href"))
        b.submit_form("form[action='/cart/add']")
    b.go(f"{shop}/checkout")
    b.click("input[name=payment_method][value=invoice]")
    take("checkout-invoice")
    b.submit_form("form.checkout")
    take("confirm-invoice")
    b.submit_form("form.place")
    # Several buyers: the approval rule, an invitation, a buyer's order held for approval.
    company.shots(b, take, shop, (MEMBER, MEMBER_PASSWORD), MEMBER_PASSWORD,
                  lambda path: mail_link(data, path))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "target" / "debug" / "akinai"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--only", nargs="*", help="names of the pages to take (default: all)")
    ap.add_argument("--port", type=int, default=0, help="storefront port (default: a free one)")
    ap.add_argument("--readme", action="store_true",
                    help="take only what README.md shows, into --out (docs/screenshots)")
    args = ap.parse_args()
    if args.readme:
        args.only = sorted({n.rsplit("-", 1)[0] for n in README_SET})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    admin_port, driver_port = free_port(), free_port()
    shop, admin = f"http://localhost:{port}", f"http://localhost:{admin_port}"
    data = tempfile.mkdtemp(prefix="akinai-shots-")
    env = dict(os.environ, AKINAI__BASE_URL=shop, AKINAI__ADMIN_LISTEN=f"127.0.0.1:{admin_port}",
               AKINAI__ADMIN_BASE_URL=admin, RUST_LOG="warn")
    serve = [args.binary, "serve", "--demo", "--data-dir", data, "--listen", f"127.0.0.1:{port}"]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    b = None
    try:
        wait_http(f"{shop}/healthz")
        wait_http(f"http://127.0.0.1:{driver_port}/status")
        b = Browser(driver_port)
        taken = []

        def take(name: str) -> None:
            if args.only and name not in args.only:
                return
            for size, (w, h) in SIZES.items():
                b.shot(out / f"{name}-{size}.png", w, h, 2 if args.readme else 8)
            taken.append(name)

        # The storefront, as a guest.
        b.go(f"{shop}/")
        take("home")
        category = b.js("var a = document.querySelector('nav.categories a'); return a && a.href")
        if category:
            b.go(category)
            take("category")
            b.go(category + "?sort=price_asc&stock=1&opt=M")
            take("category-filtered")
        b.go(f"{shop}/search?q=" + urllib.parse.quote("革"))
        take("search")
        b.go(f"{shop}/search?q=" + urllib.parse.quote("本みりん"))
        product = b.js("return document.querySelector('ul.grid li.card a').href")
        b.go(product)
        take("product")
        code = b.js("var c = document.querySelector('.sku .code'); return c && c.textContent.split(' ').pop()")
        b.submit_form("form[action='/cart/add']")
        take("cart")
        # An item of the other rate (10%) beside it, and a coupon made from the CLI: the discount is split
        # across both rates on the cart, the confirmation and the status page.
        b.go(f"{shop}/search?q=" + urllib.parse.quote("本革ベルト"))
        b.go(b.js("return document.querySelector('ul.grid li.card a').href"))
        b.submit_form("form[action='/cart/add']")
        subprocess.run([args.binary, "coupons", "create", "--code", "WELCOME500", "--amount", "500",
                        "--by", "screenshots", "--data-dir", data],
                       env=env, capture_output=True, check=True)
        b.type("input[name=code]", "ｗｅｌｃｏｍｅ５００")
        b.submit_form("form.coupon-form")
        take("cart-coupon")
        # Quick order: two good lines (one from the product page) and two to correct.
        b.go(f"{shop}/quick-order")
        take("quick-order")
        b.type("textarea[name=lines]", f"{code} 2\nNO-SUCH-CODE 1\n{code},x\n")
        b.click("button[value=check]")
        b.wait_ready()
        take("quick-order-checked")
        # The same lines checked as they are typed (the page's script), without pressing a button.
        b.go(f"{shop}/quick-order")
        b.type("textarea[name=lines]", f"{code} 3\nNO-SUCH-CODE 1\n")
        for _ in range(100):
            if "入る行" in b.js("return document.getElementById('quick-summary').textContent"):
                break
            time.sleep(0.1)
        take("quick-order-live")
        b.go(f"{shop}/checkout")
        take("checkout")
        b.type("input[name=postal_code]", "1500001")
        b.click("button[name=autofill]")
        b.wait_ready()
        take("checkout-autofilled")
        b.type("input[name=name]", "山田 花子😀")
        b.submit_form("form.checkout")
        take("checkout-errors")
        for field, value in [("name", "山田 花子"), ("name_kana", "やまだ はなこ"),
                             ("email", "hanako@example.jp"), ("phone", "090-1234-5678"),
                             ("line1", "神宮前1-2-3")]:
            b.type(f"input[name={field}]", value)
        b.click("input[name=payment_method][value=bank_transfer]")
        b.submit_form("form.checkout")
        take("confirm")
        b.submit_form("form.place")
        take("order-status")
        status_url = b.js("return location.href")
        b.go(status_url + "/reorder")
        take("reorder")
        b.go(f"{shop}/legal/tokushoho")
        take("tokushoho")
        b.go(f"{shop}/no-such-page")
        take("not-found")
        b.go(f"{shop}/accessibility")
        take("accessibility")
        b.go(f"{shop}/account/login")
        take("login")

        # The back office: enrol an owner, sign in.
        created = subprocess.run([args.binary, "admin", "create", "--email", EMAIL, "--name",
                                  "店長 花子", "--role", "owner", "--data-dir", data],
                                 env=env, capture_output=True, text=True, check=True)
        link = re.search(r"https?://\S+", created.stdout + created.stderr).group(0)
        b.go(link)
        take("admin-enrol")
        secret = b.js("return document.querySelector('code[data-secret]').dataset.secret")
        b.type("input[name=password]", PASSWORD)
        b.type("input[name=code]", totp(secret, time.time()))
        b.submit_form("form.account")
        take("admin-login")
        # A code is used once: sign in with the next one.
        time.sleep(30 - time.time() % 30 + 1)
        b.type("input[name=email]", EMAIL)
        b.type("input[name=password]", PASSWORD)
        b.type("input[name=code]", totp(secret, time.time()))
        b.submit_form("form.account")
        take("admin-dashboard")
        # A backup, so the operations page has one to show.
        identity = os.path.join(tempfile.mkdtemp(prefix="akinai-shots-key-"), "identity.txt")
        for cmd in (["backup", "init", "--identity", identity], ["backup", "create"]):
            subprocess.run([args.binary, *cmd, "--data-dir", data], env=env,
                           capture_output=True, check=True)
        for name, path in [("admin-operations", "/admin/operations"), ("admin-coupons", "/admin/coupons"),("admin-orders", "/admin/orders"), ("admin-products", "/admin/products"),
                           ("admin-customers", "/admin/customers"),
                           ("admin-flagged", "/admin/orders/flagged"),
                           ("admin-shipping", "/admin/shipping"),
                           ("admin-categories", "/admin/categories"),
                           ("admin-settings", "/admin/settings"), ("admin-audit", "/admin/audit"),
                           ("admin-selfcheck", "/admin/selfcheck"),
                           ("admin-security-tasks", "/admin/security-tasks"),
                           ("admin-go-live", "/admin/go-live"),
                           ("admin-security-report", "/admin/security-report?month=2026-12")]:
            b.go(f"{admin}{path}")
            take(name)
        b.go(f"{admin}/admin/products")
        product = b.js("var a = document.querySelector('table a[href^=\"/admin/products/\"]');"
                       "return a && a.href")
        if product:
            b.go(product)
            take("admin-product")
            # Price rules: a 法人 group (10% off, tax-exclusive display), then the first SKU's
            # tiers, case multiple and group price; the storefront's product page and a cart at
            # the 10-unit tier.
            b.go(f"{admin}/admin/customer-groups")
            b.type("input[name=name]", "法人")
            b.type("input[name=discount_percent]", "10")
            b.click("form[action='/admin/customer-groups'] input[name=tax_exclusive]")
            b.submit_form("form[action='/admin/customer-groups']")
            take("admin-customer-groups")
            b.go(product)
            b.type("form[action$='/stock'] input[name=delta]", "+50")
            b.submit_form("form[action$='/stock']")
            b.go(product + "/prices")
            price = b.js("return parseInt(document.querySelector('section.panel h2')"
                         ".textContent.split('通常価格')[1].replace(/[^0-9]/g, ''))")
            for field, value in [("tier_qty_1", "10"), ("tier_price_1", str(price * 9 // 10)),
                                 ("tier_qty_2", "50"), ("tier_price_2", str(price * 8 // 10)),
                                 ("multiple", "2")]:
                b.type(f"section.panel input[name={field}]", value)
            b.type("section.panel input[name^=group_]", str(price * 85 // 100))
            b.submit_form("section.panel form")
            take("admin-product-prices")
            b.go(f"{shop}/product/" + product.rstrip("/").rsplit("/", 1)[1])
            take("product-tiers")
            b.js("document.querySelector('input[name=quantity]').value = '10';")
            b.submit_form("form[action='/cart/add']")
            take("cart-tiers")
        b.go(f"{admin}/admin/orders")
        order = b.js("var a = document.querySelector('table a[href^=\"/admin/orders/\"]');"
                     "return a && a.href")
        if order:
            b.go(order)
            take("admin-order")
            # 入金確認, so 出荷 has an order ready to ship (label file preview, print buttons).
            b.js("var e = document.querySelector('form input[name=event][value=pay]');"
                 "if (e) { e.form.submit(); }")
            b.wait_ready()
            b.go(f"{admin}/admin/shipping")
            take("admin-shipping-ready")
            # Paid: the status page offers the 領収書 with the customer's 宛名 and 但し書き.
            b.go(status_url)
            take("order-status-paid")
            # A logo for the 帳票 (ショップ設定 → ロゴ), then the invoice issued and corrected.
            logo = Path(tempfile.mkdtemp(prefix="akinai-shots-logo-")) / "logo.png"
            logo.write_bytes(logo_png())
            b.go(f"{admin}/admin/settings")
            b.type("form[action='/admin/settings/logo'] input[name=image]", str(logo))
            b.submit_form("form[action='/admin/settings/logo']")
            take("admin-settings-logo")
            b.go(order)
            number = b.js("return document.querySelector('h1').textContent.match(/AK\\d+/)[0]")
            subprocess.run([args.binary, "documents", "invoice", "--order", number, "--out",
                            str(logo.with_name("invoice.pdf")), "--data-dir", data],
                           env=env, capture_output=True, check=True)
            b.go(order + "/invoice/correct")
            take("admin-invoice-correct")
        # API トークン: one made through the form (the answer shows it once).
        b.go(f"{admin}/admin/api-tokens")
        b.type("input[name=name]", "在庫連携")
        b.click("input[name=scope][value='products:read']")
        b.click("input[name=scope][value='orders:read']")
        b.type("input[name=expires]", "365")
        b.submit_form("form[action='/admin/api-tokens']")
        take("admin-api-tokens")
        # Webhook: an endpoint registered through the form (its secret shown once), then a test
        # event whose attempt (this machine has no route to the receiver) shows in the log.
        b.go(f"{admin}/admin/webhooks")
        b.type("input[name=url]", "https://zaiko.example.jp/akinai/webhook")
        b.click("input[name=event][value='order.created']")
        b.click("input[name=event][value='inventory.low']")
        b.submit_form("form[action='/admin/webhooks']")
        take("admin-webhooks-added")
        b.submit_form("form[action='/admin/webhooks/test']")
        time.sleep(3)
        b.go(f"{admin}/admin/webhooks")
        take("admin-webhooks")
        # The incident register: one incident opened through its form.
        b.go(f"{admin}/admin/incidents")
        take("admin-incidents")
        found = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 9 * 3600 - 2 * 86400))
        b.js("document.querySelector('input[name=found_at]').value = arguments[0];", found)
        b.click("input[name=personal_data]")
        b.type("textarea[name=affected]", "会員 12 名の住所・電話番号(管理画面への不正ログイン)")
        b.submit_form("form[action='/admin/incidents']")
        b.type("textarea[name=text]", "メンテナンスに切り替え、全管理者のパスワードを変更した")
        b.submit_form("form[action^='/admin/incidents/']")
        take("admin-incident")
        # CSV: a file with an error, then a clean one checked and applied by the worker.
        files = Path(tempfile.mkdtemp(prefix="akinai-shots-csv-"))
        head = ("Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,"
                "Variant SKU,Variant Inventory Qty,Variant Price,Variant Taxable,Status\n")
        rows = ("kinu-scarf,絹のスカーフ,<p>京都の絹</p>,akinai,ファッション > 小物,,TRUE,色,藍,"
                "SC-AI,4,6600,TRUE,active\n"
                "kinu-scarf,,,,,,,,紅,SC-BENI,2,6600,TRUE,\n"
                "hojicha,ほうじ茶,<p>香ばしい</p>,akinai,食品 > お茶,軽減税率,TRUE,Title,Default Title,"
                "HOJI-1,30,{price},TRUE,active\n")
        (files / "errors.csv").write_text(head + rows.format(price="千二百円"), encoding="utf-8")
        (files / "shopify-products.csv").write_text(head + rows.format(price="1200"),
                                                   encoding="utf-8")

        def upload_csv(name: str, wanted: str) -> None:
            b.go(f"{admin}/admin/products/csv")
            el = b.element("input[type=file]")
            b.call("POST", f"/element/{el}/value", {"text": str(files / name)})
            b.submit_form("form[enctype='multipart/form-data']")
            for _ in range(100):
                if wanted in b.js("return document.body.innerText"):
                    return
                time.sleep(0.2)
                b.go(b.js("return location.href"))

        b.go(f"{admin}/admin/products/csv")
        take("admin-products-csv")
        upload_csv("errors.csv", "取り込めません")
        take("admin-import-errors")
        upload_csv("shopify-products.csv", "エラーはありません")
        take("admin-import-planned")
        b.submit_form("form[action$='/apply']")
        for _ in range(100):
            if "取り込みました" in b.js("return document.body.innerText"):
                break
            time.sleep(0.2)
            b.go(b.js("return location.href"))
        take("admin-import-applied")
        for name, path in [("admin-customers-csv", "/admin/customers/csv"),
                           ("admin-orders-export", "/admin/orders/export")]:
            b.go(f"{admin}{path}")
            take(name)
        # A member: registered, e-mail confirmed and signed in; the owner adds points on the
        # customer's page (ポイント調整), and the member uses them on a cart of both rates.
        if not args.only or set(args.only) & ({"admin-customer-points", "cart-points",
                                               "confirm-points", "account-points",
                                               "product-group", "account-business",
                                               "admin-business", "admin-business-terms",
                                               "account-business-terms", "quote-request",
                                               "quote-requested", "admin-quotes",
                                               "admin-quote", "quote", "account-quotes",
                                               "checkout-invoice", "confirm-invoice"}
                                              | month_end.NAMES | company.NAMES):
            member_points(b, take, shop, admin, data)
            # A month later (the shop restarted under faketime): the statement, its payment.
            if (not args.only or set(args.only) & month_end.NAMES) and shutil.which("faketime"):
                server.terminate()
                server.wait(timeout=10)
                server = month_end.restarted(serve, env)
                wait_http(f"{shop}/healthz")
                month_end.shots(b, take, totp, shop, admin, (EMAIL, PASSWORD, secret),
                                (MEMBER, MEMBER_PASSWORD))
        # The storefront closed for maintenance (every node sees it within 2 s).
        subprocess.run([args.binary, "maintenance", "on", "--message",
                        "12月3日 15時ごろ再開の予定です。", "--by", "店長", "--data-dir", data],
                       env=env, capture_output=True, check=True)
        time.sleep(2.5)
        b.go(f"{shop}/")
        take("maintenance")
        b.go(f"{admin}/admin/operations")
        take("admin-operations-closed")
        if args.readme:
            for name in taken:
                for size in SIZES:
                    if f"{name}-{size}" not in README_SET:
                        (out / f"{name}-{size}.png").unlink(missing_ok=True)
        print(f"{len(taken)} pages, {2 * len(taken)} screenshots in {out}")
    finally:
        if b:
            b.close()
        for p in (server, driver):
            p.terminate()
            p.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
