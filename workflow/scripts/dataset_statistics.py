"""The dataset table (the papers' Table 1) from every dataset's summary.json."""

from attnaudit.joblog import job_log
from attnaudit.stages.report import dataset_statistics

with job_log(snakemake.log[0]):
    dataset_statistics(list(snakemake.input.summaries), **dict(snakemake.output.items()))
