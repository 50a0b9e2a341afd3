"""The ``coverage-*`` commands of ``shared_services``, declared in light modules.

As :mod:`data_processors.commands`: each module declares one command and its ``main``,
imports only the standard library and :mod:`shared_services.cli`, and loads the SDK, DuckDB
and pandas when the command does its work. ``--help``, ``--version`` and usage errors stay fast.

Example::

    from shared_services.commands.setup import COMMAND
    COMMAND.main(['--print-ddl'])
"""
