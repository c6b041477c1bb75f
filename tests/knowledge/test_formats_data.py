"""The knowledge-base content we ship: the demo KB and the held-out benchmark sets read cleanly
and keep the properties their READMEs promise."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge.formats import read_faq

ROOT = Path(__file__).parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def test_demo_kb_is_a_bilingual_shop_faq() -> None:
    entries = read_faq(ROOT / "knowledge" / "data" / "demo_faq.json")
    assert 38 <= len(entries) <= 45
    for entry in entries:
        assert 4 <= len(entry.variants) <= 8, entry.id
        # Customers may write in either language, so each entry has phrasings in both.
        assert any(HAN.search(p) for p in entry.phrasings) and any(LATIN.search(p) for p in entry.phrasings), entry.id
        assert entry.category and entry.tags, entry.id
        assert HAN.search(entry.answer) and LATIN.search(entry.answer), entry.id
    by_id = {entry.id: entry for entry in entries}
    assert by_id["order_status"].action == "action_order_status"
    assert by_id["complaint"].handoff and by_id["complaint"].category == "complaint"


@pytest.mark.parametrize("name", ["shop_zh", "shop_en"])
def test_benchmark_sets_are_consistent(name: str) -> None:
    folder = ROOT / "benchmarks" / "data" / name
    entries = read_faq(folder / "faq.json")
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    ids = {entry.id for entry in entries}
    assert len(entries) >= 30 and all(3 <= len(e.variants) for e in entries)
    assert len(queries) >= 60
    assert {q["expected"] for q in queries} - {None} <= ids
    out_of_scope = sum(q["expected"] is None for q in queries)
    assert out_of_scope >= len(queries) // 4
    phrasings = {p for entry in entries for p in entry.phrasings}
    assert not [q["text"] for q in queries if q["text"] in phrasings]  # held out, not copied


def test_both_benchmark_sets_share_their_entries() -> None:
    zh = read_faq(ROOT / "benchmarks" / "data" / "shop_zh" / "faq.json")
    en = read_faq(ROOT / "benchmarks" / "data" / "shop_en" / "faq.json")
    assert [(e.id, e.question) for e in zh] == [(e.id, e.question) for e in en]
    assert all(set(z.variants) < set(e.variants) for z, e in zip(zh, en))
