"""Wiegreffe & Pinter's learned-vs-uniform attention table and figure."""

from attnaudit.joblog import job_log
from attnaudit.stages.report import learned_vs_uniform

with job_log(snakemake.log[0]):
    learned_vs_uniform(list(snakemake.input.metrics), **dict(snakemake.output.items()))
