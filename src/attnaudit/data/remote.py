"""Files to download: official address, checksum, name on disk and in a mirror.

Shared by the dataset registry (`attnaudit.data.registry`) and the word-vector registry
(`attnaudit.data.vectors`), and kept apart from both so that importing it does not
import every dataset's parser.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from attnaudit.data.errors import DatasetError

UNKNOWN = "unknown"  # a checksum that no one has published: the download is not verified
_OVERRIDABLE = ("mirror_name", "mirror_sha256")


@dataclass(frozen=True)
class RemoteFile:
    """One file to download: official address, SHA-256, and its name on disk and in a mirror.

    With `member`, `url` is an archive (zip or tar) and the file is that member of it:
    `sha256` is the member's checksum and `archive_sha256` the archive's (either may be
    "unknown"). A mirror holds the file itself under `mirror_name` (default: `filename`),
    checked against `mirror_sha256` (default: `sha256`).
    """

    url: str
    sha256: str
    filename: str
    member: str = ""
    archive_sha256: str = ""
    mirror_name: str = ""
    mirror_sha256: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "mirror_name", self.mirror_name or self.filename)
        object.__setattr__(self, "mirror_sha256", self.mirror_sha256 or self.sha256)


def override_files(
    owner: str,
    files: Sequence[RemoteFile],
    known: Sequence[RemoteFile],
    overrides: dict[str, dict[str, str]] | None,
) -> list[RemoteFile]:
    """`files` with per-file `mirror_name` / `mirror_sha256` overrides keyed by file name
    (shared by datasets and word vectors); `owner` names the entry in error messages."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - {f.filename for f in known})
    if unknown:
        raise DatasetError(
            f"{owner}: option `files` names unknown file(s) {unknown}; "
            f"its files: {[f.filename for f in known]}"
        )
    resolved = []
    for remote in files:
        override = overrides.get(remote.filename) or {}
        bad = sorted(set(override) - set(_OVERRIDABLE))
        if bad:
            raise DatasetError(
                f"{owner}: option `files.{remote.filename}` has unknown "
                f"key(s) {bad}; allowed: {list(_OVERRIDABLE)}"
            )
        resolved.append(dataclasses.replace(remote, **override))
    return resolved


def mirror_dir(mirror: str | None) -> Path | None:
    """The directory of `mirror:` (a path or a file:// address), None without one."""
    if not mirror:
        return None
    if mirror.startswith("file://"):
        return Path(urllib.parse.unquote(urllib.parse.urlparse(mirror).path))
    return Path(mirror)
