"""Aggregation jobs: tables and figures over every run.

Every result table is written as CSV, most also as markdown (a paper-style view under a
one-paragraph explanation), and each as an HTML page for report.html
(`attnaudit.report.html`): the CSV's columns under a caption that says what the numbers are,
over which seeds, and what each column holds.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from attnaudit import io, settings
from attnaudit.models.catalog import control_model, split_model
from attnaudit.report import catalogue, figures, tables, verdicts
from attnaudit.report import class_effects as effects
from attnaudit.report import complexity as sweep
from attnaudit.report import faithfulness as faithful
from attnaudit.report import open_questions as questions
from attnaudit.report import pages as pages_html
from attnaudit.report import replacement as replaced
from attnaudit.report import reproduction as reproduce
from attnaudit.report import transfer as moved
from attnaudit.report.catalogue import CATALOGUE, Item
from attnaudit.report.html import grid, seeds_text, table_page
from attnaudit.report.templating import render


def publish(
    item: Item, table: pd.DataFrame, csv: str, html: str, *, markdown: str | None = None,
    body: str | None = None, seeds: Iterable[int] | None = None, notes: Iterable[str] = (),
    **fields,
) -> None:  # fmt: skip
    """Write a result table (`item` of the catalogue) as CSV; as markdown (`body`, by
    default the table itself) under its intro (with `fields` filled in), where `markdown` is
    given; and as an HTML page: its title, intro, the seeds the numbers come from and what
    its columns hold above the table, `notes` under it."""
    io.write_table(csv, table)
    intro = item.text(**fields)
    if markdown is not None:
        body = tables.to_markdown(table, item.floatfmt) if body is None else body
        io.write_text(markdown, intro + "\n\n" + body)
    caption = intro if seeds is None else f"{intro} Runs: {seeds_text(seeds)}."
    page = table_page(table, item.title, caption, item.columns, item.formats, item.floatfmt, notes)
    io.write_text(html, page)


def read_metrics(paths: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([io.read_json(p) for p in paths])


def learned_vs_uniform(
    metrics: Sequence[str], csv: str, markdown: str, html: str, figure: str
) -> None:
    runs = read_metrics(metrics)
    table = tables.learned_vs_uniform(runs)
    publish(
        CATALOGUE["learned_vs_uniform"],
        table,
        csv,
        html,
        markdown=markdown,
        body=tables.learned_vs_uniform_markdown(table),
        seeds=runs["seed"],
    )
    figures.learned_vs_uniform(runs, figure)


# the columns of each analysis table the encoder comparison reads
MEASURED_COLUMNS = {
    "importance": ["tau_attn_grad", "tau_attn_loo"],
    "permutation": ["median_change"],
    "adversary": ["max_jsd"],
    "eraser": ["ranking", "ordering", "aopc_comprehensiveness"],
    "replacement": ["replacement", "replaced_pred", "label"],
    "seed_variance": ["other_seeds", "jsd"],
}
# ... and those read where the table has them (an importance analysis run with
# integrated_gradients)
MEASURED_IF_THERE = {"importance": ["tau_attn_ig"]}


def measured_columns(name: str, path: str) -> list[str]:
    """The columns of an analysis table the encoder comparison reads."""
    there = set(pq.read_schema(path).names)
    return [*MEASURED_COLUMNS[name], *(c for c in MEASURED_IF_THERE.get(name, []) if c in there)]


def open_questions(
    metrics: Sequence[str], datasets: Mapping[str, Mapping], needed: Mapping | None, page: str,
    summaries: Sequence[str] = (), csv: str | None = None, markdown: str | None = None,
    html: str | None = None, figure: str | None = None, encoders_csv: str | None = None,
    encoders_html: str | None = None, differences_csv: str | None = None,
    differences_html: str | None = None, encoders_figure: str | None = None,
    complexity: Mapping | None = None, complexity_csv: str | None = None,
    complexity_html: str | None = None, complexity_values_csv: str | None = None,
    complexity_values_html: str | None = None, complexity_figure: str | None = None,
    complexity_metrics: Sequence[str] = (),
    complexity_permutation: Sequence[str] = (), complexity_adversary: Sequence[str] = (),
    class_effects: Sequence[str] = (), class_summaries: Sequence[str] = (),
    class_effects_max_instances: int | None = None, class_csv: str | None = None,
    class_html: str | None = None, class_per_class_csv: str | None = None,
    class_per_class_html: str | None = None, class_figure: str | None = None,
    transfer: Mapping | None = None, transfer_metrics: Sequence[str] = (),
    transfer_csv: str | None = None, transfer_html: str | None = None,
    transfer_figure: str | None = None, encoder_metrics: Sequence[str] = (),
    **analysis_tables: Sequence[str],
) -> None:  # fmt: skip
    """The "Open questions" page and its tables and figures, one section per question the
    rule's outputs name: which tasks need attention (`csv`, `markdown`, `html`, `figure`),
    what the encoder changes (`encoders_*`, `differences_*`: two encoders to compare), what
    makes adversarial attention easy (`complexity_*`: the sweeps) and effects beyond the
    decision (`class_*`). `datasets`: the configured datasets' options (a synthetic task's
    construction sets its answer), `summaries` their summary.json (the split caps);
    `needed`: the verdicts' needed rule (its level is every section's); `analysis_tables`:
    the runs' importance, permutation, adversary, eraser, replacement and seed-variance
    tables, where those analyses ran, of the runs of
    `encoder_metrics` (`open_questions.encoders`' models) where given, else of `metrics`;
    `complexity`: `Plan.complexity_params`, with the sweep's metrics and analysis tables
    in its order; `class_effects`: the class-effects tables, `class_summaries` their
    datasets' summary.json; `transfer`: `Plan.transfer_params`, with the matrix's metrics
    in its cells' order."""
    runs = read_metrics(metrics)
    level = settings.VerdictNeeded.of(needed).level
    sections = []
    info = [io.read_json(p) for p in summaries]
    if csv and markdown and html and figure:
        sections.append(needs_section(runs, datasets, info, needed, csv, markdown, html, figure))
    if encoders_csv and encoders_html and differences_csv and differences_html and encoders_figure:
        compared = read_metrics(encoder_metrics) if encoder_metrics else runs
        sections.append(encoder_section(
            compared, analysis_tables, level, encoders_csv, encoders_html, differences_csv,
            differences_html, encoders_figure,
        ))  # fmt: skip
    if transfer and transfer_csv and transfer_html and transfer_figure:
        sections.append(transfer_section(runs, transfer, transfer_metrics, needed, transfer_csv,
                                         transfer_html, transfer_figure))  # fmt: skip
    if complexity and complexity_csv and complexity_html and complexity_figure:
        sweep = sweep_models(complexity, complexity_metrics, complexity_permutation,
                             complexity_adversary)  # fmt: skip
        sections.append(complexity_section(
            complexity, *sweep, level, complexity_csv, complexity_html, complexity_values_csv,
            complexity_values_html, complexity_figure,
        ))  # fmt: skip
    if class_effects and class_csv and class_html and class_per_class_csv and class_figure:
        sections.append(class_section(
            class_effects, class_summaries, class_effects_max_instances, level, class_csv,
            class_html, class_per_class_csv, class_per_class_html, class_figure,
        ))  # fmt: skip
    io.write_text(page, render("open_questions.html", title="Open questions",
                               sections=sections))  # fmt: skip


def needs_section(
    runs: pd.DataFrame, datasets: Mapping[str, Mapping], summaries: Sequence[Mapping],
    needed: Mapping | None, csv: str, markdown: str, html: str, figure: str,
) -> questions.Section:  # fmt: skip
    """The open questions' first section, which tasks need attention: its table, figure
    and the page's section (`summaries`: the datasets' summary.json, read)."""
    built_in = questions.built_in_answers(datasets, sorted(runs["encoder"].unique()))
    table = questions.task_needs(runs, built_in, needed)
    findings = questions.task_finding(table)
    item = CATALOGUE["open_questions/needs"]
    publish(item, table, csv, html, markdown=markdown, seeds=runs["seed"], notes=findings)
    figures.task_needs(table, figure)
    return questions.Section(
        "needs", "Which tasks need attention?", questions.TASKS_DESIGN,
        png_base64(figure), findings, f"{verdicts.NEEDED_RULE} {questions.BUILT_IN_RULE}",
        grid(table, item.formats, item.floatfmt), item.file_name,
        questions.task_caveats(runs, table, datasets) + questions.cap_notes(summaries),
    )  # fmt: skip


def encoder_section(
    runs: pd.DataFrame, analysis_tables: Mapping[str, Sequence[str]], level: float,
    encoders_csv: str, encoders_html: str, differences_csv: str, differences_html: str,
    encoders_figure: str,
) -> questions.Section:  # fmt: skip
    """The open questions' second section, what the encoder changes: its tables, figure
    and the page's section."""
    keys = ["dataset", "model", "seed"]
    tables = {name: pd.concat([io.read_table(p, [*keys, *measured_columns(name, p)])
                               for p in paths], ignore_index=True)
              for name, paths in analysis_tables.items() if paths}  # fmt: skip
    per_run = questions.run_measures(runs, tables)
    summary = questions.encoder_summary(per_run, level)
    differences = questions.encoder_differences(per_run, level)
    found = questions.encoder_finding(differences)
    publish(CATALOGUE["open_questions/encoders"], summary, encoders_csv, encoders_html,
            seeds=runs["seed"])  # fmt: skip
    pairs = CATALOGUE["open_questions/encoder_differences"]
    publish(pairs, differences, differences_csv, differences_html, seeds=runs["seed"],
            notes=found)  # fmt: skip
    figures.encoder_measures(summary, encoders_figure, "What the encoder changes")
    return questions.Section(
        "encoders",
        "What does the encoder change?",
        questions.ENCODER_DESIGN,
        png_base64(encoders_figure),
        found,
        questions.ENCODER_RULE,
        grid(differences, pairs.formats, pairs.floatfmt),
        pairs.file_name,
        questions.encoder_caveats(per_run),
    )


def sweep_models(
    complexity: Mapping, metrics: Sequence[str], permutation: Sequence[str],
    adversary: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The sweep's metrics, permutation and adversary tables, each row labelled with its
    model's hidden size and training share (`complexity["models"]`, in the files' order:
    a reused run's own files do not say them)."""
    labels = [{"hidden_size": h, "train_fraction": f} for _, h, f, _ in complexity["models"]]
    runs = read_metrics(metrics).drop(columns=["hidden_size", "train_fraction"], errors="ignore")
    runs = pd.concat([runs, pd.DataFrame(labels)], axis=1)

    def labelled(paths: Sequence[str], columns: list[str]) -> pd.DataFrame:
        keys = ["dataset", "model", "seed"]
        parts = [io.read_table(p, [*keys, *columns]).assign(**label)
                 for p, label in zip(paths, labels, strict=True)]  # fmt: skip
        return pd.concat(parts, ignore_index=True)

    return (runs, labelled(permutation, MEASURED_COLUMNS["permutation"]),
            labelled(adversary, MEASURED_COLUMNS["adversary"]))  # fmt: skip


def complexity_section(
    complexity: Mapping, runs: pd.DataFrame, permutation: pd.DataFrame,
    adversary: pd.DataFrame, level: float, csv: str, html: str, values_csv: str,
    values_html: str, figure: str,
) -> questions.Section:  # fmt: skip
    """The open questions' complexity section: the trends table, the per-value means, the
    figure and the page's section."""
    points = sweep.sweep_runs(runs, permutation, adversary, complexity["hidden"])
    table = sweep.trends(points, level)
    values = sweep.per_value(points, level)
    found = sweep.complexity_finding(table, level)
    item = CATALOGUE["open_questions/complexity"]
    publish(item, table, csv, html, seeds=runs["seed"], notes=found)
    publish(CATALOGUE["open_questions/complexity_values"], values, values_csv, values_html,
            seeds=runs["seed"])  # fmt: skip
    figures.complexity_trends(values, table, figure)
    return questions.Section(
        "complexity", "What makes adversarial attention easy?", sweep.COMPLEXITY_DESIGN,
        png_base64(figure), found, sweep.TREND_RULE, grid(table, item.formats, item.floatfmt),
        item.file_name, sweep.complexity_caveats(points, complexity["options"]),
    )  # fmt: skip


def transfer_section(
    runs: pd.DataFrame, transfer: Mapping, paths: Sequence[str], needed: Mapping | None,
    csv: str, html: str, figure: str,
) -> questions.Section:  # fmt: skip
    """The open questions' transfer section: its table, figure and the page's section."""
    cells = pd.DataFrame(transfer["cells"], columns=["dataset", "donor", "student", "seed"])
    cells["test_f1"] = read_metrics(paths)["test_f1"].to_numpy()  # the cells' order
    table = moved.transfer_table(cells, runs, transfer["own"], transfer["uniform"], needed)
    found = moved.transfer_finding(table)
    item = CATALOGUE["open_questions/transfer"]
    publish(item, table, csv, html, seeds=cells["seed"], notes=found)
    figures.transfer_matrix(table, figure)
    return questions.Section(
        "transfer", "Is it sound to transfer attention between models?",
        moved.TRANSFER_DESIGN, png_base64(figure), found, moved.TRANSFER_RULE,
        grid(table, item.formats, item.floatfmt), item.file_name,
        moved.transfer_caveats(table),
    )  # fmt: skip


def class_section(
    paths: Sequence[str], summaries: Sequence[str], cap: int | None, level: float, csv: str,
    html: str, per_class_csv: str, per_class_html: str, figure: str,
) -> questions.Section:  # fmt: skip
    """The open questions' last section, effects beyond the decision: the per-model and
    per-class tables, the figure and the page's section."""
    table = pd.concat([io.read_table(p) for p in paths], ignore_index=True)
    info = [io.read_json(p) for p in summaries]
    names = {s["dataset"]: s["label_names"] for s in info}
    per_run = effects.run_measures(table)
    summary = effects.summary(per_run, level)
    found = effects.class_finding(summary)
    item = CATALOGUE["open_questions/class_effects"]
    publish(item, summary, csv, html, seeds=per_run["seed"], notes=found)
    publish(CATALOGUE["open_questions/class_effects_per_class"],
            effects.per_class(table, names, level), per_class_csv, per_class_html,
            seeds=per_run["seed"])  # fmt: skip
    figures.encoder_measures(summary, figure, "Beyond the decision")
    return questions.Section(
        "class-effects", "Beyond the decision: every class's probability",
        effects.CLASS_DESIGN, png_base64(figure), found, effects.COUNTER_RULE,
        grid(summary, item.formats, item.floatfmt), item.file_name,
        effects.class_caveats(per_run, {s["dataset"]: s["n_classes"] for s in info}, cap)
        + questions.cap_notes(info),
    )  # fmt: skip


def png_base64(path: str) -> str:
    """A written figure as base64, for a page that stands alone."""
    return base64.b64encode(Path(path).read_bytes()).decode()


def dataset_statistics(
    summaries: Sequence[str], csv: str, markdown: str, html: str
) -> pd.DataFrame:
    """The dataset table (the papers' Table 1) from every dataset's summary.json."""
    table = tables.dataset_statistics([io.read_json(p) for p in summaries])
    publish(
        CATALOGUE["dataset_statistics"],
        table,
        csv,
        html,
        markdown=markdown,
        body=tables.dataset_statistics_markdown(table),
    )
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
        CATALOGUE["jain_wallace/tau_per_seed"],
        seeds,
        per_seed,
        per_seed_html,
        seeds=data["seed"],
    )
    publish(
        CATALOGUE["jain_wallace/tau"],
        table,
        csv,
        html,
        markdown=markdown,
        body=tables.tau_markdown(table),
        seeds=data["seed"],
    )


def jain_wallace_permutation(permutation: Sequence[str], csv: str, html: str, figure: str) -> None:
    data = read_tables(permutation)
    publish(
        CATALOGUE["jain_wallace/permutation_by_max_attention"],
        tables.by_attention_bin(data, "median_change"),
        csv,
        html,
        seeds=data["seed"],
    )
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
        CATALOGUE["jain_wallace/adversary"],
        tables.adversary_summary(data),
        csv,
        html,
        seeds=data["seed"],
        epsilon=eps,
    )
    publish(
        CATALOGUE["jain_wallace/adversary_by_max_attention"],
        tables.by_attention_bin(data, "max_jsd"),
        binned_csv,
        binned_html,
        seeds=data["seed"],
        epsilon=eps,
    )
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
    publish(
        CATALOGUE["serrano_smith/decision_flips"],
        tables.flip_table(data),
        csv,
        html,
        markdown=markdown,
        seeds=data["seed"],
    )
    figures.delta_jsd_hexbins(data, figure)


