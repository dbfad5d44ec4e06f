"""Problems: the error values every pipeline stage returns instead of raising or printing.

A ``Problem`` carries a message code and its parameters, never finished text, so the CLI can
render it in Chinese or English at the very end, and tests can assert either the code or the
exact rendered line. Problems sort by file, line and column so a run's report reads top-down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from site_builder.core.messages import translate


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the ledger (台账问题), located at ``file:line:col``.

    ``line`` and ``col`` are 1-based; 0 means "the whole file". ``commit`` is set when the
    problem belongs to a change in the history (the gate and the audit).
    """

    file: str
    line: int
    col: int
    code: str
    params: tuple[tuple[str, Any], ...] = field(default=())
    commit: str = ""
    severity: str = "error"

    @classmethod
    def at(cls, file: str, pos: tuple[int, int] | None, code: str, commit: str = "",
           severity: str = "error", **params: Any) -> "Problem":
        line, col = pos if pos else (0, 0)
        return cls(str(file), line, col, code, tuple(sorted(params.items())), commit, severity)

    def message(self, lang: str = "zh") -> str:
        return translate(self.code, lang, **dict(self.params))

    def location(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file

    def render(self, lang: str = "zh") -> str:
        """The one-line text form, ``file:line:col: message``, used by text output and tests."""
        prefix = self.location()
        if self.commit:
            prefix += f" ({translate('label.commit', lang)} {self.commit[:10]})"
        return f"{prefix}: {self.message(lang)}"


class LedgerError(Exception):
    """Raised by library functions whose caller cannot go on; carries the problems found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    def __reduce__(self):   # raised in a worker process, raised again in the parent
        return (LedgerError, (self.problems,))
