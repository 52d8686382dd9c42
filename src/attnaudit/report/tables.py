"""Aggregation over seeds and the markdown rendering of result tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from attnaudit.models import catalog
from attnaudit.report.seeds import interval, plus_minus, t_quantile


def learned_vs_uniform(metrics: pd.DataFrame, score: str = "test_f1") -> pd.DataFrame:
    """Wiegreffe & Pinter's comparison: per dataset x encoder x learned attention, the score
    mean/std/interval over seeds next to the same encoder with the uniform attention of the
    same architecture (`catalog.uniform_control`: `clsuniform` for `cls`)."""
    grouped = (
        metrics.groupby(["dataset", "encoder", "attention"])[score]
        .apply(interval)
        .unstack()
        .reset_index()
    )
    fixed = grouped["attention"].map(catalog.is_uniform)
    uniform = grouped[fixed].rename(columns={"attention": "control"})
    learned = grouped[~fixed].assign(control=lambda t: t["attention"].map(catalog.uniform_control))
    table = learned.merge(
        uniform, on=["dataset", "encoder", "control"], how="left", suffixes=("", "_uniform")
    ).drop(columns="control")
    table["delta"] = table["mean"] - table["mean_uniform"]
    paired = [paired_test(metrics, r.dataset, r.encoder, r.attention, score)
              for r in table.itertuples(index=False)]  # fmt: skip
    table["delta_ci95"] = [p[0] for p in paired]
    table["p_paired"] = [p[1] for p in paired]
    table["n_paired"] = [p[2] for p in paired]
    return table.sort_values(["dataset", "encoder", "attention"]).reset_index(drop=True)


def paired_test(
    metrics: pd.DataFrame, dataset: str, encoder: str, attention: str, score: str
) -> tuple[float, float, int]:
    """Learned minus (same-architecture) uniform attention, paired by seed: the half-width
    of the 95 % interval of the mean difference, the two-sided paired t-test's p value, and
    the pairs."""
    runs = metrics[(metrics["dataset"] == dataset) & (metrics["encoder"] == encoder)]
    learned = runs[runs["attention"] == attention].set_index("seed")[score]
    control = catalog.uniform_control(attention)
    uniform = runs[runs["attention"] == control].set_index("seed")[score]
    d = (learned - uniform).dropna().to_numpy(dtype=np.float64)
    n = d.size
    if n < 2:
        return np.nan, np.nan, n
    sem = d.std(ddof=1) / np.sqrt(n)
    half = t_quantile(n) * sem
    if sem == 0:
        return half, (1.0 if d.mean() == 0 else 0.0), n
    t = d.mean() / sem
    return half, float(2.0 * special.stdtr(n - 1, -abs(t))), n


def to_markdown(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A GitHub-flavoured markdown table (no tabulate dependency)."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else format(v, floatfmt)
        return str(v)

    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def dataset_statistics(summaries: list[dict]) -> pd.DataFrame:
    """The papers' Table 1 from the preprocessing summaries (one `summary.json` per dataset):
    one row per dataset with its classes, vocabulary size, instances per split, class counts
    of train and test ("n0 / n1 / ..."), the share of the largest class, and token lengths
    (mean and max over all splits, median and 90th percentile of train). `resplit_from_test`
    marks AG News' test-only re-split, whose numbers are not comparable with the papers'."""
    rows = []
    for s in summaries:
        splits = s["splits"]
        sizes = {k: int(v["n"]) for k, v in splits.items()}
        total = sum(sizes.values())
        counts = np.sum([splits[k]["class_counts"] for k in splits], axis=0)
        rows.append(
            {
                "dataset": s["dataset"],
                "type": s.get("type", s["dataset"]),
                "n_classes": int(s["n_classes"]),
                "vocab_size": int(s["vocab_size"]),
                **{f"n_{k}": sizes.get(k, 0) for k in ("train", "dev", "test")},
                "n_total": total,
                "train_classes": " / ".join(map(str, splits["train"]["class_counts"])),
                "test_classes": " / ".join(map(str, splits["test"]["class_counts"])),
                "majority_share": float(counts.max() / max(counts.sum(), 1)),
                "mean_length": sum(v["mean_length"] * v["n"] for v in splits.values())
                / max(total, 1),
                "median_length_train": splits["train"].get("median_length", np.nan),
                "p90_length_train": splits["train"].get("p90_length", np.nan),
                "max_length": max(int(v["max_length"]) for v in splits.values()),
                "resplit_from_test": bool(s.get("resplit_from_test", False)),
            }
        )
    columns = [
        "dataset", "type", "n_classes", "vocab_size", "n_train", "n_dev", "n_test", "n_total",
        "train_classes", "test_classes", "majority_share", "mean_length",
        "median_length_train", "p90_length_train", "max_length", "resplit_from_test",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).sort_values("dataset", ignore_index=True)


def dataset_statistics_markdown(table: pd.DataFrame) -> str:
    """The paper-style view of `dataset_statistics`, with a note on re-split datasets."""
    view = pd.DataFrame(
        {
            "dataset": table["dataset"],
            "classes": table["n_classes"],
            "vocabulary": table["vocab_size"],
            "train": table["n_train"],
            "dev": table["n_dev"],
            "test": table["n_test"],
            "train per class": table["train_classes"],
            "test per class": table["test_classes"],
            "largest class": table["majority_share"].map(lambda x: f"{100 * x:.1f} %"),
            "mean length": table["mean_length"].map(lambda x: f"{x:.0f}"),
            "median / p90 (train)": [
                f"{m:.0f} / {p:.0f}" if not np.isnan(m) else "n/a"
                for m, p in zip(
                    table["median_length_train"], table["p90_length_train"], strict=True
                )
            ],
            "max length": table["max_length"],
            "note": table["resplit_from_test"].map(
                lambda r: "test-only re-split: not comparable" if r else ""
            ),
        }
    )
    return to_markdown(view)


def learned_vs_uniform_markdown(table: pd.DataFrame) -> str:
    """The paper-style view: 'mean ± std (n)' for learned and uniform attention, and the gap."""

    view = pd.DataFrame(
        {
            "dataset": table["dataset"],
            "encoder": table["encoder"],
            "attention": table["attention"],
            "F1 learned": [
                plus_minus(*r) for r in zip(table["mean"], table["std"], table["n"], strict=True)
            ],
            "F1 uniform": [
                plus_minus(*r)
                for r in zip(
                    table["mean_uniform"], table["std_uniform"], table["n_uniform"], strict=True
                )
            ],
            "learned - uniform": table["delta"],
            "± (paired)": table["delta_ci95"],
            "paired t-test p": table["p_paired"],
        }
    )
    return to_markdown(view)


TAU_PAIRS = {"attn_grad": "attention vs gradient", "attn_loo": "attention vs LOO",
             "grad_loo": "gradient vs LOO"}  # fmt: skip


def tau_by_class(importance: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per dataset x model x seed x pair x predicted class: mean and std of Kendall tau and
    the fraction of instances with p <= alpha (Jain & Wallace's "Sig. Frac.")."""
    long = []
    for pair in TAU_PAIRS:
        part = importance[["dataset", "model", "seed", "pred", f"tau_{pair}", f"p_{pair}"]]
        part = part.rename(columns={f"tau_{pair}": "tau", f"p_{pair}": "p"}).dropna()
        part["pair"] = pair
        long.append(part)
    data = pd.concat(long, ignore_index=True)
    data["significant"] = data["p"] <= alpha
    return (
        data.groupby(["dataset", "model", "seed", "pair", "pred"])
        .agg(
            tau_mean=("tau", "mean"),
            tau_std=("tau", "std"),
            sig_frac=("significant", "mean"),
            n=("tau", "size"),
        )  # fmt: skip
        .reset_index()
    )