def serrano_smith_multi(
    multi: Sequence[str], csv: str, markdown: str, html: str, figure: str
) -> None:
    data = read_tables(multi)
    table = tables.flip_fractions(data)
    publish(
        CATALOGUE["serrano_smith/flip_fractions"],
        table,
        csv,
        html,
        markdown=markdown,
        seeds=data["seed"],
    )
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
        CATALOGUE["wiegreffe_pinter/seed_variance"],
        table,
        csv,
        html,
        markdown=markdown,
        seeds=all_seeds,
    )
    seed_source, adversary_source = "other seeds (median JSD)", "adversarial attention (max JSD)"
    parts = [seeds.assign(jsd=seeds["median_jsd"], source=seed_source)]
    binned = [tables.by_attention_bin(seeds, "median_jsd").assign(source=seed_source)]
    if adv is not None:
        parts.append(adv.assign(jsd=adv["max_jsd"], source=adversary_source))
        binned.append(tables.by_attention_bin(adv, "max_jsd").assign(source=adversary_source))
    publish(
        CATALOGUE["wiegreffe_pinter/seed_variance_by_max_attention"],
        pd.concat(binned, ignore_index=True),
        binned_csv,
        binned_html,
        seeds=all_seeds,
    )
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
        CATALOGUE["wiegreffe_pinter/guided_mlp"],
        table,
        csv,
        html,
        markdown=markdown,
        body=tables.guided_mlp_markdown(table) + "\n" + findings,
        seeds=data["seed"],
        notes=[line.removeprefix("- ") for line in findings.splitlines() if line],
    )


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
        CATALOGUE["wiegreffe_pinter/adversarial"],
        table,
        csv,
        html,
        markdown=markdown,
        body=tables.adversarial_markdown(table, seeds),
        seeds=runs["seed"],
        notes=[
            f"{r.dataset}: the base model {r.model} retrained with the other seeds "
            f"({r.n_seeds} seeds) lands at mean TVD {r.tvd:.4f} and mean JSD {r.jsd:.4f} to "
            "the base seed (over instances and other seeds): the distance an unconstrained "
            "retraining gives."
            for r in reference.itertuples(index=False)
        ],
    )
    figures.adversarial_curve(table, reference, figure)


