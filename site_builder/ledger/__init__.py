"""Ledger stage: the data. Safe YAML, the models, file checks, the parse cache, loading a folder or a git tree, the single-file and cross-file rules, the JSON Schemas. May import core only."""
