# The open questions' encoder comparison (open_questions.encoders): each model of the block,
# trained by `train` on each of its datasets and seeds, analysed once with the measures
# that answer what the encoder changes (Plan.encoder_analysis_settings); one job per run.


if PLAN.encoder_analysis_outputs():

    rule encoders_analyse:
        input:
            checkpoint=rules.train.output.checkpoint,
            tokens=run_data("tokens.parquet"),
            code=code(
                "analysis.py",
                *(f"attnaudit.analyses.{f}" for f in PLAN.encoder_analysis_settings()),
            ),
        output:
            **PLAN.encoder_analysis_outputs(),
        log:
            job_paths("encoders", ENCODER_RUN)[0],
        benchmark:
            job_paths("encoders", ENCODER_RUN)[1]
        wildcard_constraints:
            encoder=FLAT,
            attention=LEARNED_ATTENTION,
        group:
            "analyses"
        conda:
            ENV
        threads: THREADS
        resources:
            mem_mb=lambda wildcards: PLAN.analysis_mem_mb(wildcards.encoder),
            runtime=240,
        params:
            settings=PLAN.encoder_analysis_settings(),
        script:
            "../scripts/analysis.py"
