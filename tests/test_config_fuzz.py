"""Fuzzing the config: seeded mutations of the default config, each invalid one must stop
before any job with one message naming the key (or the file and line), each valid one must
pass. In-process through `attnaudit.config.validate` (what common.smk calls) after
Snakemake's own loader; a seeded sample through a real `snakemake -n` shows the wiring."""

from __future__ import annotations

import copy
import math
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.common.configfile import load_configfile
from snakemake.exceptions import WorkflowError

from attnaudit import bounds, configfiles
from attnaudit.config import ConfigError, validate, walk
from tests.workflow_runner import REPO, snakemake

SEED = 20190607
N_CONFIGS = 160
BASE = yaml.safe_load((REPO / "config.yaml").read_text())
BASE["training"]["encoder_options"] = {"lstm": {"hidden_size": 16}, "cnn": {"filters": 8}}

Path_ = tuple[Any, ...]


@dataclass
class Mutant:
    kind: str
    text: str  # the config file
    key: str | None  # what the message must name; None: valid


def get(config: dict, path: Path_) -> Any:
    for part in path:
        config = config[part]
    return config


def put(config: dict, path: Path_, value: Any) -> dict:
    """A copy with `value` at `path`; blocks on the way that an earlier edit left out (a
    block given as {}) are made."""
    config = copy.deepcopy(config)
    node = config
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return config


def dotted(path: Path_) -> str:
    return ".".join(map(str, path))


def dump(config: dict) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def numbers(config: dict) -> list[Path_]:
    return [p for p, v in walk(config) if isinstance(v, int | float) and not isinstance(v, bool)]


def ints(config: dict) -> list[Path_]:
    return [p for p, v in walk(config) if type(v) is int]


# -- invalid mutations: each returns (config text, the key its message must name) ------------
def wrong_type(rng: random.Random, config: dict) -> tuple[str, str]:
    path, value = rng.choice([(p, v) for p, v in walk(config) if p])
    if isinstance(value, bool) or value is None:
        bad: Any = [[]]
    elif isinstance(value, int | float | list):
        bad = "x1"
    elif isinstance(value, str):
        bad = [1]
    else:  # a mapping
        bad = ["x"]
    return dump(put(config, path, bad)), dotted(path)


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return rng.choice([word[:i] + word[i + 1 :], word + "s", word[:i] + "x" + word[i:]])


def unknown_key(rng: random.Random, config: dict) -> tuple[str, str]:
    mappings = [
        p
        for p, v in walk(config)
        if isinstance(v, dict) and p not in (("datasets",), ("embeddings",))
    ]  # fmt: skip  (a new name there is a new dataset or vectors entry)
    # the probe's finds: a misspelt dataset option, an encoder option
    favoured = [("datasets", "synthetic")] * 4 + [("training", "encoder_options", "lstm")] * 2
    path = rng.choice(mappings + favoured)
    node = get(config, path)
    known = set(node)
    new = typo(rng.choice(sorted(known)), rng) if known else "extra"
    while new in known or new in ("type",):
        new += "x"
    return dump(put(config, (*path, new), 1)), dotted((*path, new))


def non_finite(rng: random.Random, config: dict) -> tuple[str, str]:
    path = rng.choice(numbers(config))
    return dump(put(config, path, rng.choice([math.inf, -math.inf, math.nan]))), dotted(path)


OUT_OF_RANGE = [
    (("training", "epochs"), 0), (("training", "lr"), -0.1), (("training", "batch_size"), 0),
    (("training", "threads"), 0), (("training", "device"), "gpu"), (("seeds", 0), -1),
    (("datasets", "synthetic", "label_noise"), 1.5), (("datasets", "synthetic", "n_test"), 0),
    (("datasets", "synthetic", "min_count"), 0), (("jain_wallace", "adversary", "k"), 0),
    (("jain_wallace", "adversary", "epsilon"), 0.0),
    (("jain_wallace", "permutation", "split"), "val"),
    (("serrano_smith", "multi_weight", "rankings", 0), "saliency"),
    (("training", "encoder_options", "lstm", "hidden_size"), 0),
    (("training", "encoder_options", "cnn", "filters"), -3),
    (("wiegreffe_pinter", "adversarial", "lambdas", 0), -1.0),
    (("wiegreffe_pinter", "guided_mlp", "encoder"), "lstn"),
    (("wiegreffe_pinter", "seed_variance", "base_seed"), 7),
]  # fmt: skip


