"""Dataset parsers: real archives from the offline mirror, and small files in official formats.

Each real archive is read at most once per session (module-scoped fixtures); the `build`
functions then derive tasks and splits from the parsed records without re-reading.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from attnaudit.data import agnews, imdb, newsgroups, sst2, tabular, zhang
from attnaudit.data.errors import DatasetError
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.tokens import tokenize

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"


def mirror_path(name: str) -> Path:
    path = MIRROR / name
    if not path.exists():
        pytest.skip(f"offline dataset mirror file {path} is not present (../shared/data)")
    return path


def counts(df: pd.DataFrame) -> dict[tuple[str, int], int]:
    return {k: int(v) for k, v in df.groupby(["split", "label"]).size().items()}


def check_contract(df: pd.DataFrame, n_classes: int) -> None:
    assert {"id", "text", "label", "split"} <= set(df.columns)
    assert df["id"].is_unique
    assert set(df["split"]) == {"train", "dev", "test"}
    assert sorted(df["label"].unique()) == list(range(n_classes))
    assert all(isinstance(t, str) and tokenize(t) for t in df["text"].head(500))


# ---------------------------------------------------------------- IMDB (mirror)


@pytest.fixture(scope="module")
def imdb_reviews() -> pd.DataFrame:
    return imdb.read_reviews(mirror_path("aclImdb_v1.reconstructed.tar.gz"))


@pytest.fixture(scope="module")
def imdb_binary(imdb_reviews) -> pd.DataFrame:
    return imdb.build(imdb_reviews, {})


@pytest.mark.mirror
def test_imdb_counts_before_filtering(imdb_reviews):
    assert len(imdb_reviews) == 50_000
    by = imdb_reviews.groupby(["source", "polarity"]).size().to_dict()
    assert by == {
        ("train", 0): 12_500,
        ("train", 1): 12_500,
        ("test", 0): 12_500,
        ("test", 1): 12_500,
    }
    neg, pos = (imdb_reviews.loc[imdb_reviews["polarity"] == p, "rating"] for p in (0, 1))
    assert neg.between(1, 4).all() and pos.between(7, 10).all()
    assert not imdb_reviews["text"].str.contains("<br", regex=False).any()
    assert imdb_reviews["id"].is_unique and imdb_reviews["id"].iloc[0].startswith("test/neg/")


@pytest.mark.mirror
def test_imdb_binary_keeps_documents_under_400_tokens(imdb_binary):
    check_contract(imdb_binary, 2)
    longest = imdb_binary["text"].str.len().nlargest(2_000).index  # token counts: slow
    assert imdb_binary.loc[longest, "text"].map(lambda t: len(tokenize(t))).max() < 400
    c = counts(imdb_binary)
    for label in (0, 1):  # dev is a stratified 20% of the filtered official train split
        train_total = c["train", label] + c["dev", label]
        assert abs(c["dev", label] - 0.2 * train_total) <= 1
    assert imdb_binary.loc[imdb_binary["split"] == "test", "id"].str.startswith("test/").all()
    assert 20_000 < len(imdb_binary) < 50_000


@pytest.mark.mirror
def test_imdb_rating_task_is_deterministic(imdb_reviews):
    options = {"task": "rating", "max_tokens": None}
    df = imdb.build(imdb_reviews, options)
    check_contract(df, 8)
    assert len(df) == 50_000 and (df["split"] == "dev").sum() == 5_000
    rating = df["id"].str.extract(r"_(\d+)$")[0].astype(int)
    assert (rating.map(dict(zip(imdb.RATINGS, range(8), strict=True))) == df["label"]).all()
    pd.testing.assert_frame_equal(df, imdb.build(imdb_reviews, options))
    other = imdb.build(imdb_reviews, {**options, "split_seed": 1})
    assert (other["split"] != df["split"]).any()
    with pytest.raises(DatasetError, match="unknown task"):
        imdb.build(imdb_reviews, {"task": "stars"})


def test_imdb_parse_small_archive(tmp_path):
    path = tmp_path / "aclImdb_v1.tar.gz"
    reviews = {
        "aclImdb/train/pos/1_9.txt": "Great film.<br /><br />Loved it",
        "aclImdb/train/neg/2_1.txt": "Bad film " * 10,
        "aclImdb/train/unsup/3_0.txt": "ignored",
        "aclImdb/test/pos/4_7.txt": "Fine",
        "aclImdb/test/neg/5_3.txt": "Dull",
    }
    write_tar(path, {k: v.encode() for k, v in reviews.items()})
    df = imdb.parse([path], {"max_tokens": 15, "dev_fraction": 0.0})
    assert sorted(df["id"]) == ["test/neg/5_3", "test/pos/4_7", "train/pos/1_9"]
    assert df.set_index("id").loc["train/pos/1_9", "text"] == "Great film.  Loved it"
    assert imdb.n_classes({"task": "rating"}) == 8 and imdb.n_classes({}) == 2


# ---------------------------------------------------------------- 20 Newsgroups


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    return newsgroups.read_posts(mirror_path("20news-bydate.reconstructed.tar.gz"))


@pytest.mark.mirror
def test_20news_counts(posts):
    by = posts.groupby(["group", "source"]).size()
    assert (by["rec.sport.baseball", "train"], by["rec.sport.baseball", "test"]) == (597, 397)
    assert (by["rec.sport.hockey", "train"], by["rec.sport.hockey", "test"]) == (600, 399)
    assert posts["source"].value_counts().to_dict() == {"train": 11_314, "test": 7_532}
    assert posts["group"].nunique() == 20


@pytest.mark.mirror
def test_20news_baseball_hockey_pooled_80_20_then_80_20(posts):
    df = newsgroups.build(posts, {})
    check_contract(df, 2)
    c = counts(df)
    for label in (0, 1):
        total = c["train", label] + c["dev", label] + c["test", label]
        assert abs(c["test", label] - 0.2 * total) <= 1
        assert abs(c["dev", label] - 0.2 * (total - c["test", label])) <= 1
    assert 1_900 < len(df) <= 1_993  # 994 baseball + 999 hockey, minus emptied posts
    # bydate train and test posts are pooled: the test split draws from both
    assert {i.split("/")[0] for i in df.loc[df["split"] == "test", "id"]} == {"train", "test"}
    assert not df["text"].str.contains(r"^(?:From|Subject|Lines):", regex=True).any()
    assert not df["text"].str.contains(r"^>", regex=True).any()


@pytest.mark.mirror
def test_20news_all20_official_split(posts):
    df = newsgroups.build(posts, {"task": "all20"})
    check_contract(df, 20)
    test = df[df["split"] == "test"]
    assert test["id"].str.startswith("test/").all() and len(test) > 7_000
    train_dev = df[df["split"] != "test"]
    assert train_dev["id"].str.startswith("train/").all()
    assert abs((train_dev["split"] == "dev").mean() - 0.1) < 0.005


def test_sklearn_strip_functions():
    post = "From: a@b\nSubject: hi\n\nIn article <1@x> a@b writes:\n> quoted\nbody line\n\n--\nsig"
    assert newsgroups.strip_newsgroup_header(post).startswith("In article")
    assert newsgroups.strip_newsgroup_footer("body\n\n--\nsig\n") == "body\n"
    assert newsgroups.strip_newsgroup_footer("no separator at all") == "no separator at all"
    assert newsgroups.strip_newsgroup_quoting("a\n> q\n| q\nb wrote: x\nc") == "a\nc"
    assert newsgroups.clean(post) == "body line\n"


# ---------------------------------------------------------------- AG News


def write_ag_csv(path: Path, rows: list[tuple[int, str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, header=False, index=False, quoting=1)
    return path


@pytest.mark.mirror
def test_agnews_test_csv_counts_and_resplit():
    path = mirror_path("ag_news_csv/test.csv")
    raw = pd.read_csv(path, header=None)
    assert raw[0].value_counts().to_dict() == {1: 1_900, 2: 1_900, 3: 1_900, 4: 1_900}
    df = agnews.parse([path], {"test_only_resplit": True})
    check_contract(df, 2)
    assert df["resplit_from_test"].all()
    assert counts(df) == {
        (s, label): n for label in (0, 1) for s, n in (("train", 1330), ("dev", 190), ("test", 380))
    }
    world = raw.loc[raw[0] == 1, 2].iloc[0].replace("\\", " ")
    assert world in set(df.loc[df["label"] == 0, "text"])


def test_agnews_train_and_test_files(tmp_path):
    train = write_ag_csv(
        tmp_path / "train.csv",
        [(c, f"title {i}", f"desc {c} {i}\\more") for i in range(20) for c in (1, 2, 3, 4)],
    )
    test = write_ag_csv(tmp_path / "test.csv", [(1, "t", "world"), (3, "t", "business")])
    df = agnews.parse([train, test], {})
    assert set(df["label"]) == {0, 1} and not df["resplit_from_test"].any()
    assert counts(df) == {("dev", 0): 3, ("dev", 1): 3, ("test", 0): 1, ("test", 1): 1,
                          ("train", 0): 17, ("train", 1): 17}  # fmt: skip
    assert "desc 3 0 more" in set(df["text"])
    with pytest.raises(DatasetError, match="test_only_resplit"):
        agnews.parse([test], {})


# ---------------------------------------------------------------- SST-2


@pytest.mark.mirror
def test_sst2_counts_and_splits():
    train, dev = mirror_path("SST-2/train.tsv"), mirror_path("SST-2/dev.tsv")
    assert len(pd.read_csv(train, sep="\t", quoting=3)) == 67_349
    assert len(pd.read_csv(dev, sep="\t", quoting=3)) == 872
    df = sst2.parse([train, dev], {})
    check_contract(df, 2)
    c = counts(df)
    assert (c["test", 0], c["test", 1]) == (428, 444)  # GLUE dev is the test split
    n_train = sum(v for (s, _), v in c.items() if s != "test")
    assert n_train == 67_349 - 2  # the phrases "(" and ")" have no tokens
    assert abs((df.loc[df["split"] != "test", "split"] == "dev").mean() - 0.1) < 0.001


def test_sst2_reads_the_glue_zip(tmp_path):
    path = tmp_path / "SST-2.zip"
    with zipfile.ZipFile(path, "w") as zf:
        rows = "".join(f"phrase number {i} \t{i % 2}\n" for i in range(20))
        zf.writestr("SST-2/train.tsv", "sentence\tlabel\n" + rows)
        zf.writestr("SST-2/dev.tsv", "sentence\tlabel\n\"quoted' one \t1\nbad \t0\n")
        zf.writestr("SST-2/test.tsv", "index\tsentence\n0\tunlabelled\n")
    df = sst2.parse([path], {})
    assert counts(df) == {("dev", 0): 1, ("dev", 1): 1, ("test", 0): 1, ("test", 1): 1,
                          ("train", 0): 9, ("train", 1): 9}  # fmt: skip
    assert "\"quoted' one" in set(df["text"])


# ---------------------------------------------------------------- Zhang et al. csv archives


def write_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def zhang_csv(rows: list[tuple]) -> bytes:
    return pd.DataFrame(rows).to_csv(header=False, index=False, quoting=1).encode()


def test_zhang_yelp_polarity_format(tmp_path):
    train = [(1 + i % 2, f"review {i}\\nsecond line") for i in range(40)]
    path = write_tar(
        tmp_path / "yelp_review_polarity_csv.tgz",
        {
            "yelp_review_polarity_csv/readme.txt": b"readme",
            "yelp_review_polarity_csv/train.csv": zhang_csv([*train, (1, "...")]),
            "yelp_review_polarity_csv/test.csv": zhang_csv([(1, 'said "hi"'), (2, "good")]),
        },
    )
    df = zhang.parse([path], {})
    assert counts(df) == {("dev", 0): 2, ("dev", 1): 2, ("test", 0): 1, ("test", 1): 1,
                          ("train", 0): 18, ("train", 1): 18}  # fmt: skip
    assert "review 0 second line" in set(df["text"]) and 'said "hi"' in set(df["text"])
    assert "train-40" not in set(df["id"])  # "..." has no tokens


def test_zhang_amazon_full_format(tmp_path):
    rows = [(1 + i % 5, f"title {i}", f"body {i}") for i in range(50)]
    path = write_tar(
        tmp_path / "amazon_review_full_csv.tgz",
        {
            "amazon_review_full_csv/test.csv": zhang_csv(rows[:10]),
            "amazon_review_full_csv/train.csv": zhang_csv(rows),
        },
    )
    df = zhang.parse([path], {"dev_fraction": 0.2})
    assert sorted(df["label"].unique()) == [0, 1, 2, 3, 4]
    assert df.set_index("id").loc["test-7", "text"] == "title 7 body 7"
    assert (df["split"] == "dev").sum() == 10
    no_title = zhang.parse([path], {"include_title": False})
    assert no_title.set_index("id").loc["test-7", "text"] == "body 7"
    with pytest.raises(DatasetError, match="test"):
        zhang.parse([write_tar(tmp_path / "x.tgz", {"x/train.csv": zhang_csv(rows)})], {})


# ---------------------------------------------------------------- bring-your-own tables


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "review": [f"text number {i}" for i in range(40)],
            "sentiment": ["pos" if i % 4 else "neg" for i in range(40)],
            "part": ["train"] * 30 + ["dev"] * 5 + ["test"] * 5,
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_table_formats_and_string_labels(tmp_path, table, suffix):
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".tsv":
        table.to_csv(path, sep="\t", index=False)
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_dict("records")))
    else:
        table.to_parquet(path)
    options = {"path": str(path), "text_column": "review", "label_column": "sentiment"}
    df = tabular.parse([], options)
    assert dict(zip(df["label_name"], df["label"], strict=True)) == {"neg": 0, "pos": 1}
    assert counts(df) == {("dev", 0): 1, ("dev", 1): 3, ("test", 0): 1, ("test", 1): 3,
                          ("train", 0): 8, ("train", 1): 24}  # fmt: skip
    with_split = tabular.parse([], {**options, "split_column": "part"})
    assert (with_split["split"] == table["part"]).all()


def test_table_errors(tmp_path, table):
    path = tmp_path / "data.csv"
    base = {"path": str(path), "text_column": "review", "label_column": "sentiment"}
    with pytest.raises(DatasetError, match="does not exist"):
        tabular.parse([], base)
    table.to_csv(path, index=False)
    with pytest.raises(DatasetError, match=r"no text column 'text'; available: \['review'"):
        tabular.parse([], {"path": str(path)})
    with pytest.raises(DatasetError, match="no split column 'fold'"):
        tabular.parse([], {**base, "split_column": "fold"})
    table.loc[[3, 7, 8], "review"] = ["", "!!", None]
    table.to_csv(path, index=False)
    with pytest.raises(DatasetError, match=r"3 row\(s\).*ids: row-3, row-7, row-8"):
        tabular.parse([], base)
    table["review"] = "fine text"
    table["sentiment"] = "pos"
    table.to_csv(path, index=False)
    with pytest.raises(DatasetError, match="single class"):
        tabular.parse([], base)
    table["sentiment"] = [i % 2 for i in range(40)]
    table.loc[0, "part"] = "validation"
    table.to_csv(path, index=False)
    with pytest.raises(DatasetError, match=r"unknown value\(s\) \['validation'\]"):
        tabular.parse([], {**base, "split_column": "part"})
    with pytest.raises(DatasetError, match="format"):
        tabular.parse([], {**base, "format": "xml"})


# ---------------------------------------------------------------- through the pipeline's checks


@pytest.mark.mirror
def test_load_documents_accepts_real_parsers(posts):
    table20, vocab = tokenize_documents("20news", newsgroups.build(posts, {}), min_count=2)
    assert len(vocab) > 1_000 and table20["token_ids"].map(len).min() >= 3
    sst_paths = [mirror_path("SST-2/train.tsv"), mirror_path("SST-2/dev.tsv")]
    docs = load_documents("sst2", {"type": "sst2"}, sst_paths)
    assert len(docs) == 67_347 + 872
    ag = load_documents("ag", {"type": "agnews", "test_only_resplit": True},
                        [mirror_path("ag_news_csv/test.csv")])  # fmt: skip
    assert len(ag) == 3_800
