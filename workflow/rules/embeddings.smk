# Word vectors: each vectors file is downloaded once (mirror first, checksum where known), and
# each dataset's embedding matrix is built once; every training job of the dataset reads it.


# resources/embeddings/<name>/<file> would also match download's resources/{dataset}/{filename}
ruleorder: download_vectors > download


# Compute nodes often have no internet: like dataset downloads, on the submitting host.
localrules:
    download_vectors,


rule download_vectors:
    output:
        f"{VECTORS}/{{filename}}",
    log:
        "results/logs/download_vectors/{embedding}/{filename}.log",
    benchmark:
        "results/benchmarks/download_vectors/{embedding}/{filename}.tsv"
    wildcard_constraints:
        embedding="[A-Za-z0-9_]+",
        filename=".+",
    conda:
        ENV
    params:
        # what is fetched, not the entry's other options: editing those never refetches
        remote=vector_remote,
    script:
        "../scripts/download_vectors.py"


rule embedding_matrix:
    input:
        tokens=rules.preprocess.output.tokens,
        vocab=rules.preprocess.output.vocab,
        sources=vector_files,
        code=code("embedding_matrix.py"),
    output:
        matrix=f"{MATRIX}.npy",
        info=f"{MATRIX}.json",
    log:
        "results/logs/embedding_matrix/{dataset}/{embedding}.log",
    benchmark:
        "results/benchmarks/embedding_matrix/{dataset}/{embedding}.tsv"
    wildcard_constraints:
        embedding="[A-Za-z0-9_]+",
    conda:
        ENV
    resources:
        mem_mb=4000,  # word2vec training, or a vectors file read line by line
        runtime=60,
    params:
        options=lambda wc: embedding_options(wc.embedding),
    script:
        "../scripts/embedding_matrix.py"
