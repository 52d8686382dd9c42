"""Where a pretrained encoder's checkpoint comes from: a local directory, the offline
mirror, or the Hugging Face hub at a pinned revision. Torch-free: the plan asks it.

A `pretrained:` entry names its checkpoint by a local directory (any path holding
`config.json`, `model.safetensors` and a tokenizer, e.g. your own fine-tuned model saved with
`save_pretrained`) or by hub id (`org/name`) with a 40-hex `revision`. A hub checkpoint is
looked up first in the mirror as `<mirror>/hf/<org>--<name>/` (the files of that revision,
checked against the mirror's SHA256SUMS when it lists them), else downloaded into
`resources/hf/<encoder name>/` by `download` (the hub client: `HF_HUB_OFFLINE=1`
stops it, and the error says how to get the files). Weights are safetensors only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from attnaudit.data.remote import mirror_dir

# the files a checkpoint directory must have (a tokenizer: tokenizer.json, or vocab.txt /
# sentencepiece files the tokenizer config names); pytorch_model.bin is never read
REQUIRED = ("config.json", "model.safetensors")
FETCHED = ["*.json", "*.safetensors", "*.txt", "*.model"]  # what a hub download takes
RESOURCES = "resources/hf"
# the keys of a `pretrained:` entry that replace `training:`'s for its runs
FINE_TUNING = ("lr", "epochs", "batch_size", "weight_decay")
# what a job reads of a checkpoint directory besides REQUIRED, where present
TOKENIZER = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
             "vocab.json", "merges.txt", "sentencepiece.bpe.model", "spiece.model")  # fmt: skip


class CheckpointError(ValueError):
    """A checkpoint that cannot be found, is incomplete or does not match its checksum."""


def is_local(checkpoint: str) -> bool:
    """A local directory (an existing path, or one written as a path), not a hub id."""
    return Path(checkpoint).is_dir() or checkpoint.startswith(("/", ".", "~"))


def mirror_name(checkpoint: str) -> str:
    """`org/name` -> `org--name`, the mirror's (and the hub cache's) folder name."""
    return checkpoint.replace("/", "--")


def download_dir(name: str) -> str:
    """Where the workflow downloads the hub checkpoint of `pretrained.<name>`."""
    return f"{RESOURCES}/{name}"


def files_of(directory: str | Path) -> list[str]:
    """The files of a checkpoint directory a job reads: config, weights, tokenizer."""
    return [*REQUIRED, *(f for f in TOKENIZER if (Path(directory) / f).is_file())]


def locate(name: str, entry: dict[str, Any], mirror: str | None) -> tuple[str, bool]:
    """(the directory of `pretrained.<name>`'s checkpoint, whether the workflow must
    download it there)."""
    checkpoint = entry["checkpoint"]
    if is_local(checkpoint):
        return str(Path(checkpoint).expanduser()), False
    root = mirror_dir(mirror)
    if root is not None and (root / "hf" / mirror_name(checkpoint)).is_dir():
        return str(root / "hf" / mirror_name(checkpoint)), False
    return download_dir(name), True


def check_entry(name: str, entry: dict[str, Any], mirror: str | None) -> None:
    """The config's view of one entry: a hub id needs a revision, a local directory (and a
    mirror copy) must hold the required files. CheckpointError naming the key otherwise."""
    key = f"pretrained.{name}"
    checkpoint = entry["checkpoint"]
    if not is_local(checkpoint) and checkpoint.count("/") != 1:
        raise CheckpointError(
            f"config key '{key}.checkpoint': {checkpoint!r} is neither a local directory nor a "
            "hub id of the form org/name"
        )
    if not is_local(checkpoint) and not entry.get("revision"):
        raise CheckpointError(
            f"config key '{key}.revision': the hub checkpoint {checkpoint!r} needs a pinned "
            "revision (the 40-hex commit id on its 'Files and versions' page)"
        )
    directory, download = locate(name, entry, mirror)
    if download:
        return
    if not Path(directory).is_dir():
        raise CheckpointError(f"config key '{key}.checkpoint': no directory {directory}")
    missing = [f for f in REQUIRED if not (Path(directory) / f).is_file()]
    if missing:
        pickled = (Path(directory) / "pytorch_model.bin").is_file()
        raise CheckpointError(
            f"config key '{key}.checkpoint': {directory} lacks {', '.join(missing)}"
            + (
                " (it has pytorch_model.bin: only safetensors weights are loaded, never a "
                "pickle; convert it with `save_pretrained(dir, safe_serialization=True)`)"
                if pickled
                else ""
            )
        )


def verify_mirror_copy(directory: str | Path) -> list[str]:
    """Check a mirror copy's files against the mirror's SHA256SUMS (the line
    `<sha256>  ./hf/<folder>/<file>`), if it lists them; the names checked, or
    CheckpointError naming the file whose bytes differ."""
    from attnaudit.data.download import sha256sum  # pandas: in the job, not at planning

    directory = Path(directory)
    sums = directory.parent.parent / "SHA256SUMS"
    if not sums.is_file():
        return []
    prefix = f"./hf/{directory.name}/"
    checked = []
    for line in sums.read_text().splitlines():
        digest, _, name = line.partition("  ")
        if not name.startswith(prefix) or name[len(prefix) :] not in REQUIRED:
            continue
        path = directory / name[len(prefix) :]
        actual = sha256sum(path)
        if actual != digest:
            raise CheckpointError(f"{path}: SHA-256 {actual} is not the mirror's {digest}")
        checked.append(path.name)
    return checked


def download(checkpoint: str, revision: str, directory: str | Path) -> Path:
    """The hub checkpoint at `revision` into `directory` (safetensors, configs, tokenizer);
    CheckpointError with how to get it when offline or unreachable."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            checkpoint, revision=revision, local_dir=str(directory), allow_patterns=FETCHED
        )
    except Exception as exc:  # the hub client's offline, HTTP and connection errors alike
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        raise CheckpointError(
            f"checkpoint {checkpoint} at revision {revision} could not be downloaded"
            + (" (HF_HUB_OFFLINE is set)" if offline else "")
            + f": {type(exc).__name__}: {exc}. Without network, put its files "
            f"(config.json, model.safetensors, the tokenizer files) in "
            f"<mirror>/hf/{mirror_name(checkpoint)}/ and run with --config mirror=<mirror>, or "
            "name a local directory as its checkpoint (docs/pretrained.md#checkpoints)"
        ) from None
    missing = [f for f in REQUIRED if not (Path(path) / f).is_file()]
    if missing:
        raise CheckpointError(
            f"checkpoint {checkpoint} at revision {revision} has no {', '.join(missing)} "
            "(only safetensors weights are loaded, never a pickle)"
        )
    return Path(path)
