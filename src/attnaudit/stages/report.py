"""Aggregation jobs: tables and figures over every run.

Every result table is written as CSV, most also as markdown (a paper-style view under a
one-paragraph explanation), and each as an HTML page for report.html
(`attnaudit.report.html`): the CSV's columns under a caption that says what the numbers are,
over which seeds, and what each column holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from attnaudit import io
from attnaudit.report import columns as described
from attnaudit.report import faithfulness as faithful
from attnaudit.report import figures, tables, verdicts
from attnaudit.report import pages as pages_html
from attnaudit.report import replacement as replaced
from attnaudit.report import reproduction as reproduce
from attnaudit.report.html import seeds_text, table_page


def publish(
    table: pd.DataFrame, csv: str, html: str, title: str, intro: str, *,
    markdown: str | None = None, body: str | None = None, columns: Mapping[str, str] | None = None,
    seeds: Iterable[int] | None = None, floatfmt: str = ".3f",
    formats: Mapping[str, str] | None = None, notes: Iterable[str] = (),
) -> None:  # fmt: skip
    """Write a result table as CSV; as markdown (`body`, by default the table itself) under
    `intro`, where `markdown` is given; and as an HTML page: `title`, `intro`, the seeds the
    numbers come from and what its `columns` hold above the table, `notes` under it."""
    io.write_table(csv, table)
    if markdown is not None:
        body = tables.to_markdown(table, floatfmt) if body is None else body
        io.write_text(markdown, intro + "\n\n" + body)
    caption = intro if seeds is None else f"{intro} Runs: {seeds_text(seeds)}."
    io.write_text(html, table_page(table, title, caption, columns, formats, floatfmt, notes))


def binned_columns(value: str) -> dict[str, str]:
    """What the columns of a `tables.by_attention_bin` table of `value` hold."""
    return {
        "pred": "the instances' predicted class",
        "bin": "bin of the instance's largest attention weight: [a, b) holds a <= max < b",
        "mean": f"per seed, the median of {value} over the bin's instances; the mean of these "
        "medians over seeds",
        "std": "standard deviation of the per-seed medians",
        "n": "seeds with at least one instance in the bin (the interval's n)",
    }


def read_metrics(paths: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([io.read_json(p) for p in paths])


def learned_vs_uniform(
    metrics: Sequence[str], csv: str, markdown: str, html: str, figure: str
) -> None:
    runs = read_metrics(metrics)
    table = tables.learned_vs_uniform(runs)
    publish(
        table, csv, html, "Learned vs uniform attention (Wiegreffe & Pinter 2019, Table 2)",
        "Test F1 (binary tasks: of the positive class; k-class tasks: macro average over "
        "classes), mean ± std over seeds (number of seeds), learned vs uniform attention.",
        markdown=markdown, body=tables.learned_vs_uniform_markdown(table), seeds=runs["seed"],
        columns={
            "attention": "the learned attention; uniform is the same encoder with attention "
            "fixed at 1/T over the tokens, trained from scratch",
            "mean": f"{described.F1} with learned attention, mean over seeds",
            "std": "standard deviation of the F1 over seeds",
            "n": "seeds",
            "mean_uniform": "the same encoder with uniform attention: mean F1 over seeds",
            "std_uniform": "its standard deviation over seeds",
            "n_uniform": "its seeds",
            "delta": "mean - mean_uniform: what learned attention adds",
        },
    )  # fmt: skip
    figures.learned_vs_uniform(runs, figure)


def dataset_statistics(
    summaries: Sequence[str], csv: str, markdown: str, html: str
) -> pd.DataFrame:
    """The dataset table (the papers' Table 1) from every dataset's summary.json."""
    table = tables.dataset_statistics([io.read_json(p) for p in summaries])
    publish(
        table, csv, html, "Datasets (the papers' Table 1)",
        "Datasets after preprocessing: instances per split and class, vocabulary (train only,"
        " min count), and lengths in tokens (without <SOS>/<EOS>).",
        markdown=markdown, body=tables.dataset_statistics_markdown(table),
        formats={"mean_length": ".1f", "median_length_train": ".0f", "p90_length_train": ".0f"},
        columns={
            "type": "the registry entry the dataset was read with",
            "n_classes": "classes",
            "vocab_size": "words seen at least min_count times in train",
            "n_train": "instances in train",
            "n_dev": "instances in dev",
            "n_test": "instances in test",
            "n_total": "instances in all three splits",
            "train_classes": "instances per class in train, class 0 first",
            "test_classes": "instances per class in test",
            "majority_share": "share of the largest class over all splits",
            "mean_length": "mean length in tokens over all splits",
            "median_length_train": "median length in train",
            "p90_length_train": "90th percentile of the length in train",
            "max_length": "longest instance over all splits",
            "resplit_from_test": "re-split from the official test split alone: numbers not "
            "comparable with the papers'",
        },
    )  # fmt: skip
    return table


def read_tables(paths: Sequence[str]) -> pd.DataFrame:
    return pd.concat([io.read_table(p) for p in paths], ignore_index=True)


def jain_wallace_tau(
    importance: Sequence[str], per_seed: str, per_seed_html: str, csv: str, markdown: str,
    html: str,
) -> None:  # fmt: skip
    data = read_tables(importance)
    seeds = tables.tau_by_class(data)
    table = tables.tau_table(seeds)
    publish(
        seeds, per_seed, per_seed_html, "Kendall tau per seed",
        "Kendall tau-b between two importance measures over an instance's tokens, per "
        "seed and predicted class (instances whose tau is undefined are left out).",
        seeds=data["seed"],
        columns={
            **described.TAU_COLUMNS,
            "tau_mean": "mean of tau over the instances",
            "tau_std": "standard deviation of tau over the instances",
            "sig_frac": "share of the instances with p <= 0.05",
            "n": "instances",
        },
    )  # fmt: skip
    publish(
        table, csv, html, "Kendall tau between importance measures (Jain & Wallace 2019, "
        "Table 2)",
        "Kendall tau-b per instance, by predicted class: mean ± std over instances (fraction "
        "with p <= 0.05), averaged over seeds (Jain & Wallace 2019, Table 2).",
        markdown=markdown, body=tables.tau_markdown(table), seeds=data["seed"],
        columns=described.TAU,
    )  # fmt: skip


def jain_wallace_permutation(permutation: Sequence[str], csv: str, html: str, figure: str) -> None:
    data = read_tables(permutation)
    publish(
        tables.by_attention_bin(data, "median_change"), csv, html,
        "Permuting attention, by max attention (Jain & Wallace 2019, Figure 5)",
        "Output change when an instance's attention weights are permuted over its tokens "
        "(hidden states fixed): per instance the median over permutations of the TVD between "
        "the outputs, then per seed its median over the instances of a max-attention bin and "
        "predicted class, then the mean over seeds.",
        seeds=data["seed"], columns=binned_columns("the median output change (TVD)"),
    )  # fmt: skip
    figures.binned_boxplots(
        data, "median_change", "median output change (TVD)",
        "Permuting attention: median output change over permutations", figure,
    )  # fmt: skip


def jain_wallace_adversary(
    adversary: Sequence[str], csv: str, html: str, binned_csv: str, binned_html: str,
    histogram: str, by_attention: str,
) -> None:  # fmt: skip
    data = read_tables(adversary)
    eps = data["select_epsilon"].iloc[0]
    publish(
        tables.adversary_summary(data), csv, html,
        "Adversarial attention (Jain & Wallace 2019, section 4.2.2)",
        "Per instance, the largest JSD to the model's attention of an attention distribution "
        f"that keeps the output within TVD {eps:g} (max_jsd; 0 when no candidate qualifies), "
        "summarised per seed, then over seeds.",
        seeds=data["seed"],
        columns=described.ADVERSARY,
    )  # fmt: skip
    publish(
        tables.by_attention_bin(data, "max_jsd"), binned_csv, binned_html,
        "Adversarial attention, by max attention (Jain & Wallace 2019, Figure 7)",
        "The largest JSD of an adversarial attention with output TVD <= "
        f"{eps:g} (max_jsd), per max-attention bin and predicted class.",
        seeds=data["seed"], columns=binned_columns("max_jsd"),
    )  # fmt: skip
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
    tau_per_seed: str, tau_per_seed_html: str, tau_csv: str, tau_markdown: str, tau_html: str,
    permutation_csv: str, permutation_html: str, permutation_figure: str, adversary_csv: str,
    adversary_html: str, adversary_binned_csv: str, adversary_binned_html: str,
    adversary_histogram: str, adversary_by_attention: str,
) -> None:  # fmt: skip
    """Jain & Wallace's tables and figures (one job: the three are seconds each)."""
    jain_wallace_tau(importance, tau_per_seed, tau_per_seed_html, tau_csv, tau_markdown, tau_html)
    jain_wallace_permutation(permutation, permutation_csv, permutation_html, permutation_figure)
    jain_wallace_adversary(
        adversary, adversary_csv, adversary_html, adversary_binned_csv, adversary_binned_html,
        adversary_histogram, adversary_by_attention,
    )  # fmt: skip


def serrano_smith(
    single: Sequence[str], multi: Sequence[str], flips_csv: str, flips_markdown: str,
    flips_html: str, flips_figure: str, fractions_csv: str, fractions_markdown: str,
    fractions_html: str, fractions_figure: str,
) -> None:  # fmt: skip
    """Serrano & Smith's tables and figures (one job)."""
    serrano_smith_single(single, flips_csv, flips_markdown, flips_html, flips_figure)
    serrano_smith_multi(multi, fractions_csv, fractions_markdown, fractions_html, fractions_figure)


def serrano_smith_single(
    single: Sequence[str], csv: str, markdown: str, html: str, figure: str
) -> None:
    data = read_tables(single)
    intro = (
        "Decision flips after erasing the top-ranked item vs a random other item, percent of "
        "instances, mean over seeds (Serrano & Smith 2019, Table 2)."
    )
    publish(
        tables.flip_table(data), csv, html,
        "Decision flips: top item vs a random item (Serrano & Smith 2019, Table 2)", intro,
        markdown=markdown, floatfmt=".1f", seeds=data["seed"],
        columns=described.DECISION_FLIPS,
    )  # fmt: skip
    figures.delta_jsd_hexbins(data, figure)


def serrano_smith_multi(
    multi: Sequence[str], csv: str, markdown: str, html: str, figure: str
) -> None:
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
    publish(
        table, csv, html, "Multi-weight erasure: items erased before the decision flips "
        "(Serrano & Smith 2019, Figures 4-6)", intro,
        markdown=markdown, seeds=data["seed"],
        columns=described.FLIP_FRACTIONS,
    )  # fmt: skip
    figures.flip_fraction_boxplots(data, table, figure)


def wiegreffe_pinter_seed_variance(
    seed_variance: Sequence[str], adversary: Sequence[str], csv: str, markdown: str,
    html: str, binned_csv: str, binned_html: str, by_attention: str, jsd_vs_tvd: str,
) -> None:  # fmt: skip
    """Seed variance (Wiegreffe & Pinter 2019) next to Jain & Wallace's adversarial JSDs:
    a summary table, both by max-attention bin on shared axes, and JSD vs output TVD."""
    seeds = read_tables(seed_variance)
    adv = read_tables(adversary) if adversary else None
    table = tables.seed_variance_summary(seeds, adv)
    all_seeds = {*seeds["seed"], *(s for others in seeds["other_seeds"] for s in others)}
    publish(
        table, csv, html, "Seed variance vs adversarial attention (Wiegreffe & Pinter 2019, "
        "section 4)",
        "Seed variance: per test instance the median over the other seeds of the JSD between "
        "their attention and the base seed's (and of the output TVD), mean over instances; "
        "Jain & Wallace's adversarial max JSD of the base seed on the same instances, and the"
        " share of instances where it exceeds the seed JSD (Wiegreffe & Pinter 2019, section "
        "4).",
        markdown=markdown, floatfmt=".4f", seeds=all_seeds,
        columns=described.SEED_VARIANCE,
    )  # fmt: skip
    seed_source, adversary_source = "other seeds (median JSD)", "adversarial attention (max JSD)"
    parts = [seeds.assign(jsd=seeds["median_jsd"], source=seed_source)]
    binned = [tables.by_attention_bin(seeds, "median_jsd").assign(source=seed_source)]
    if adv is not None:
        parts.append(adv.assign(jsd=adv["max_jsd"], source=adversary_source))
        binned.append(tables.by_attention_bin(adv, "max_jsd").assign(source=adversary_source))
    publish(
        pd.concat(binned, ignore_index=True), binned_csv, binned_html,
        "Seed variance vs adversarial attention, by max attention (Wiegreffe & Pinter 2019, "
        "Figure 2)",
        "Per max-attention bin and predicted class, the JSD to the model's attention of the "
        "other seeds' attention (source 'other seeds': the per-instance median over the other "
        "seeds, for the base seed's model only, so n is 1 and ci95 is blank) and of Jain & "
        "Wallace's adversarial attention (source 'adversarial attention': max_jsd, over all "
        "seeds).",
        seeds=all_seeds,
        columns={**binned_columns("the JSD"), "source": "where the JSD comes from"},
    )  # fmt: skip
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
    metrics: Sequence[str], uniform: Sequence[str], csv: str, markdown: str, html: str
) -> None:
    """The guided MLP table (Wiegreffe & Pinter 2019, Table 3) from the guided runs and,
    for the uniform variant, the `<encoder>-uniform` runs (the same model and training)."""
    runs = [read_metrics(metrics)] if metrics else []
    if uniform:
        runs.append(read_metrics(uniform).assign(variant="uniform", guide="uniform"))
    data = pd.concat(runs, ignore_index=True)
    table = tables.guided_mlp(data)
    findings = tables.guided_mlp_findings(table)
    publish(
        table, csv, html, "Guided MLP (Wiegreffe & Pinter 2019, Table 3)",
        "Test F1 of the no-encoder token MLP trained with its attention frozen to each "
        "guide's weights, mean ± std over seeds (number of seeds) (Wiegreffe & Pinter 2019, "
        "Table 3).",
        markdown=markdown, body=tables.guided_mlp_markdown(table) + "\n" + findings,
        seeds=data["seed"],
        notes=[line.removeprefix("- ") for line in findings.splitlines() if line],
        columns=described.GUIDED_MLP,
    )  # fmt: skip


