"""``python -m data_processors.source_coverage_audit`` (same as ``coverage-audit``)."""

import sys

from data_processors.source_coverage_audit.cli import main

sys.exit(main())
