"""Reporting on source coverage: the HTML page (``coverage-report``) and daily health checks
(``coverage-health``).

    from data_processors.reporting.html_report import write_report
    from data_processors.reporting.health import run_health_checks
"""