def wiegreffe_pinter_adversarial(
    adversary: Sequence[str], base: Sequence[str], seed_variance: Sequence[str], csv: str,
    markdown: str, html: str, figure: str,
) -> None:  # fmt: skip
    """The end-to-end adversarial models per lambda (Wiegreffe & Pinter 2019, Table 4 and
    Figure 4), with the base model's other seeds as reference where there are any."""
    runs = read_metrics(adversary)
    table = tables.adversarial(runs, read_metrics(base))
    seeds = read_tables(seed_variance) if seed_variance else None
    reference = tables.seed_reference(seeds)
    publish(
        table, csv, html, "End-to-end adversarial models (Wiegreffe & Pinter 2019, Table 4)",
        "End-to-end adversarial models: test F1, and the mean over test instances of the TVD "
        "of outputs and the JSD of attention to the base model, mean ± std over seeds, per "
        "lambda; epochs selected on dev by the lowest adversarial loss (Wiegreffe & Pinter "
        "2019, Table 4).",
        markdown=markdown, body=tables.adversarial_markdown(table, seeds), seeds=runs["seed"],
        formats={"lambda": "g", **{c: ".4f" for c in table if c.startswith(("tvd", "jsd"))}},
        notes=[
            f"{r.dataset}: the base model {r.model} retrained with the other seeds "
            f"({r.n_seeds} seeds) lands at mean TVD {r.tvd:.4f} and mean JSD {r.jsd:.4f} to "
            "the base seed (over instances and other seeds): the distance an unconstrained "
            "retraining gives."
            for r in reference.itertuples(index=False)
        ],
        columns=described.ADVERSARIAL,
    )  # fmt: skip
    figures.adversarial_curve(table, reference, figure)


