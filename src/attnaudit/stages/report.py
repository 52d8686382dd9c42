"""Aggregation jobs: tables and figures over every run."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from attnaudit import io
from attnaudit.report import figures, tables


def publish(
    table: pd.DataFrame, csv: str, markdown: str, intro: str, body: str | None = None,
    floatfmt: str = ".3f",
) -> None:  # fmt: skip
    """Write a result table as CSV, and as markdown (`body`, by default the table itself)
    under a one-paragraph explanation."""
    io.write_table(csv, table)
    body = tables.to_markdown(table, floatfmt) if body is None else body
    io.write_text(markdown, intro + "\n\n" + body)


def read_metrics(paths: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([io.read_json(p) for p in paths])


def learned_vs_uniform(metrics: Sequence[str], csv: str, markdown: str, figure: str) -> None:
    runs = read_metrics(metrics)
    table = tables.learned_vs_uniform(runs)
    publish(
        table, csv, markdown,
        "Test F1 (binary tasks: of the positive class; k-class tasks: macro average over "
        "classes), mean ± std over seeds (number of seeds), learned vs uniform attention.",
        tables.learned_vs_uniform_markdown(table),
    )  # fmt: skip
    figures.learned_vs_uniform(runs, figure)


def dataset_statistics(summaries: Sequence[str], csv: str, markdown: str) -> pd.DataFrame:
    """The dataset table (the papers' Table 1) from every dataset's summary.json."""
    table = tables.dataset_statistics([io.read_json(p) for p in summaries])
    publish(
        table, csv, markdown,
        "Datasets after preprocessing: instances per split and class, vocabulary (train only,"
        " min count), and lengths in tokens (without <SOS>/<EOS>).",
        tables.dataset_statistics_markdown(table),
    )  # fmt: skip
    return table


def read_tables(paths: Sequence[str]) -> pd.DataFrame:
    return pd.concat([io.read_table(p) for p in paths], ignore_index=True)


def jain_wallace_tau(importance: Sequence[str], per_seed: str, csv: str, markdown: str) -> None:
    seeds = tables.tau_by_class(read_tables(importance))
    table = tables.tau_table(seeds)
    io.write_table(per_seed, seeds)
    publish(
        table, csv, markdown,
        "Kendall tau-b per instance, by predicted class: mean ± std over instances (fraction "
        "with p <= 0.05), averaged over seeds (Jain & Wallace 2019, Table 2).",
        tables.tau_markdown(table),
    )  # fmt: skip


def jain_wallace_permutation(permutation: Sequence[str], csv: str, figure: str) -> None:
    data = read_tables(permutation)
    io.write_table(csv, tables.by_attention_bin(data, "median_change"))
    figures.binned_boxplots(
        data, "median_change", "median output change (TVD)",
        "Permuting attention: median output change over permutations", figure,
    )  # fmt: skip


def jain_wallace_adversary(
    adversary: Sequence[str], csv: str, binned_csv: str, histogram: str, by_attention: str
) -> None:
    data = read_tables(adversary)
    io.write_table(csv, tables.adversary_summary(data))
    io.write_table(binned_csv, tables.by_attention_bin(data, "max_jsd"))
    eps = data["select_epsilon"].iloc[0]
    figures.histograms(
        data, "max_jsd", "max JSD to the model's attention",
        f"Adversarial attention: max JSD with output TVD <= {eps:g}", histogram,
    )  # fmt: skip
    figures.binned_boxplots(
        data, "max_jsd", "max JSD of an adversary",
        f"Adversarial attention vs max attention (TVD <= {eps:g})", by_attention,
        ylim=(0.0, float(np.log(2.0))),  # JSD's range: the axes of the seed-variance figure
    )  # fmt: skip


def jain_wallace(
    importance: Sequence[str], permutation: Sequence[str], adversary: Sequence[str],
    tau_per_seed: str, tau_csv: str, tau_markdown: str, permutation_csv: str,
    permutation_figure: str, adversary_csv: str, adversary_binned_csv: str,
    adversary_histogram: str, adversary_by_attention: str,
) -> None:  # fmt: skip
    """Jain & Wallace's tables and figures (one job: the three are seconds each)."""
    jain_wallace_tau(importance, tau_per_seed, tau_csv, tau_markdown)
    jain_wallace_permutation(permutation, permutation_csv, permutation_figure)
    jain_wallace_adversary(
        adversary, adversary_csv, adversary_binned_csv, adversary_histogram,
        adversary_by_attention,
    )  # fmt: skip


def serrano_smith(
    single: Sequence[str], multi: Sequence[str], flips_csv: str, flips_markdown: str,
    flips_figure: str, fractions_csv: str, fractions_markdown: str, fractions_figure: str,
) -> None:  # fmt: skip
    """Serrano & Smith's tables and figures (one job)."""
    serrano_smith_single(single, flips_csv, flips_markdown, flips_figure)
    serrano_smith_multi(multi, fractions_csv, fractions_markdown, fractions_figure)


def serrano_smith_single(single: Sequence[str], csv: str, markdown: str, figure: str) -> None:
    data = read_tables(single)
    intro = (
        "Decision flips after erasing the top-ranked item vs a random other item, percent of "
        "instances, mean over seeds (Serrano & Smith 2019, Table 2)."
    )
    publish(tables.flip_table(data), csv, markdown, intro, floatfmt=".1f")
    figures.delta_jsd_hexbins(data, figure)


def serrano_smith_multi(multi: Sequence[str], csv: str, markdown: str, figure: str) -> None:
    data = read_tables(multi)
    table = tables.flip_fractions(data)
    intro = (
        "Fraction of items erased (in ranking order) before the decision flips: median over "
        "flipped instances and the share never flipped (Serrano & Smith 2019, Figures 4-6); "
        "the median over all instances with a never-flipped one counted as 1 (all items), "
        "since rankings that flip different shares are otherwise compared on different "
        "instances; and, over the instances that both a ranking and attention flip, the "
        "share where the ranking needs fewer (more) items than attention. Means over seeds "
        "with 95 % intervals."
    )
    publish(table, csv, markdown, intro)
    figures.flip_fraction_boxplots(data, table, figure)


def wiegreffe_pinter_seed_variance(
    seed_variance: Sequence[str], adversary: Sequence[str], csv: str, markdown: str,
    binned_csv: str, by_attention: str, jsd_vs_tvd: str,
) -> None:  # fmt: skip
    """Seed variance (Wiegreffe & Pinter 2019) next to Jain & Wallace's adversarial JSDs:
    a summary table, both by max-attention bin on shared axes, and JSD vs output TVD."""
    seeds = read_tables(seed_variance)
    adv = read_tables(adversary) if adversary else None
    table = tables.seed_variance_summary(seeds, adv)
    publish(
        table, csv, markdown,
        "Seed variance: per test instance the median over the other seeds of the JSD between "
        "their attention and the base seed's (and of the output TVD), mean over instances; "
        "Jain & Wallace's adversarial max JSD of the base seed on the same instances, and the"
        " share of instances where it exceeds the seed JSD (Wiegreffe & Pinter 2019, section "
        "4).",
        floatfmt=".4f",
    )  # fmt: skip
    seed_source, adversary_source = "other seeds (median JSD)", "adversarial attention (max JSD)"
    parts = [seeds.assign(jsd=seeds["median_jsd"], source=seed_source)]
    binned = [tables.by_attention_bin(seeds, "median_jsd").assign(source=seed_source)]
    if adv is not None:
        parts.append(adv.assign(jsd=adv["max_jsd"], source=adversary_source))
        binned.append(tables.by_attention_bin(adv, "max_jsd").assign(source=adversary_source))
    io.write_table(binned_csv, pd.concat(binned, ignore_index=True))
    columns = ["dataset", "model", "pred", "max_attention", "jsd", "source"]
    figures.binned_boxplots(
        pd.concat([p[columns] for p in parts], ignore_index=True), "jsd",
        "JSD to the model's attention", "Seed variance vs adversarial attention, by max "
        "attention", by_attention, hue="source", ylim=(0.0, float(np.log(2.0))),
    )  # fmt: skip
    pairs = seeds[["dataset", "model", "pred", "jsd", "tvd"]].explode(["jsd", "tvd"])
    figures.jsd_vs_tvd(
        pairs.astype({"jsd": float, "tvd": float}), "jsd", "tvd",
        "JSD(attention, base seed's attention)", "TVD(output, base seed's output)",
        "Seed variance: attention divergence vs output change (each instance x other seed)",
        jsd_vs_tvd,
    )  # fmt: skip


def wiegreffe_pinter_guided(
    metrics: Sequence[str], uniform: Sequence[str], csv: str, markdown: str
) -> None:
    """The guided MLP table (Wiegreffe & Pinter 2019, Table 3) from the guided runs and,
    for the uniform variant, the `<encoder>-uniform` runs (the same model and training)."""
    runs = [read_metrics(metrics)] if metrics else []
    if uniform:
        runs.append(read_metrics(uniform).assign(variant="uniform", guide="uniform"))
    table = tables.guided_mlp(pd.concat(runs, ignore_index=True))
    publish(
        table, csv, markdown,
        "Test F1 of the no-encoder token MLP trained with its attention frozen to each "
        "guide's weights, mean ± std over seeds (number of seeds) (Wiegreffe & Pinter 2019, "
        "Table 3).",
        tables.guided_mlp_markdown(table) + "\n" + tables.guided_mlp_findings(table),
    )  # fmt: skip


def wiegreffe_pinter_adversarial(
    adversary: Sequence[str], base: Sequence[str], seed_variance: Sequence[str], csv: str,
    markdown: str, figure: str,
) -> None:  # fmt: skip
    """The end-to-end adversarial models per lambda (Wiegreffe & Pinter 2019, Table 4 and
    Figure 4), with the base model's other seeds as reference where there are any."""
    table = tables.adversarial(read_metrics(adversary), read_metrics(base))
    seeds = read_tables(seed_variance) if seed_variance else None
    publish(
        table, csv, markdown,
        "End-to-end adversarial models: test F1, and the mean over test instances of the TVD "
        "of outputs and the JSD of attention to the base model, mean ± std over seeds, per "
        "lambda; epochs selected on dev by the lowest adversarial loss (Wiegreffe & Pinter "
        "2019, Table 4).",
        tables.adversarial_markdown(table, seeds),
    )  # fmt: skip
    figures.adversarial_curve(table, tables.seed_reference(seeds), figure)


def pruthi_deception(metrics: Sequence[str], csv: str, markdown: str, figure: str) -> None:
    """Deception training per penalty weight (Pruthi et al. 2020): accuracy and attention
    mass on the planted tokens."""
    table = tables.deception(read_metrics(metrics))
    publish(
        table, csv, markdown,
        "Deception training (Pruthi et al. 2020): the model trained with the penalty "
        "-λ ln(1 - m), m the attention mass on the planted deciding tokens; test accuracy and "
        "mean test m, mean ± 95 % interval over seeds.",
        tables.deception_markdown(table),
    )  # fmt: skip
    figures.deception_curve(table, figure)
