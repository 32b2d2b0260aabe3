"""Synthetic data for scale tests and benchmarks (`manage.py generate_data`).

`generator.py` writes it in bulk, keeping every invariant the services keep;
`vocabulary.py` holds the words and sentence builders (no Django there).
"""
