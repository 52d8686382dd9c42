"""Job entry points: one function per workflow job, from input paths to output paths.

The workflow scripts call exactly one of these; tests call them directly. This is the top
layer of the library: it imports the rest, and nothing imports it.
"""
