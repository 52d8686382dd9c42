# attnaudit: puts attention weights on trial (Jain & Wallace 2019; Serrano & Smith 2019;
# Wiegreffe & Pinter 2019). See README.md; the science lives in src/attnaudit/.
from snakemake.utils import min_version

# as pyproject.toml requires: the Snakemake release this workflow is tested with
min_version("9.27")

# config.yaml is the embedded default. A --configfile on the command line replaces it rather
# than being merged into it (configs/*.yaml are whole studies); to extend the default instead,
# name it first: --configfile config.yaml mine.yaml.
from attnaudit.configfiles import config_file

if not workflow.overwrite_configfiles:

    # read strictly first: a YAML error then names the file and the line
    configfile: config_file("config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/pretrained.smk"
include: "workflow/rules/embeddings.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/jain_wallace.smk"
include: "workflow/rules/serrano_smith.smk"
include: "workflow/rules/wiegreffe_pinter.smk"
include: "workflow/rules/faithfulness.smk"
include: "workflow/rules/vashishth.smk"
include: "workflow/rules/verdicts.smk"
include: "workflow/rules/pruthi.smk"
include: "workflow/rules/complexity.smk"
include: "workflow/rules/class_effects.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/encoders.smk"
include: "workflow/rules/open_questions.smk"


rule all:
    default_target: True
    input:
        PLAN.targets(),
