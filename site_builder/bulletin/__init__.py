"""Bulletin stage: ISO weeks, the weekly figures, the bulletin builder, its pages, feed and Word document. May import core, ledger, history and metrics."""
