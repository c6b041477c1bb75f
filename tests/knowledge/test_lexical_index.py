"""Tokenizer and BM25 LexicalIndex: Chinese, English, mixed text and incremental updates."""
from __future__ import annotations

import pytest

from knowledge.lexical_index import LexicalIndex
from knowledge.tokenizer import Tokenizer, cjk_share

DOCS = {
    1: "如何修改登录密码",
    2: "退货需要几天到账",
    3: "How do I reset my password",
    4: "opening hours of the store",
    5: "iPhone 15 怎么申请退款",
    6: "快递一般几天送达",
}


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture
def index(tokenizer) -> LexicalIndex:
    idx = LexicalIndex(tokenizer)
    idx.add(list(DOCS), list(DOCS.values()))
    return idx


def best(idx: LexicalIndex, text: str) -> int:
    ids, _ = idx.scores(text).top(1)
    return int(ids[0])


class TestTokenizer:
    def test_chinese_gives_jieba_words_and_char_ngrams(self, tokenizer):
        terms = tokenizer.terms("修改密码")
        assert "w:修改" in terms and "w:密码" in terms
        assert "z:修" in terms and "z:改密" in terms

    def test_english_gives_words_and_boundary_ngrams(self, tokenizer):
        terms = tokenizer.terms("Resetting PASSWORDS")
        assert "w:resetting" in terms and "w:passwords" in terms
        assert "c: re" in terms and "c:rds " in terms

    def test_mixed_and_full_width_text(self, tokenizer):
        terms = tokenizer.terms("ＩＰｈｏｎｅ退款")  # full-width letters from a Chinese keyboard
        assert "w:iphone" in terms and "w:退款" in terms

    def test_rejects_non_text(self, tokenizer):
        with pytest.raises(TypeError):
            tokenizer.terms(None)

    def test_cjk_share(self):
        assert cjk_share("退款") == 1.0 and cjk_share("refund") == 0.0
        assert cjk_share("iPhone退款") == pytest.approx(2 / 8)
        assert cjk_share("   ") == 0.0


class TestLexicalIndex:
    def test_chinese_queries(self, index):
        assert best(index, "登录密码忘了怎么改") == 1
        assert best(index, "退货几天能到账") == 2
        assert best(index, "快递几天到") == 6

    def test_english_query_with_inflection(self, index):
        assert best(index, "resetting passwords") == 3

    def test_mixed_language_query(self, index):
        assert best(index, "iphone退款") == 5

    def test_scores_are_normalised(self, index):
        scores = index.scores("How do I reset my password")
        ids, top = scores.top(3)
        assert ids[0] == 3 and top[0] == pytest.approx(1.0, abs=0.05)
        assert all(0.0 <= s <= 1.0 for s in top)
        assert scores.of([4])[0] < 0.3

    def test_unknown_words_lower_the_score(self, index):
        plain = index.scores("reset password").of([3])[0]
        diluted = index.scores("reset password zebra xylophone quantum").of([3])[0]
        assert diluted < plain

    def test_no_overlap_scores_nothing(self, index):
        ids, _ = index.scores("zzzz qqqq").top(5)
        assert len(ids) == 0
        assert index.scores("").top(5)[0].size == 0

    def test_add_and_remove_are_visible_at_once(self, index):
        index.add([7], ["会员积分怎么兑换"])
        assert best(index, "积分兑换") == 7
        index.remove([7, 1])
        ids, _ = index.scores("积分兑换 登录密码").top(10)
        assert 7 not in ids and 1 not in ids
        assert len(index) == 5 and 1 not in index

    def test_many_updates_match_a_fresh_index(self, tokenizer, index):
        # enough churn to trigger recompiles; rankings must equal those of a clean build
        extra = {100 + i: f"question number {i} about topic {i % 7}" for i in range(150)}
        index.add(list(extra), list(extra.values()))
        index.remove([100 + i for i in range(0, 150, 2)])
        fresh = LexicalIndex(tokenizer)
        live = {k: v for k, v in {**DOCS, **extra}.items() if k in index}
        fresh.add(list(live), list(live.values()))
        for q in ["question number 13 topic 6", "退货", "password"]:
            a_ids, a = index.scores(q).top(5)
            b_ids, b = fresh.scores(q).top(5)
            assert a_ids.tolist() == b_ids.tolist()
            assert a == pytest.approx(b, rel=1e-4)

    def test_duplicate_and_mismatched_adds_are_rejected(self, index):
        with pytest.raises(ValueError, match="already indexed"):
            index.add([1], ["again"])
        with pytest.raises(ValueError, match="ids but"):
            index.add([8, 9], ["only one"])
        assert len(index) == 6
