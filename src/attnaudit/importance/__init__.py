"""Token rankings and explanations: one entry per ranking in `registry.RANKINGS`, each a
function `(model, rows, opts) -> scores` over each instance's items, in row order."""
