"""Fetch one dataset file (mirror first, checksum verified, atomic)."""

from attnaudit.joblog import job_log
from attnaudit.stages.data import download_file

with job_log(snakemake.log[0]):
    download_file(
        dataset=snakemake.wildcards.dataset,
        # The tracked param is snakemake.params.remote (what is fetched); the options are
        # read here only to resolve that same file again.
        options=snakemake.config["datasets"][snakemake.wildcards.dataset],
        filename=snakemake.wildcards.filename,
        dest=snakemake.output[0],
        # Where to fetch from is not what is fetched: deliberately not a tracked param.
        mirror=snakemake.config.get("mirror"),
    )