def tau_table(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Across seeds: mean of the per-seed means with a 95 % interval, mean std and sig. frac."""
    rows = []
    keys = ["dataset", "model", "pair", "pred"]
    for key, group in per_seed.groupby(keys):
        ci = interval(group["tau_mean"])
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "tau_mean": ci["mean"],
                "tau_ci95": ci["ci95"],
                "tau_std": group["tau_std"].mean(),
                "sig_frac": group["sig_frac"].mean(),
                "n_seeds": int(ci["n"]),
                "n_instances": int(group["n"].sum()),
            }
        )
    return pd.DataFrame(rows)


def tau_markdown(table: pd.DataFrame) -> str:
    """Jain & Wallace's Table 2 layout: one row per dataset x model, per pair and predicted
    class 'mean ± std (sig. frac.)', means over seeds."""
    cells = {}
    for r in table.itertuples(index=False):
        cell = f"{r.tau_mean:.2f} ± {r.tau_std:.2f} ({r.sig_frac:.2f})"
        cells.setdefault((r.dataset, r.model), {})[f"{TAU_PAIRS[r.pair]}, class {r.pred}"] = cell
    columns = sorted({c for v in cells.values() for c in v}, key=lambda c: (
        list(TAU_PAIRS.values()).index(c.split(",")[0]), c))  # fmt: skip
    view = pd.DataFrame(
        [
            {"dataset": d, "model": m, **{c: v.get(c, "") for c in columns}}
            for (d, m), v in sorted(cells.items())
        ]  # fmt: skip
    )
    return to_markdown(view)


def binned(values: pd.Series, edges=(0.0, 0.1, 0.25, 0.5, 0.75, 1.0)) -> pd.Series:
    """Max-attention bins as labels like '[0.25, 0.5)': each bin closed on the left, the last
    also on the right, so every value in [edges[0], edges[-1]] lands in exactly one bin (a
    max attention of exactly 1 in the last); values outside and NaN get no bin (NaN)."""
    edges = np.asarray(edges, dtype=np.float64)
    labels = [f"[{a:g}, {b:g}{']' if i == len(edges) - 2 else ')'}"
              for i, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))]  # fmt: skip
    x = np.asarray(values, dtype=np.float64)
    codes = np.searchsorted(edges, x, side="right") - 1
    codes = np.where(x == edges[-1], len(labels) - 1, codes)  # the last bin's right edge
    codes = np.where((x >= edges[0]) & (x <= edges[-1]), codes, -1)  # NaN compares False
    bins = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    return pd.Series(bins, index=values.index, name=values.name)


def by_attention_bin(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per dataset x model x predicted class x max-attention bin: the per-seed medians of
    `value`, then their mean over seeds with a 95 % interval."""
    data = table.assign(bin=binned(table["max_attention"].clip(upper=1.0)))
    per_seed = (
        data.groupby(["dataset", "model", "pred", "bin", "seed"], observed=True)[value]
        .median()
        .rename("median")
        .reset_index()
    )
    return (
        per_seed.groupby(["dataset", "model", "pred", "bin"], observed=True)["median"]
        .apply(interval)
        .unstack()
        .reset_index()
    )


def adversary_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per dataset x model: mean max JSD over instances, averaged over seeds with a 95 %
    interval, the share of instances with an adversary above JSD 0.5, and the thresholds."""
    per_seed = table.groupby(["dataset", "model", "seed"]).agg(
        max_jsd=("max_jsd", "mean"),
        share_above_half=("max_jsd", lambda s: float((s > 0.5).mean())),
        epsilon=("epsilon", "first"),
        select_epsilon=("select_epsilon", "first"),
    )
    rows = []
    for (dataset, model), group in per_seed.groupby(level=["dataset", "model"]):
        ci = interval(group["max_jsd"])
        rows.append(
            {
                "dataset": dataset,
                "model": model,
                "mean_max_jsd": ci["mean"],
                "ci95": ci["ci95"],
                "share_above_0.5": group["share_above_half"].mean(),
                "epsilon": group["epsilon"].iloc[0],
                "select_epsilon": group["select_epsilon"].iloc[0],
                "n_seeds": int(ci["n"]),
            }  # fmt: skip
        )
    return pd.DataFrame(rows)


def flip_table(single: pd.DataFrame) -> pd.DataFrame:
    """Serrano & Smith's decision-flip 2x2 table: per dataset x model x ranking, the percent
    of instances where erasing the top item / a random item flips the decision, averaged
    over seeds. Rows where an erasure left no attention mass (sparse attention) have no
    defined output after it and are left out."""
    undefined = np.zeros(len(single), dtype=bool)
    for column in ("top_exhausted", "random_exhausted"):
        if column in single:
            undefined |= single[column].to_numpy(dtype=bool)
    single = single[~undefined]
    cells = single.assign(
        top=np.where(single["flip_top"], "top flips", "top keeps"),
        rand=np.where(single["flip_random"], "random flips", "random keeps"),
    )
    counts = (
        cells.groupby(["dataset", "model", "ranking", "seed", "top", "rand"]).size()
        .rename("n").reset_index()
    )  # fmt: skip
    counts["percent"] = 100 * counts["n"] / counts.groupby(
        ["dataset", "model", "ranking", "seed"])["n"].transform("sum")  # fmt: skip
    full = counts.pivot_table(
        index=["dataset", "model", "ranking", "seed"], columns=["top", "rand"],
        values="percent", fill_value=0.0,
    )  # fmt: skip
    mean = full.groupby(level=["dataset", "model", "ranking"]).mean()
    mean.columns = [f"{a}, {b}" for a, b in mean.columns]
    for col in ("top flips, random flips", "top flips, random keeps",
                "top keeps, random flips", "top keeps, random keeps"):  # fmt: skip
        if col not in mean:
            mean[col] = 0.0
    return mean[sorted(mean.columns)].reset_index()


def paired_with_attention(multi: pd.DataFrame) -> pd.DataFrame:
    """Each instance's erasure count under every ranking next to its count under the
    attention ranking (same dataset, model, seed and instance; random orderings each)."""
    keys = ["dataset", "model", "seed", "id"]
    attention = multi.loc[multi["ranking"] == "attention", [*keys, "flipped", "n_erased"]]
    return multi.merge(attention, on=keys, suffixes=("", "_attention"))


def flip_fractions(multi: pd.DataFrame) -> pd.DataFrame:
    """Per dataset x model x ranking, each as a mean over seeds with a 95 % interval:

    - median_fraction: the median fraction of items erased before a flip over the
      instances that flip (Serrano & Smith's statistic; random orderings pooled);
    - never_flipped: the share that never flips (one item always remains);
    - median_fraction_all: the median over all instances, a never-flipped one counted as
      1 (all items). The first two compare different subsets of instances when rankings
      flip different shares; this one does not;
    - fewer_than_attention / more_than_attention: over the instances that both this
      ranking and attention flip, the share where this ranking needs fewer (more) items.
    """
    multi = multi.assign(fraction_all=multi["fraction"].fillna(1.0))
    paired = paired_with_attention(multi)
    both = paired[paired["flipped"] & paired["flipped_attention"]]
    both = both.assign(
        fewer=both["n_erased"] < both["n_erased_attention"],
        more=both["n_erased"] > both["n_erased_attention"],
    )
    keys = ["dataset", "model", "ranking", "seed"]
    per_seed = multi.groupby(keys).agg(
        median_fraction=("fraction", "median"),
        never_flipped=("flipped", lambda s: float(1.0 - s.mean())),
        median_fraction_all=("fraction_all", "median"),
    )
    per_seed = per_seed.join(both.groupby(keys)[["fewer", "more"]].mean())
    per_seed.loc[per_seed.index.get_level_values("ranking") == "attention", ["fewer", "more"]] = (
        np.nan
    )
    columns = {"median_fraction": "median_fraction", "never_flipped": "never_flipped",
               "median_fraction_all": "median_fraction_all",
               "fewer": "fewer_than_attention", "more": "more_than_attention"}  # fmt: skip
    rows = []
    for key, group in per_seed.groupby(level=["dataset", "model", "ranking"]):
        row = {"dataset": key[0], "model": key[1], "ranking": key[2]}
        for source, name in columns.items():
            summary = interval(group[source])
            row[name], row[f"{name}_ci95"] = summary["mean"], summary["ci95"]
        row["n_seeds"] = len(group)
        rows.append(row)
    return pd.DataFrame(rows)


# -- Wiegreffe & Pinter (2019) ------------------------------------------------------------
def seed_variance_summary(seeds: pd.DataFrame, adversary: pd.DataFrame | None) -> pd.DataFrame:
    """Per dataset x model: the seed-variance noise floor (per-instance median over other
    seeds of the JSD to the base seed's attention, and of the output TVD), next to Jain &
    Wallace's adversarial max JSD of the base seed on the same instances, and the share of
    those instances whose adversary diverges more than the other seeds do."""
    rows = []
    for (dataset, model), sub in seeds.groupby(["dataset", "model"]):
        row = {
            "dataset": dataset,
            "model": model,
            "base_seed": int(sub["seed"].iloc[0]),
            "n_other_seeds": len(sub["other_seeds"].iloc[0]),
            "n_instances": len(sub),
            "seed_jsd_mean": sub["median_jsd"].mean(),
            "seed_jsd_median": sub["median_jsd"].median(),
            "seed_tvd_mean": sub["median_tvd"].mean(),
            "adversary_jsd_mean": np.nan,
            "adversary_above_seeds": np.nan,
            "n_adversary_instances": 0,
        }
        if adversary is not None and len(adversary):
            adv = adversary[
                (adversary["dataset"] == dataset)
                & (adversary["model"] == model)
                & (adversary["seed"] == row["base_seed"])
            ]
            both = adv[["id", "max_jsd"]].merge(sub[["id", "median_jsd"]], on="id")
            if len(both):
                row["adversary_jsd_mean"] = both["max_jsd"].mean()
                row["adversary_above_seeds"] = float((both["max_jsd"] > both["median_jsd"]).mean())
                row["n_adversary_instances"] = len(both)
        rows.append(row)
    return pd.DataFrame(rows)


GUIDED_VARIANTS = {"uniform": "Uniform", "own": "Trained MLP", "base": "Base model",
                   "adversary": "Adversary"}  # fmt: skip


def guided_mlp(metrics: pd.DataFrame, score: str = "test_f1") -> pd.DataFrame:
    """Wiegreffe & Pinter's guided MLP (Table 3): per dataset x variant, the test score of the
    MLP with frozen guide attention, mean / std / 95 % interval over seeds."""
    table = metrics.groupby(["dataset", "variant"])[score].apply(interval).unstack().reset_index()
    guides = metrics.groupby(["dataset", "variant"])["guide"].first().reset_index()
    table = table.merge(guides, on=["dataset", "variant"])
    rank = table["variant"].map({v: i for i, v in enumerate(GUIDED_VARIANTS)})
    table = table.assign(rank=rank).sort_values(["dataset", "rank"], ignore_index=True)
    return table.drop(columns="rank")


def guided_mlp_markdown(table: pd.DataFrame) -> str:
    """Variants as rows (named with their guide), datasets as columns: 'mean ± std (n)'."""
    cells: dict[str, dict[str, str]] = {}
    names = {}
    for r in table.itertuples(index=False):
        names[r.variant] = f"{GUIDED_VARIANTS.get(r.variant, r.variant)} ({r.guide})"
        cells.setdefault(r.variant, {})[r.dataset] = plus_minus(r.mean, r.std, r.n)
    datasets = sorted(table["dataset"].unique())
    view = pd.DataFrame(
        [
            {"guide attention": names[v], **{d: cells[v].get(d, "") for d in datasets}}
            for v in GUIDED_VARIANTS
            if v in cells
        ]  # fmt: skip
    )
    return to_markdown(view)


def guided_mlp_findings(table: pd.DataFrame) -> str:
    """Per dataset, in words: does the base model's attention help the MLP at least as much
    as its own, and the adversary's less than the base's (means over seeds, with the 95 %
    intervals of both, so a difference inside them reads as seed noise)."""
    lines = []
    for dataset, sub in table.groupby("dataset"):
        mean, ci = sub.set_index("variant")["mean"], sub.set_index("variant")["ci95"]
        found = []
        for a, b, name in (("base", "own", "the base model's attention helps the MLP"),
                           ("adversary", "base", "the adversary's helps it")):  # fmt: skip
            if a in mean and b in mean:
                verdict = "at least as much as" if mean[a] >= mean[b] else "less than"
                other = "its own" if b == "own" else "the base model's"
                found.append(
                    f"{name} {verdict} {other} (F1 {mean[a]:.3f} ± {ci[a]:.3f} vs "
                    f"{mean[b]:.3f} ± {ci[b]:.3f}, 95 % intervals)"
                )
        if found:
            lines.append(f"- {dataset}: " + "; ".join(found) + ".")
    return "\n".join(lines) + "\n" if lines else ""


def adversarial(adversary: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Wiegreffe & Pinter's adversarial model (Table 4): per dataset x lambda, the adversary's
    test F1, mean TVD of its outputs and mean JSD of its attention to the base model's, each
    as mean / std / 95 % interval over seeds, with the base model's test F1 over seeds."""
    rows = []
    for (dataset, lam), sub in adversary.groupby(["dataset", "lambda"]):
        row = {"dataset": dataset, "lambda": lam, "base_model": sub["base_model"].iloc[0]}
        for name, col in (("f1", "test_f1"), ("tvd", "mean_tvd"), ("jsd", "mean_jsd")):
            ci = interval(sub[col])
            row.update({name: ci["mean"], f"{name}_std": ci["std"],
                        f"{name}_ci95": ci["ci95"]})  # fmt: skip
        ref = base[(base["dataset"] == dataset) & (base["model"] == row["base_model"])]
        ref = ref[ref["seed"].isin(sub["seed"])]
        ci = interval(ref["test_f1"])
        row.update(base_f1=ci["mean"], base_f1_std=ci["std"], n_seeds=len(sub))
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["dataset", "lambda"], ignore_index=True)


def adversarial_markdown(table: pd.DataFrame, seeds: pd.DataFrame | None = None) -> str:
    """One row per dataset x lambda: 'mean ± std' over seeds; with `seeds` (seed-variance
    tables of the base model), a row per dataset for the other seeds of the base model."""
    rows = [
        {
            "dataset": r.dataset,
            "model": f"adversary, λ = {r.lam:g}",
            "F1": plus_minus(r.f1, r.f1_std),
            "base F1": plus_minus(r.base_f1, r.base_f1_std),
            "mean TVD to base": plus_minus(r.tvd, r.tvd_std, fmt=".4f"),
            "mean JSD to base": plus_minus(r.jsd, r.jsd_std, fmt=".4f"),
            "seeds": int(r.n_seeds),
        }
        for r in table.rename(columns={"lambda": "lam"}).itertuples(index=False)
    ]
    for r in seed_reference(seeds).itertuples(index=False):
        rows.append(
            {
                "dataset": r.dataset,
                "model": f"other seeds of {r.model}",
                "F1": "",
                "base F1": "",
                "mean TVD to base": f"{r.tvd:.4f}",
                "mean JSD to base": f"{r.jsd:.4f}",
                "seeds": r.n_seeds,
            }
        )
    return to_markdown(pd.DataFrame(rows).sort_values("dataset", kind="stable"))


def seed_reference(seeds: pd.DataFrame | None) -> pd.DataFrame:
    """Per dataset x model, the mean over instances and other seeds of the JSD of attention
    and the TVD of outputs to the base seed: where an unconstrained retraining lands."""
    rows = []
    groups = seeds.groupby(["dataset", "model"]) if seeds is not None else []
    for (dataset, model), sub in groups:
        rows.append({"dataset": dataset, "model": model,
                     "jsd": float(np.concatenate(sub["jsd"].to_numpy()).mean()),
                     "tvd": float(np.concatenate(sub["tvd"].to_numpy()).mean()),
                     "n_seeds": 1 + len(sub["other_seeds"].iloc[0])})  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "model", "jsd", "tvd", "n_seeds"])


