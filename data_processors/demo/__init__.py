"""The end-to-end demo: a deterministic synthetic slate with injected faults, run through
phase 3 to phase 5, audited and reported.

    coverage-demo --days 7 --seed 7 --out demo_out

Python::

    from data_processors.demo.runner import run_demo
    summary = run_demo(days=3, seed=7, out_dir='demo_out')
    print(summary.to_text())
"""
