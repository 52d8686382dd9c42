"""Fetch one word-vectors file (mirror first, checksum verified where known, atomic)."""

from attnaudit.joblog import job_log
from attnaudit.stages.embeddings import download_vectors

with job_log(snakemake.log[0]):
    download_vectors(
        name=snakemake.wildcards.embedding,
        remote=snakemake.params.remote,
        dest=snakemake.output[0],
        # Where to fetch from is not what is fetched: deliberately not a tracked param.
        mirror=snakemake.config.get("mirror"),
    )
