"""Administrative levels from address text: Causeway's rules against maintained packages.

Run with the packages installed beside the project (they are not its dependencies):
    pip install cpca==0.5.5 cpca-new==0.1.2 jionlp==1.5.31
    PYTHONPATH=. python benchmarks/compare_address_parsers.py
Scores, on the hand-written cases of tests/warehouse/data/addresses.tsv and on generated
ones (real province/city/district triples, each written with all, some or none of its
prefixes, before communities named with 区/村/苑), whether the district as written is
found (and none invented where none is written), and the time per 100,000 addresses.
Figures are recorded in docs/addresses.md.
"""

from __future__ import annotations

import importlib
import itertools
import random
import time
from collections.abc import Callable

import duckdb

from tests.warehouse.test_addresses import labelled
from warehouse.db.macros import install_macros
from warehouse.ingest.addresses import area_sql

PLACES = [
    ("浙江省", "杭州市", "西湖区"),
    ("浙江省", "杭州市", "拱墅区"),
    ("北京市", "", "朝阳区"),
    ("上海市", "", "浦东新区"),
    ("广东省", "广州市", "天河区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("福建省", "福州市", "鼓楼区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "洪山区"),
    ("广西壮族自治区", "南宁市", "青秀区"),
    ("辽宁省", "沈阳市", "和平区"),
    ("天津市", "", "和平区"),
    ("重庆市", "", "渝中区"),
    ("陕西省", "西安市", "雁塔区"),
    ("浙江省", "宁波市", "鄞州区"),
    ("河北省", "石家庄市", "长安区"),
    ("浙江省", "金华市", "义乌市"),
    ("浙江省", "杭州市", "建德市"),
    ("浙江省", "杭州市", "桐庐县"),
    ("云南省", "玉溪市", "峨山彝族自治县"),
    ("内蒙古自治区", "呼和浩特市", "土默特左旗"),
]
COMMUNITIES = [
    "翠苑一区社区",
    "西溪花园社区",
    "三里亭社区",
    "骆家庄村社区",
    "朝晖九区社区",
    "学院路社区",
]
PREMISES = ["3幢2单元501室", "2-1-101", "5号楼3单元1502", "7#2-601"]


def generated(n: int = 400, seed: int = 7) -> list[tuple[str, str | None]]:
    """(address, district as written or None)."""
    rng = random.Random(seed)
    out = []
    combos = list(itertools.product(PLACES, COMMUNITIES, PREMISES, range(4)))
    for (province, city, district), community, premises, prefix in rng.sample(combos, n):
        head = [province + city + district, city + district, district, ""][prefix]
        out.append((head + community + premises, district if head else None))
    return out


def ours() -> Callable[[list[str]], list[str | None]]:
    con = duckdb.connect()
    install_macros(con)

    def run(texts: list[str]) -> list[str | None]:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE t AS SELECT row_number() OVER () AS i, raw "
            "FROM (SELECT unnest(?) AS raw)",
            [texts],
        )
        # As staging reads them (warehouse.ingest.addresses.area_sql), in the given order.
        area = area_sql("(SELECT i, cw_clean(raw) AS clean FROM t)", "clean", ("i",))
        rows = con.execute(f"SELECT area.district FROM ({area}) ORDER BY i").fetchall()
        return [r[0] for r in rows]

    return run


def cpca_like(module: str) -> Callable[[list[str]], list[str | None]] | None:
    try:
        package = importlib.import_module(module)
    except ImportError:
        return None

    def run(texts: list[str]) -> list[str | None]:
        frame = package.transform(texts)
        return [d if isinstance(d, str) else None for d in frame["区"]]

    return run


def jionlp_parser() -> Callable[[list[str]], list[str | None]] | None:
    try:
        jio = importlib.import_module("jionlp")
    except ImportError:
        return None

    def run(texts: list[str]) -> list[str | None]:
        return [jio.parse_location(t).get("county") for t in texts]

    return run


def main() -> None:
    cases = [(c["address"], c["district"]) for c in labelled()] + generated()
    written = [a for a, _ in cases]
    parsers = {
        "causeway rules": ours(),
        "cpca 0.5.5": cpca_like("cpca"),
        "cpca-new 0.1.2": cpca_like("cpca_new"),
        "jionlp 1.5.31": jionlp_parser(),
    }
    print(f"{len(cases)} addresses ({sum(d is not None for _, d in cases)} name a district)")
    for name, parser in parsers.items():
        if parser is None:
            print(f"{name}: not installed")
            continue
        got = parser(written)  # also loads dictionaries, once
        # Speed on 20 copies of every address (jionlp, 300x slower, on one copy).
        timed = written * (1 if name.startswith("jionlp") else 20)
        start = time.perf_counter()
        parser(timed)
        per_100k = (time.perf_counter() - start) / len(timed) * 100_000
        right = sum(g == d for g, (_, d) in zip(got, cases, strict=True))
        named = [(g, d) for g, (_, d) in zip(got, cases, strict=True) if d is not None]
        found = sum(g == d for g, d in named)
        invented = sum(g is not None for g, (_, d) in zip(got, cases, strict=True) if d is None)
        print(
            f"{name}: district right {right}/{len(cases)} ({right / len(cases):.1%}); "
            f"found where written {found}/{len(named)}; invented where none {invented}; "
            f"{per_100k:.1f} s per 100k addresses"
        )


if __name__ == "__main__":
    main()