def faithfulness(
    eraser: Sequence[str], planted: Sequence[str], aopc_csv: str, aopc_markdown: str,
    aopc_html: str, aopc_figure: str, planted_csv: str, planted_markdown: str,
    planted_html: str, planted_figure: str, rationales: str,
) -> None:  # fmt: skip
    """ERASER AOPC per ranking, planted-token recovery, and the rationales as ERASER JSONL
    (beyond the papers: DeYoung et al. 2020)."""
    data = read_tables(eraser)
    summary = faithful.eraser_summary(data)
    publish(
        summary, aopc_csv, aopc_html, "ERASER faithfulness per token ranking (DeYoung et al. "
        "2020)",
        "AOPC of comprehensiveness (the drop in the predicted class's probability when a "
        "ranking's top tokens are deleted; higher = more faithful) and of sufficiency (the "
        "drop when only they are kept; lower = more faithful), over the top 1, 5, 10, 20 and "
        "50 % of the real tokens; per seed a mean over test instances, then over seeds; the "
        "random ranking's value beside each (chance).",
        markdown=aopc_markdown,
        body=faithful.summary_markdown(summary, ["aopc_comprehensiveness", "aopc_sufficiency"]),
        seeds=data["seed"], columns=faithful.COLUMNS,
    )  # fmt: skip
    faithful.aopc_figure(summary, aopc_figure)
    recovered = read_tables(planted)
    found = faithful.planted_summary(recovered)
    publish(
        found, planted_csv, planted_html, "Recovery of the planted deciding tokens",
        "Datasets that plant the tokens that decide the label: per ranking the precision of "
        "its top k tokens (k = the number planted), its average precision and the share of "
        "that top k on the distractors (the other class's signal words, counter-evidence), "
        "and precision and average precision against the evidence (planted and distractors); "
        "per seed a mean over the test instances whose label the noise left alone, then over "
        "seeds; the random ranking's value beside each (chance).",
        markdown=planted_markdown,
        body=faithful.summary_markdown(found, faithful.PLANTED_MEASURES),
        seeds=recovered["seed"] if len(recovered) else None, columns=faithful.COLUMNS,
    )  # fmt: skip
    faithful.planted_figure(recovered, planted_figure)
    faithful.write_rationales(data, rationales)


