"""Reliability: threads. Each processor's events stay its own and none is lost."""

from __future__ import annotations

import threading

from tests.support.event_log import Processor, log_rows


def test_eight_threads_each_with_its_own_processor_lose_nothing(warehouse):
    processors = [Processor(warehouse, run_id=f"run-{n}") for n in range(8)]

    def work(processor):
        for i in range(1000):
            processor.log_quality_event("fallback_used", "info", f"{processor.run_id}:{i}")
        processor.flush_events()

    threads = [threading.Thread(target=work, args=(p,)) for p in processors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = log_rows(warehouse)
    assert len(stored) == 8000 and stored["event_id"].is_unique
    # each run's batch holds only its own events
    for run_id, group in stored.groupby("processor_run_id"):
        assert len(group) == 1000
        assert group["description"].str.startswith(f"{run_id}:").all()
        assert group["batch_id"].nunique() == 1


def test_one_processor_shared_by_threads_keeps_every_event(warehouse):
    processor = Processor(warehouse)

    def work(n):
        for i in range(250):
            processor.log_quality_event("fallback_used", "info", f"{n}:{i}")
            if i % 100 == 0:
                processor.flush_events()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    processor.flush_events()
    stored = log_rows(warehouse)
    assert len(stored) == 1000 and stored["event_id"].is_unique
