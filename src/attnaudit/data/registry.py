"""The dataset registry: what each dataset is, where it comes from, and how it is parsed.

A new dataset is one `DatasetSpec` here plus its parser module. A parser takes the local
paths of the dataset's files (in the order of `resolve_files(spec, options)`) and the
dataset's config options and returns a DataFrame with columns `id` (unique str), `text`
(str), `label` (int 0..K-1) and `split` ("train" | "dev" | "test"); it may add `rationale`
(list of token positions) and informative columns (e.g. `label_name`, `resplit_from_test`).

Per-option behaviour, when a spec has it:
- `resolve_files(spec, options)`: the files these options need (AG News with
  `test_only_resplit` needs test.csv only), with per-file overrides from the option
  `files: {<filename>: {mirror_name: ..., mirror_sha256: ...}}` for mirrors whose copy has
  another name or other bytes than the official file.
- `n_classes_for(spec, options)`: the class count these options give (IMDB's `task`, a
  table's declared `labels`); None where only the data can tell ("table" without them).
- `check_options(dataset, spec, options)`: the options against the type's declared ones
  (`spec.options`, the parser module's `OPTIONS`, with `attnaudit.data.options.COMMON`):
  unknown options, wrong types, out-of-range values and the type's own constraints between
  options are refused before any job runs.
- "table" downloads nothing: its parser reads the file named by the option `path`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

from attnaudit.data import agnews, imdb, newsgroups, sst, sst2, synthetic, tabular, zhang
from attnaudit.data.errors import DatasetError
from attnaudit.data.options import COMMON, FILES, with_defaults
from attnaudit.data.remote import UNKNOWN, RemoteFile, override_files
from attnaudit.declare import unknown_keys

__all__ = [
    "UNKNOWN",
    "DatasetSpec",
    "RemoteFile",
    "check_options",
    "get_spec",
    "n_classes_for",
    "option_schema",
    "resolve_files",
]

Parser = Callable[[Sequence[Path], dict[str, Any]], pd.DataFrame]


class UnknownDatasetError(KeyError):
    """A config names a dataset type that is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    parser: Parser
    files: tuple[RemoteFile, ...] = ()
    n_classes: int | None = 2  # None: as many as the parsed labels
    min_count: int = 1
    description: str = ""
    # the options the parser reads (JSON-schema fragments, attnaudit.data.options), those
    # required, and the constraints between them (raises DatasetError)
    options: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], None] | None = None
    classes_for: Callable[[dict[str, Any]], int | None] | None = None  # options decide it
    files_for: Callable[[dict[str, Any]], tuple[RemoteFile, ...]] | None = None


def _zhang(name: str, sha256: str) -> RemoteFile:
    return RemoteFile(f"https://s3.amazonaws.com/fast-ai-nlp/{name}.tgz", sha256, f"{name}.tgz")


def _member(url: str, archive_sha256: str, member: str, sha256: str) -> RemoteFile:
    return RemoteFile(url, sha256, member, member=member, archive_sha256=archive_sha256)


def _ag(member: str, sha256: str) -> RemoteFile:
    return _member("https://s3.amazonaws.com/fast-ai-nlp/ag_news_csv.tgz", UNKNOWN, member, sha256)


def _sst2(member: str, sha256: str) -> RemoteFile:
    zip_sha256 = "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa"
    return _member("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip", zip_sha256, member, sha256)


AG_TRAIN = _ag(
    "ag_news_csv/train.csv", "76a0a2d2f92b286371fe4d4044640910a04a803fdd2538e0f3f29a5c6f6b672e"
)
AG_TEST = _ag(
    "ag_news_csv/test.csv", "521465c2428ed7f02f8d6db6ffdd4b5447c1c701962353eb2c40d548c3c85699"
)
SST2_TRAIN = _sst2("SST-2/train.tsv", UNKNOWN)
SST2_DEV = _sst2(
    "SST-2/dev.tsv", "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0"
)