def faithfulness(
    eraser: Sequence[str], planted: Sequence[str], aopc_csv: str, aopc_markdown: str,
    aopc_html: str, aopc_figure: str, planted_csv: str, planted_markdown: str,
    planted_html: str, planted_figure: str, rationales: str, agreement_csv: str,
    agreement_markdown: str, agreement_html: str,
) -> None:  # fmt: skip
    """ERASER AOPC per ranking, every ranking's agreement with the input-level ones,
    planted-token recovery, and the rationales as ERASER JSONL (beyond the papers:
    DeYoung et al. 2020)."""
    data = read_tables(eraser)
    summary = faithful.eraser_summary(data)
    publish(
        CATALOGUE["faithfulness/aopc"],
        summary,
        aopc_csv,
        aopc_html,
        markdown=aopc_markdown,
        body=faithful.summary_markdown(summary, ["aopc_comprehensiveness", "aopc_sufficiency"]),
        seeds=data["seed"],
    )
    faithful.aopc_figure(summary, aopc_figure)
    agreed = faithful.agreement(data)
    taus = [f"tau_{r}" for r in faithful.REFERENCES if f"tau_{r}" in agreed]
    publish(
        CATALOGUE["faithfulness/agreement"],
        agreed,
        agreement_csv,
        agreement_html,
        markdown=agreement_markdown,
        body=faithful.summary_markdown(
            agreed,
            taus,
            control=False,
            empty="No ranking to compare with (no gradient, "
            "leave-one-out or Integrated Gradients in faithfulness.eraser.rankings).",
        ),
        seeds=data["seed"],
    )
    recovered = read_tables(planted)
    found = faithful.planted_summary(recovered)
    publish(
        CATALOGUE["faithfulness/planted"],
        found,
        planted_csv,
        planted_html,
        markdown=planted_markdown,
        body=faithful.summary_markdown(found, faithful.PLANTED_MEASURES),
        seeds=recovered["seed"] if len(recovered) else None,
    )
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
        CATALOGUE["vashishth/replacement"],
        table,
        csv,
        html,
        markdown=markdown,
        body=replaced.markdown(table),
        seeds=data["seed"],
    )


