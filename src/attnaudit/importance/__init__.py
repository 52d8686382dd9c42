"""Per-token importance measures over real tokens, one signature for all:
`measure(model, rows, batch_size) -> list[np.ndarray]`, one array per row of `rows`
(a DataFrame with a `token_ids` column), in row order.
"""
