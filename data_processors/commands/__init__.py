"""The ``coverage-*`` commands of ``data_processors``, declared in light modules.

Each module here declares one command (its options, help text and example) and its ``main``;
the console scripts in ``pyproject.toml`` and ``nba-coverage`` start here. A module imports
only the standard library and :mod:`shared_services.cli`: pandas, the BigQuery client,
DuckDB, pyarrow and sqlglot load when the command does its work, after its arguments were
checked. So ``--help``, ``--version`` and a usage error answer in a fraction of a second
(tests/unit/cli/test_cli_startup.py guards it), and the work itself is unchanged.

Example::

    from data_processors.commands.health import COMMAND
    COMMAND.main(['--help'])
"""
