"""Rectification Ledger (巡察整改监督台账): ledger → history → metrics → site / bulletin, plus office, edit and cli.

The stages are packages; ``core`` is beneath them all. An import never runs back up the pipeline (a test checks it).
"""
