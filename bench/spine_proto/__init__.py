"""A throwaway prototype of the record spine, for docs/decisions/0001-record-spine.md only.

Never installed by the portal. `bench/spine_eval.py` loads it through
`bench.spine_proto.settings` to build the spine's tables beside the real ones (from
the same rows) and to ask Django which SQL the spine design would run.
"""
