"""The helpers every analysis shares: batch frames put back in the split's order, and
input-level scores computed once per instance."""

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit.analyses.common import collect
from attnaudit.importance.scores import shared_scores


def test_collect_restores_the_split_order_with_the_parts_columns_only():
    rows = pd.DataFrame({"id": ["c", "a", "b", "d"]})
    parts = [
        pd.DataFrame({"id": ["a", "d"], "x": [1.0, 4.0]}, index=[7, 8]),
        pd.DataFrame({"id": ["b", "c"], "x": [2.0, 3.0]}, index=[7, 8]),
    ]
    out = collect(parts, rows)
    assert list(out.columns) == ["id", "x"]
    assert out["id"].tolist() == ["c", "a", "b", "d"] and out["x"].tolist() == [3, 1, 2, 4]
    assert out.index.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="no instances to analyse"):
        collect([], rows)


def test_shared_scores_computes_each_instance_once_per_measure_and_setting():
    model = torch.nn.Linear(1, 1)
    calls = []

    def compute(todo: pd.DataFrame) -> list[np.ndarray]:
        calls.append(todo["id"].tolist())
        return [np.array([float(len(i))]) for i in todo["id"]]

    first = shared_scores(model, pd.DataFrame({"id": ["a", "bb"]}), "gradient", compute, 1)
    again = shared_scores(model, pd.DataFrame({"id": ["ccc", "a"]}), "gradient", compute, 1)
    other = shared_scores(model, pd.DataFrame({"id": ["a"]}), "gradient", compute, 2)
    assert calls == [["a", "bb"], ["ccc"], ["a"]]
    assert [s.tolist() for s in first + again + other] == [[1], [2], [3], [1], [1]]
