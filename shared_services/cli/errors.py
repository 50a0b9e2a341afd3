"""Exit codes and the two exception classes commands raise for them.

This module imports nothing heavy, so any module (a client adapter, the event sink) can raise
these without pulling in the command-line layer::

    from shared_services.cli.errors import EnvironmentProblem

    class WarehouseLocked(EnvironmentProblem):
        '''Another process holds the DuckDB file.'''

    raise WarehouseLocked('coverage.duckdb is locked by process 4242; wait or stop it')

A command that raises it exits 3 with that one line (no traceback unless ``-v``). Any
exception class can also choose its exit code with a class attribute ``exit_code = 3``, or be
added to the table in :func:`shared_services.cli.core.exit_code_for` with
:func:`shared_services.cli.core.register_exit_code`.
"""

from __future__ import annotations

__all__ = [
    "EXIT_OK",
    "EXIT_FOUND",
    "EXIT_USAGE",
    "EXIT_ENVIRONMENT",
    "EXIT_INTERNAL",
    "CommandError",
    "UsageError",
    "EnvironmentProblem",
]

#: The command ran and found nothing at or above ``--fail-on``.
EXIT_OK = 0
#: The command ran and found something at or above ``--fail-on``.
EXIT_FOUND = 1
#: Bad usage: unknown flag, bad date, bad warehouse URL, bad configuration, missing file.
EXIT_USAGE = 2
#: The environment failed: no credentials, network, deadline, lock held, permission, disk.
EXIT_ENVIRONMENT = 3
#: An unexpected error (a bug): one line, the traceback with ``-v``.
EXIT_INTERNAL = 4


class CommandError(Exception):
    """Base of errors that end a command with a one-line message and ``exit_code``.

    Example::

        raise CommandError('something failed')   # exit 3 unless a subclass says otherwise
    """

    exit_code: int = EXIT_ENVIRONMENT


class UsageError(CommandError, ValueError):
    """The user asked for something impossible (exit 2); the message names the argument.

    Example::

        raise UsageError("--date: '' is empty; give a date as YYYY-MM-DD")
    """

    exit_code = EXIT_USAGE


class EnvironmentProblem(CommandError):
    """The machine, network or warehouse failed the command (exit 3); the message names the fix.

    Example::

        raise EnvironmentProblem('no Google credentials: run gcloud auth application-default login')
    """

    exit_code = EXIT_ENVIRONMENT
