"""The one command-line layer every ``coverage-*`` command is built on.

A command is a function ``run(ctx) -> Outcome`` plus its declared options; the layer adds the
common flags (``--help`` with an example, ``--version``, ``--warehouse``, ``--json``, ``-q``,
``-v`` and, for commands that can find something, ``--fail-on``), sets up line-buffered
output and logging, opens the warehouse, prints the result and maps every exception to an
exit code in ONE place (:func:`exit_code_for`)::

    from shared_services.cli import Command, Outcome, option

    def _run(ctx):
        client = ctx.client()                       # checked URL; the file must exist
        rows = count_rows(client, ctx.args.since)
        return Outcome(text=f'{rows} row(s)', data={'rows': rows},
                       found=['warning'] * rows)   # exit 1 with --fail-on warning

    COMMAND = Command(
        name='coverage-count', summary='Count rows since a date.',
        example='coverage-count --since 2025-01-01 --json',
        options=(option('--since', type=cli_date, required=True, help='first date, YYYY-MM-DD'),),
        run=_run, fail_on='warning')
    main = COMMAND.main                            # console script: coverage-count = module:main

Exit status (the same for every command): 0 ok, 1 found something at or above ``--fail-on``,
2 usage error, 3 environment error, 4 unexpected error (a bug). Nothing prints a traceback
unless ``-v`` is given.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from shared_services.cli.errors import (
    EXIT_ENVIRONMENT,
    EXIT_FOUND,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    EnvironmentProblem,
    UsageError,
)
from shared_services.events.text import one_line

__all__ = [
    "Command",
    "Context",
    "Option",
    "Outcome",
    "option",
    "cli_date",
    "format_counts",
    "exit_code_for",
    "register_exit_code",
    "run_command",
    "package_version",
    "FAIL_ON_LEVELS",
    "MIN_DATE",
    "MAX_DATE",
]

#: ``--fail-on`` values: the finding severities that make a command exit 1.
FAIL_ON_LEVELS: Mapping[str, tuple[str, ...]] = {
    "critical": ("critical",),
    "warning": ("critical", "warning"),
    "never": (),
}
#: Older spellings accepted by ``--fail-on`` (coverage-health used pass / warn / fail).
_FAIL_ON_ALIASES = {"fail": "critical", "warn": "warning"}

#: Dates a command accepts. The commands compute windows of days around a date (look-backs,
#: seasons), so the edges of what ``datetime.date`` or BigQuery's DATE can hold (years 1 and
#: 9999) are usage errors, not overflows.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)

_PACKAGE = "nba-source-coverage"
_WAREHOUSE_HELP = "warehouse URL (default $COVERAGE_WAREHOUSE, else duckdb:///coverage.duckdb)"
_EXIT_HELP = (
    "exit status: 0 ok, 1 found something at or above --fail-on, 2 usage error,\n"
    "3 environment error (credentials, network, deadline, lock, permission, disk),\n"
    "4 unexpected error (a bug; -v shows the traceback)"
)


# -- declared options ----------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    """One declared option: the flags and the ``argparse.add_argument`` keywords."""

    flags: tuple[str, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def option(*flags: str, **kwargs: Any) -> Option:
    """Declare an option exactly as ``parser.add_argument`` would take it.

    Example::

        option('--days', type=int, default=7, help='game days to simulate (default 7)')
    """
    return Option(tuple(flags), dict(kwargs))


def cli_date(text: str) -> date:
    """``type=`` for date options: strict ``YYYY-MM-DD`` in [MIN_DATE, MAX_DATE]; empty is an error.

    Example::

        option('--date', type=cli_date, help='game date, YYYY-MM-DD')
        cli_date('2025-01-15')    # datetime.date(2025, 1, 15)
        cli_date('')              # argparse.ArgumentTypeError: empty; expected a date ...
    """
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise argparse.ArgumentTypeError(
            "empty; expected a date as YYYY-MM-DD (leave the option out for the default)")
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; expected YYYY-MM-DD") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise argparse.ArgumentTypeError(
            f"{value} is outside the supported range {MIN_DATE}..{MAX_DATE}")
    return day


def _fail_on_level(text: str) -> str:
    value = text.strip().lower()
    return _FAIL_ON_ALIASES.get(value, value)


# -- the result of a command ---------------------------------------------------------------
@dataclass
class Outcome:
    """What a command returns: text for people, data for ``--json``, severities it found.

    ``found`` lists one severity ('critical', 'warning', 'info') per finding; the layer exits
    1 when one is at or above ``--fail-on``. ``exit_code`` overrides that when set.

    Example::

        Outcome(text='3 stale row(s)', data={'stale': rows}, found=['warning'] * 3)
    """

    text: str = ""
    data: Any = None
    found: Sequence[str] = ()
    exit_code: int | None = None


def format_counts(counts: Mapping[Any, int] | Iterable[Any], empty: str = "none") -> str:
    """Counts as plain text, most frequent first, zeros left out: ``'gold 5, silver 2, no_data 1'``.

    Accepts a mapping of value -> count or an iterable of values (counted). Enum members are
    printed by their value, so ``QualityTier.GOLD`` reads ``gold``.

    Example::

        format_counts({'0022400610': QualityTier.GOLD, ...}.values())   # 'gold 9, silver 1'
    """
    tally: dict[str, int] = {}
    items = counts.items() if isinstance(counts, Mapping) else ((value, 1) for value in counts)
    for key, number in items:
        label = str(getattr(key, "value", key))
        tally[label] = tally.get(label, 0) + int(number)
    tally = {label: number for label, number in tally.items() if number}
    if not tally:
        return empty
    ordered = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{label} {number}" for label, number in ordered)


# -- exit codes: the one place -------------------------------------------------------------
_EXIT_TABLE: list[tuple[type[BaseException], int]] = []

#: The built-in entries, lowest priority first: (module, class name, exit code). A class is
#: looked up only when its module is already imported: an exception of a module nobody
#: imported cannot exist, so ``--help`` and usage errors never load the SDK or DuckDB for it.
_DEFAULT_EXIT_CODES: tuple[tuple[str, str, int], ...] = (
    ("builtins", "OSError", EXIT_ENVIRONMENT),          # disk, permission, network, timeouts
    ("builtins", "MemoryError", EXIT_ENVIRONMENT),
    *(("google.api_core.exceptions", name, EXIT_ENVIRONMENT)
      for name in ("RetryError", "Unauthorized", "Forbidden", "NotFound", "TooManyRequests",
                   "ServerError", "DeadlineExceeded")),
    ("google.auth.exceptions", "GoogleAuthError", EXIT_ENVIRONMENT),
    # IOException: the file is locked by another process, unreadable or not a database.
    *(("duckdb", name, EXIT_ENVIRONMENT)
      for name in ("IOException", "PermissionException", "OutOfMemoryException")),
    ("shared_services.processors.errors", "ImproperlyConfigured", EXIT_USAGE),
    ("shared_services.processors.errors", "CoverageStorageError", EXIT_ENVIRONMENT),
)


def register_exit_code(exc_type: type[BaseException], code: int) -> None:
    """Map an exception class (and its subclasses) to an exit code; later entries win.

    Entries registered here take precedence over the built-in ones.

    Example::

        register_exit_code(duckdb.IOException, EXIT_ENVIRONMENT)
    """
    _EXIT_TABLE.append((exc_type, code))


#: DuckDB raises some file and disk problems as its base ``Error`` or a ``TransactionException``
#: ("Corrupt database file: computed checksum ...", "Cannot open file ...wal: Operation not
#: permitted"): by their message they are the environment's (exit 3), not a bug.
_DUCKDB_ENVIRONMENT = re.compile(
    r"Corrupt database file|Cannot open file|Operation not permitted|Permission denied|"
    r"No space left on device|Read-only file system|Could not (?:write|read|truncate|sync|fsync)",
    re.IGNORECASE,
)


#: A warehouse file or folder the command may not write (see :func:`_one_line`).
_NO_WRITE_ACCESS = re.compile(r"Permission denied|Read-only file system|Operation not permitted", re.IGNORECASE)


def _is_duckdb_error(exc: BaseException) -> bool:
    duckdb = sys.modules.get("duckdb")
    error = getattr(duckdb, "Error", None) if duckdb is not None else None
    return isinstance(error, type) and isinstance(exc, error)


def _default_exit_code(exc: BaseException) -> int | None:
    for module_name, class_name, code in reversed(_DEFAULT_EXIT_CODES):
        module = sys.modules.get(module_name)
        exc_type = getattr(module, class_name, None) if module is not None else None
        if isinstance(exc_type, type) and isinstance(exc, exc_type):
            return code
    if _is_duckdb_error(exc) and _DUCKDB_ENVIRONMENT.search(str(exc)):
        return EXIT_ENVIRONMENT
    return None


def exit_code_for(exc: BaseException) -> int:
    """The exit code of ``exc``: its ``exit_code`` attribute, else the table, else 4 (a bug).

    Example::

        exit_code_for(UsageError('--date: empty'))            # 2
        exit_code_for(PermissionError('read-only'))           # 3
        exit_code_for(KeyError('x'))                          # 4
    """
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    for exc_type, mapped in reversed(_EXIT_TABLE):
        if isinstance(exc, exc_type):
            return mapped
    default = _default_exit_code(exc)
    return EXIT_INTERNAL if default is None else default


def _one_line(exc: BaseException) -> str:
    # Only an imported module's exceptions can have been raised, so a usage error is printed
    # without loading the SDK.
    gexc: Any = sys.modules.get("google.api_core.exceptions")
    if gexc is not None and isinstance(exc, gexc.NotFound):
        text = f"{exc.message}; is this the right warehouse? run coverage-setup on it first"
    elif gexc is not None and isinstance(exc, gexc.GoogleAPICallError):
        text = f"BigQuery: {exc.code} {exc.message}"
    elif gexc is not None and isinstance(exc, gexc.RetryError):
        text = f"BigQuery did not answer in time ({exc.message}; cause: {exc.cause})"
    else:
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, CommandError):
            text = f"{type(exc).__name__}: {text}"
        if _is_duckdb_error(exc) and _NO_WRITE_ACCESS.search(text):
            text += ("; the embedded warehouse needs write access to its file and folder, even to "
                     "read (it records every job and keeps a .wal beside the file): run as the file's "
                     "owner, or copy the file to a writable folder and point --warehouse at the copy")
    text = " ".join(text.split())
    return text if len(text) <= 600 else text[:597] + "..."


def package_version() -> str:
    """The installed version of nba-source-coverage (``'unknown'`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(_PACKAGE)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


# -- the parser ----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse with ONE-line usage errors raised as :class:`UsageError` (never sys.exit(2))."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


# -- the run context -----------------------------------------------------------------------
class Context:
    """What a command's ``run`` receives: parsed ``args``, the warehouse, output helpers."""

    def __init__(self, command: Command, args: argparse.Namespace) -> None:
        self.command = command
        self.args = args
        self.verbosity: int = args.verbose
        self.quiet: bool = args.quiet
        self.json: bool = args.json
        self._closers: list[Callable[[], Any]] = []

    @property
    def prog(self) -> str:
        return self.command.name

    def warehouse_url(self) -> str:
        """The warehouse URL in effect: ``--warehouse``, else ``$COVERAGE_WAREHOUSE``, else the default."""
        from shared_services.bigquery.factory import DEFAULT_WAREHOUSE_URL, ENV_WAREHOUSE

        if self.args.warehouse is not None:
            return str(self.args.warehouse)
        return os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE_URL

    def _url_source(self) -> str:
        from shared_services.bigquery.factory import ENV_WAREHOUSE

        if self.args.warehouse is not None:
            return "--warehouse"
        return f"${ENV_WAREHOUSE}" if os.environ.get(ENV_WAREHOUSE) else "the default"

    def client(self, must_exist: bool | None = None) -> Any:
        """Open the warehouse (closed when the command ends); bad URLs are usage errors.

        For commands that read (``warehouse='existing'``), a DuckDB file that does not exist
        is a usage error and nothing is created.
        """
        from shared_services.bigquery.factory import make_client, parse_warehouse_url

        url = self.warehouse_url()
        source = self._url_source()
        try:
            parsed = parse_warehouse_url(url)
        except ValueError as exc:
            raise UsageError(f"{source}: {exc}") from None
        if must_exist is None:
            must_exist = self.command.warehouse == "existing"
        if parsed.kind == "duckdb" and parsed.path not in (None, ":memory:"):
            path = os.path.abspath(str(parsed.path))
            if os.path.isdir(path):
                raise UsageError(f"{source}: {path} is a directory, not a warehouse file; name a .duckdb file "
                                 f"(e.g. duckdb:///{os.path.join(str(parsed.path), 'coverage.duckdb')})")
            if must_exist and not os.path.isfile(path):
                raise UsageError(
                    f"warehouse file {path} does not exist ({source} {url!r}); check the path, "
                    f"or create the warehouse with: coverage-setup --warehouse {url}")
        try:
            client = make_client(url)
        except CommandError:      # UsageError / EnvironmentProblem already carry their code
            raise
        except ValueError as exc:
            raise UsageError(f"{source}: {exc}") from None
        closer = getattr(client, "close", None)
        if callable(closer):
            self._closers.append(closer)
        return client

    def say(self, line: str) -> None:
        """A progress line: stdout, stderr under ``--json`` (stdout stays JSON), none with ``-q``."""
        if self.quiet:
            return
        try:
            print(line, file=sys.stderr if self.json else sys.stdout, flush=True)
        except BrokenPipeError:
            # `| head` closed the pipe: the reader has what it wanted. The work goes on (a demo
            # or a backfill half done would be worse than a progress line lost), quietly.
            self.quiet = True
            _silence_stdout(sys.stderr if self.json else sys.stdout)

    def close(self) -> None:
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # closing must not hide the command's own result
                logging.getLogger(__name__).debug("closing the warehouse failed", exc_info=True)


# -- the command ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    """A command: name, one-line summary, example, declared options and ``run(ctx) -> Outcome``.

    ``warehouse`` says how ``ctx.client()`` treats a DuckDB path: ``'existing'`` (read
    commands: it must exist), ``'create'`` (``coverage-setup``) or ``'own'`` (the command
    interprets ``--warehouse`` itself, e.g. the demo). ``fail_on`` is the default of the
    ``--fail-on`` option, or None when the command cannot find anything.

    Example::

        COMMAND = Command('coverage-x', 'Do x.', 'coverage-x --date 2025-01-15', _run,
                          options=(option('--date', type=cli_date, required=True),))
        main = COMMAND.main
    """

    name: str
    summary: str
    example: str
    run: Callable[[Context], Outcome]
    options: Sequence[Option] = ()
    warehouse: str = "existing"
    warehouse_help: str = _WAREHOUSE_HELP
    fail_on: str | None = None
    description: str = ""

    def build_parser(self, prog: str | None = None) -> argparse.ArgumentParser:
        """The argparse parser: common flags first, then the declared options."""
        epilog = f"example:\n  {self.example}\n\n{_EXIT_HELP}"
        # allow_abbrev=False: `--dat` is not `--date` (a typo must not pick an option silently).
        parser = _Parser(prog=prog or self.name, description=self.description or self.summary,
                         epilog=epilog, formatter_class=_Formatter, allow_abbrev=False)
        common = parser.add_argument_group("common options")
        common.add_argument("--version", action="version",
                            version=f"%(prog)s ({_PACKAGE}) {package_version()}")
        common.add_argument("--warehouse", metavar="URL", help=self.warehouse_help, action=_StoreOnce)
        common.add_argument("--json", action="store_true",
                            help="print the result as JSON on stdout (progress goes to stderr)")
        common.add_argument("-q", "--quiet", action="store_true",
                            help="print only errors (and the JSON result with --json)")
        common.add_argument("-v", "--verbose", action="count", default=0,
                            help="more log output and tracebacks; -vv for debug logs")
        if self.fail_on is not None:
            common.add_argument(
                "--fail-on", type=_fail_on_level, choices=tuple(FAIL_ON_LEVELS),
                default=self.fail_on, metavar="{critical,warning,never}",
                help=f"exit 1 when a finding at or above this severity exists (default {self.fail_on})")
        own = parser.add_argument_group(f"{self.name} options") if self.options else parser
        for declared in self.options:
            kwargs = dict(declared.kwargs)
            if kwargs.get("action", "store") == "store" and kwargs.get("nargs") is None:
                kwargs["action"] = _StoreOnce  # `--date A ... --date B` is a mistake, not "B"
            own.add_argument(*declared.flags, **kwargs)
        return parser

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Parse ``argv`` (default ``sys.argv[1:]``), run, print; returns the exit status."""
        return run_command(self, argv)


class _StoreOnce(argparse._StoreAction):
    """``store``, refusing a second value: a command line (or a cron line edited twice) that
    gives an option twice is a usage error naming it, not a silent "the last one wins"."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        seen: set[str] = getattr(namespace, "_given_once", set())
        if self.dest in seen:
            parser.error(f"argument {'/'.join(self.option_strings)}: given more than once")
        namespace._given_once = seen | {self.dest}  # noqa: SLF001 - the parse's own record
        super().__call__(parser, namespace, values, option_string)


class _LogFormatter(logging.Formatter):
    """One line per record; a logged exception shows as its one-line text unless ``-v``."""

    def __init__(self, with_tracebacks: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.with_tracebacks = with_tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.with_tracebacks:
            return super().format(record)
        exc = record.exc_info[1] if record.exc_info else None
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        # A message holding a multi-line text (DuckDB's "LINE 1: ... ^^^" errors, a source's
        # reply) stays one line: its line breaks and other control characters are escaped.
        line = one_line(super().format(plain))
        if exc is not None:
            line += f" ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}; -v for the traceback)"
        return line


def _configure_output(verbosity: int, quiet: bool) -> Callable[[], None]:
    """Line-buffer stdout / stderr and route logging to stderr; returns the undo (for in-process callers)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            try:
                reconfigure(line_buffering=True)
            except (ValueError, OSError):  # pragma: no cover - a detached or closed stream
                pass
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO)[min(verbosity, 1)]
    if verbosity >= 2:
        level = logging.DEBUG
    root = logging.getLogger()
    saved_level = root.level
    saved_noisy = {name: logging.getLogger(name).level for name in _NOISY_LOGGERS}
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(with_tracebacks=verbosity >= 1))
    root.addHandler(handler)
    root.setLevel(level)
    # Retry chatter of the HTTP and auth libraries (one warning per attempt) drowns the one
    # line that matters; -v shows it.
    for noisy in _NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.NOTSET if verbosity else logging.ERROR)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, saved in saved_noisy.items():
            logging.getLogger(name).setLevel(saved)

    return undo


_NOISY_LOGGERS = ("urllib3", "google.auth", "google.api_core", "google.cloud.bigquery")


def _exit_status(command: Command, args: argparse.Namespace, outcome: Outcome) -> int:
    if outcome.exit_code is not None:
        return outcome.exit_code
    if command.fail_on is None:
        return EXIT_OK
    failing = FAIL_ON_LEVELS[args.fail_on]
    return EXIT_FOUND if any(severity in failing for severity in outcome.found) else EXIT_OK


def _wants(flag: str, argv: Sequence[str]) -> bool:
    return any(arg == flag for arg in argv)


def _verbosity(argv: Sequence[str]) -> int:
    count = 0
    for arg in argv:
        if arg == "--verbose":
            count += 1
        elif arg.startswith("-") and not arg.startswith("--") and set(arg[1:]) == {"v"}:
            count += len(arg) - 1
    return count


def _silence_stdout(stream: TextIO | None = None) -> None:
    """After a closed pipe: point ``stream`` (default stdout) at /dev/null so later writes and
    the interpreter's final flush are quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, (stream or sys.stdout).fileno())
    except (OSError, ValueError):  # pragma: no cover - no real file descriptor (captured output)
        pass


def run_as_module(main: Callable[[], int]) -> None:
    """``python -m`` a work module whose command lives in a light command module: register
    the running module under its import name first, so the command's import of it by name
    finds this copy (a second copy would register its statements and processors twice),
    then exit with ``main()``'s status.

    Example::

        if __name__ == "__main__":
            run_as_module(main)
    """
    module = sys.modules["__main__"]
    spec = getattr(module, "__spec__", None)
    if spec is not None and spec.name:
        sys.modules.setdefault(spec.name, module)
    sys.exit(main())


def run_command(command: Command, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse, run and print ``command``; every exception becomes an exit code and ONE line.

    Example::

        sys.exit(run_command(COMMAND, ['--date', '2025-01-15', '--json']))
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    name = prog or command.name
    verbosity = _verbosity(arguments)
    as_json = _wants("--json", arguments)
    ctx: Context | None = None
    undo_output: Callable[[], None] | None = None
    try:
        try:
            args = command.build_parser(name).parse_args(arguments)
        except SystemExit as done:  # --help / --version
            return int(done.code or 0) if not isinstance(done.code, str) else EXIT_USAGE
        undo_output = _configure_output(args.verbose, args.quiet)
        ctx = Context(command, args)
        outcome = command.run(ctx)
        status = _exit_status(command, args, outcome)
        try:
            if args.json:
                print(json.dumps(outcome.data, indent=2, default=str), flush=True)
            elif outcome.text and not args.quiet:
                print(outcome.text, flush=True)
        except BrokenPipeError:  # `| head` closed the pipe: the work is done, keep its status
            _silence_stdout()
        return status
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr, flush=True)
        return 130
    except Exception as exc:
        code = exit_code_for(exc)
        if verbosity:
            traceback.print_exc(file=sys.stderr)
        line = _one_line(exc)
        if code == EXIT_INTERNAL and not verbosity:
            line += " (unexpected; rerun with -v for the traceback)"
        print(f"{name}: error: {line}", file=sys.stderr, flush=True)
        if as_json:
            try:
                print(json.dumps({"error": line, "exit_code": code}), flush=True)
            except BrokenPipeError:
                _silence_stdout()
        return code
    finally:
        if ctx is not None:
            ctx.close()
        if undo_output is not None:
            undo_output()


# re-exported for commands
__all__ += ["UsageError", "EnvironmentProblem", "CommandError"]
