"""The month end of a company paying by invoice (請求書払い), for take.py: the shop is started
again 30 days later under libfaketime (Debian `faketime`) so the billing period of the invoice
order placed earlier has closed; the owner signs in again (its code computed at the shop's
time), runs 締め処理, records part of the payment, and the buyer opens my page's statements.
"""
import subprocess
import time

# The names this part takes.
NAMES = {"admin-receivables", "admin-receivable", "account-statements"}
# How far the shop's clock is moved.
DAYS = 30


def shots(b, take, totp, shop: str, admin: str, owner: tuple, member: tuple) -> None:
    """`owner` is (email, password, totp secret), `member` (email, password)."""
    shift = DAYS * 86400
    email, password, secret = owner
    b.go(f"{admin}/admin/login")
    b.type("input[name=email]", email)
    b.type("input[name=password]", password)
    b.type("input[name=code]", totp(secret, time.time() + shift))
    b.submit_form("form.account")
    b.go(f"{admin}/admin/receivables")
    b.submit_form("form[action='/admin/receivables/close']")
    take("admin-receivables")
    b.go(b.js("return document.querySelector('table a[href^=\"/admin/receivables/\"]').href"))
    b.js("document.querySelector('#amount').value = '10000';")
    b.type("#note", "カ)アキナイシヨウジ")
    b.submit_form("form[action$='/payments']")
    take("admin-receivable")
    b.go(f"{shop}/account/login")
    b.type("input[name=email]", member[0])
    b.type("input[name=password]", member[1])
    b.submit_form("form.account")
    b.go(f"{shop}/account/statements")
    take("account-statements")


def restarted(cmd: list, env: dict) -> subprocess.Popen:
    """`cmd` (akinai serve …) started again DAYS days in the future."""
    return subprocess.Popen(["faketime", "-f", f"+{DAYS}d", *cmd], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
