"""The plan of the workflow: from the validated config, every run (dataset x model x seed),
analysis family, guided-MLP guide, adversary, deception run and published target, as paths.

The .smk files ask the plan instead of listing paths, so what a config makes is testable in
milliseconds (tests/test_plan.py) without a dry run. Pure Python: no torch, no pandas, no
snakemake at import (a login node plans without the GPU stack). Path patterns keep
Snakemake's `{wildcard}` fields; `expand` fills them as `snakemake.io.expand` does.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterable, Mapping
from typing import Any

from attnaudit import settings
from attnaudit.config import canonical, lambda_label
from attnaudit.data import checkpoints
from attnaudit.data.options import SPLITS
from attnaudit.models import catalog
from attnaudit.models.catalog import split_model

# -- path patterns: the one place result paths are built from wildcards ---------------------
RUN = "results/{dataset}/{encoder}-{attention}/seed{seed}"
DATA = "results/{dataset}/data"
# a dataset in a pretrained encoder's word pieces (tokens.parquet, vocab.json, summary.json)
PIECES = f"{DATA}/pieces/{{encoder}}"
CHECKPOINTS = checkpoints.RESOURCES  # hub checkpoints downloaded by the workflow, by name
# downloaded word vectors (shared by datasets); one dataset's cached matrix (.npy + .json)
VECTORS = "resources/embeddings/{embedding}"
MATRIX = f"{DATA}/embeddings/{{embedding}}"
REPORT = "results/report"
# How a job runs, not what it computes: left out of every rule's params (editing them reruns
# nothing); jobs take the thread count as `threads:` and scripts read the device at run time.
RUNTIME = ("threads", "device")
# Wiegreffe & Pinter: seed variance of a dataset x model; per dataset and seed the guided
# MLP runs (one folder per variant, with its guide's attention) and the adversaries
WP_MODEL = "results/{dataset}/{encoder}-{attention}/wiegreffe_pinter"
WP = "results/{dataset}/wiegreffe_pinter"
GUIDED = f"{WP}/guided/{{variant}}/seed{{seed}}"
ADVERSARY = f"{WP}/adversary/lambda{{lam}}/seed{{seed}}"
DECEPTION = "results/{dataset}/pruthi/deception/{encoder}-{attention}/weight{weight}/seed{seed}"
# the open questions' complexity sweeps: one model per hidden size x training share x seed
COMPLEXITY = (
    "results/{dataset}/open_questions/complexity/hidden{hidden}-fraction{fraction}/seed{seed}"
)


def expand(pattern: str, **values: Any) -> list[str]:
    """`pattern` filled with every combination of `values` (a list, or one value), in the
    order of the keywords, the last varying fastest; keywords the pattern does not name are
    ignored: the paths and order of `snakemake.io.expand`."""
    names = {field for _, field, _, _ in string.Formatter().parse(pattern) if field}
    used = {k: [v] if isinstance(v, str | int | float) else list(v)
            for k, v in values.items() if k in names}  # fmt: skip
    return [
        pattern.format(**dict(zip(used, combination, strict=True)))
        for combination in itertools.product(*used.values())
    ]


# the open questions' transfer matrix: a donor run's attention frozen into a student encoder
TRANSFER = "results/{dataset}/open_questions/transfer/{donor}/{student}/seed{seed}"
# a guided run's files (the guided MLP's, the transfer matrix's): output name -> file name
GUIDED_FILES = {
    "checkpoint": "model.pt",
    "history": "epochs.csv",
    "metrics": "metrics.json",
    "predictions": "predictions.parquet",
    "guide": "guide.parquet",
}
# the analyses each sweep model runs (jain_wallace.<name>)
COMPLEXITY_ANALYSES = ("permutation", "adversary")
# the open questions' encoder comparison (open_questions.encoders): where a run's analyses
# go (`ENCODER_TABLES/<family>/<analysis>.parquet` under the run), and the measure table
# each answers -> its (family, analysis)
ENCODER_TABLES = "open_questions/encoders"
ENCODER_RUN = f"{RUN}/{ENCODER_TABLES}"
ENCODER_ANALYSES = {
    "importance": ("jain_wallace", "importance"),
    "permutation": ("jain_wallace", "permutation"),
    "adversary": ("jain_wallace", "adversary"),
    "eraser": ("faithfulness", "eraser"),
    "replacement": ("vashishth", "replacement"),
}


def guide_key(variant: str, seed: int) -> str:
    """The name of the checkpoint input that guides `variant` at `seed` in wp_guided (and
    the key `stages.wiegreffe_pinter.train_guided` reads it by): `<variant>_guide_model_<seed>`."""
    return f"{variant}_guide_model_{seed}"


class Plan:
    """What a validated config (defaults filled in) makes: runs, families, guides, targets."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = config
        self.datasets = sorted(config["datasets"])
        self.encoders = list(config["encoders"])
        self.attentions = list(config["attentions"])
        self.models = [f"{e}-{a}" for e in self.encoders for a in self.attentions]
        self.seeds = sorted(config["seeds"])
        self.training = {k: v for k, v in canonical(config["training"]).items() if k not in RUNTIME}
        self.learned = [m for m in self.models if not catalog.is_uniform(split_model(m)[1])]
        self.wp = config["wiegreffe_pinter"]
        self.lambdas = [lambda_label(x) for x in self.wp["adversarial"]["lambdas"]]
        self.adversary_base = self.wp["adversarial"]["base"]  # the model adversaries attack
        # guided variants trained by wp_guided; `uniform` is the `<encoder>-uniform` run itself
        self.guided_variants = [v for v in self.wp["guided_mlp"]["variants"] if v != "uniform"]
        self.deception = config["pruthi"]["deception"]
        self.pretrained = canonical(config.get("pretrained") or {})
        self.complexity = config["open_questions"]["complexity"]
        self.compared = config["open_questions"]["encoders"]

    # -- datasets and runs ---------------------------------------------------------------
    def dataset_options(self, dataset: str) -> dict[str, Any]:
        return canonical(self.config["datasets"][dataset])

    def split_caps(self) -> dict[str, dict[str, int]]:
        """Per dataset with any, its split caps (`max_train`, `max_dev`, `max_test`), by split."""
        caps = {d: {split: self.config["datasets"][d].get(f"max_{split}")
                    for split in SPLITS} for d in self.datasets}  # fmt: skip
        return {d: {s: n for s, n in c.items() if n} for d, c in caps.items() if any(c.values())}

    def dataset_type(self, dataset: str) -> str:
        """The registry type of a dataset: its `type`, or its name."""
        return self.config["datasets"][dataset].get("type", dataset)

    def runs(self, pattern: str, datasets: Iterable[str] | None = None) -> list[str]:
        """A per-run path over datasets x encoders x attentions x seeds."""
        return expand(
            pattern,
            dataset=list(datasets or self.datasets),
            encoder=self.encoders,
            attention=self.attentions,
            seed=self.seeds,
        )

    @staticmethod
    def run_path(dataset: str, model: str, seed: int, name: str) -> str:
        """A file of one run, the model given as '<encoder>-<attention>'."""
        encoder, attention = split_model(model)
        return expand(f"{RUN}/{name}", dataset=dataset, encoder=encoder,
                      attention=attention, seed=seed)[0]  # fmt: skip

    def per_dataset(self, pattern: str) -> list[str]:
        return expand(pattern, dataset=self.datasets)

    # -- pretrained encoders (models.pretrained, data.checkpoints) --------------------------
    def is_pretrained(self, encoder: str) -> bool:
        return encoder in self.pretrained

    def analysis_mem_mb(self, encoder: str) -> int:
        """An analysis job's memory request (docs/cluster.md#resources): measured peaks
        4.54 GB for MiniLM on 500 SST test sentences, 1.0 GB for a BiLSTM on SST's whole
        test split."""
        return 8000 if self.is_pretrained(encoder) else 4000

    def checkpoint(self, encoder: str) -> tuple[str, bool]:
        """A pretrained encoder's checkpoint directory, and whether a job downloads it."""
        return checkpoints.locate(encoder, self.pretrained[encoder], self.config.get("mirror"))

    def checkpoint_files(self, encoder: str) -> list[str]:
        """What a job reads of a pretrained encoder's checkpoint: the directory a download
        makes, or the files a local or mirror directory holds (config, weights,
        tokenizer); nothing for an encoder trained from scratch."""
        if not self.is_pretrained(encoder):
            return []
        directory, download = self.checkpoint(encoder)
        if download:
            return [directory]
        return [f"{directory}/{name}" for name in checkpoints.files_of(directory)]

    def data_file(self, dataset: str, encoder: str, name: str) -> str:
        """A dataset file a run of `encoder` reads (tokens.parquet, vocab.json,
        summary.json): in word pieces for a pretrained encoder."""
        pattern = PIECES if self.is_pretrained(encoder) else DATA
        return expand(f"{pattern}/{name}", dataset=dataset, encoder=encoder)[0]

    def token_tables(self) -> dict[str, str]:
        """Every dataset's token table (named by the dataset) and, per pretrained encoder,
        its word pieces (named `<dataset>/<encoder>`)."""
        pieces = [e for e in self.encoders if self.is_pretrained(e)]
        tables = {d: expand(f"{DATA}/tokens.parquet", dataset=d)[0] for d in self.datasets}
        for d in self.datasets:
            for e in pieces:
                tables[f"{d}/{e}"] = expand(f"{PIECES}/tokens.parquet", dataset=d, encoder=e)[0]
        return tables

    def training_of(self, encoder: str) -> dict[str, Any]:
        """A run's training settings: `training:`, with a pretrained encoder's own
        fine-tuning values (lr, epochs, batch_size, weight_decay)."""
        if not self.is_pretrained(encoder):
            return self.training
        tuned = {k: self.pretrained[encoder][k] for k in checkpoints.FINE_TUNING}
        return {**self.training, **tuned, "embeddings": None}

    # -- per-run analysis families (analyses.smk) ----------------------------------------
    def analysis_families(self, kind: str) -> list[str]:
        """The families of `analyses:` that run on a kind of model: 'learned' (flat, learned
        attention), 'sentences' (hierarchical, learned) or 'uniform' (flat, uniform)."""
        applies = {
            "learned": lambda a: a.learned,
            "sentences": lambda a: a.learned and a.sentences,
            "uniform": lambda a: a.uniform,
        }[kind]
        return [f for f in self.config["analyses"] if applies(settings.FAMILIES[f])]

    def analysis_outputs(self, kind: str) -> dict[str, str]:
        """One table per analysis of each family: `<family>_<analysis>` -> its path."""
        return {
            f"{family}_{name}": f"{RUN}/{family}/{name}.parquet"
            for family in self.analysis_families(kind)
            for name in settings.SECTIONS[family]
        }

    def analysis_settings(self, kind: str) -> dict[str, Any]:
        """The settings blocks of the families (canonical: defaults filled in), by family."""
        return {family: self.config[family] for family in self.analysis_families(kind)}

    def family_runs(self, family: str, pattern: str) -> list[str]:
        """A per-run path expanded over the runs a family of `analyses:` analyses."""
        if family not in self.config["analyses"]:
            return []
        applies = settings.FAMILIES[family]
        attentions = [
            a
            for a in self.attentions
            if (applies.uniform if catalog.is_uniform(a) else applies.learned)
        ]
        encoders = [e for e in self.encoders if applies.sentences or not catalog.is_hierarchical(e)]
        return expand(pattern, dataset=self.datasets, encoder=encoders,
                      attention=attentions, seed=self.seeds)  # fmt: skip

    def family_tables(self, family: str, analysis: str) -> list[str]:
        """Every run's table of one analysis (`{RUN}/<family>/<analysis>.parquet`)."""
        return self.family_runs(family, f"{RUN}/{family}/{analysis}.parquet")

    # -- report targets, per family -------------------------------------------------------
    def jain_wallace_outputs(self) -> list[str]:
        if not self.family_runs("jain_wallace", RUN):
            return []
        return [
            f"{REPORT}/jain_wallace/tau.md",
            f"{REPORT}/figures/jain_wallace_permutation.png",
            f"{REPORT}/figures/jain_wallace_adversary_histogram.png",
        ]

    def serrano_smith_outputs(self) -> list[str]:
        if not self.family_runs("serrano_smith", RUN):
            return []
        return [
            f"{REPORT}/serrano_smith/decision_flips.md",
            f"{REPORT}/serrano_smith/flip_fractions.md",
            f"{REPORT}/figures/serrano_smith_delta_jsd.png",
            f"{REPORT}/figures/serrano_smith_flip_fractions.png",
        ]

    def faithfulness_outputs(self) -> list[str]:
        if not self.family_runs("faithfulness", RUN):
            return []
        return [
            f"{REPORT}/faithfulness/aopc.md",
            f"{REPORT}/faithfulness/planted.md",
            f"{REPORT}/faithfulness/rationales.jsonl",
            f"{REPORT}/figures/faithfulness_aopc.png",
            f"{REPORT}/figures/faithfulness_planted.png",
        ]

    def vashishth_outputs(self) -> list[str]:
        return [f"{REPORT}/vashishth/replacement.md"] if self.family_runs("vashishth", RUN) else []

    def wiegreffe_pinter_outputs(self) -> list[str]:
        """Each item's tables and figures, where the runs it builds on are configured runs
        (asked for by path, the other items train what they need)."""
        outputs = []
        if [a for a in self.attentions if a != "uniform"] and len(self.seeds) > 1:
            outputs += [
                f"{REPORT}/wiegreffe_pinter/seed_variance.md",
                f"{REPORT}/figures/wiegreffe_pinter_seed_variance.png",
                f"{REPORT}/figures/wiegreffe_pinter_seed_jsd_vs_tvd.png",
            ]
        guided = self.wp["guided_mlp"]
        needs = {
            "own": guided["own"],
            "base": guided["base"],
            "adversary": self.adversary_base,
            "uniform": f"{guided['encoder']}-uniform",
        }
        if guided["variants"] and {needs[v] for v in guided["variants"]} <= set(self.models):
            outputs.append(f"{REPORT}/wiegreffe_pinter/guided_mlp.md")
        if self.trains_adversaries():
            outputs += [
                f"{REPORT}/wiegreffe_pinter/adversarial.md",
                f"{REPORT}/figures/wiegreffe_pinter_adversarial.png",
            ]
        return outputs

    def reproduction_outputs(self) -> list[str]:
        """The reproduction table, where a configured dataset is one the papers report on."""
        from attnaudit.report.reproduction import REFERENCES  # pandas: only when asked

        types = {self.dataset_type(d) for d in self.datasets}
        if not types & {ref.dataset for ref in REFERENCES}:
            return []
        return [f"{REPORT}/reproduction.md"]

    OPEN_QUESTIONS_PAGE = f"{REPORT}/open_questions.html"

    def open_questions_outputs(self) -> list[str]:
        """The "Open questions" page and each section's figure (the first section's markdown
        too), where a section has something to answer: the first where a model with learned
        attention has its uniform control among the runs, the encoders' where
        `compares_encoders`, the complexity sweeps where
        `open_questions.complexity` names datasets, the effects beyond the decision where
        `open_questions.class_effects` does."""
        sections = []
        if self.asks_needs():
            sections += [f"{REPORT}/open_questions/needs.md",
                         f"{REPORT}/figures/open_questions_needs.png"]  # fmt: skip
        if self.compares_encoders():
            sections.append(f"{REPORT}/figures/open_questions_encoders.png")
        if self.complexity_points():
            sections.append(f"{REPORT}/figures/open_questions_complexity.png")
        if self.class_effect_runs():
            sections.append(f"{REPORT}/figures/open_questions_class_effects.png")
        if self.transfer_cells():
            sections.append(f"{REPORT}/figures/open_questions_transfer.png")
        return [*sections, self.OPEN_QUESTIONS_PAGE] if sections else []

    def asks_needs(self) -> bool:
        """Whether the open questions' first section has a model with learned attention and
        its uniform control to compare."""
        return bool({catalog.control_model(m) for m in self.learned} & set(self.models))

    def compares_encoders(self) -> bool:
        """Whether the open questions' encoder section has pairs to compare: two or more
        models of `open_questions.encoders` where it names datasets, else two or more
        encoders with learned attention in the grid (every dataset has every model)."""
        if self.compared["datasets"]:
            return len(self.compared["models"]) > 1
        return len({split_model(m)[0] for m in self.learned}) > 1

    # -- the open questions' encoder comparison (open_questions.encoders) ----------------
    def encoder_runs(self, name: str) -> list[str]:
        """A file of every run the comparison of `open_questions.encoders` reads (its
        datasets x models x `seeds:`); none without its datasets."""
        return [self.run_path(d, m, s, name) for d in self.compared["datasets"]
                for m in self.compared["models"] for s in self.seeds]  # fmt: skip

    def encoder_inputs(self) -> dict[str, list[str]]:
        """The encoder section's per-run tables by measure table (`ENCODER_ANALYSES`, and
        seed_variance with two or more seeds), and `encoder_metrics` where the section has
        its own runs: `open_questions.encoders`' analyses where it names datasets, else the
        grid's analysis tables (where `analyses:` runs their families)."""
        if not self.compares_encoders():
            return {}
        own = bool(self.compared["datasets"])
        models = self.compared["models"] if own else self.learned
        datasets = self.compared["datasets"] if own else self.datasets
        inputs = {
            table: self.encoder_runs(f"{ENCODER_TABLES}/{family}/{name}.parquet")
            if own else self.family_tables(family, name)
            for table, (family, name) in ENCODER_ANALYSES.items()
        }  # fmt: skip
        if len(self.seeds) > 1:
            inputs["seed_variance"] = self.seed_variance_files(
                models, "seed_variance.parquet", datasets
            )
        if own:
            inputs["encoder_metrics"] = self.encoder_runs("metrics.json")
        return inputs

    def encoder_analysis_outputs(self) -> dict[str, str]:
        """The analysis tables of a run of the comparison, `<family>_<analysis>` -> path."""
        if not self.compared["datasets"]:
            return {}
        return {f"{family}_{name}": f"{ENCODER_RUN}/{family}/{name}.parquet"
                for family, name in ENCODER_ANALYSES.values()}  # fmt: skip

    def encoder_analysis_settings(self) -> dict[str, Any]:
        """The comparison's analysis blocks, family -> analysis -> block: the config's
        blocks on at most `max_instances` test instances, importance with Integrated
        Gradients, ERASER on the attention ranking alone (the measure is its AOPC)."""
        extra = {"importance": {"integrated_gradients": True},
                 "eraser": {"rankings": ["attention"]}}  # fmt: skip
        cap = {"split": "test", "max_instances": self.compared["max_instances"]}
        out: dict[str, Any] = {}
        for family, name in ENCODER_ANALYSES.values():
            out.setdefault(family, {})[name] = {**self.config[family][name], **cap,
                                                **extra.get(name, {})}  # fmt: skip
        return out

    def pruthi_outputs(self) -> list[str]:
        """The deception table and figure where there are weights and a synthetic dataset."""
        if not self.deception_runs():
            return []
        return [f"{REPORT}/pruthi/deception.md", f"{REPORT}/figures/pruthi_deception.png"]

    def targets(self) -> list[str]:
        """Every file `snakemake` (rule all) makes."""
        return [
            *self.runs(f"{RUN}/metrics.json"),
            f"{REPORT}/learned_vs_uniform.csv",
            f"{REPORT}/learned_vs_uniform.md",
            f"{REPORT}/figures/learned_vs_uniform.png",
            f"{REPORT}/dataset_statistics.csv",
            f"{REPORT}/dataset_statistics.md",
            *self.jain_wallace_outputs(),
            *self.serrano_smith_outputs(),
            *self.wiegreffe_pinter_outputs(),
            *self.faithfulness_outputs(),
            *self.vashishth_outputs(),
            *(self.verdict_outputs().values() if self.verdict_pages() else []),
            *self.reproduction_outputs(),
            *self.open_questions_outputs(),
            *self.pruthi_outputs(),
        ]

    # -- verdict pages: one per dataset x learned-attention model -------------------------
    def verdict_pages(self) -> list[tuple[str, str, int]]:
        """(dataset, model, the seed whose instances the examples page shows) per page."""
        return [(d, m, self.seeds[0]) for d in self.datasets for m in self.learned]

    def verdict_tables(self) -> dict[str, str]:
        """The report tables a verdict page reads (those the configuration makes), by name:
        the CSV of each published markdown table, Jain & Wallace's adversary and Serrano &
        Smith's decision flips."""
        published = [
            *self.jain_wallace_outputs(),
            *self.serrano_smith_outputs(),
            *self.faithfulness_outputs(),
            *self.wiegreffe_pinter_outputs(),
            *self.vashishth_outputs(),
        ]
        paths = [f"{REPORT}/learned_vs_uniform.csv"]
        paths += [p.removesuffix(".md") + ".csv" for p in published if p.endswith(".md")]
        if self.jain_wallace_outputs():
            paths.append(f"{REPORT}/jain_wallace/adversary.csv")
        return {p.rsplit("/", 1)[1].removesuffix(".csv"): p for p in paths}

    def verdict_seed_pairs(self) -> list[str]:
        """Every learned model's seed pairs (the unique verdict's seeds), with 2 or more seeds."""
        if len(self.seeds) < 2:
            return []
        return self.seed_variance_files(self.learned, "seed_pairs.parquet")

    def verdict_trained_adversaries(self) -> list[str]:
        """Wiegreffe & Pinter's adversarial models' per-instance comparisons, where trained."""
        if not self.trains_adversaries():
            return []
        return self.adversaries("comparison.parquet")

    def verdict_outputs(self) -> dict[str, str]:
        """Per page `verdict_<i>` and, where the model has token-level analyses to show,
        `examples_<i>`; the index, and the answers for report.html's front page."""
        outputs = {
            "index": f"{REPORT}/verdicts/index.html",
            "front": f"{REPORT}/verdicts/front.rst",
            "csv": f"{REPORT}/verdicts/verdicts.csv",
            "comparisons": f"{REPORT}/verdicts/comparisons.csv",
        }
        flat = self.family_runs("jain_wallace", "{encoder}")
        for i, (dataset, model, _) in enumerate(self.verdict_pages()):
            outputs[f"verdict_{i}"] = f"{REPORT}/verdicts/{dataset}-{model}.html"
            if split_model(model)[0] in flat:
                outputs[f"examples_{i}"] = f"{REPORT}/verdicts/{dataset}-{model}-examples.html"
        return outputs

    # -- Wiegreffe & Pinter ----------------------------------------------------------------
    def trains_adversaries(self) -> bool:
        """Whether adversaries are trained: lambdas given and their base model configured."""
        return bool(self.lambdas) and self.adversary_base in self.models

    def adversaries(self, name: str) -> list[str]:
        """A file of every adversary: dataset x lambda x seed."""
        return expand(f"{ADVERSARY}/{name}", dataset=self.datasets, lam=self.lambdas,
                      seed=self.seeds)  # fmt: skip

    def seed_variance_files(
        self, models: Iterable[str], name: str, datasets: Iterable[str] | None = None
    ) -> list[str]:
        """A seed-variance file (`{WP_MODEL}/<name>`) of `models`, every dataset (of
        `datasets` where given)."""
        return [
            expand(f"{WP_MODEL}/{name}", dataset=d, encoder=e, attention=a)[0]
            for d in (self.datasets if datasets is None else datasets)
            for e, a in (split_model(m) for m in models)
        ]

    def guides(self) -> dict[str, str]:
        """Per guided variant (but uniform), the model whose attention guides it, by name."""
        guided = self.wp["guided_mlp"]
        names = {
            "own": guided["own"],
            "base": guided["base"],
            "adversary": f"adversary-lambda{lambda_label(guided['adversary_lambda'])}",
        }
        return {v: names[v] for v in self.guided_variants}

    def guide_checkpoints(self, dataset: str) -> dict[str, str]:
        """The checkpoint of each guide of a dataset, named by variant and seed
        (`guide_key`): a run's model.pt, or the adversary's of `adversary_lambda`."""
        guided = self.wp["guided_mlp"]
        paths = {}
        for seed in self.seeds:
            for variant in self.guided_variants:
                if variant == "adversary":
                    lam = lambda_label(guided["adversary_lambda"])
                    path = expand(f"{ADVERSARY}/model.pt", dataset=dataset, lam=lam, seed=seed)[0]
                else:
                    path = self.run_path(dataset, guided[variant], seed, "model.pt")
                paths[guide_key(variant, seed)] = path
        return paths

    def guide_pieces(self, dataset: str) -> dict[str, str]:
        """`<variant>_guide_pieces` -> the word pieces a pretrained guide reads (its
        attention over pieces is summed per word for the MLP), for the variants guided by a
        pretrained encoder's run or adversary."""
        guided = self.wp["guided_mlp"]
        models = {"own": guided["own"], "base": guided["base"], "adversary": self.adversary_base}
        return {
            f"{variant}_guide_pieces": self.data_file(dataset, encoder, "tokens.parquet")
            for variant in self.guided_variants
            if self.is_pretrained(encoder := split_model(models[variant])[0])
        }

    def guided_outputs(self) -> dict[str, str]:
        """Per seed and variant, the files of a run and the guide's attention on every split
        (`<variant>_<kind>_<seed>`)."""
        return {
            f"{variant}_{kind}_{seed}": f"{WP}/guided/{variant}/seed{seed}/{name}"
            for seed in self.seeds
            for variant in self.guided_variants
            for kind, name in GUIDED_FILES.items()
        }

    def guided_metrics(self) -> list[str]:
        """Every guided MLP's metrics.json: dataset x variant x seed."""
        return expand(f"{GUIDED}/metrics.json", dataset=self.datasets,
                      variant=self.guided_variants, seed=self.seeds)  # fmt: skip

    def uniform_runs(self) -> list[str]:
        """The metrics of the guided MLP's uniform variant: the `<encoder>-uniform` runs."""
        if "uniform" not in self.wp["guided_mlp"]["variants"]:
            return []
        model = f"{self.wp['guided_mlp']['encoder']}-uniform"
        return [
            self.run_path(d, model, s, "metrics.json") for d in self.datasets for s in self.seeds
        ]

    def adversary_base_run(self, dataset: str, seed: int, name: str) -> str:
        """A file of the adversary's base run (same dataset and seed)."""
        return self.run_path(dataset, self.adversary_base, seed, name)

    def adversary_base_runs(self, name: str) -> list[str]:
        """A file of the adversaries' base run, every dataset and seed."""
        return [self.adversary_base_run(d, s, name) for d in self.datasets for s in self.seeds]

    def adversary_training(self) -> dict[str, Any]:
        """The training settings of an adversary: its base's (`training:`, or a pretrained
        base's fine-tuning) with the adversaries' own epochs."""
        training = self.training_of(split_model(self.adversary_base)[0])
        return {**training, "epochs": self.wp["adversarial"]["epochs"] or training["epochs"]}

    def adversary_data(self, dataset: str, name: str) -> str:
        """A dataset file the adversary reads: its base's (word pieces for a pretrained one)."""
        return self.data_file(dataset, split_model(self.adversary_base)[0], name)

    def adversary_checkpoint(self) -> list[str]:
        """A pretrained base's checkpoint files: the adversary starts from them, as the base
        did; none for a base trained from scratch."""
        return self.checkpoint_files(split_model(self.adversary_base)[0])

    # -- the open questions' complexity sweeps (open_questions.complexity) -----------------
    def complexity_encoder(self) -> str:
        return split_model(self.complexity["model"])[0]

    def complexity_hidden(self) -> int:
        """The swept model's configured hidden size: training.encoder_options', else the
        catalogue's default."""
        encoder = self.complexity_encoder()
        given = self.config["training"]["encoder_options"].get(encoder, {})
        default = catalog.ENCODERS[encoder].options["hidden_size"]["default"]
        return int(given.get("hidden_size", default))

    def complexity_points(self) -> list[tuple[str, str]]:
        """(hidden size, training share) path labels of the sweeps: each hidden size on the
        whole training split, each share at the configured size; none without datasets."""
        if not self.complexity["datasets"]:
            return []
        base = str(self.complexity_hidden())
        points = [(str(h), "1") for h in self.complexity["hidden_sizes"]]
        points += [(base, lambda_label(f)) for f in self.complexity["train_fractions"]]
        return list(dict.fromkeys(points))

    def complexity_reuses(self, hidden: str, fraction: str) -> bool:
        """Whether a sweep point is the swept model's own run (configured size, whole
        split, a model the config trains): its checkpoint is not trained twice."""
        own = (str(self.complexity_hidden()), "1")
        return (hidden, fraction) == own and self.complexity["model"] in self.models

    def complexity_file(self, dataset: str, hidden: str, fraction: str, seed, name: str) -> str:
        """A trained sweep model's file (model.pt, metrics.json): the swept model's own run
        where `complexity_reuses`, else the sweep's."""
        if self.complexity_reuses(hidden, fraction):
            return self.run_path(dataset, self.complexity["model"], seed, name)
        return expand(f"{COMPLEXITY}/{name}", dataset=dataset, hidden=hidden,
                      fraction=fraction, seed=seed)[0]  # fmt: skip

    def complexity_models(self) -> list[tuple[str, str, str, int]]:
        """(dataset, hidden size, share, seed) of every sweep model, the labels as in paths."""
        return [(d, h, f, s) for d in self.complexity["datasets"]
                for h, f in self.complexity_points() for s in self.seeds]  # fmt: skip

    def complexity_files(self, name: str, analysed: bool = False) -> list[str]:
        """A file of every sweep model, in `complexity_models` order: of its trained model
        (`complexity_file`) or, `analysed`, of its analysis (`{COMPLEXITY}/<name>`)."""
        return [
            expand(f"{COMPLEXITY}/{name}", dataset=d, hidden=h, fraction=f, seed=s)[0]
            if analysed
            else self.complexity_file(d, h, f, s, name)
            for d, h, f, s in self.complexity_models()
        ]

    def complexity_params(self) -> dict[str, Any] | None:
        """What the open questions' job reads of the sweeps: the block, the configured
        hidden size and each model's (dataset, hidden size, share, seed) in the order of
        `complexity_files`; None without sweeps."""
        if not self.complexity_points():
            return None
        models = [[d, int(h), float(f), s] for d, h, f, s in self.complexity_models()]
        return {"options": self.complexity, "hidden": self.complexity_hidden(), "models": models}

    def complexity_training(self, hidden: str) -> dict[str, Any]:
        """A sweep model's training settings: `training:` with the encoder at `hidden`."""
        encoder = self.complexity_encoder()
        options = self.training["encoder_options"]
        resized = {**options, encoder: {**options.get(encoder, {}), "hidden_size": int(hidden)}}
        return {**self.training, "encoder_options": resized}

    def complexity_analysis_settings(self) -> dict[str, Any]:
        """The adversary and permutation blocks of `jain_wallace:`, on the sweep's test
        instances (`max_instances`)."""
        cap = self.complexity["max_instances"]
        return {"jain_wallace": {name: {**self.config["jain_wallace"][name], "max_instances": cap}
                                 for name in COMPLEXITY_ANALYSES}}  # fmt: skip

    # -- the open questions' effects beyond the decision (open_questions.class_effects) ----
    def class_effect_runs(self, name: str = "open_questions/class_effects.parquet") -> list[str]:
        """A file of every run the class-effects analysis reads: the datasets of
        `open_questions.class_effects`, models with learned attention on flat encoders."""
        datasets = self.config["open_questions"]["class_effects"]["datasets"]
        models = catalog.flat_learned(self.models)
        return [self.run_path(d, m, s, name) for d in datasets for m in models for s in self.seeds]

    def class_effect_settings(self) -> dict[str, Any]:
        """The class-effects analysis's params: its block without `datasets` (which runs it
        reads, not what it computes)."""
        block = self.config["open_questions"]["class_effects"]
        return {"open_questions": {"class_effects": {k: v for k, v in block.items()
                                                     if k != "datasets"}}}  # fmt: skip

    # -- the open questions' transfer matrix (open_questions.transfer) ---------------------
    def transfer_donors(self) -> list[str]:
        """The donors: `open_questions.transfer.donors`, else every model with learned
        attention on a flat encoder."""
        given = self.config["open_questions"]["transfer"]["donors"]
        return list(given) if given is not None else catalog.flat_learned(self.models)

    def transfer_students(self) -> list[str]:
        """The students: `open_questions.transfer.students`, else every flat encoder trained
        from scratch that has a learned-attention run and its uniform control
        (`catalog.students`)."""
        given = self.config["open_questions"]["transfer"]["students"]
        if given is not None:
            return list(given)
        return catalog.students(self.encoders, self.models, self.pretrained)

    def transfer_cells(self) -> list[tuple[str, str, str, int]]:
        """(dataset, donor, student, seed) of every cell and seed of the matrix."""
        datasets = self.config["open_questions"]["transfer"]["datasets"]
        return [(d, donor, student, s) for d in datasets for donor in self.transfer_donors()
                for student in self.transfer_students() for s in self.seeds]  # fmt: skip

    def transfer_files(self, name: str) -> list[str]:
        """A file of every cell and seed (`{TRANSFER}/<name>`), in `transfer_cells` order."""
        return [expand(f"{TRANSFER}/{name}", dataset=d, donor=donor, student=student, seed=s)[0]
                for d, donor, student, s in self.transfer_cells()]  # fmt: skip

    def transfer_pieces(self, dataset: str, donor: str) -> dict[str, str]:
        """`donor_pieces`: the word pieces a pretrained donor reads; none for a donor on words."""
        encoder = split_model(donor)[0]
        if not self.is_pretrained(encoder):
            return {}
        return {"donor_pieces": self.data_file(dataset, encoder, "tokens.parquet")}

    def transfer_params(self) -> dict[str, Any] | None:
        """What the open questions' job reads of the matrix: its cells in file order and each
        student's own and uniform runs; None without the matrix."""
        cells = self.transfer_cells()
        if not cells:
            return None
        runs = {e: catalog.own_and_control(e, self.models) for e in self.transfer_students()}
        return {"cells": [list(c) for c in cells],
                "own": {e: r[0] for e, r in runs.items()},
                "uniform": {e: r[1] for e, r in runs.items()}}  # fmt: skip

    # -- Pruthi et al.: deception training -------------------------------------------------
    def deception_weights(self) -> list[str]:
        """The penalty weights as they appear in paths: 0.1 -> '0.1'."""
        return [lambda_label(w) for w in self.deception["weights"]]

    def deception_datasets(self) -> list[str]:
        """The datasets with planted deciding tokens: those of type synthetic."""
        return [d for d in self.datasets if self.dataset_type(d) == "synthetic"]

    def deception_runs(self, name: str = "metrics.json") -> list[str]:
        """A file of every deceptive run: model x dataset x weight x seed."""
        return [
            path
            for model in self.deception["models"]
            for path in expand(
                f"{DECEPTION}/{name}",
                dataset=self.deception_datasets(),
                encoder=split_model(model)[0],
                attention=split_model(model)[1],
                weight=self.deception_weights(),
                seed=self.seeds,
            )
        ]

    def deception_training(self) -> dict[str, Any]:
        """The training settings of a deceptive run: `training:` with its own epochs."""
        epochs = self.deception["epochs"] or self.config["training"]["epochs"]
        return {**self.training, "epochs": epochs}