def vashishth(
    replacement: Sequence[str], summaries: Sequence[str], csv: str, markdown: str, html: str
) -> None:
    """Accuracy and F1 with the learned weights replaced at inference (Vashishth et al.
    2019), over each dataset's classes (its summary.json)."""
    data = read_tables(replacement)
    n_classes = {s["dataset"]: int(s["n_classes"]) for s in map(io.read_json, summaries)}
    table = replaced.summary(data, n_classes)
    publish(
        table, csv, html, "Is the learned attention needed at inference? (Vashishth et al. "
        "2019)",
        "Each model's learned weights replaced, with the hidden states fixed, by uniform "
        "weights, random weights, permutations of themselves and zeros (removed: what the "
        "decision owes to paths around the attention): test accuracy and F1, per "
        "seed averaged over draws, then over seeds, and the drop from the learned weights "
        "paired by seed.",
        markdown=markdown, body=replaced.markdown(table), seeds=data["seed"],
        columns=replaced.COLUMNS,
    )  # fmt: skip


def verdict_pages(
    tables: Mapping[str, str], metrics: Sequence[str], eraser: Sequence[str],
    importance: Sequence[str], single: Sequence[str], adversary: Sequence[str],
    pairs: Sequence[str], trained: Sequence[str], tokens: Sequence[str],
    pages: Sequence[Sequence], rules: Mapping[str, Mapping], epsilon: float, index: str,
    front: str, csv: str, comparisons: str, **outputs: str,
) -> None:  # fmt: skip
    """Per dataset x model of `pages` ((dataset, model, example seed) per page) its three
    verdicts (`report.verdicts`, settings `rules`: the config's `verdicts:`), a verdict page
    and an examples page (outputs `verdict_<i>`, `examples_<i>`); every verdict in `csv`
    (one row per question) and `comparisons` (every comparison behind them); an index, and
    the same answers as `front`, the reStructuredText report.html's front page includes.
    `tables`: the report tables a page reads, by name (`plan.Plan.verdict_tables`)."""
    by_name = {name: io.read_table(path) for name, path in tables.items()}
    runs = read_metrics(metrics)
    per_run = {name: read_tables(paths) if paths else pd.DataFrame()
               for name, paths in (("eraser", eraser), ("importance", importance),
                                   ("single", single), ("adversary", adversary),
                                   ("pairs", pairs))}  # fmt: skip
    trained_table = read_tables(trained) if trained else pd.DataFrame()
    words = {Path(p).parent.parent.name: io.read_table(p) for p in tokens}
    entries, headline, detail = [], [], []
    for i, (dataset, model, seed) in enumerate(pages):
        mine = {k: v[(v["dataset"] == dataset) & (v["model"] == model)] if len(v) else None
                for k, v in per_run.items()}  # fmt: skip
        found = model_verdicts(dataset, model, runs, mine, trained_table, rules, epsilon)
        text = pages_html.verdict_page(
            dataset, model, by_name, runs, found, mine["importance"], mine["single"]
        )
        io.write_text(outputs[f"verdict_{i}"], text)
        rows, parts = verdicts.rows(dataset, model, found)
        headline += rows
        detail += parts
        example_file = ""
        if f"examples_{i}" in outputs:
            first = {k: v[v["seed"] == seed] if v is not None else None for k, v in mine.items()}
            io.write_text(outputs[f"examples_{i}"], pages_html.examples_page(
                dataset, model, seed, words[dataset], first["importance"], first["adversary"],
                first["eraser"] if first["eraser"] is not None and len(first["eraser"]) else None,
            ))  # fmt: skip
            example_file = Path(outputs[f"examples_{i}"]).name
        entries.append((dataset, model, found, Path(outputs[f"verdict_{i}"]).name, example_file))
    io.write_table(csv, pd.DataFrame(headline, columns=list(verdicts.COLUMNS)))
    io.write_table(comparisons, pd.DataFrame(detail))
    io.write_text(index, pages_html.index_page(entries, rules))
    io.write_text(front, pages_html.front_rst(entries))