def out_of_range(rng: random.Random, config: dict) -> tuple[str, str]:
    path, value = rng.choice(OUT_OF_RANGE)
    return dump(put(config, path, value)), dotted(path)


# lists that may be empty: no analysis family, no adversary (a study of training alone)
MAY_BE_EMPTY = {("analyses",), ("wiegreffe_pinter", "adversarial", "lambdas")}


def empty_list(rng: random.Random, config: dict) -> tuple[str, str]:
    path = rng.choice([p for p, v in walk(config) if isinstance(v, list) and
                       tuple(p) not in MAY_BE_EMPTY])  # fmt: skip
    return dump(put(config, path, [])), dotted(path)


def with_marker(config: dict, path: Path_, raw: str) -> str:
    """The config with the value at `path` written as `raw` (unquoted) in the file."""
    return dump(put(config, path, "__RAW__")).replace("__RAW__", raw, 1)


def octal(rng: random.Random, config: dict) -> tuple[str, str]:
    path = rng.choice(ints(config))
    return with_marker(config, path, "0" + str(abs(get(config, path)))), dotted(path)


def base_60(rng: random.Random, config: dict) -> tuple[str, str]:
    path = rng.choice(ints(config))
    return with_marker(config, path, "1:30"), dotted(path)


def exponent_string(rng: random.Random, config: dict) -> tuple[str, str]:
    floats = [p for p, v in walk(config) if type(v) is float]
    path = rng.choice(floats)
    return with_marker(config, path, rng.choice(["1e-3", "5e2", "1.0e3"])), dotted(path)


def duplicate_key(rng: random.Random, config: dict) -> tuple[str, str]:
    mappings = [p for p, v in walk(config) if isinstance(v, dict) and v]
    path = rng.choice(mappings)
    key = rng.choice(sorted(get(config, path)))
    text = dump(put(config, (*path, "__DUP__"), copy.deepcopy(get(config, (*path, key)))))
    return text.replace("__DUP__:", f"{key}:", 1), dotted((*path, key))


def second_block(rng: random.Random, config: dict) -> tuple[str, str]:
    block = rng.choice(["training", "datasets", "jain_wallace", "seeds"])
    return dump(config) + dump({block: config[block]}), block


def non_string_key(rng: random.Random, config: dict) -> tuple[str, str]:
    path = rng.choice([p for p, v in walk(config) if isinstance(v, dict) and p])
    raw = rng.choice(["yes", "no", "on", "1", "null", "2.5"])
    text = dump(put(config, (*path, "__KEY__"), 1)).replace("__KEY__", raw, 1)
    return text, dotted(path) or "<top level>"


def tab_indent(rng: random.Random, config: dict) -> tuple[str, str]:
    lines = dump(config).splitlines()
    indented = [i for i, line in enumerate(lines) if line.startswith("  ")]
    i = rng.choice(indented)
    lines[i] = "\t" + lines[i].lstrip(" ")
    return "\n".join(lines) + "\n", f"line {i + 1}, column 1"


def unclosed(rng: random.Random, config: dict) -> tuple[str, str]:
    text = dump(config).replace("encoders:\n- lstm\n- average\n", "encoders: [lstm, average\n")
    return text, "line "


def separator_name(rng: random.Random, config: dict) -> tuple[str, str]:
    choice = rng.randrange(6)
    name = rng.choice(["a/b", "../up", "x\\y", "a b", "x.y"])
    if choice == 0:
        datasets = {name: config["datasets"]["synthetic"]}
        return dump({**config, "datasets": datasets}), "datasets"
    if choice == 1:
        return dump(put(config, ("encoders", 0), name)), "encoders.0"
    if choice == 2:
        return dump(put(config, ("attentions", 1), name)), "attentions.1"
    if choice == 3:
        path = ("wiegreffe_pinter", "adversarial", "base")
        return dump(put(config, path, f"lstm-{name}")), dotted(path)
    if choice == 4:
        vectors = {"embeddings": {name: {"type": "word2vec"}}}
        return dump({**config, **vectors}), "embeddings"
    sst = {"type": "sst", "files": {"trainDevTestTrees_PTB.zip": {"mirror_name": "../" + name}}}
    path = ("datasets", "sst", "files", "trainDevTestTrees_PTB.zip", "mirror_name")
    return dump(put(config, ("datasets", "sst"), sst)), dotted(path)


