"""Bad bring-your-own files stop preprocessing with one message naming the file, the line
(or row) and the problem; length caps and declared labels."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from attnaudit import io
from attnaudit.data import tabular
from attnaudit.data.errors import DatasetError
from attnaudit.data.prepare import tokenize_documents
from attnaudit.stages.data import preprocess

HEADER = "text,label\n"


def rows(n: int = 30) -> str:
    return "".join(f"document number {i},{'pos' if i % 2 else 'neg'}\n" for i in range(n))


def refused(path, **options) -> str:
    with pytest.raises(DatasetError) as info:
        tabular.parse([], {"path": str(path), **options})
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message.replace(str(path), "FILE")


def test_a_latin_1_csv_names_the_line_and_the_byte(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + rows()).replace("number 7", "café 7").encode("latin-1"))
    assert refused(path) == (
        "table: FILE line 9, column 13: not valid utf-8 (byte 0xe9); save the file as utf-8 "
        "or set the option `encoding` (for example latin-1 or cp1252)"
    )
    df = tabular.parse([], {"path": str(path), "encoding": "latin-1"})
    assert df.set_index("id").loc["row-7", "text"] == "document café 7"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "table: FILE is empty (not even a header line)"),
        ("blank.tsv", b"\n\n", "table: FILE is empty (not even a header line)"),
        ("header.csv", HEADER.encode(), "table: FILE has no rows (a header line alone)"),
        ("empty.jsonl", b"\n", "table: FILE is empty (no JSON lines)"),
        ("empty.parquet", b"", "table: FILE is empty"),
    ],
)
def test_empty_files(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert refused(path) == expected


def test_a_broken_jsonl_line_is_named(tmp_path):
    path = tmp_path / "data.jsonl"
    good = [json.dumps({"text": f"text {i}", "label": i % 2}) for i in range(20)]
    path.write_text("\n".join([*good[:2], "", '{"text": "a b", label: 1}', *good[2:]]) + "\n")
    assert refused(path) == (
        "table: FILE line 4, column 17: not valid JSON (Expecting property name enclosed in "
        "double quotes)"
    )
    path.write_text("\n".join([*good[:5], "[1, 2]", *good[5:]]) + "\n")
    assert refused(path) == "table: FILE line 6: a JSON object is expected, not list"


def test_broken_csv_structure_is_named_by_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + rows().replace("document number 5,pos", '"document number 5,pos'))
    assert refused(path) == (
        "table: FILE is not a readable table: a quote opened in line 7 is never closed"
    )
    path.write_text(HEADER + rows().replace("document number 5,pos", "document 5,pos,extra"))
    assert "Expected 2 fields in line 7, saw 3" in refused(path)


def test_row_problems_give_lines_even_after_a_multi_line_field(tmp_path):
    path = tmp_path / "data.csv"
    text = HEADER + '"a text\nover two lines",pos\n\n' + rows().replace("document number 9,", ",")
    path.write_text(text)
    # the header is line 1, the two-line record lines 2-3, a blank line 4; row-10 is line 14
    assert refused(path) == (
        "table: FILE: 1 row(s) have an empty text (or no tokens) in 'text': line 14 (ids: row-10)"
    )


def test_a_parquet_file_reports_rows(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"not parquet at all")
    assert refused(path).startswith("table: FILE is not a readable Parquet file: ")
    frame = pd.DataFrame(
        {"text": [f"t {i}" for i in range(20)], "label": [i % 2 for i in range(20)]}
    )
    frame.loc[[3, 4], "label"] = None
    frame.to_parquet(path)
    assert (
        refused(path)
        == "table: FILE: missing labels in 'label': rows 3, 4 (0-based) (ids: row-3, row-4)"
    )


def test_a_100000_token_document_is_refused_unless_the_cap_is_lifted(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + rows() + '"' + "word " * 100_000 + '",pos\n')
    assert refused(path) == (
        "table: FILE: 1 document(s) have more than max_tokens = 10000 tokens (the longest: "
        "100000): line 32 (ids: row-30). A broken quote can merge rows; if the documents are "
        "right, raise max_tokens (null: no limit) and set max_length to cut them"
    )
    assert "max_tokens = 50" in refused(path, max_tokens=50)
    docs = tabular.parse([], {"path": str(path), "max_tokens": None})
    assert docs["text"].map(len).max() > 400_000


def test_max_length_cuts_are_counted_and_logged(tmp_path, caplog):
    docs = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "text": ["one two three four five", "one two", "one two three"],
            "label": [0, 1, 0],
            "split": ["train", "train", "test"],
        }
    )
    with caplog.at_level(logging.INFO, logger="attnaudit"):
        table, _ = tokenize_documents("toy", docs, min_count=1, max_length=3)
    assert table["tokens"].map(len).tolist() == [3, 2, 3]
    assert table.attrs["n_cut"] == 1
    assert "max_length 3 cuts 1 of 3 instances (the longest had 5 tokens)" in caplog.text


def test_a_stray_label_is_an_error_once_the_labels_are_declared(tmp_path, caplog):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + rows() + "document extra,maybe\n")
    assert refused(path, labels=["neg", "pos"]) == (
        "table: FILE: label(s) ['maybe'] in 'label' are not among the declared labels "
        "['neg', 'pos']: line 32 (ids: row-30)"
    )
    assert refused(path, n_classes=2) == (
        "table: FILE: 3 distinct labels ['maybe', 'neg', 'pos'] in 'label', but n_classes is "
        "2; the rarest, 'maybe' (1 row(s)), is in line 32 (ids: row-30)"
    )
    with caplog.at_level(logging.WARNING, logger="attnaudit"):
        inferred = tabular.parse([], {"path": str(path)})
    assert inferred["label"].nunique() == 3
    assert "3 classes inferred from the data: 'maybe' (1), 'neg' (15), 'pos' (15)" in caplog.text
    path.write_text(HEADER + rows())
    assert "declared label(s) ['neutral'] have no row" in refused(
        path, labels=["neg", "pos", "neutral"]
    )


def test_declared_labels_fix_the_class_ids(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + rows())
    df = tabular.parse([], {"path": str(path), "labels": ["pos", "neg"]})
    assert dict(zip(df["label_name"], df["label"], strict=True)) == {"pos": 0, "neg": 1}
    numbers = tmp_path / "numbers.csv"
    numbers.write_text(HEADER + rows().replace(",pos", ",1").replace(",neg", ",0"))
    df = tabular.parse([], {"path": str(numbers), "labels": [1, 0]})
    assert dict(zip(df["label_name"], df["label"], strict=True)) == {"1": 0, "0": 1}


def test_the_summary_states_the_classes_and_the_cut(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + rows(60).replace("document number 3,", "a b c d e f g h,"))
    out = tmp_path / "out"
    options = {"type": "table", "path": str(path), "labels": ["pos", "neg"], "max_length": 4}
    preprocess("mine", options, [str(path)], out / "t.parquet", out / "v.json", out / "s.json")
    summary = io.read_json(out / "s.json")
    assert summary["n_classes"] == 2 and summary["label_names"] == ["pos", "neg"]
    assert summary["max_length"] == 4 and summary["n_cut_by_max_length"] == 1
