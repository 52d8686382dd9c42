# attnaudit: puts attention weights on trial (Jain & Wallace 2019; Serrano & Smith 2019;
# Wiegreffe & Pinter 2019). See README.md; the science lives in src/attnaudit/.


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
