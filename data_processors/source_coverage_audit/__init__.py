"""The nightly source coverage audit (schedule vs log vs data).

    from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
    result = SourceCoverageAuditProcessor(dry_run=True).run_daily_audit()

Command line: ``coverage-audit --help`` or ``python -m data_processors.source_coverage_audit``.

The processor and the table configuration load on first use (PEP 562), so the command line (``cli``) starts without
pandas and the BigQuery client; ``from data_processors.source_coverage_audit import X``
works as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Light (standard library only), and imported here so that the name ``classify`` is the
# function, not the submodule of the same name.
from data_processors.source_coverage_audit.audit_date import default_audit_date
from data_processors.source_coverage_audit.classify import AuditFinding, AuditStatus, classify

if TYPE_CHECKING:
    from data_processors.source_coverage_audit.config import (
        DEFAULT_AUDIT_TABLES,
        AuditConfigError,
        AuditTable,
        load_audit_tables,
    )
    from data_processors.source_coverage_audit.processor import (
        AuditResult,
        SourceCoverageAuditProcessor,
    )

_HOME = {
    "SourceCoverageAuditProcessor": "processor",
    "AuditResult": "processor",
    "AuditTable": "config",
    "AuditConfigError": "config",
    "DEFAULT_AUDIT_TABLES": "config",
    "load_audit_tables": "config",
}

__all__ = [
    "SourceCoverageAuditProcessor",
    "AuditResult",
    "AuditFinding",
    "AuditStatus",
    "AuditTable",
    "AuditConfigError",
    "DEFAULT_AUDIT_TABLES",
    "classify",
    "default_audit_date",
    "load_audit_tables",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
