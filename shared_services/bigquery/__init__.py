"""Storage: the client port, the embedded DuckDB adapter, the factory, schemas and setup.

Example::

    from shared_services.bigquery import make_client
    client = make_client()  # $COVERAGE_WAREHOUSE or duckdb:///coverage.duckdb
"""

from shared_services.bigquery.factory import make_client, parse_warehouse_url

__all__ = ["make_client", "parse_warehouse_url"]
