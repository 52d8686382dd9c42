"""One module per experiment: a function (model, rows, params) -> per-instance DataFrame."""
