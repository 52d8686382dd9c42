# Jain & Wallace (2019): importance agreement, permutation, adversarial attention, on flat
# models (their token-level importance measures have no sentence-level counterpart).
# One job per dataset x learned-attention model x seed and analysis; each analysis has its
# own params, so editing one analysis's settings reruns only it and its aggregate.


rule jw_analysis:
    input:
        checkpoint=f"{RUN}/model.pt",
        tokens=f"{DATA}/tokens.parquet",
        code=library_code(
            "engine.py",
            "analyses/jain_wallace.py",
            "importance/input_level.py",
            "importance/leave_one_out.py",
        ),
    output:
        f"{RUN}/jain_wallace/{{analysis}}.parquet",
    log:
        f"results/logs/jain_wallace/{RUN.removeprefix('results/')}/{{analysis}}.log",
    benchmark:
        f"results/benchmarks/jain_wallace/{RUN.removeprefix('results/')}/{{analysis}}.tsv"
    wildcard_constraints:
        analysis="importance|permutation|adversary",
    conda:
        ENV
    params:
        family="jain_wallace",
        analysis=lambda wc: wc.analysis,
        settings=lambda wc: config["jain_wallace"][wc.analysis],
    script:
        "../scripts/analysis.py"


rule jw_tau:
    input:
        analysis_runs(f"{RUN}/jain_wallace/importance.parquet", flat_only=True),
    output:
        per_seed=f"{REPORT}/jain_wallace/tau_per_seed.csv",
        csv=f"{REPORT}/jain_wallace/tau.csv",
        markdown=f"{REPORT}/jain_wallace/tau.md",
    log:
        "results/logs/report/jain_wallace_tau.log",
    benchmark:
        "results/benchmarks/report/jain_wallace_tau.tsv"
    conda:
        ENV
    params:
        aggregate="jain_wallace_tau",
    script:
        "../scripts/aggregate.py"


rule jw_permutation_report:
    input:
        analysis_runs(f"{RUN}/jain_wallace/permutation.parquet", flat_only=True),
    output:
        csv=f"{REPORT}/jain_wallace/permutation_by_max_attention.csv",
        figure=report(
            f"{REPORT}/figures/jain_wallace_permutation.png",
            caption="../report/jain_wallace_permutation.rst",
            category="Jain & Wallace",
            subcategory="Permutation",
        ),
    log:
        "results/logs/report/jain_wallace_permutation.log",
    benchmark:
        "results/benchmarks/report/jain_wallace_permutation.tsv"
    conda:
        ENV
    params:
        aggregate="jain_wallace_permutation",
    script:
        "../scripts/aggregate.py"


rule jw_adversary_report:
    input:
        analysis_runs(f"{RUN}/jain_wallace/adversary.parquet", flat_only=True),
    output:
        csv=f"{REPORT}/jain_wallace/adversary.csv",
        binned_csv=f"{REPORT}/jain_wallace/adversary_by_max_attention.csv",
        histogram=report(
            f"{REPORT}/figures/jain_wallace_adversary_histogram.png",
            caption="../report/jain_wallace_adversary_histogram.rst",
            category="Jain & Wallace",
            subcategory="Adversarial attention",
        ),
        by_attention=report(
            f"{REPORT}/figures/jain_wallace_adversary_by_max_attention.png",
            caption="../report/jain_wallace_adversary_by_max_attention.rst",
            category="Jain & Wallace",
            subcategory="Adversarial attention",
        ),
    log:
        "results/logs/report/jain_wallace_adversary.log",
    benchmark:
        "results/benchmarks/report/jain_wallace_adversary.tsv"
    conda:
        ENV
    params:
        aggregate="jain_wallace_adversary",
    script:
        "../scripts/aggregate.py"
