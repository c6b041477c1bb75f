"""The demo knowledge base that `make run` loads: valid, bilingual, and its buttons work."""
from __future__ import annotations

from pathlib import Path

from bot.payloads import parse_payload
from knowledge.formats import read_faq

DEMO = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "demo_faq.json"


def test_demo_kb_is_a_bilingual_shop_faq_of_about_40_entries():
    entries = read_faq(DEMO)
    assert 35 <= len(entries) <= 50
    for entry in entries:
        phrasings = " ".join(entry.phrasings)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in phrasings), entry.id
        assert any(ch.isascii() and ch.isalpha() for ch in phrasings), entry.id
        assert len(entry.variants) >= 3, entry.id


def test_every_button_points_at_an_existing_entry():
    entries = read_faq(DEMO)
    ids = {e.id for e in entries}
    for entry in entries:
        for button in entry.buttons:
            payload = parse_payload(button.payload)
            assert payload is not None and payload.command == "faq", (entry.id, button.payload)
            assert payload.args[0] in ids, (entry.id, button.payload)