def model_verdicts(
    dataset: str, model: str, runs: pd.DataFrame, mine: Mapping[str, pd.DataFrame | None],
    trained: pd.DataFrame, rules: Mapping[str, Mapping], epsilon: float,
) -> list[verdicts.Verdict]:  # fmt: skip
    """Needed, faithful and unique for one dataset x model, from its tables (`mine`: this
    model's rows of the per-run tables by name) and every run's metrics."""
    f1 = runs[runs["dataset"] == dataset].set_index(["model", "seed"])["test_f1"]
    models = set(f1.index.get_level_values(0))
    control = verdicts.uniform_control(model)
    needed = verdicts.needed(
        f1.xs(model) if model in models else None,
        f1.xs(control) if control in models else None,
        rules.get("needed"),
        control,
    )
    aopc = None
    if mine["eraser"] is not None and len(mine["eraser"]):
        aopc = (mine["eraser"].groupby(["seed", "ranking"])
                [["aopc_comprehensiveness", "aopc_sufficiency"]].mean().reset_index())  # fmt: skip
    faithful = verdicts.faithful(aopc, rules.get("faithful"))
    evidence = None
    if mine["pairs"] is not None and len(mine["pairs"]):
        against = trained[trained["base_model"] == model] if len(trained) else None
        against = against[against["dataset"] == dataset] if against is not None else None
        evidence = verdicts.unique_evidence(mine["pairs"], mine["adversary"], against, epsilon)
    unique = verdicts.unique(evidence, rules.get("unique"))
    return [needed, faithful, unique]