# -- Pruthi et al. (2020) -----------------------------------------------------------------
def deception(metrics: pd.DataFrame, planted: pd.DataFrame | None = None) -> pd.DataFrame:
    """Deception training: per dataset x model x penalty weight, the test accuracy, the
    mean test attention mass on the planted tokens and on the distractors, and (from the
    planted-token analysis of the deceptive models, `base_model` and `deception_weight`
    beside each row) each ranking's precision@k against the planted tokens
    (`precision_<ranking>`), each as mean / std / 95 % interval over seeds."""
    rows = []
    keys = ["dataset", "base_model", "deception_weight"]
    if planted is not None and len(planted):
        per_seed = (planted.groupby([*keys, "seed", "ranking"])["precision_at_k"].mean()
                    .unstack("ranking"))  # fmt: skip
    for (dataset, model, weight), sub in metrics.groupby(keys):
        row = {"dataset": dataset, "model": model, "weight": weight}
        columns = {"accuracy": sub["test_accuracy"], "planted_mass": sub["test_planted_mass"],
                   "distractor_mass": sub["test_distractor_mass"]}  # fmt: skip
        if planted is not None and len(planted):
            mine = per_seed.xs((dataset, model, weight), level=keys)
            columns.update({f"precision_{r}": mine[r] for r in mine.columns})
        for name, values in columns.items():
            ci = interval(values)
            row.update({name: ci["mean"], f"{name}_std": ci["std"],
                        f"{name}_ci95": ci["ci95"]})  # fmt: skip
        row["n_seeds"] = len(sub)
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["dataset", "model", "weight"], ignore_index=True)


def deception_markdown(table: pd.DataFrame) -> str:
    """'mean ± half-width of the 95 % interval' over seeds, per dataset x model x weight."""
    cell = plus_minus

    rows = [
        {"dataset": r.dataset, "model": r.model, "λ": f"{r.weight:g}",
         "test accuracy": cell(r.accuracy, r.accuracy_ci95),
         "attention mass on planted tokens": cell(r.planted_mass, r.planted_mass_ci95),
         "attention mass on distractors": cell(r.distractor_mass, r.distractor_mass_ci95),
         **{f"precision@k {c.removeprefix('precision_')}": cell(getattr(r, c),
                                                               getattr(r, f"{c}_ci95"))
            for c in table.columns
            if c.startswith("precision_") and not c.endswith(("_std", "_ci95"))},
         "seeds": int(r.n_seeds)}
        for r in table.itertuples(index=False)
    ]  # fmt: skip
    return to_markdown(pd.DataFrame(rows))
