"""Root test configuration.

``tests`` is a package (``tests/__init__.py``), so pytest imports this file as
``tests.conftest`` and puts the project root on ``sys.path`` first. That is what lets test
modules and local conftests ``import tests.support...`` and ``import shared_services`` without
an installed package. Keep shared fixtures in the sub-folders' conftests.
"""
