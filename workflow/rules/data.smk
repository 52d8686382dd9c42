# Download (mirror first, checksum verified, atomic) and preprocessing, per dataset.
# Both are cached between workflows (`--cache`, see README): the cache key is the script,
# the params and the content of non-generated inputs, never the wildcards, so every
# wildcard the output depends on is a param. Snakemake refuses `benchmark:` on cached
# rules (a cache hit has nothing to measure), so these two have none.


# Compute nodes often have no internet: downloads run on the submitting host. A download is
# verified by its checksum, so it lists no library code: a code edit never refetches.
localrules:
    download,


rule download:
    output:
        "resources/{dataset}/{filename}",
    log:
        "results/logs/download/{dataset}/{filename}.log",
    wildcard_constraints:
        filename=".+",
    cache: "omit-software"
    conda:
        ENV
    params:
        # what is fetched, not the dataset's other options: editing those never refetches
        remote=remote_file,
    script:
        "../scripts/download.py"


rule preprocess:
    input:
        files=dataset_files,
        code=preprocess_code,
    output:
        tokens=f"{DATA}/tokens.parquet",
        vocab=f"{DATA}/vocab.json",
        summary=f"{DATA}/summary.json",
    log:
        "results/logs/preprocess/{dataset}.log",
    cache: "omit-software"
    conda:
        ENV
    resources:
        mem_mb=8000,  # a corpus is parsed and tokenised in memory
        runtime=60,
    params:
        dataset=lambda wc: wc.dataset,
        options=lambda wc: PLAN.dataset_options(wc.dataset),
    script:
        "../scripts/preprocess.py"
