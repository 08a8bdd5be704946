"""Several buyers under one company, for take.py: the company's admin (the demo member) sets
the approval amount and invites a buyer; the buyer registers, opens the invitation and joins,
and orders over the amount (held for approval); the admin then sees the order waiting.
"""
import urllib.parse

NAMES = {"business-join", "confirm-approval", "account-business-admin"}
BUYER = "buyer@example.jp"


def register(b, shop: str, email: str, password: str, verify_link) -> None:
    b.go(f"{shop}/account/register")
    b.type("input[name=email]", email)
    b.type("input[name=name]", "佐藤 次郎")
    b.type("input[name=password]", password)
    b.submit_form("form.account")
    b.go(verify_link(email))
    b.submit_form("form.account")
    login(b, shop, email, password)


def login(b, shop: str, email: str, password: str) -> None:
    b.go(f"{shop}/account/login")
    b.type("input[name=email]", email)
    b.type("input[name=password]", password)
    b.submit_form("form.account")


def shots(b, take, shop: str, member: tuple, password: str, mail_link) -> None:
    b.go(f"{shop}/account/business")
    b.type("#approval_over", "10000")
    b.submit_form("form[action='/account/business/approval']")
    b.type("#invite-email", BUYER)
    b.submit_form("form[action='/account/business/invite']")
    link = mail_link("/account/business/join?t=")
    b.call("DELETE", "/cookie")
    register(b, shop, BUYER, password, lambda _email: mail_link("/account/verify?t="))
    b.go(link)
    take("business-join")
    b.submit_form("form[action='/account/business/join']")
    b.go(f"{shop}/search?q=" + urllib.parse.quote("レザージャケット"))
    b.go(b.js("return document.querySelector('ul.grid li.card a').href"))
    b.submit_form("form[action='/cart/add']")
    b.go(f"{shop}/checkout")
    for field, value in [("name", "佐藤 次郎"), ("name_kana", "さとう じろう"),
                         ("phone", "090-1234-5678"), ("postal_code", "1000005"),
                         ("prefecture", "13"), ("city", "千代田区"), ("line1", "丸の内1-1-1")]:
        if field == "prefecture":
            b.js("document.querySelector('select[name=prefecture]').value = '13';")
        else:
            b.type(f"input[name={field}]", value)
    b.click("input[name=payment_method][value=bank_transfer]")
    b.submit_form("form.checkout")
    take("confirm-approval")
    b.submit_form("form.place")
    b.call("DELETE", "/cookie")
    login(b, shop, member[0], member[1])
    b.go(f"{shop}/account/business")
    take("account-business-admin")
