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


def test_a_flush_in_another_thread_between_queueing_and_buffering_a_warning_keeps_its_mark(warehouse, notifications):
    """A warning is a lean tuple, marked at the flush by replacing it where the buffer holds it.
    Here a flush starts in another thread at the worst moment: right after the warning was
    queued for the digest, before it is buffered. The flush must not send a digest covering
    the warning while the warning is not yet in the buffer (its mark would find nothing and
    the stored row would say ``alert_sent = false`` for an alert that went out): queueing and
    buffering happen under the buffer's lock, so the flush waits for both."""
    processor = Processor(warehouse)
    dispatcher = processor._coverage_state().dispatcher
    queue_entry = dispatcher.on_entry
    racing: list[threading.Thread] = []

    def on_entry_then_race(entry):
        queue_entry(entry)
        if not racing:
            racing.append(threading.Thread(target=processor.flush_events))
            racing[0].start()
            racing[0].join(timeout=0.3)  # a flush that can run now runs to the end meanwhile

    dispatcher.on_entry = on_entry_then_race
    processor.log_quality_event("thin_sample", "warning", "only 4 players", game_id="0022400561",
                                primary_source="nbac")
    racing[0].join()
    processor.flush_events()
    stored = log_rows(warehouse)
    assert len(stored) == 1
    assert notifications.count("warning") == 1  # the digest went out, once
    assert bool(stored.iloc[0]["alert_sent"]) and stored.iloc[0]["alert_channel"] == "log"
