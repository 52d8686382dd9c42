"""A campaign of hand-written science bugs (docs/mutation.md#science-bugs): each entry
changes one line of the science code the way a tired researcher might (a wrong class, a
wrong split, a wrong denominator, a tie broken the other way), and the fast tests must
fail on every one. Unlike cosmic-ray's operators these change meaning, not syntax.

    python -m tests.mutation.science_bugs            # every bug: its test files, then
                                                     # the whole fast suite for survivors
    python -m tests.mutation.science_bugs ID ...     # some of them

Each bug is applied to a copy of the working tree (`tests.mutation.run.copy_tree`, with
`../shared` linked beside it so the mirror tests run), never to the checkout; a bug whose line no longer exists is reported as stale, not skipped
silently. Exit status 1 when a bug survives or is stale.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.mutation.run import copy_tree, load, test_command, worker_env

SS = "src/attnaudit/analyses/serrano_smith.py"
FA = "src/attnaudit/analyses/faithfulness.py"
VA = "src/attnaudit/analyses/vashishth.py"
WP = "src/attnaudit/analyses/wiegreffe_pinter.py"
SV = "src/attnaudit/analyses/seed_variance.py"
DE = "src/attnaudit/analyses/deception.py"
JW = "src/attnaudit/analyses/jain_wallace.py"
EN = "src/attnaudit/engine.py"
ME = "src/attnaudit/metrics.py"
KE = "src/attnaudit/kendall.py"
TA = "src/attnaudit/report/tables.py"
RR = "src/attnaudit/report/replacement.py"
TR = "src/attnaudit/train.py"
IL = "src/attnaudit/importance/input_level.py"
IG = "src/attnaudit/importance/integrated_gradients.py"
LO = "src/attnaudit/importance/leave_one_out.py"
DEC = "src/attnaudit/importance/decoder.py"
SC = "src/attnaudit/importance/scores.py"
AT = "src/attnaudit/models/attention.py"
CO = "src/attnaudit/models/conicity.py"
CL = "src/attnaudit/models/classifier.py"
TK = "src/attnaudit/data/tokens.py"
PR = "src/attnaudit/data/prepare.py"
SY = "src/attnaudit/data/synthetic.py"
RF = "src/attnaudit/report/faithfulness.py"
TOP = "src/attnaudit/importance/top.py"

T_SS = [
    "tests/test_serrano_smith.py",
    "tests/test_reference_erasure.py",
    "tests/test_sparse_attention.py",
]
T_FA = ["tests/test_faithfulness.py"]
T_VA = ["tests/test_vashishth.py"]
T_WP = ["tests/test_wiegreffe_pinter.py", "tests/test_reference_wiegreffe_pinter.py"]
T_DE = ["tests/test_deception.py"]
T_JW = [
    "tests/test_jain_wallace.py",
    "tests/test_reference_adversary.py",
    "tests/test_reference_importance.py",
]
T_EN = [
    "tests/test_reference_erasure.py",
    "tests/test_jain_wallace.py",
    "tests/test_reference_adversary.py",
    "tests/test_vashishth.py",
    "tests/test_serrano_smith.py",
    "tests/test_engine.py",
]
T_ME = [
    "tests/test_metrics.py",
    "tests/test_reference_metrics.py",
    "tests/test_sparse_attention.py",
]
T_TA = [
    "tests/test_reference_table_views.py",
    "tests/test_reference_tables.py",
    "tests/test_binning.py",
    "tests/test_verdicts.py",
    "tests/test_deception.py",
    "tests/test_wiegreffe_pinter.py",
    "tests/test_serrano_smith.py",
    "tests/test_jain_wallace.py",
]
T_TR = ["tests/test_reference_training.py", "tests/test_train.py", "tests/test_mohankumar.py"]
T_IMP = [
    "tests/test_reference_importance.py",
    "tests/test_serrano_smith.py",
    "tests/test_faithfulness.py",
    "tests/test_engine.py",
]
T_LO = ["tests/test_reference_leave_one_out.py", "tests/test_engine.py"]
T_MOD = [
    "tests/test_models.py",
    "tests/test_sparse_attention.py",
    "tests/test_jain_wallace.py",
    "tests/test_wiegreffe_pinter.py",
]
T_DATA = [
    "tests/test_byo_errors.py",
    "tests/test_tokens.py",
    "tests/test_parsers.py",
    "tests/test_synthetic.py",
    "tests/test_sst.py",
]
VE = "src/attnaudit/report/verdicts.py"
PA = "src/attnaudit/data/parsing.py"
CA = "src/attnaudit/models/cls_attention.py"
T_VE = ["tests/test_verdicts.py"]
T_RF = ["tests/test_faithfulness.py"]

BUGS = [
    # ---- serrano_smith
    (
        "ss_random_is_top",
        SS,
        "keys.scatter(1, top.view(-1, 1), -1.0)",
        "keys.scatter(1, top.view(-1, 1), 1.0)",
        "sign slip: the top item gets the largest key, so the 'random other' item is the top item itself",
        T_SS,
    ),
    (
        "ss_flip_vs_label",
        SS,
        "flips = (probs.argmax(-1) != pred.unsqueeze(1)) & ~exhausted",
        "flips = (probs.argmax(-1) != torch.as_tensor(rows['label'].to_numpy()[batch.index]).unsqueeze(1)) & ~exhausted",
        "flip defined against the gold label instead of the model's own prediction (single-weight)",
        T_SS,
    ),
    (
        "ss_multi_flip_vs_label",
        SS,
        "flipped = probs.argmax(-1) != batch.probs.argmax(-1).unsqueeze(1)",
        "flipped = probs.argmax(-1) != batch.probs.argmin(-1).unsqueeze(1)",
        "multi-weight flip compared to the wrong class (argmin of the own output)",
        T_SS,
    ),
    (
        "ss_fraction_len_specials",
        SS,
        "lengths = batch.lengths.float()",
        "lengths = (batch.token_ids != 0).sum(1).float()",
        "fraction's denominator counts <SOS>/<EOS> (padded-present length) instead of items",
        T_SS,
    ),
    (
        "ss_valid_le",
        SS,
        "valid = k.view(1, -1) < batch.lengths.view(-1, 1)",
        "valid = k.view(1, -1) <= batch.lengths.view(-1, 1)",
        "off-by-one: the last item may be erased (marks never-flipped rows exhausted)",
        T_SS,
    ),
    (
        "ss_first_offby1",
        SS,
        "flipped.float().argmax(1) + 1, 0)",
        "flipped.float().argmax(1), 0)",
        "off-by-one in k*: index of first flip step instead of number erased",
        T_SS,
    ),
    (
        "ss_gxa_abs",
        DEC,
        "predicted_gradient(engine, batch) * batch.attention",
        "predicted_gradient(engine, batch).abs() * batch.attention",
        "grad x attention made unsigned (docs: signed)",
        T_SS + T_FA,
    ),
    (
        "ss_dec_grad_wrong_class",
        DEC,
        "return engine.attention_gradient(batch, batch.probs.argmax(-1))",
        "return engine.attention_gradient(batch, batch.probs.argmin(-1))",
        "decoder-level gradient ranking of the non-predicted class (reverses the binary ranking)",
        T_SS + T_FA,
    ),
    (
        "ss_rank_mask_inf",
        SS,
        "order = scores.masked_fill(~mask, -torch.inf).argsort(",
        "order = scores.masked_fill(~mask, torch.inf).argsort(",
        "non-real positions sort first, so every real item's place is offset (fewer items erased at step k)",
        T_SS,
    ),
    (
        "ss_random_same_order",
        SC,
        "return [[v[k] for v in self.values] for k in range(len(self.values[0]))]",
        "return [[v[0] for v in self.values] for k in range(len(self.values[0]))]",
        "all n_random orders are the same order",
        T_SS,
    ),
    (
        "ss_delta_attention_sign",
        SS,
        "(alpha_top - alpha_other).numpy()",
        "(alpha_other - alpha_top).numpy()",
        "delta_attention sign flipped",
        T_SS,
    ),
    # ---- engine
    (
        "en_gen_not_per_instance",
        EN,
        "int(seed) * 1_000_003 + zlib.crc32(str(i).encode())",
        "int(seed) * 1_000_003 + zlib.crc32(str(seed).encode())",
        "random draws seeded per analysis, not per instance: every instance gets the same draws",
        T_EN + T_SS,
    ),
    (
        "en_erase_no_renorm",
        EN,
        "return kept / kept.sum(dim=-1, keepdim=True)",
        "return kept / weights.sum(dim=-1, keepdim=True)",
        "erasure does not renormalise the remaining weights",
        T_EN + T_SS,
    ),
    (
        "en_perm_target",
        EN,
        "target = torch.where(real, positions / t, 2.0 + positions).argsort(dim=-1)",
        "target = torch.where(real, positions / t, 2.0 + positions).argsort(dim=-1).flip(-1)",
        "permutation written to reversed positions: weight lands on special/padding positions",
        T_EN + T_JW,
    ),
    # ---- metrics
    (
        "me_tvd_half",
        ME,
        "return 0.5 * abs(p - q).sum(-1)",
        "return abs(p - q).sum(-1)",
        "TVD missing its 1/2",
        T_ME + T_EN,
    ),
    (
        "me_jsd_is_kl",
        ME,
        "return xp.clip(0.5 * kl(p, m) + 0.5 * kl(q, m), 0.0, _LN2)",
        "return xp.clip(0.5 * kl(p, q) + 0.5 * kl(q, q), 0.0, _LN2)",
        "JSD computed as (half) KL(p||q): M replaced by Q",
        T_ME + T_EN,
    ),
    (
        "me_jsd_no_half",
        ME,
        "return xp.clip(0.5 * kl(p, m) + 0.5 * kl(q, m), 0.0, _LN2)",
        "return xp.clip(kl(p, m) + kl(q, m), 0.0, _LN2)",
        "JSD without the 1/2 (clipped at ln 2 so it still looks bounded)",
        T_ME + T_WP,
    ),
    (
        "me_auc_min_ties",
        ME,
        'rank(method="average")',
        'rank(method="min")',
        "ROC-AUC with ties ranked min instead of averaged",
        T_ME + T_TR,
    ),
    (
        "me_macro_f1_skip0",
        ME,
        "f1s = [f1_score(labels == c, preds == c) for c in range(k)]",
        "f1s = [f1_score(labels == c, preds == c) for c in range(1, k)]",
        "macro F1 omits class 0",
        T_ME + T_TR,
    ),
    (
        "ke_tau_a",
        KE,
        "tau = con_minus_dis / np.sqrt(total - xtie) / np.sqrt(total - ytie)",
        "tau = con_minus_dis / total",
        "tau-a instead of tau-b (identical without ties; differs with sparse-attention zeros)",
        ["tests/test_kendall.py"] + T_ME + T_JW,
    ),
    (
        "me_pred_threshold",
        ME,
        "preds = (probs >= 0.5).astype(int)",
        "preds = (probs > 0.5).astype(int)",
        "threshold inclusion at exactly 0.5",
        T_ME,
    ),
    # ---- tables
    (
        "ta_ci_std_not_se",
        TA,
        "special.stdtrit(n - 1, 0.5 + confidence / 2) * std / np.sqrt(n)",
        "special.stdtrit(n - 1, 0.5 + confidence / 2) * std",
        "interval half-width uses the std instead of the standard error",
        T_TA,
    ),
    (
        "ta_ci_df_n",
        TA,
        "special.stdtrit(n - 1, 0.5 + confidence / 2)",
        "special.stdtrit(n, 0.5 + confidence / 2)",
        "t quantile with n instead of n-1 degrees of freedom",
        T_TA,
    ),
    (
        "ta_paired_one_sided",
        TA,
        "return half, float(2.0 * special.stdtr(n - 1, -abs(t))), n",
        "return half, float(special.stdtr(n - 1, -abs(t))), n",
        "paired t-test p one-sided instead of two-sided",
        T_TA,
    ),
    (
        "ta_paired_ddof0",
        TA,
        "sem = d.std(ddof=1) / np.sqrt(n)",
        "sem = d.std() / np.sqrt(n)",
        "paired SEM with the population std (ddof 0)",
        T_TA,
    ),
    (
        "ta_tau_std_of_means",
        TA,
        '"tau_std": group["tau_std"].mean(),',
        '"tau_std": group["tau_mean"].std(),',
        "tau std as spread of per-seed means instead of the mean of per-seed std",
        T_TA,
    ),
    (
        "ta_bin_side_left",
        TA,
        'codes = np.searchsorted(edges, x, side="right") - 1',
        'codes = np.searchsorted(edges, x, side="left") - 1',
        "bin edges closed on the right instead of the left (0.25 falls in [0.1, 0.25))",
        T_TA,
    ),
    (
        "ta_fraction_all_fill0",
        TA,
        'fraction_all=multi["fraction"].fillna(1.0)',
        'fraction_all=multi["fraction"].fillna(0.0)',
        "never-flipped counted as fraction 0 instead of 1 in median_fraction_all",
        T_TA,
    ),
    (
        "ta_fewer_le",
        TA,
        'fewer=both["n_erased"] < both["n_erased_attention"],',
        'fewer=both["n_erased"] <= both["n_erased_attention"],',
        "ties counted as 'fewer than attention'",
        T_TA,
    ),
    (
        "ta_seed_jsd_from_tvd",
        TA,
        '"seed_jsd_mean": sub["median_jsd"].mean(),',
        '"seed_jsd_mean": sub["median_tvd"].mean(),',
        "wrong column for the seed JSD mean",
        T_TA,
    ),
    (
        "ta_adv_any_seed",
        TA,
        '& (adversary["seed"] == row["base_seed"])',
        '& (adversary["seed"] >= row["base_seed"])',
        "adversaries of every seed pooled instead of the base seed's",
        T_TA,
    ),
    (
        "ta_flip_random_exhausted",
        TA,
        'for column in ("top_exhausted", "random_exhausted"):',
        'for column in ("top_exhausted",):',
        "rows whose random erasure was exhausted kept in the flip table",
        T_TA,
    ),
    (
        "ta_adv_base_seeds",
        TA,
        'ref = ref[ref["seed"].isin(sub["seed"])]',
        'ref = ref[ref["seed"].notna()]',
        "base F1 over all seeds instead of the adversary's seeds",
        T_TA,
    ),
    (
        "ta_delta_sign",
        TA,
        'table["delta"] = table["mean"] - table["mean_uniform"]',
        'table["delta"] = table["mean_uniform"] - table["mean"]',
        "learned-vs-uniform delta sign",
        T_TA,
    ),
    (
        "ta_seed_ref_nseeds",
        TA,
        '"n_seeds": 1 + len(sub["other_seeds"].iloc[0])})',
        '"n_seeds": len(sub["other_seeds"].iloc[0])})',
        "seed count off by one (base seed not counted)",
        T_TA,
    ),
    # ---- faithfulness
    (
        "fa_topcount_floor",
        FA,
        "return min(n, math.ceil(percent * n / 100.0 - 1e-9))",
        "return min(n, int(percent * n / 100.0))",
        "floor instead of ceil for the top-k% count",
        T_FA,
    ),
    (
        "fa_aopc_denominator",
        FA,
        '"aopc_comprehensiveness": comp.mean(axis=1),',
        '"aopc_comprehensiveness": comp.sum(axis=1) / (len(labels) + 1),',
        "AOPC over |B| + 1 (the paper's k = 0 term), not ERASER's scorer's mean over the bins",
        T_FA,
    ),
    (
        "fa_suff_sign",
        FA,
        "suff = p_full[:, None] - drop[..., 1]",
        "suff = drop[..., 1] - p_full[:, None]",
        "sufficiency sign flipped",
        T_FA,
    ),
    (
        "fa_probs_alone_without",
        FA,
        '**{f"probs_alone_{k}": list(dists[:, j, 1]) for j, k in enumerate(labels)},',
        '**{f"probs_alone_{k}": list(dists[:, j, 0]) for j, k in enumerate(labels)},',
        "sufficiency's distributions (ERASER export) taken from the input without r_k",
        T_FA,
    ),
    (
        "fa_comp_suff_swap",
        FA,
        "for removed in (top, np.setdiff1d(real, top)):",
        "for removed in (np.setdiff1d(real, top), top):",
        "comprehensiveness and sufficiency swapped",
        T_FA,
    ),
    (
        "fa_top_order_ties",
        TOP,
        'return np.argsort(-keyed, kind="stable")',
        'return np.argsort(keyed, kind="stable")[::-1]',
        "descending order by reversing an ascending sort: ties in reverse token order",
        T_FA,
    ),
    (
        "fa_p_full_pos_class",
        FA,
        "p_full = probs[np.arange(len(ids)), pred]",
        "p_full = probs[:, -1]",
        "probability of the last (positive) class instead of the predicted class",
        T_FA,
    ),
    (
        "fa_prec_at_k_den",
        FA,
        "len(relevant & {int(p) for p in order[:k]}) / k,",
        "len(relevant & {int(p) for p in order[:k]}) / len(order),",
        "precision@k divided by n",
        T_FA,
    ),
    (
        "fa_planted_cut_le",
        FA,
        "if r is not None and len(r) and max(r) < n",
        "if r is not None and len(r) and max(r) <= n",
        "off-by-one: instances whose planted token was cut are kept",
        T_FA,
    ),
    # ---- vashishth
    (
        "va_uniform_specials",
        VA,
        "uniform = mask / batch.lengths.view(-1, 1, 1)",
        "uniform = mask / (batch.token_ids != 0).sum(1).view(-1, 1, 1)",
        "uniform weights 1/(T+2) (length with <SOS>/<EOS>): do not sum to 1",
        T_VA,
    ),
    (
        "va_random_unnorm",
        VA,
        '"random": random / random.sum(-1, keepdim=True),',
        '"random": random,',
        "random weights not normalised",
        T_VA,
    ),
    (
        "va_perm_same_seed",
        VA,
        "engine.random_permutations(batch, cfg.n_draws, cfg.seed + 1)",
        "engine.random_permutations(batch, cfg.n_draws, cfg.seed)",
        "permutation keys equal the random weights' draws",
        T_VA,
    ),
    (
        "va_p_max",
        VA,
        "kept = probs.gather(-1, learned.expand(-1, probs.shape[1], 1))[..., 0]",
        "kept = probs.max(-1).values",
        "p of the replaced prediction instead of the learned prediction",
        T_VA,
    ),
    (
        "rr_drop_sign",
        RR,
        'out["accuracy_drop"] = out["accuracy_learned"] - out["accuracy"]',
        'out["accuracy_drop"] = out["accuracy"] - out["accuracy_learned"]',
        "accuracy drop sign",
        T_VA,
    ),
    # ---- wiegreffe_pinter / seed variance / deception
    (
        "wp_kl_reversed",
        WP,
        "log_ratio = torch.log(p.clamp_min(KL_EPS)) - torch.log(q.clamp_min(KL_EPS))",
        "log_ratio = torch.log(q.clamp_min(KL_EPS)) - torch.log(p.clamp_min(KL_EPS))",
        "log ratio reversed: the objective rewards closeness to the base attention",
        T_WP,
    ),
    (
        "wp_obj_plus",
        WP,
        "return tvd(probs, base_probs) - lam * masked_kl(weights, base_weights, mask)",
        "return tvd(probs, base_probs) + lam * masked_kl(weights, base_weights, mask)",
        "sign of the KL term",
        T_WP,
    ),
    (
        "wp_no_offset",
        WP,
        "init_seed=int(seed) + ADVERSARY_SEED_OFFSET",
        "init_seed=int(seed)",
        "adversary starts from the base's own initialisation",
        T_WP,
    ),
    (
        "wp_uniform_guide_len",
        WP,
        "attention = [np.full(n, 1.0 / n) for n in counts]",
        "attention = [np.full(n, 1.0 / (n + 2)) for n in counts]",
        "uniform guide 1/(T+2) (FixedAttention renormalises, so possibly equivalent in training)",
        T_WP,
    ),
    (
        "sv_base_largest",
        SV,
        "base_seed = seeds[0] if base_seed is None else base_seed",
        "base_seed = seeds[-1] if base_seed is None else base_seed",
        "base seed the largest instead of the smallest",
        T_WP + ["tests/test_reference_tables.py"],
    ),
    (
        "sv_tvd_is_jsd",
        SV,
        'out_tvd = metrics.tvd(np.stack(rows["probs"].to_numpy()), np.stack(ref["probs"].to_numpy()))',
        'out_tvd = metrics.jsd(np.stack(rows["probs"].to_numpy()), np.stack(ref["probs"].to_numpy()))',
        "output divergence as JSD instead of TVD",
        T_WP + ["tests/test_reference_tables.py"],
    ),
    (
        "de_penalty_sign",
        DE,
        "return -self.weight * torch.log((1.0 - mass).clamp_min(MIN_REMAINDER))",
        "return self.weight * torch.log((1.0 - mass).clamp_min(MIN_REMAINDER))",
        "deception penalty sign",
        T_DE,
    ),
    (
        "de_mass_mean",
        DE,
        "float(np.asarray(a)[chosen[str(i)]].sum())",
        "float(np.asarray(a)[chosen[str(i)]].mean())",
        "planted mass as mean instead of sum",
        T_DE,
    ),
    (
        "de_penalty_log_mass",
        DE,
        "return -self.weight * torch.log((1.0 - mass).clamp_min(MIN_REMAINDER))",
        "return -self.weight * torch.log1p(-mass.clamp_max(1.0 - MIN_REMAINDER)) * 0.5",
        "penalty halved",
        T_DE,
    ),
    # ---- jain_wallace (not previously used forms)
    (
        "jw_perm_jsd",
        JW,
        "change = tvd(engine.outputs(batch, permuted), batch.probs.unsqueeze(1))",
        "change = jsd(engine.outputs(batch, permuted), batch.probs.unsqueeze(1))",
        "permutation change as JSD instead of TVD",
        T_JW,
    ),
    (
        "jw_nfeasible_own",
        JW,
        '"n_feasible": (feasible[:, 1:]).sum(1).numpy(),',
        '"n_feasible": feasible.sum(1).numpy(),',
        "n_feasible counts the own attention",
        T_JW,
    ),
    (
        "jw_pair_weight",
        JW,
        "1.0 / (k * (k - 1)) if k > 1 else 0.0",
        "1.0 / k if k > 1 else 0.0",
        "candidate-pair weight 1/K instead of 1/(K(K-1))",
        T_JW,
    ),
    (
        "jw_adv_grad_sign",
        JW,
        "return grad - 0.5 * d_dists[:, 1:]",
        "return grad + 0.5 * d_dists[:, 1:]",
        "JSD reward gradient sign",
        T_JW,
    ),
    # ---- importance
    (
        "il_abs_before_sum",
        IL,
        "return real_values((grad * embedded).sum(-1).abs(), mask)",
        "return real_values((grad * embedded).abs().sum(-1), mask)",
        "abs of each dim before summing (not |sum|)",
        T_IMP,
    ),
    (
        "ig_abs",
        IG,
        "return attributions.sum(-1).detach(), target, delta.detach()",
        "return attributions.abs().sum(-1).detach(), target, delta.detach()",
        "IG made unsigned",
        T_IMP,
    ),
    (
        "ig_wrong_class",
        IG,
        "target = forward(model.embedding(tokens), tokens).argmax(-1)",
        "target = forward(model.embedding(tokens), tokens).argmin(-1)",
        "IG of the non-predicted class",
        T_IMP,
    ),
    (
        "lo_tvd_half",
        LO,
        "change = 0.5 * (torch.cat(probs) - base[rows_of]).abs().sum(-1)",
        "change = (torch.cat(probs) - base[rows_of]).abs().sum(-1)",
        "LOO TVD missing 1/2",
        T_LO + T_IMP,
    ),
    # ---- train
    (
        "tr_tie_last",
        TR,
        "if score > best_score:",
        "if score >= best_score:",
        "ties keep the last epoch, not the first",
        T_TR,
    ),
    (
        "tr_scores_neg_class",
        TR,
        "probs = probs[:, 1]",
        "probs = probs[:, 0]",
        "binary scores from the negative-class probability",
        T_TR,
    ),
    (
        "tr_decay_attention",
        TR,
        'groups.append({"params": model.attention_parameters, "weight_decay": 0.0})',
        'groups.append({"params": model.attention_parameters, "weight_decay": cfg["weight_decay"]})',
        "weight decay applied to attention parameters",
        T_TR,
    ),
    (
        "tr_diversity_sign",
        TR,
        "loss = loss + weight * conicity(hidden, mask, absolute=True).nanmean()",
        "loss = loss - weight * conicity(hidden, mask, absolute=True).nanmean()",
        "diversity term rewards conicity",
        T_TR,
    ),
    (
        "tr_kclass_weight",
        TR,
        "weight = counts.sum() / (n_classes * np.maximum(counts, 1)) if weighted else np.ones(n_classes)",
        "weight = np.maximum(counts, 1) / counts.sum() * n_classes if weighted else np.ones(n_classes)",
        "k-class weight inverted (n_k/N instead of N/(K n_k))",
        T_TR,
    ),
    (
        "tr_train_loss_den",
        TR,
        'row = {"epoch": epoch, "train_loss": total / len(train_ids)}',
        'row = {"epoch": epoch, "train_loss": total / len(batches)}',
        "train loss divided by batches instead of instances",
        T_TR,
    ),
    # ---- models
    (
        "at_dot_scale",
        AT,
        "self.scale = 1.0 / math.sqrt(hidden_dim)",
        "self.scale = 1.0 / hidden_dim",
        "dot attention scaled by 1/H instead of 1/sqrt(H)",
        T_MOD,
    ),
    (
        "at_sparse_floor",
        AT,
        "_SPARSE_FLOOR = 4.0",
        "_SPARSE_FLOOR = 0.5",
        "masked positions can enter the sparsemax support; zeroed after, weights no longer sum to 1",
        T_MOD,
    ),
    (
        "at_fixed_norm_swap",
        AT,
        "w if abs(total - 1) < 1e-6 else w / total",
        "w / total if abs(total - 1) < 1e-6 else w",
        "fixed attention not renormalised",
        T_MOD,
    ),
    (
        "co_include_specials",
        CO,
        "return torch.where(count > 0, (cosines * weights).sum(1) / count.clamp_min(1), torch.nan)",
        "return torch.where(count > 0, cosines.sum(1) / count.clamp_min(1), torch.nan)",
        "conicity sums cosines of <SOS>/<EOS>/padding states",
        ["tests/test_mohankumar.py"],
    ),
    (
        "cl_sep_real",
        CL,
        "real = present & (token_ids != SOS_ID) & (token_ids != EOS_ID) & (token_ids != SEP_ID)",
        "real = present & (token_ids != SOS_ID) & (token_ids != EOS_ID)",
        "<SEP> counted as a real token",
        T_MOD + ["tests/test_hierarchical.py"],
    ),
    # ---- data
    (
        "tk_min_count_gt",
        TK,
        "if c >= min_count",
        "if c > min_count",
        "vocabulary threshold off by one",
        T_DATA,
    ),
    (
        "tk_qqq_all",
        TK,
        '"qqq" if any(ch.isdigit() for ch in w) else w',
        '"qqq" if all(ch.isdigit() for ch in w) else w',
        "only all-digit words become qqq",
        T_DATA,
    ),
    (
        "pr_vocab_not_test",
        PR,
        'is_train = (docs["split"] == "train").to_numpy()',
        'is_train = (docs["split"] != "test").to_numpy()',
        "vocabulary built from train + dev",
        T_DATA,
    ),
    (
        "pr_maxlen_offby1",
        PR,
        "tokens = [t[:max_length] for t in tokens]",
        "tokens = [t[: max_length - 1] for t in tokens]",
        "cut one token short of max_length",
        T_DATA,
    ),
    (
        "sy_rationale_all",
        SY,
        '"rationale": sorted(int(p) for p in own),',
        '"rationale": sorted(int(p) for p in positions),',
        "rationale includes distractor positions",
        T_DATA + T_FA + T_DE,
    ),
    (
        "ve_needed_mean_only",
        VE,
        'answer = "yes" if mean - half > 0 else "no"',
        'answer = "yes" if mean > 0 else "no"',
        "needed verdict from the mean difference, ignoring the interval",
        T_VE,
    ),
    (
        "ve_unique_ge_half",
        VE,
        "if share > 0.5:",
        "if share >= 0.5:",
        "exactly half counted as 'not unique'",
        T_VE,
    ),
    (
        "ve_faithful_best_halves",
        VE,
        'if best is None or (means["attention"] + halves["attention"]',
        'if best is None or (means["attention"] - halves["attention"]',
        "faithful: attention's interval upper end replaced by lower end",
        T_VE,
    ),
    (
        "ta_adv_summary_median",
        TA,
        'max_jsd=("max_jsd", "mean"),',
        'max_jsd=("max_jsd", "median"),',
        "per-seed max JSD median over instances instead of mean",
        T_TA,
    ),
    (
        "ta_bin_no_clip",
        TA,
        'data = table.assign(bin=binned(table["max_attention"].clip(upper=1.0)))',
        'data = table.assign(bin=binned(table["max_attention"]))',
        "max attention a hair above 1 (float) gets no bin",
        T_TA,
    ),
    (
        "rf_over_random_sign",
        RF,
        'out[f"{m}_over_random"] = out[m] - out[f"{m}_random"]',
        'out[f"{m}_over_random"] = out[f"{m}_random"] - out[m]',
        "over-random sign",
        T_RF,
    ),
    (
        "rf_per_seed_median",
        RF,
        'per_seed = table.groupby([*KEYS, "seed"])[measures].mean().reset_index()',
        'per_seed = table.groupby([*KEYS, "seed"])[measures].median().reset_index()',
        "per-seed median over instances instead of mean",
        T_RF,
    ),
    (
        "lo_len1_not_nan",
        LO,
        "out[i] = part.numpy().astype(np.float64) if n > 1 else np.full(n, np.nan)",
        "out[i] = part.numpy().astype(np.float64) if n > 0 else np.full(n, np.nan)",
        "LOO of a one-token instance not NaN",
        T_LO + T_IMP,
    ),
    (
        "tr_select_f1",
        TR,
        'select = "roc_auc" if n_classes == 2 else "accuracy"',
        'select = "f1" if n_classes == 2 else "accuracy"',
        "binary epoch chosen on dev F1 instead of ROC-AUC",
        T_TR,
    ),
    (
        "tr_rng_fixed",
        TR,
        "rng = np.random.default_rng(seed)",
        "rng = np.random.default_rng(0)",
        "batch order not seeded by the run's seed (same across seeds)",
        T_TR,
    ),
    (
        "pa_three_way_dev",
        PA,
        'return holdout(df, dev / (1.0 - test), "dev", rng)',
        'return holdout(df, dev, "dev", rng)',
        "dev share taken of the remainder, not of all rows",
        T_DATA,
    ),
    (
        "pa_holdout_floor",
        PA,
        "chosen = rng.permutation(len(group))[: round(fraction * len(group))]",
        "chosen = rng.permutation(len(group))[: int(fraction * len(group))]",
        "floor instead of round in the held-out count",
        T_DATA,
    ),
    (
        "ca_scale_d",
        CA,
        "scores = (q @ k.transpose(-1, -2)).squeeze(2) / math.sqrt(self.head_size)",
        "scores = (q @ k.transpose(-1, -2)).squeeze(2) / math.sqrt(d)",
        "[CLS] scores scaled by sqrt(d) not sqrt(d/heads)",
        ["tests/test_transformer.py"],
    ),
    (
        "ss_single_item_kept",
        SS,
        '    rows = rows[rows["token_ids"].map(model.item_count) > 1].reset_index(drop=True)\n    opts = Options(batch_size=cfg.batch_size)',
        '    rows = rows[rows["token_ids"].map(model.item_count) > 0].reset_index(drop=True)\n    opts = Options(batch_size=cfg.batch_size)',
        "single-item instances not skipped in single-weight erasure",
        T_SS,
    ),
]


def survives(tree: Path, tests: list[str]) -> tuple[bool, str]:
    """Whether the fast tests `tests` pass in `tree` (run as cosmic-ray's sessions run
    them: `test-command` of tests/mutation/cosmic-ray.toml), and pytest's last line."""
    command = test_command(load()[0], {"tests": tests})
    proc = subprocess.run(
        shlex.split(command), cwd=tree, env=worker_env(tree), capture_output=True, text=True
    )
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode == 0, lines[-1] if lines else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="bug ids (default: all)")
    args = parser.parse_args(argv)
    chosen = [b for b in BUGS if not args.ids or b[0] in args.ids]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="attnaudit-bugs-") as tmp:
        tree = Path(tmp) / "tree"
        copy_tree(tree)
        for bug_id, path, old, new, why, tests in chosen:
            file = tree / path
            original = file.read_text()
            if original.count(old) != 1:
                print(f"{bug_id}: STALE (the line is not in {path} once)", flush=True)
                failures += 1
                continue
            start = time.perf_counter()
            file.write_text(original.replace(old, new))
            try:
                alive, last = survives(tree, list(dict.fromkeys(tests)))
                if alive:  # not caught by its own test files: the whole fast suite
                    alive, last = survives(tree, ["tests"])
            finally:
                file.write_text(original)
            status = "SURVIVED" if alive else "killed"
            failures += alive
            seconds = time.perf_counter() - start
            print(f"{bug_id}: {status} ({seconds:.0f} s) {why} | {last}", flush=True)
    print(f"{len(chosen) - failures} of {len(chosen)} bugs killed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