REGISTRY: dict[str, DatasetSpec] = {
    "synthetic": DatasetSpec(
        name="synthetic",
        parser=lambda paths, options: synthetic.generate(options),
        options=synthetic.OPTIONS,
        check=synthetic.check_options,
        n_classes=None,
        classes_for=lambda options: int(with_defaults(synthetic.OPTIONS, options)["n_classes"]),
        description="Embedded default: planted signal tokens decide the label; no download.",
    ),
    "sst": DatasetSpec(
        name="sst",
        parser=sst.parse,
        options=sst.OPTIONS,
        files=(
            RemoteFile(
                url="https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
                sha256="5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc",
                filename="trainDevTestTrees_PTB.zip",
            ),
        ),
        min_count=1,
        description="Stanford Sentiment Treebank, binary: neutral dropped, 3-4 positive.",
    ),
    "imdb": DatasetSpec(
        name="imdb",
        parser=imdb.parse,
        options=imdb.OPTIONS,
        files=(
            RemoteFile(
                url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
                filename="aclImdb_v1.tar.gz",
            ),
        ),
        classes_for=imdb.n_classes,
        min_count=10,
        description="IMDB reviews (Maas et al. 2011): task binary (pos/neg, default) or rating "
        "(8 classes); documents under 400 tokens; 20% of train as dev.",
    ),
    "20news": DatasetSpec(
        name="20news",
        parser=newsgroups.parse,
        options=newsgroups.OPTIONS,
        files=(
            RemoteFile(
                url="http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz",
                sha256="8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610",
                filename="20news-bydate.tar.gz",
            ),
        ),
        classes_for=newsgroups.n_classes,
        min_count=2,
        description="20 Newsgroups bydate, rec.sport.baseball vs rec.sport.hockey, headers/"
        "footers/quotes removed as scikit-learn; pooled, stratified 80/20 test, 80/20 train/dev.",
    ),
    "amazon_polarity": DatasetSpec(
        name="amazon_polarity",
        parser=zhang.parse,
        options=zhang.OPTIONS,
        files=(
            _zhang(
                "amazon_review_polarity_csv",
                "d2a3ee7a214497a5d1b8eaed7c8d7ba2737de00ada3b0ec46243983efa100361",
            ),
        ),
        min_count=5,
        description="Amazon review polarity (Zhang et al. 2015, fast.ai copy of the archive): "
        "title + text, 2 classes; 10% of train as dev.",
    ),
    "amazon_full": DatasetSpec(
        name="amazon_full",
        parser=zhang.parse,
        options=zhang.OPTIONS,
        files=(_zhang("amazon_review_full_csv", UNKNOWN),),
        n_classes=5,
        min_count=5,
        description="Amazon review full (Zhang et al. 2015, fast.ai copy): title + text, 1-5 "
        "stars as 5 classes; 10% of train as dev. SHA-256 UNKNOWN (none published): the "
        "download is not verified; pin it with the `files` option once known.",
    ),
    "yelp_polarity": DatasetSpec(
        name="yelp_polarity",
        parser=zhang.parse,
        options=zhang.OPTIONS,
        files=(
            _zhang(
                "yelp_review_polarity_csv",
                "528f22e286cad085948acbc3bea7e58188416546b0e364d0ae4ca0ce666abe35",
            ),
        ),
        min_count=5,
        description="Yelp review polarity (Zhang et al. 2015, fast.ai copy of the archive): "
        "2 classes; 10% of train as dev.",
    ),
    "yelp_full": DatasetSpec(
        name="yelp_full",
        parser=zhang.parse,
        options=zhang.OPTIONS,
        files=(
            _zhang(
                "yelp_review_full_csv",
                "56006b0a17a370f1e366504b1f2c3e3754e4a3dda17d3e718a885c552869a559",
            ),
        ),
        n_classes=5,
        min_count=5,
        description="Yelp review full (Zhang et al. 2015, fast.ai copy of the archive): 1-5 "
        "stars as 5 classes; 10% of train as dev.",
    ),
    "agnews": DatasetSpec(
        name="agnews",
        parser=agnews.parse,
        options=agnews.OPTIONS,
        files=(AG_TRAIN, AG_TEST),
        files_for=lambda options: (
            (AG_TEST,) if options.get("test_only_resplit") else (AG_TRAIN, AG_TEST)
        ),
        classes_for=agnews.n_classes,
        min_count=5,
        description="AG News (Zhang et al. 2015), World vs Business from the description (task "
        "all4: the 4 classes); 15% of train as dev. test_only_resplit: test.csv alone split "
        "70/10/20, not comparable.",
    ),
    "sst2": DatasetSpec(
        name="sst2",
        parser=sst2.parse,
        options=sst2.OPTIONS,
        files=(SST2_TRAIN, SST2_DEV),
        min_count=1,
        description="GLUE SST-2 phrases (not in the papers): GLUE dev as test, 10% of train as "
        "dev. train.tsv's own SHA-256 is unknown; the official zip's is checked instead.",
    ),
    "table": DatasetSpec(
        name="table",
        parser=tabular.parse,
        options=tabular.OPTIONS,
        required=tabular.REQUIRED,
        check=tabular.check_options,
        n_classes=None,
        classes_for=tabular.n_classes,
        min_count=1,
        description="Bring your own CSV/TSV/JSONL/Parquet file (option `path`); no download.",
    ),
}
REGISTRY["20news_all"] = dataclasses.replace(
    REGISTRY["20news"],
    name="20news_all",
    parser=newsgroups.parse_all20,
    options=newsgroups.OPTIONS_ALL20,
    n_classes=20,
    classes_for=None,
    description="20 Newsgroups bydate, all 20 groups, headers/footers/quotes removed as "
    "scikit-learn; official train/test, 10% of train as dev.",
)