def pruthi_deception(
    metrics: Sequence[str], planted: Sequence[str], csv: str, markdown: str, html: str,
    figure: str,
) -> None:  # fmt: skip
    """Deception training per model and penalty weight (Pruthi et al. 2020): accuracy,
    attention mass on the planted tokens and on the distractors, and whether the other
    rankings still find the planted tokens (on the rows whose label the noise left alone,
    as the planted-token summary)."""
    runs = read_metrics(metrics)
    found = pd.concat(
        [io.read_table(p).assign(base_model=m, deception_weight=w)
         for p, m, w in zip(planted, runs["base_model"], runs["deception_weight"],
                            strict=True)],
        ignore_index=True,
    )  # fmt: skip
    table = tables.deception(runs, faithful.clean_labels(found))
    publish(
        table, csv, html, "Deception training (Pruthi et al. 2020)",
        "Each model trained with the penalty -λ ln(1 - m), m the attention mass on the planted "
        "deciding tokens: test accuracy, mean test m, the mean test attention mass on the "
        "distractors (the other class's signal words, which the penalty leaves free), and per "
        "ranking the precision of its top k tokens against the k planted ones "
        "(precision_<ranking>), per model and penalty weight, over seeds.",
        markdown=markdown, body=tables.deception_markdown(table), seeds=runs["seed"],
    )  # fmt: skip
    figures.deception_curve(table, figure)


