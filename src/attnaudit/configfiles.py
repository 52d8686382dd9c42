"""Config files read strictly: what a YAML 1.1 loader does silently, refused with the file,
the line and the key.

Snakemake reads each config file (`config.yaml`, every `--configfile`) with a loader that
keeps the last of two equal keys, reads `010` as the octal 8 and `1:30` as 90, and turns a
key such as `yes` or `1` into a boolean or a number. The workflow reads the same files again
with `check_file` before any job runs and refuses:

- a key given twice in one mapping (a second `training:` block replaces the first);
- an unquoted integer with a leading zero (`seeds: [010]` is seed 8, `08` is a string);
- an unquoted base-60 number (`1:30` is 90);
- a mapping key that YAML reads as something other than a string (`yes:`, `1:`, `null:`);
- a file that YAML cannot parse (a tab in the indentation, an unclosed bracket), with the
  line and column where the parser stopped;
- an anchor or alias (`&name`, `*name`, merge keys `<<: *name` included): nine levels of
  aliases each naming the one above nine times ("billion laughs") expand to 9**9 values,
  so aliases are refused while the file is parsed, before anything is expanded;
- a file over 1 MiB (`bounds.MAX_CONFIG_BYTES`; the shipped ones are under 10 KiB), refused
  before it is read.

Snakemake parses a `--configfile` before the workflow's own code runs, so it reports a file
that does not parse at all with a message that names neither the file nor the line:
`python -m attnaudit.configfiles FILE...` reports it with both.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from attnaudit.bounds import MAX_CONFIG_BYTES
from attnaudit.errors import ConfigError

__all__ = ["check_file", "check_files", "config_file", "problems"]

_OCTAL_LOOKING = re.compile(r"^[-+]?0[0-9_]+$")
_BASE_60 = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


def _key(path: Iterable[Any]) -> str:
    """A dotted key, list items by index: 'seeds.0' (as the schema's messages write it)."""
    return ".".join(str(p) for p in path) or "<top level>"


def _walk(node: yaml.Node, path: tuple) -> Iterator[tuple[yaml.Mark, str]]:
    """(where, problem) for every trap under `node`, in document order."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                yield from _walk(value_node, path)
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                kind = key_node.tag.rsplit(":", 1)[-1]
                yield (
                    key_node.start_mark,
                    f"key {key_node.value!r} under {_key(path)!r} is read as a {kind}, not a "
                    "name; quote it",
                )
                continue
            name = key_node.value
            line = key_node.start_mark.line + 1
            if name in seen:
                yield (
                    key_node.start_mark,
                    f"key {_key((*path, name))!r} is given twice (first in line {seen[name]}); "
                    "YAML would silently keep only the second",
                )
            seen.setdefault(name, line)
            yield from _walk(value_node, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk(item, (*path, i))
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        value = node.value
        if _OCTAL_LOOKING.match(value):
            read = yaml.safe_load(value)
            yield (
                node.start_mark,
                f"key {_key(path)!r}: {value} has a leading zero, which YAML 1.1 reads as "
                f"{read!r} (octal or text); write {int(value.replace('_', ''), 10)} or quote it",
            )
        elif _BASE_60.match(value):
            yield (
                node.start_mark,
                f"key {_key(path)!r}: {value} is a base-60 number in YAML 1.1 "
                f"({yaml.safe_load(value)!r}); quote it if it is text",
            )


def _json_duplicates(text: str) -> list[str]:
    """Keys given twice in one object of a JSON text (Snakemake reads JSON first)."""
    repeated: list[str] = []

    def pairs(items):
        keys = [k for k, _ in items]
        repeated.extend(sorted({k for k in keys if keys.count(k) > 1}))
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    return repeated


def _anchor(text: str) -> yaml.Mark | None:
    """Where the first anchor or alias of a YAML text is, None without one: found from
    the parser's events, which never expand an alias (composing a node graph does not
    either, but every walk over it would)."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return event.start_mark
    return None


def _read(path: Path) -> str:
    """The text of a config file of at most MAX_CONFIG_BYTES; ConfigError otherwise."""
    with path.open("rb") as file:
        data = file.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config file {path}: larger than {MAX_CONFIG_BYTES} bytes (1 MiB), the most a "
            "config file may be"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"config file {path}, line {line}: not UTF-8 text ({exc.reason})"
        ) from None


def problems(path: str | Path) -> list[str]:
    """Every problem of one config file, each naming the file, the line and the key."""
    path = Path(path)
    try:
        text = _read(path)
    except ConfigError as exc:
        return [str(exc)]
    except OSError as exc:
        return [f"config file {path}: cannot be read ({exc.strerror})"]
    try:
        duplicates = _json_duplicates(text)
    except ValueError:
        pass  # not JSON: YAML, as Snakemake does
    else:
        return [
            f"config file {path}: key {k!r} is given twice in one object; JSON keeps only the "
            "second"
            for k in duplicates
        ]
    try:
        anchor = _anchor(text)
        if anchor is not None:
            return [
                f"config file {path}, line {anchor.line + 1}: anchors and aliases (&name, "
                "*name) are not allowed in a config file; write each value out"
            ]
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "cannot be parsed"
        if exc.context and exc.context_mark and exc.problem:
            problem += f" ({exc.context} that starts in line {exc.context_mark.line + 1})"
        if "\t" in problem or "'\\t'" in problem:
            problem += " (YAML forbids tabs in indentation: indent with spaces)"
        return [f"config file {path}{where}: not valid YAML: {problem}"]
    except yaml.YAMLError as exc:
        return [f"config file {path}: not valid YAML: {exc}"]
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1
        return [f"config file {path}, line {line}: a mapping of keys is expected"]
    return [f"config file {path}, line {m.line + 1}: {problem}" for m, problem in _walk(root, ())]


def check_file(path: str | Path) -> None:
    """Raise ConfigError with the first problem of a config file."""
    found = problems(path)
    if found:
        raise ConfigError(found[0])


def check_files(paths: Iterable[str | Path]) -> None:
    for path in paths:
        check_file(path)


def config_file(path: str) -> str:
    """`path` once it is a config file without problems, for the Snakefile's `configfile:`
    (whose own loader reports a YAML error without file or line); else WorkflowError."""
    from snakemake.exceptions import WorkflowError

    if Path(path).is_file():
        try:
            check_file(path)
        except ConfigError as exc:
            raise WorkflowError(f"invalid config: {exc}") from None
    return path


def main(argv: list[str]) -> int:
    """`python -m attnaudit.configfiles FILE...`: every problem of each file; status 1 if any."""
    status = 0
    for path in argv:
        for problem in problems(path):
            print(problem)
            status = 1
    if not argv:
        print("usage: python -m attnaudit.configfiles CONFIG.yaml [MORE.yaml ...]")
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
