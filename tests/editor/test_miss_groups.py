"""Grouping of missed questions (both languages), diffs of entries, import previews: pure logic."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knowledge.entry_diff import EntryDiff
from knowledge.import_preview import ImportPreview
from knowledge.miss_groups import Miss, MissGroups, question_key
from knowledge.types import FaqEntry

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def _misses(texts_by_customer: list[tuple[str, str]]) -> list[Miss]:
    return [Miss(f"m{i}", text, customer, "no_answer", NOW - timedelta(minutes=i))
            for i, (customer, text) in enumerate(texts_by_customer)]


def test_paraphrases_group_per_language_and_rank_by_distinct_customers():
    misses = _misses([
        ("a", "积分能换现金吗"), ("b", "积分可以兑换现金吗"), ("c", "积分能不能换成现金"), ("a", "积分能换现金吗"),
        ("d", "do you have a loyalty card"), ("e", "is there a loyalty card"),
        ("f", "你们有实体店吗"), ("f", "怎么修改收货地址"),
    ])
    groups = MissGroups().group(misses)
    assert sorted(groups[0].questions) == sorted(["积分能换现金吗", "积分可以兑换现金吗", "积分能不能换成现金"])
    assert (groups[0].customers, groups[0].asked) == (3, 4)
    assert groups[0].questions[0] == "积分能换现金吗"  # asked most
    assert sorted(groups[1].questions) == ["do you have a loyalty card", "is there a loyalty card"]
    assert all(len(g.questions) == 1 for g in groups[2:])  # unrelated questions stay apart


def test_identical_questions_count_once_and_empty_input_gives_nothing():
    groups = MissGroups().group(_misses([("a", "Loyalty card?"), ("b", "loyalty  card"), ("c", "   ")]))
    assert len(groups) == 1 and groups[0].questions == ("Loyalty card?",) and groups[0].customers == 2
    assert MissGroups().group([]) == []
    assert question_key("Loyalty card?") == question_key("loyalty card")
    with pytest.raises(ValueError):
        MissGroups(threshold=1.5)


def test_entry_diff_marks_text_segments_and_list_changes():
    old = FaqEntry("e", "怎么退货", "7 天内可退。", variants=("可以退货吗",))
    new = FaqEntry("e", "怎么退货", "15 天内可退。", variants=("可以退货吗", "how to return"), status="draft")
    changes = {c["field"]: c for c in EntryDiff(old, new).as_list()}
    assert set(changes) == {"answer", "variants"}  # status is bookkeeping, not content
    assert ["insert", "15"] in changes["answer"]["segments"]
    assert changes["variants"]["added"] == ["how to return"] and changes["variants"]["removed"] == []
    assert not EntryDiff(old, old).changed and EntryDiff(None, old).fields()[0] == "id"


def test_import_preview_mirrors_merge_and_replace():
    current = [FaqEntry("a", "q", "x"), FaqEntry("b", "q", "y"), FaqEntry("b", "q", "y2", status="draft")]
    incoming = [FaqEntry("a", "q", "x"), FaqEntry("c", "q", "z"), FaqEntry("b", "q", "changed")]
    merge = ImportPreview(incoming, current, "merge").as_dict()
    assert merge["new"] == [{"id": "c", "status": "published"}] and merge["unchanged"] == 1
    assert merge["changed"] == [{"id": "b", "status": "published", "fields": ["answer"]}] and merge["removed"] == []
    replace = ImportPreview(incoming, current, "replace").as_dict()
    assert replace["removed"] == [{"id": "b", "status": "draft"}]