def reproduction(
    metrics: Sequence[str], importance: Sequence[str], permutation: Sequence[str],
    adversary: Sequence[str], types: Mapping[str, str], csv: str, markdown: str, html: str,
) -> None:  # fmt: skip
    """The papers' headline numbers beside this workflow's (`report.reproduction`)."""
    tables_by_name = {
        "metrics": read_metrics(metrics),
        **{name: read_tables(paths) if paths else pd.DataFrame()
           for name, paths in (("importance", importance), ("permutation", permutation),
                               ("adversary", adversary))},
    }  # fmt: skip
    table = reproduce.table(tables_by_name, dict(types))
    publish(
        table, csv, html, "Reproduction: the papers' numbers and this workflow's",
        "Per compared number: the statistic as its source names it (test F1 where the paper "
        "reports F1); the source (a paper's table, or the original Jain & Wallace code run on "
        "this project's 2-core machines: SST, 50-d GloVe as configs/sst.yaml, seed 1) and its "
        "value; this workflow's value, per seed from its test-split tables, then over seeds; "
        "the difference; the stated tolerance and whether the difference lies within it; the "
        "reason for a gap.",
        markdown=markdown, body=reproduce.markdown(table),
        seeds=tables_by_name["metrics"]["seed"],
        columns={
            "statistic": "the statistic, named as the source names it",
            "source": "where the value is printed (paper, table) or measured (original code)",
            "source_value": "the source's value",
            "this_workflow": "this workflow's value of the same statistic, mean over seeds",
            "difference": "this workflow's mean minus the source's value",
            "tolerance": "the largest |difference| counted as reproduced, per kind of statistic",
            "within_tolerance": "yes when |difference| <= tolerance, else no",
            "reason_for_gap": "why the values may differ",
        },
    )  # fmt: skip
