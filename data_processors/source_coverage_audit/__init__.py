"""The nightly source coverage audit (schedule vs log vs data).

    from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
    result = SourceCoverageAuditProcessor(dry_run=True).run_daily_audit()

Command line: ``coverage-audit --help`` or ``python -m data_processors.source_coverage_audit``.
"""

from data_processors.source_coverage_audit.classify import AuditFinding, AuditStatus, classify
from data_processors.source_coverage_audit.config import (
    DEFAULT_AUDIT_TABLES,
    AuditConfigError,
    AuditTable,
    load_audit_tables,
)
from data_processors.source_coverage_audit.processor import (
    AuditResult,
    SourceCoverageAuditProcessor,
    default_audit_date,
)

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
