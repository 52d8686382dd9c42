# The open questions' complexity sweeps (open_questions.complexity): the swept model trained
# at each hidden size and each training share, every seed and dataset of the sweep, then
# Jain & Wallace's adversary and permutation on it. The point at the configured size on the
# whole split is the model's own run where the config trains it (Plan.complexity_file).


if PLAN.complexity_points():

    rule complexity_train:
        input:
            tokens=rules.preprocess.output.tokens,
            vocab=rules.preprocess.output.vocab,
            summary=rules.preprocess.output.summary,
            embeddings=embedding_inputs,
            code=code("complexity_train.py"),
        output:
            checkpoint=f"{COMPLEXITY}/model.pt",
            history=f"{COMPLEXITY}/epochs.csv",
            metrics=f"{COMPLEXITY}/metrics.json",
            predictions=f"{COMPLEXITY}/predictions.parquet",
        log:
            job_paths("complexity", COMPLEXITY)[0],
        benchmark:
            job_paths("complexity", COMPLEXITY)[1]
        wildcard_constraints:
            hidden="[0-9]+",
            fraction=NUMBER,
        conda:
            ENV
        threads: THREADS
        resources:
            mem_mb=4000,
            runtime=240,
            gpu=training_gpus(),
        params:
            encoder=catalog.split_model(PLAN.complexity["model"])[0],
            attention=catalog.split_model(PLAN.complexity["model"])[1],
            training=lambda wc: PLAN.complexity_training(wc.hidden),
            hidden=lambda wc: int(wc.hidden),
            fraction=lambda wc: float(wc.fraction),
            seed=lambda wc: int(wc.seed),
        script:
            "../scripts/complexity_train.py"

    rule complexity_analyse:
        input:
            checkpoint=lambda wc: PLAN.complexity_file(
                wc.dataset, wc.hidden, wc.fraction, wc.seed, "model.pt"
            ),
            tokens=rules.preprocess.output.tokens,
            code=code("analysis.py", "attnaudit.analyses.jain_wallace"),
        output:
            **{
                f"jain_wallace_{name}": f"{COMPLEXITY}/jain_wallace/{name}.parquet"
                for name in COMPLEXITY_ANALYSES
            },
        log:
            job_paths("complexity", f"{COMPLEXITY}/analyses")[0],
        benchmark:
            job_paths("complexity", f"{COMPLEXITY}/analyses")[1]
        wildcard_constraints:
            hidden="[0-9]+",
            fraction=NUMBER,
        group:
            "analyses"
        conda:
            ENV
        threads: THREADS
        resources:
            mem_mb=4000,
            runtime=240,
        params:
            settings=PLAN.complexity_analysis_settings(),
        script:
            "../scripts/analysis.py"
