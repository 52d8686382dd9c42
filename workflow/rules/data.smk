# Download (mirror first, checksum verified, atomic) and preprocessing, per dataset.


rule download:
    output:
        "resources/{dataset}/{filename}",
    log:
        "results/logs/download/{dataset}/{filename}.log",
    benchmark:
        "results/benchmarks/download/{dataset}/{filename}.tsv"
    wildcard_constraints:
        filename=".+",
    conda:
        ENV
    params:
        options=lambda wc: dataset_options(wc.dataset),
    script:
        "../scripts/download.py"


rule preprocess:
    input:
        dataset_files,
    output:
        tokens=f"{DATA}/tokens.parquet",
        vocab=f"{DATA}/vocab.json",
        summary=f"{DATA}/summary.json",
    log:
        "results/logs/preprocess/{dataset}.log",
    benchmark:
        "results/benchmarks/preprocess/{dataset}.tsv"
    conda:
        ENV
    params:
        options=lambda wc: dataset_options(wc.dataset),
    script:
        "../scripts/preprocess.py"