def verdict_pages(
    tables: Mapping[str, str], metrics: Sequence[str], eraser: Sequence[str],
    importance: Sequence[str], single: Sequence[str], adversary: Sequence[str],
    pairs: Sequence[str], trained: Sequence[str], tokens: Sequence[str],
    token_keys: Sequence[str], pages: Sequence[Sequence], rules: Mapping[str, Mapping],
    epsilon: float, index: str, front: str, csv: str, comparisons: str, **outputs: str,
) -> None:  # fmt: skip
    """Per dataset x model of `pages` ((dataset, model, example seed) per page) its three
    verdicts (`report.verdicts`, settings `rules`: the config's `verdicts:`), a verdict page
    and an examples page (outputs `verdict_<i>`, `examples_<i>`); every verdict in `csv`
    (one row per question) and `comparisons` (every comparison behind them); an index, and
    the same answers as `front`, the reStructuredText report.html's front page includes.
    `tables`: the report tables a page reads (`plan.Plan.verdict_tables`), found by their
    catalogue entry; `tokens` the token tables the examples pages show, named by
    `token_keys` (`plan.Plan.token_tables`: a dataset, or `<dataset>/<encoder>`)."""
    by_name = {catalogue.of(p).name: io.read_table(p) for p in tables.values()}
    runs = read_metrics(metrics)
    per_run = {name: read_tables(paths) if paths else pd.DataFrame()
               for name, paths in (("eraser", eraser), ("importance", importance),
                                   ("single", single), ("adversary", adversary),
                                   ("pairs", pairs))}  # fmt: skip
    trained_table = read_tables(trained) if trained else pd.DataFrame()
    words = {key: io.read_table(p) for key, p in zip(token_keys, tokens, strict=True)}
    entries, headline, detail = [], [], []
    for i, (dataset, model, seed) in enumerate(pages):
        mine = {k: v[(v["dataset"] == dataset) & (v["model"] == model)] if len(v) else None
                for k, v in per_run.items()}  # fmt: skip
        found = model_verdicts(dataset, model, runs, mine, trained_table, rules, epsilon)
        page = pages_html.verdict_context(
            dataset, model, by_name, runs, found, mine["importance"], mine["single"]
        )
        io.write_text(outputs[f"verdict_{i}"], render("verdict.html", **page))
        rows, parts = verdicts.rows(dataset, model, found)
        headline += rows
        detail += parts
        example_file = ""
        if f"examples_{i}" in outputs:
            first = {k: v[v["seed"] == seed] if v is not None else None for k, v in mine.items()}
            shown = words.get(f"{dataset}/{split_model(model)[0]}", words[dataset])
            page = pages_html.examples_context(
                dataset, model, seed, shown,
                first["importance"], first["adversary"],
                first["eraser"] if first["eraser"] is not None and len(first["eraser"]) else None,
            )  # fmt: skip
            io.write_text(outputs[f"examples_{i}"], render("examples.html", **page))
            example_file = Path(outputs[f"examples_{i}"]).name
        entries.append((dataset, model, found, Path(outputs[f"verdict_{i}"]).name, example_file))
    io.write_table(csv, pd.DataFrame(headline, columns=list(verdicts.COLUMNS)))
    io.write_table(comparisons, pd.DataFrame(detail))
    io.write_text(index, render("index.html", **pages_html.index_context(entries, rules)))
    io.write_text(front, pages_html.front_rst(entries))


