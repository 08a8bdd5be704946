#!/usr/bin/env python3
"""Measures the real `akinai` binary the way issue #18 is checked: a catalog that is not the
benchmark's own is imported, `akinai serve` runs with its log on, and wrk asks for a product, a
category and a search page beside nginx serving copies of the same bytes, in one run.

    cargo build --release -p akinai
    python3 bench/binary.py --products 100000 --runs 2     # needs wrk and nginx

Writes a Shopify product CSV of varied names (place, kind, style; foods with one variant,
the rest with size and colour), imports it into a fresh data directory with
`akinai import products`, starts `akinai serve --demo` with standard output redirected to a
file (the access log is written, one line per request), and prints a Markdown table for
docs/performance.md with the date, commit and machine. External programs run as argument
vectors, never through a shell.
"""

import argparse
import csv
import datetime
import os
import platform
import random
import re
import subprocess
import tempfile
import time
import urllib.request

PLACES = ["北海道", "京都", "信州", "九州", "静岡", "宇治", "土佐", "会津", "有田", "益子", "美濃", "越前"]
STYLES = ["定番", "軽量", "本革", "国産", "手作り", "北欧風", "昔ながらの", "やわらか", "防水", "撥水",
          "大容量", "ミニ", "限定", "有機", "特選", "上質", "シンプル", "ヴィンテージ", "職人の", "季節の"]
KINDS = [("衣料 > Tシャツ", "Tシャツ"), ("衣料 > アウター", "ジャケット"), ("衣料 > アウター", "コート"),
         ("雑貨 > 革小物", "財布"), ("雑貨 > 革小物", "名刺入れ"), ("食品 > お茶", "抹茶"),
         ("食品 > お茶", "煎茶"), ("食品 > 調味料", "醤油"), ("食品 > 調味料", "味噌"),
         ("キッチン", "まな板"), ("キッチン", "包丁"), ("器", "湯呑み"), ("器", "茶碗"),
         ("雑貨", "トートバッグ"), ("雑貨", "手ぬぐい")]
COLOURS = ["黒", "白", "紺", "茶", "生成り", "赤"]
SIZES = ["S", "M", "L", "XL"]


def write_catalog(path, n):
    rnd = random.Random(7)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published",
                    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
                    "Variant SKU", "Variant Inventory Qty", "Variant Price", "Variant Taxable", "Status"])
        for i in range(n):
            kind, noun = rnd.choice(KINDS)
            food = kind.startswith("食品")
            title = f"{rnd.choice(PLACES)}の{rnd.choice(STYLES)}{noun} {rnd.choice(STYLES)}タイプ No.{i}"
            body = f"<p>{rnd.choice(PLACES)}で作られた{noun}です。</p><ul><li>{rnd.choice(STYLES)}</li></ul>"
            price = rnd.randrange(300, 30000, 10)
            variants = [(None, None)] if food else [(s, rnd.choice(COLOURS)) for s in rnd.sample(SIZES, 2)]
            for j, (size, colour) in enumerate(variants):
                first = j == 0
                w.writerow([f"p{i}", title if first else "", body if first else "",
                            "akinai" if first else "", kind if first else "",
                            ("軽減税率" if food else "") if first else "", "TRUE" if first else "",
                            ("サイズ" if size else "Title") if first else "", size or "Default Title",
                            ("カラー" if colour else "") if first else "", colour or "",
                            f"SKU{i}-{j}", rnd.randrange(0, 40), price + j * 100, "TRUE",
                            "active" if first else ""])


def wrk(url, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = " ".join(l.strip() for l in out.splitlines() if "Non-2xx" in l or "Socket errors" in l)
    return rps, ms("50%"), ms("99%"), errors


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=60):
    deadline = time.time() + seconds
    while True:
        try:
            return fetch(url)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--akinai", default="target/release/akinai")
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    args = ap.parse_args()
    akinai = os.path.abspath(args.akinai)
    work = tempfile.mkdtemp(prefix="akinai-bench-binary-")
    data, www = os.path.join(work, "data"), os.path.join(work, "www")
    os.makedirs(www)
    catalog = os.path.join(work, "products.csv")
    write_catalog(catalog, args.products)
    started = time.time()
    subprocess.run([akinai, "--data-dir", data, "import", "products", "--format", "shopify", catalog,
                    "--by", "bench"], check=True, stdout=subprocess.DEVNULL)
    imported = time.time() - started
    port = free_port()
    log = open(os.path.join(work, "serve.log"), "w")
    # The admin and metrics listeners on free ports too, so another shop on this machine is no
    # obstacle.
    env = dict(os.environ, AKINAI__ADMIN_LISTEN=f"127.0.0.1:{free_port()}",
               AKINAI__METRICS_LISTEN=f"127.0.0.1:{free_port()}")
    server = subprocess.Popen([akinai, "--data-dir", data, "serve", "--demo", "--listen",
                               f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT, env=env)
    nginx = None
    try:
        base = f"http://127.0.0.1:{port}"
        home = wait_for(base + "/").decode()
        category = re.search(r'href="(/category/c-[0-9a-f]+)"', home).group(1)
        pages = {"product page": f"/product/{args.products // 2}", "category page": category,
                 "search, 5 characters (ジャケット)": "/search?q=%E3%82%B8%E3%83%A3%E3%82%B1%E3%83%83%E3%83%88"}
        for name, path in pages.items():
            with open(os.path.join(www, f"{len(os.listdir(www))}.html"), "wb") as f:
                f.write(fetch(base + path))
        nginx_port = free_port()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"worker_processes auto;\nerror_log {work}/nginx-error.log;\npid {work}/nginx.pid;\n"
                    f"events {{ worker_connections 1024; }}\nhttp {{ access_log off; types {{ text/html html; }} "
                    f"client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; "
                    f"uwsgi_temp_path {work}; scgi_temp_path {work};\n"
                    f"server {{ listen 127.0.0.1:{nginx_port}; root {www}; }} }}\n")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work, "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"http://127.0.0.1:{nginx_port}/0.html")
        rows = []
        for run in range(args.runs):
            for n, (name, path) in enumerate(pages.items()):
                ng = wrk(f"http://127.0.0.1:{nginx_port}/{n}.html", args.duration, args.connections)
                ak = wrk(base + path, args.duration, args.connections)
                rows.append((run + 1, name, ak, ng))
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
        rss = next((l.split()[1] for l in open(f"/proc/{server.pid}/status") if l.startswith("VmRSS")), "?")
        print(f"{datetime.date.today()} — {cpu}, {os.cpu_count()} cores, {platform.system()}, commit {commit}")
        print(f"`python3 bench/binary.py --products {args.products} --runs {args.runs} --duration {args.duration}`: "
              f"{args.products:,} products imported in {imported:.0f} s; `akinai serve --demo`, log to a file; "
              f"server RSS after the runs: {int(rss) // 1024 if rss != '?' else '?'} MB\n")
        print("| run | page | akinai req/s | nginx req/s (same bytes) | vs nginx | akinai p50 / p99 ms | nginx p99 ms |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for run, name, (rps, p50, p99, err), (nrps, _, np99, _) in rows:
            print(f"| {run} | {name} | {rps:,.0f} | {nrps:,.0f} | {rps / nrps:.0%} | {p50:.2f} / {p99:.2f} | "
                  f"{np99:.2f} |{' ' + err if err else ''}")
    finally:
        for p in (nginx, server):
            if p:
                p.terminate()
                p.wait()


if __name__ == "__main__":
    main()