def get_spec(dataset_type: str) -> DatasetSpec:
    try:
        return REGISTRY[dataset_type]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownDatasetError(
            f"unknown dataset type {dataset_type!r}; known types: {known}"
        ) from None


def resolve_files(spec: DatasetSpec, options: dict[str, Any]) -> list[RemoteFile]:
    """The files these options need, in parser order, with the `files` option's overrides."""
    files = spec.files_for(options) if spec.files_for else spec.files
    return override_files(f"dataset type {spec.name!r}", files, spec.files, options.get("files"))


def n_classes_for(spec: DatasetSpec, options: dict[str, Any]) -> int | None:
    """The number of classes with these options; None when only the parsed data can tell."""
    return spec.classes_for(options) if spec.classes_for else spec.n_classes


def option_schema(spec: DatasetSpec) -> dict[str, Any]:
    """The JSON schema of a dataset entry of this type: the common options, `files` where
    the type downloads files, and the parser's own."""
    properties = {**COMMON, **({"files": FILES} if spec.files else {}), **spec.options}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(spec.required),
        "properties": properties,
    }


def check_options(dataset: str, spec: DatasetSpec, options: Mapping[str, Any]) -> None:
    """The options of dataset `dataset` against its type's declaration; a DatasetError whose
    message starts with the offending key (`datasets.<name>.<option>`)."""
    schema = option_schema(spec)
    where = f"datasets.{dataset}"
    unknown = sorted(set(options) - set(schema["properties"]))
    if unknown:
        problem = f"not an option of dataset type {spec.name!r}"
        raise DatasetError(
            unknown_keys(where, unknown, sorted(schema["properties"]), problem, "its options")
        )
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(dict(options))
    )
    if error is not None:
        path = ".".join([where, *map(str, error.absolute_path)])
        if error.validator == "required":
            raise DatasetError(
                f"config key '{where}': {error.message} (dataset type {spec.name!r})"
            )
        raise DatasetError(f"config key {path!r}: {error.message}")
    if spec.check is not None:
        try:
            spec.check(dict(options))
        except DatasetError as exc:
            raise DatasetError(f"config key '{where}': {exc}") from None
    if spec.files:
        try:
            resolve_files(spec, dict(options))
        except DatasetError as exc:
            raise DatasetError(f"config key '{where}.files': {exc}") from None
