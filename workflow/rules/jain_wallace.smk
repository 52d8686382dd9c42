# Jain & Wallace (2019): importance agreement, permutation, adversarial attention, on flat
# models (their token-level importance measures have no sentence-level counterpart). The
# analyses run in each model's analysis job (analyses.smk); this is their report.


rule report_jain_wallace:
    input:
        importance=PLAN.family_tables("jain_wallace", "importance"),
        permutation=PLAN.family_tables("jain_wallace", "permutation"),
        adversary=PLAN.family_tables("jain_wallace", "adversary"),
        code=code("aggregate.py"),
    output:
        tau_per_seed=f"{REPORT}/jain_wallace/tau_per_seed.csv",
        tau_per_seed_html=report(
            f"{REPORT}/jain_wallace/tau_per_seed.html",
            caption="../report/jain_wallace_tau_per_seed.rst",
            category="Jain & Wallace",
            subcategory="Importance agreement",
            labels={"item": "Table: Kendall tau per seed"},
        ),
        tau_csv=f"{REPORT}/jain_wallace/tau.csv",
        tau_markdown=f"{REPORT}/jain_wallace/tau.md",
        tau_html=report(
            f"{REPORT}/jain_wallace/tau.html",
            caption="../report/jain_wallace_tau.rst",
            category="Jain & Wallace",
            subcategory="Importance agreement",
            labels={"item": "Table: Kendall tau, mean over seeds (their Table 2)"},
        ),
        permutation_csv=f"{REPORT}/jain_wallace/permutation_by_max_attention.csv",
        permutation_html=report(
            f"{REPORT}/jain_wallace/permutation_by_max_attention.html",
            caption="../report/jain_wallace_permutation_table.rst",
            category="Jain & Wallace",
            subcategory="Permutation",
            labels={"item": "Table: median output change by max attention"},
        ),
        permutation_figure=report(
            f"{REPORT}/figures/jain_wallace_permutation.png",
            caption="../report/jain_wallace_permutation.rst",
            category="Jain & Wallace",
            subcategory="Permutation",
            labels={"item": "Figure: output change by max attention (their Figure 5)"},
        ),
        adversary_csv=f"{REPORT}/jain_wallace/adversary.csv",
        adversary_html=report(
            f"{REPORT}/jain_wallace/adversary.html",
            caption="../report/jain_wallace_adversary_table.rst",
            category="Jain & Wallace",
            subcategory="Adversarial attention",
            labels={"item": "Table: max JSD of adversarial attention"},
        ),
        adversary_binned_csv=f"{REPORT}/jain_wallace/adversary_by_max_attention.csv",
        adversary_binned_html=report(
            f"{REPORT}/jain_wallace/adversary_by_max_attention.html",
            caption="../report/jain_wallace_adversary_binned_table.rst",
            category="Jain & Wallace",
            subcategory="Adversarial attention",
            labels={"item": "Table: max JSD by max attention"},
        ),
        adversary_histogram=report(
            f"{REPORT}/figures/jain_wallace_adversary_histogram.png",
            caption="../report/jain_wallace_adversary_histogram.rst",
            category="Jain & Wallace",
            subcategory="Adversarial attention",
            labels={"item": "Figure: distribution of max JSD (their Figure 6)"},
        ),
        adversary_by_attention=report(
            f"{REPORT}/figures/jain_wallace_adversary_by_max_attention.png",
            caption="../report/jain_wallace_adversary_by_max_attention.rst",
            category="Jain & Wallace",
            subcategory="Adversarial attention",
            labels={"item": "Figure: max JSD by max attention (their Figure 7)"},
        ),
    log:
        "results/logs/report/jain_wallace.log",
    benchmark:
        "results/benchmarks/report/jain_wallace.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/aggregate.py"
