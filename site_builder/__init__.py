"""Rectification Ledger (巡察整改监督台账): ledger → history → metrics → site / bulletin, plus office, edit and cli.

The stages are packages; ``core`` is beneath them all. An import never runs back up the pipeline (a test checks it).
"""


def version() -> str:
    """The installed distribution's version: the one number pip, the wheel and ``--version`` share."""
    from importlib.metadata import PackageNotFoundError, version as dist_version
    try:
        return dist_version("rectification-ledger")
    except PackageNotFoundError:   # run from a source tree that was never installed
        return "0+unknown"
