"""FaissIndex: one contract, run against the exact and the HNSW kind."""
from __future__ import annotations

import numpy as np
import pytest

from knowledge.faiss_index import FaissIndex

DIM = 16


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    return np.arange(100, 300, dtype=np.int64), unit(rng.normal(size=(200, DIM)))


class IndexContract:
    kind: str

    def make(self) -> FaissIndex:
        return FaissIndex(DIM, self.kind, hnsw_m=16, ef_search=200)

    def test_finds_each_vector_itself(self, data):
        ids, vecs = data
        index = self.make()
        index.add(ids, vecs)
        scores, found = index.search(vecs[:20], 3)
        assert found[:, 0].tolist() == ids[:20].tolist()
        np.testing.assert_allclose(scores[:, 0], 1.0, rtol=1e-4)
        assert len(index) == 200

    def test_remove_hides_ids(self, data):
        ids, vecs = data
        index = self.make()
        index.add(ids, vecs)
        index.remove(ids[:10])
        _, found = index.search(vecs[:10], 5)
        assert not set(found.ravel().tolist()) & set(ids[:10].tolist())
        assert len(index) == 190

    def test_many_removals_then_adds_stay_consistent(self, data):
        ids, vecs = data
        index = self.make()
        index.add(ids, vecs)
        index.remove(ids[:150])  # past the HNSW rebuild point
        index.add(np.arange(1000, 1010), vecs[:10])
        assert len(index) == 60
        _, found = index.search(vecs[:10], 1)
        assert found[:, 0].tolist() == list(range(1000, 1010))
        np.testing.assert_allclose(index.vectors(np.array([1003, int(ids[160])])), vecs[[3, 160]])

    def test_save_and_load_round_trip(self, data, tmp_path):
        ids, vecs = data
        index = self.make()
        index.add(ids, vecs)
        index.remove(ids[:5])
        index.save(tmp_path / "v.faiss")
        loaded = FaissIndex.load(tmp_path / "v.faiss")
        assert loaded.kind == self.kind and len(loaded) == 195
        _, found = loaded.search(vecs[5:15], 1)
        assert found[:, 0].tolist() == ids[5:15].tolist()
        np.testing.assert_allclose(loaded.vectors(ids[5:7]), vecs[5:7])

    def test_empty_index_returns_no_hits(self):
        scores, found = self.make().search(unit(np.ones((2, DIM))), 4)
        assert (found == -1).all() and found.shape[0] == 2

    def test_bad_input_is_rejected_without_change(self, data):
        ids, vecs = data
        index = self.make()
        index.add(ids[:5], vecs[:5])
        with pytest.raises(ValueError, match="shape"):
            index.add(ids[5:7], vecs[5:7, :8])
        with pytest.raises(ValueError, match="NaN"):
            index.add(ids[5:6], np.full((1, DIM), np.nan, dtype=np.float32))
        with pytest.raises(ValueError, match="new and distinct"):
            index.add(ids[:1], vecs[:1])
        assert len(index) == 5


class TestFlat(IndexContract):
    kind = "flat"


class TestHnsw(IndexContract):
    kind = "hnsw"


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="flat' or 'hnsw"):
        FaissIndex(DIM, "ivf")