def model_verdicts(
    dataset: str, model: str, runs: pd.DataFrame, mine: Mapping[str, pd.DataFrame | None],
    trained: pd.DataFrame, rules: Mapping[str, Mapping], epsilon: float,
) -> list[verdicts.Verdict]:  # fmt: skip
    """Needed, faithful and unique for one dataset x model, from its tables (`mine`: this
    model's rows of the per-run tables by name) and every run's metrics."""
    f1 = runs[runs["dataset"] == dataset].set_index(["model", "seed"])["test_f1"]
    models = set(f1.index.get_level_values(0))
    control = control_model(model)
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
        CATALOGUE["pruthi/deception"],
        table,
        csv,
        html,
        markdown=markdown,
        body=tables.deception_markdown(table),
        seeds=runs["seed"],
    )
    figures.deception_curve(table, figure)


def reproduction(
    metrics: Sequence[str], importance: Sequence[str], permutation: Sequence[str],
    adversary: Sequence[str], types: Mapping[str, str], tasks: Mapping[str, str | None],
    csv: str, markdown: str, html: str, caps: Mapping[str, Mapping[str, int]] | None = None,
) -> None:  # fmt: skip
    """The papers' headline numbers beside this workflow's (`report.reproduction`), on the
    datasets of the papers' types and tasks (`caps`: `Plan.split_caps`)."""
    tables_by_name = {
        "metrics": read_metrics(metrics),
        **{name: read_tables(paths) if paths else pd.DataFrame()
           for name, paths in (("importance", importance), ("permutation", permutation),
                               ("adversary", adversary))},
    }  # fmt: skip
    table = reproduce.table(tables_by_name, dict(types), dict(tasks), caps)
    publish(
        CATALOGUE["reproduction"],
        table,
        csv,
        html,
        markdown=markdown,
        body=reproduce.markdown(table),
        seeds=tables_by_name["metrics"]["seed"],
    )
