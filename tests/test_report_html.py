"""Result tables as HTML pages for report.html (`attnaudit.report.html`) and the aggregate
jobs that write them next to their CSV."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd

from attnaudit.report.html import cell, seeds_text, table_page
from attnaudit.stages.report import learned_vs_uniform


class Page(HTMLParser):
    """The caption's text, the body rows and the column glossary of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.caption, self.rows, self.glossary = "", [], ""
        self.where: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.where.append(tag)
        if tag == "tr" and "tbody" in self.where:
            self.rows.append([])
        if tag == "td":
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        while self.where and self.where.pop() != tag:
            pass

    def handle_data(self, data):
        if "figcaption" in self.where:
            self.caption += data
        elif "td" in self.where:
            self.rows[-1][-1] += data
        elif "section" in self.where:
            self.glossary += data


def headers(text: str) -> list[str]:
    """Header cells' text (a header may be split by <wbr> into several text runs)."""
    heads = text.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [
        html.unescape(c.replace("<wbr>", "")) for c in re.findall(r"<th[^>]*>(.*?)</th>", heads)
    ]


def test_cells_blank_nan_integer_counts_and_booleans():
    assert cell(float("nan"), ".3f") == "" and cell(None, ".3f") == "" and cell(pd.NA, "g") == ""
    assert cell(np.float64(0.12345), ".3f") == "0.123" and cell(2.0, "int") == "2"
    assert cell(2.5, "int") == "2.5" and cell(np.int64(7), ".3f") == "7"
    assert cell(np.bool_(True), ".3f") == "yes" and cell(False, ".3f") == "no"
    assert cell("[0.1, 0.25)", ".3f") == "[0.1, 0.25)"
    assert seeds_text([2, 1, 2]) == "2 seeds (1, 2)" and seeds_text([3]) == "1 seed (3)"


def test_page_has_caption_headers_and_formatted_rows():
    table = pd.DataFrame(
        {"model": ["a<b", "c"], "tau_mean": [0.5, np.nan], "tau_ci95": [0.25, np.nan],
         "n_seeds": [2.0, 1.0], "lambda": [0.5, 1.0], "flag": [True, False]}
    )  # fmt: skip
    text = table_page(
        table, "Title & more", "What the numbers are.", columns={"tau_mean": "mean tau"},
        formats={"lambda": "g"},
    )  # fmt: skip
    page = Page(text)
    assert "Title & more" in page.caption and "What the numbers are." in page.caption
    # the caption says what a ci95 column holds
    assert "half-width of the 95 % Student-t interval of the mean over seeds" in page.caption
    assert headers(text) == list(table.columns)
    assert page.rows == [
        ["a<b", "0.500", "0.250", "2", "0.5", "yes"],
        ["c", "", "", "1", "1", "no"],
    ]
    assert "a&lt;b" in text and "<script" not in text
    assert "mean tau" in page.glossary and "half-width of the 95 % interval of tau_mean" in (
        page.glossary
    )
    # a column the table lacks (a config without it) is left out, not an error
    assert "nope" not in Page(table_page(table, "t", "c", columns={"nope": "x"})).glossary


def test_learned_vs_uniform_job_writes_the_table_page(tmp_path):
    paths = []
    for i, (enc, att, seed, f1) in enumerate(
        [("lstm", "additive", 1, 0.8), ("lstm", "additive", 2, 0.9),
         ("lstm", "uniform", 1, 0.7), ("lstm", "uniform", 2, 0.75)]
    ):  # fmt: skip
        path = tmp_path / f"m{i}.json"
        path.write_text(json.dumps({"dataset": "d", "encoder": enc, "attention": att,
                                    "seed": seed, "test_f1": f1}))  # fmt: skip
        paths.append(str(path))
    out = {k: str(tmp_path / f"t.{k}") for k in ("csv", "markdown", "html")}
    learned_vs_uniform(paths, **out, figure=str(tmp_path / "f.png"))
    text = (tmp_path / "t.html").read_text()
    assert headers(text) == list(pd.read_csv(out["csv"]).columns)
    page = Page(text)
    assert "Runs: 2 seeds (1, 2)." in page.caption
    assert page.rows[0][:4] == ["d", "lstm", "additive", "0.850"]
    assert (tmp_path / "f.png").stat().st_size > 10_000