# The probe's sizes: each one over its bound (attnaudit.bounds), refused naming the key.
OVER_THE_BOUND = [
    (("datasets", "synthetic", "n_train"), 10**12), (("datasets", "synthetic", "n_dev"), 10**7),
    (("datasets", "synthetic", "max_length"), 10**6),
    (("datasets", "synthetic", "vocab_size"), 10**8), (("datasets", "synthetic", "seed"), 2**32),
    (("jain_wallace", "permutation", "n_permutations"), 10**6),
    (("jain_wallace", "permutation", "n_permutations"), 10**9),
    (("jain_wallace", "adversary", "k"), 1000), (("jain_wallace", "adversary", "steps"), 10**9),
    (("jain_wallace", "importance", "deletions_per_pass"), 10**6),
    (("serrano_smith", "multi_weight", "n_random"), 10**5),
    (("serrano_smith", "multi_weight", "ig_steps"), 10**4),
    (("faithfulness", "eraser", "n_random"), 10**5),
    (("vashishth", "replacement", "n_draws"), 10**5),
    (("training", "epochs"), 10**5), (("training", "batch_size"), 10**6),
    (("training", "embedding_dim"), 10**5), (("training", "threads"), 10**4),
    (("training", "encoder_options", "lstm", "hidden_size"), 10**5),
    (("training", "encoder_options", "cnn", "filters"), 10**5),
    (("seeds", 0), 2**32), (("seeds", 1), 2**63),
    (("jain_wallace", "adversary", "seed"), 2**32),
    (("jain_wallace", "permutation", "max_instances"), 10**12),
]  # fmt: skip


def over_the_bound(rng: random.Random, config: dict) -> tuple[str, str]:
    if rng.random() < 0.2:  # a list of seeds longer than the bound: 'seeds' named
        return dump(put(config, ("seeds",), list(range(bounds.MAX_RUNS + 1)))), "seeds"
    path, value = rng.choice(OVER_THE_BOUND)
    return dump(put(config, path, value)), dotted(path)


def control_character(rng: random.Random, config: dict) -> tuple[str, str]:
    """A name ending in a newline or holding another control character (a name's pattern
    `^...$` lets a trailing newline through)."""
    char = rng.choice(["\n", "\r", "\t", "\x00", "\x1b", "\u2028", "\x7f"])
    choice = rng.randrange(4)
    if choice == 0:
        datasets = {"synthetic" + char: config["datasets"]["synthetic"]}
        return dump({**config, "datasets": datasets}), "datasets"
    if choice == 1:
        return dump(put(config, ("encoders", 0), "lstm" + char)), "encoders.0"
    if choice == 2:
        path = ("wiegreffe_pinter", "guided_mlp", "own")
        return dump(put(config, path, "average-additive" + char)), dotted(path)
    return dump({**config, "embeddings": {"glove" + char: {"type": "word2vec"}}}), "embeddings"


def two_typos(rng: random.Random, config: dict) -> tuple[str, str]:
    """Two (or three) misspelt keys in one block: every one named (once: `config key '?'`)."""
    path = rng.choice([("training",), ("datasets", "synthetic"), ("jain_wallace", "adversary"),
                       ()])  # fmt: skip
    node = get(config, path) if path else config
    known = set(node)
    new: list[str] = []
    while len(new) < rng.choice([2, 3]):  # a letter doubled or an s added: close to its key
        key = rng.choice(sorted(k for k in known if len(k) >= 4))
        i = rng.randrange(len(key))
        word = rng.choice([key[:i] + key[i] + key[i:], key + "s"])
        if word not in known and word not in new and word != "type":
            new.append(word)
    mutant = copy.deepcopy(config)
    target = get(mutant, path) if path else mutant
    for word in new:
        target[word] = 1
    return dump(mutant), "|".join(dotted((*path, word)) for word in new)


