"""Download a hub checkpoint at its pinned revision (safetensors, configs, tokenizer)."""

from attnaudit.data.checkpoints import download
from attnaudit.joblog import job_log

with job_log(snakemake.log[0]):
    download(snakemake.params.entry["checkpoint"], snakemake.params.entry["revision"],
             snakemake.output[0])  # fmt: skip
