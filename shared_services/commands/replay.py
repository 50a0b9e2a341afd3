"""``coverage-replay``: load spilled coverage event batches from the dead-letter directory, exactly once.

The work is :mod:`shared_services.events.replay` (imported when the command runs, after the
directory and the warehouse URL were checked). Exit status: 0 all replayed, 1 a file failed
(``--fail-on``), 2 usage, 3 environment.

Example::

    coverage-replay --dir /var/spool/coverage --warehouse bigquery://my-project
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from shared_services.cli import Command, Context, Outcome, UsageError, option
from shared_services.events.dead_letter import (
    ENV_DEAD_LETTER_DIR,
    ENV_REPLAY_TABLES,
    DeadLetterSpool,
    extra_replay_tables,
)

__all__ = ["COMMAND", "main"]


def _run(ctx: Context) -> Outcome:
    chosen = ctx.args.dir if ctx.args.dir is not None else os.environ.get(ENV_DEAD_LETTER_DIR) or None
    spool = DeadLetterSpool(chosen)
    try:  # a bad entry is the caller's to fix, before anything is opened
        extra_replay_tables()
    except ValueError as exc:
        raise UsageError(f"${ENV_REPLAY_TABLES}: {exc}") from None
    client = None
    if spool.directory.is_dir():
        client = ctx.client()
    elif chosen is not None:   # named by --dir or the environment: a wrong path, not "nothing to do"
        origin = "--dir" if ctx.args.dir is not None else f"${ENV_DEAD_LETTER_DIR}"
        raise UsageError(f"{origin}: dead-letter directory {os.path.abspath(chosen)} does not exist")
    from shared_services.events.replay import replay_outcome

    return replay_outcome(spool, client)  # type: ignore[no-any-return]


COMMAND = Command(
    name="coverage-replay",
    summary="Load spilled coverage event batches from the dead-letter directory, exactly once.",
    example="coverage-replay --dir /var/spool/coverage --warehouse bigquery://my-project",
    run=_run,
    fail_on="critical",
    options=(option("--dir", metavar="DIR",
                    help="dead-letter directory (default $COVERAGE_DEAD_LETTER_DIR or "
                         "./coverage_dead_letter); a named directory must exist"),),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-replay``: 0 all replayed, 1 a file failed (--fail-on), 2 usage, 3 environment."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