def bomb() -> str:
    """Billion laughs: 9 levels, each a list of 9 aliases of the level above."""
    levels = ["a: &a [" + ", ".join(["lol"] * 9) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(levels) + "\n"


def alias(rng: random.Random, config: dict) -> tuple[str, str]:
    """An anchor and alias, or a billion-laughs bomb of 9 levels (9**9 values expanded):
    refused while parsing, before anything is expanded."""
    if rng.random() < 0.5:
        text = dump(config).replace("training:\n", "training: &t\n", 1) + "more: *t\n"
        return text, "anchors and aliases"
    return dump(config) + bomb(), "anchors and aliases"


def huge_file(rng: random.Random, config: dict) -> tuple[str, str]:
    """A config file past the cap (here padded with comments): refused before it is read."""
    padding = "# " + "x" * 98 + "\n"
    return dump(config) + padding * (bounds.MAX_CONFIG_BYTES // 100 + 1), "larger than 1048576"


INVALID: dict[str, Callable[[random.Random, dict], tuple[str, str]]] = {
    "wrong type": wrong_type,
    "unknown key": unknown_key,
    "non-finite": non_finite,
    "out of range": out_of_range,
    "empty list": empty_list,
    "yaml: octal": octal,
    "yaml: base 60": base_60,
    "yaml: 1e-3 string": exponent_string,
    "yaml: duplicate key": duplicate_key,
    "yaml: second block": second_block,
    "yaml: non-string key": non_string_key,
    "yaml: tab indent": tab_indent,
    "yaml: unclosed": unclosed,
    "separator in a name": separator_name,
    "over the bound": over_the_bound,
    "control character in a name": control_character,
    "two misspelt keys": two_typos,
    "yaml: alias": alias,
    "file: too large": huge_file,
}


# -- valid mutations --------------------------------------------------------------------------
def valid(rng: random.Random, config: dict) -> str:
    edits = [
        lambda c: put(c, ("training", "epochs"), rng.randint(1, 9)),
        lambda c: put(c, ("training", "lr"), rng.choice([0.002, 0.0005, 1.0e-4])),
        lambda c: put(c, ("seeds",), sorted(rng.sample(range(0, 50), rng.randint(1, 4)))),
        lambda c: put(c, ("datasets", "synthetic", "n_classes"), rng.randint(2, 5)),
        lambda c: put(c, ("datasets", "synthetic", "sentence_length"), rng.randint(2, 6)),
        lambda c: put(c, ("datasets", "other"), {"type": "synthetic", "n_train": 50}),
        lambda c: put(c, ("datasets", "synthetic", "task"), rng.choice(["needle", "counts"])),
        lambda c: put(c, ("analyses",), []),
        lambda c: put(c, ("wiegreffe_pinter", "adversarial", "lambdas"), []),
        lambda c: put(c, ("training", "encoder_options", "average"), {"hidden_size": 8}),
        lambda c: put(c, ("training", "encoder_options", "hancnn"), {"kernel_sizes": [1, 3]}),
        lambda c: put(c, ("wiegreffe_pinter", "adversarial", "lambdas"), [0.5]),
        lambda c: put(c, ("wiegreffe_pinter", "guided_mlp", "variants"), ["own", "uniform"]),
        lambda c: put(c, ("jain_wallace", "permutation", "max_instances"), rng.randint(1, 99)),
        lambda c: put(c, ("mirror",), "/nowhere/yet"),  # checked when a download needs it
        lambda c: {k: c[k] for k in sorted(c, key=lambda _: rng.random())},  # key order
        lambda c: put(c, ("jain_wallace",), {}),  # a block left out takes its defaults
        lambda c: put(c, ("seeds",), [0, 2**32 - 1]),  # numpy's whole seed range
        lambda c: put(c, ("training", "epochs"), bounds.MAX_EPOCHS),  # at the bound
    ]
    for edit in rng.sample(edits, rng.randint(1, 3)):
        config = edit(config)
    return dump(config)


def mutants() -> list[Mutant]:
    rng = random.Random(SEED)
    out = []
    kinds = sorted(INVALID)
    for i in range(N_CONFIGS):
        if i % 5 == 4:
            out.append(Mutant("valid", valid(rng, BASE), None))
        else:
            kind = kinds[i % len(kinds)] if i < 2 * len(kinds) else rng.choice(kinds)
            text, key = INVALID[kind](rng, BASE)
            out.append(Mutant(kind, text, key))
    return out


def outcome(path: Path) -> str | None:
    """The message the workflow stops with (None: it plans). Snakemake's loader reads the
    file first; a file it cannot parse gets our named report from `attnaudit.configfiles`."""
    found = configfiles.problems(path)
    try:
        config = load_configfile(path)
    except WorkflowError:
        assert found, "Snakemake could not read the file, nor could the strict reader say why"
        return found[0]
    try:
        validate(config, files=[path])
    except ConfigError as exc:
        return str(exc)
    return None


def test_fuzzed_configs_stop_with_one_message_naming_the_key_or_plan(tmp_path, capsys):
    counts: Counter[str] = Counter()
    for i, mutant in enumerate(mutants()):
        path = tmp_path / f"config{i:03d}.yaml"
        path.write_text(mutant.text)
        message = outcome(path)
        where = f"mutant {i} ({mutant.kind}):\n{mutant.text}\n-> {message}"
        if mutant.key is None:
            assert message is None, where
            counts["valid: plans"] += 1
            continue
        assert message is not None, where
        assert "\n" not in message, where
        if mutant.kind.startswith("yaml:") and mutant.kind != "yaml: 1e-3 string":
            assert message.startswith(f"config file {path}, line "), where
            assert mutant.key in message, where
        elif mutant.kind.startswith("file:"):
            assert message.startswith(f"config file {path}: {mutant.key}"), where
        elif mutant.kind == "two misspelt keys":
            keys = mutant.key.split("|")
            assert message.startswith("config keys "), where
            assert all(f"'{key}' (did you mean" in message for key in keys), where
        else:
            assert f"config key '{mutant.key}" in message, where
        counts[f"invalid ({mutant.kind}): refused"] += 1
    invalid = sum(n for k, n in counts.items() if k.startswith("invalid"))
    assert invalid + counts["valid: plans"] == N_CONFIGS >= 100
    assert counts["valid: plans"] >= 20 and len(counts) == len(INVALID) + 1
    with capsys.disabled():
        print(f"\nconfig fuzz (seed {SEED}): {N_CONFIGS} configs, {invalid} invalid all refused "
              f"naming the key, {counts['valid: plans']} valid all accepted")  # fmt: skip
        for kind, n in sorted(counts.items()):
            print(f"  {n:3d} {kind}")


@pytest.mark.parametrize(("path", "value"), OVER_THE_BOUND, ids=lambda v: str(v)[:40])
def test_each_bound_stops_validation_naming_its_key(tmp_path, path, value):
    """Every probed size, one at a time, refused at validation with its key and its bound."""
    file = tmp_path / "config.yaml"
    file.write_text(dump(put(BASE, path, value)))
    message = outcome(file)
    assert message is not None and message.startswith(f"config key '{dotted(path)}': "), message
    assert str(value) in message and "maximum" in message, message


def test_a_nine_level_alias_bomb_is_refused_before_any_expansion(tmp_path):
    """Refused by construction: the first anchor stops the reading, so no walk expands the
    9**9 values (the strict reader used to walk them for minutes)."""
    file = tmp_path / "bomb.yaml"
    file.write_text(bomb())
    assert configfiles.problems(file) == [
        f"config file {file}, line 1: anchors and aliases (&name, *name) are not allowed in a "
        "config file; write each value out"
    ]


# -- a sample through the real workflow -------------------------------------------------------
SAMPLE = {"valid": 2, "unknown key": 1, "non-finite": 1, "yaml: duplicate key": 1,
          "yaml: octal": 1, "empty list": 1}  # fmt: skip


@pytest.mark.slow
def test_a_sample_of_them_through_snakemake_dry_run(tmp_path, capsys):
    """The same verdicts from `snakemake -n`: an invalid config stops before any job with
    `invalid config: <the same message>`, a valid one plans. A file Snakemake cannot parse
    is given as the default `config.yaml` (without --configfile), whose strict reading the
    Snakefile does first."""
    wanted = Counter(SAMPLE)
    chosen = []
    for i, mutant in enumerate(mutants()):
        if wanted[mutant.kind] > 0:
            wanted[mutant.kind] -= 1
            chosen.append((i, mutant))
    assert not +wanted
    chosen.append((-1, next(m for m in mutants() if m.kind == "yaml: tab indent")))
    for i, mutant in chosen:
        workdir = tmp_path / f"m{i}"
        workdir.mkdir()
        (workdir / "config.yaml").write_text(mutant.text)
        if i < 0:  # the default config file, read by the Snakefile's configfile: directive
            cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                   "--directory", str(workdir), "--cores", "1", "-n"]  # fmt: skip
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        else:
            proc = snakemake(workdir, "-n", check=False, timeout=300)
        output = proc.stdout + proc.stderr
        expected = outcome(workdir / "config.yaml")
        if mutant.key is None:
            assert proc.returncode == 0 and expected is None, output[-3000:]
        else:
            assert proc.returncode != 0, output[-3000:]
            shown = expected.replace(str(workdir / "config.yaml"), "config.yaml")
            said = {f"invalid config: {expected}", f"invalid config: {shown}"}
            assert any(line in output for line in said), (expected, output[-3000:])
        assert not (workdir / "results").exists()
    with capsys.disabled():
        print(f"\nsnakemake -n: {len(chosen)} fuzzed configs, same verdicts as in-process")
