# Serrano & Smith (2019): single- and multi-weight erasure of attended items.
# One job per dataset x learned-attention model x seed and analysis.


rule ss_analysis:
    input:
        checkpoint=f"{RUN}/model.pt",
        tokens=f"{DATA}/tokens.parquet",
        code=library_code(
            "engine.py",
            "analyses/serrano_smith.py",
            "analyses/common.py",
            "importance/leave_one_out.py",
            "importance/integrated_gradients.py",
        ),
    output:
        f"{RUN}/serrano_smith/{{analysis}}.parquet",
    log:
        f"results/logs/serrano_smith/{RUN.removeprefix('results/')}/{{analysis}}.log",
    benchmark:
        f"results/benchmarks/serrano_smith/{RUN.removeprefix('results/')}/{{analysis}}.tsv"
    wildcard_constraints:
        analysis="single_weight|multi_weight",
    conda:
        ENV
    params:
        family="serrano_smith",
        analysis=lambda wc: wc.analysis,
        settings=lambda wc: config["serrano_smith"][wc.analysis],
    script:
        "../scripts/analysis.py"


rule ss_single_report:
    input:
        analysis_runs(f"{RUN}/serrano_smith/single_weight.parquet"),
    output:
        csv=f"{REPORT}/serrano_smith/decision_flips.csv",
        markdown=f"{REPORT}/serrano_smith/decision_flips.md",
        figure=report(
            f"{REPORT}/figures/serrano_smith_delta_jsd.png",
            caption="../report/serrano_smith_delta_jsd.rst",
            category="Serrano & Smith",
            subcategory="Single-weight erasure",
        ),
    log:
        "results/logs/report/serrano_smith_single.log",
    benchmark:
        "results/benchmarks/report/serrano_smith_single.tsv"
    conda:
        ENV
    params:
        aggregate="serrano_smith_single",
    script:
        "../scripts/aggregate.py"


rule ss_multi_report:
    input:
        analysis_runs(f"{RUN}/serrano_smith/multi_weight.parquet"),
    output:
        csv=f"{REPORT}/serrano_smith/flip_fractions.csv",
        markdown=f"{REPORT}/serrano_smith/flip_fractions.md",
        figure=report(
            f"{REPORT}/figures/serrano_smith_flip_fractions.png",
            caption="../report/serrano_smith_flip_fractions.rst",
            category="Serrano & Smith",
            subcategory="Multi-weight erasure",
        ),
    log:
        "results/logs/report/serrano_smith_multi.log",
    benchmark:
        "results/benchmarks/report/serrano_smith_multi.tsv"
    conda:
        ENV
    params:
        aggregate="serrano_smith_multi",
    script:
        "../scripts/aggregate.py"
