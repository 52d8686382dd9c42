# The open questions' transfer matrix (open_questions.transfer): each donor run's attention
# frozen into each student encoder, trained from scratch on the labels, one job per dataset x
# donor x student x seed (Wiegreffe & Pinter's guided MLP, generalised).


if PLAN.transfer_cells():

    rule transfer:
        input:
            unpack(lambda wc: PLAN.transfer_pieces(wc.dataset, wc.donor)),
            donor_model=lambda wc: PLAN.run_path(
                wc.dataset, wc.donor, wc.seed, "model.pt"
            ),
            tokens=rules.preprocess.output.tokens,
            vocab=rules.preprocess.output.vocab,
            summary=rules.preprocess.output.summary,
            embeddings=embedding_inputs,
            code=code("wiegreffe_pinter.py"),
        output:
            **{kind: f"{TRANSFER}/{name}" for kind, name in GUIDED_FILES.items()},
        log:
            job_paths("transfer", TRANSFER)[0],
        benchmark:
            job_paths("transfer", TRANSFER)[1]
        wildcard_constraints:
            donor="[a-z0-9]+-[a-z0-9]+",
            student="[a-z0-9]+",
        conda:
            ENV
        threads: THREADS
        resources:
            mem_mb=4000,
            runtime=240,
            gpu=training_gpus(),
        params:
            options=lambda wc: {
                "dataset": wc.dataset,
                "donor": wc.donor,
                "student": wc.student,
                "seed": int(wc.seed),
                "training": TRAINING,
                "batch_size": config["open_questions"]["transfer"]["batch_size"],
            },
        script:
            "../scripts/wiegreffe_pinter.py"
