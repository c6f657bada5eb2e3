"""The send task's ledger on its own (A13): counts, when a batch is added up, its status and why it waits. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from annuaires.services.mailing.ledger import CHECK_BACK, BatchLedger, Ledger, Report, status
from annuaires.store.mailing import Batch, BatchStatus, Chunk, ChunkState, Outcome, Recipient, RecipientState

AT = datetime(2026, 12, 3, 8, tzinfo=UTC)


def chunk(number: int, *statuses: str, next_try: datetime | None = None) -> Chunk:
    made = Chunk(number, "g:2026-W49", [Recipient(n, status=s, next_try=next_try) for n, s in enumerate(statuses)])
    made.settle()
    return made


def started() -> Batch:
    return Batch("g:2026-W49", "g", "2026-W49", recipients_made=True)


def test_a13_stored_states_keep_their_values():
    assert [s.value for s in BatchStatus] == ["pending", "sending", "waiting", "done"]
    assert [o.value for o in Outcome] == ["sent", "deferred", "refused", "error", "unknown"]
    assert [s.value for s in RecipientState] == ["pending", "claimed"]
    assert [s.value for s in ChunkState] == ["pending", "claimed", "waiting", "done"]


def test_a13_a_deferred_recipient_tried_again_is_counted_by_its_new_outcome_only():
    ledger = BatchLedger(Report("g:2026-W49"))
    ledger.hand()
    ledger.record({1: (Outcome.SENT, "", AT), 2: (Outcome.REFUSED, "550 no", AT)},
                  {1: Outcome.DEFERRED, 2: RecipientState.PENDING})
    # what this task changed in its batch: one more sent, one more refused, one fewer deferred
    assert {k: n for k, n in ledger.report.counts.items() if n} == {"sent": 1, "refused": 1, "deferred": -1}


def test_a13_a_batch_is_added_up_once_its_last_chunk_out_is_recorded():
    ledger = BatchLedger(Report("g:2026-W49"))
    ledger.hand()
    ledger.hand()
    assert not ledger.exhaust()  # two chunks still out
    assert not ledger.closing()  # made elsewhere: recorded, then added up apart
    assert not ledger.record({}, {})
    assert ledger.record({}, {})
    ledger.settled((BatchStatus.DONE, None))
    assert ledger.added_up and ledger.report.status == "done"


def test_a13_the_last_chunk_of_a_batch_made_here_is_recorded_and_added_up_together():
    ledger = BatchLedger(Report("g:2026-W49"), made=[1, 2])
    ledger.hand()
    ledger.hand()
    ledger.record({}, {})
    assert not ledger.exhaust() and ledger.closing()


def test_a13_nothing_handed_out_is_added_up_at_once():
    assert BatchLedger(Report("g:2026-W49")).exhaust()


def test_a13_a_batch_all_sent_is_done_with_its_counters():
    batch = started()
    assert Ledger().settle(batch, [chunk(1, Outcome.SENT, Outcome.SENT), chunk(2, Outcome.REFUSED, Outcome.UNKNOWN)],
                           AT) == (BatchStatus.DONE, None)
    assert (batch.sent, batch.refused, batch.unknown, batch.deferred, batch.errors) == (2, 1, 1, 0, 0)
    assert (batch.status, batch.finished, batch.held, batch.resumes_at) == ("done", AT, "", None)


def test_a13_deferred_recipients_make_a_batch_wait_for_their_retry():
    batch, retry = started(), AT + timedelta(minutes=5)
    standing = Ledger().settle(batch, [chunk(1, Outcome.SENT, Outcome.DEFERRED, next_try=retry)], AT)
    assert standing == (BatchStatus.WAITING, retry)
    assert (batch.held, batch.resumes_at, batch.finished) == ("deferred_retry", retry, None)


def test_a13_a_mailer_s_limit_makes_a_batch_wait_until_it_opens_again():
    batch, opens = started(), AT + timedelta(hours=1)
    standing = Ledger(capped_until=opens).settle(batch, [chunk(1, Outcome.SENT, RecipientState.PENDING)], AT)
    assert standing == (BatchStatus.WAITING, opens) and (batch.held, batch.resumes_at) == ("mailer_limit", opens)


def test_a13_a_relay_lost_keeps_the_batch_sending_with_what_the_relay_said():
    batch = started()
    standing = Ledger(relay_error="connection refused").settle(batch, [chunk(1, RecipientState.PENDING)], AT)
    assert standing == (BatchStatus.SENDING, AT)
    assert (batch.held, batch.held_detail, batch.resumes_at) == ("relay_unavailable", "connection refused", None)


def test_a13_chunks_another_worker_holds_are_checked_back_soon():
    batch = started()
    assert Ledger().settle(batch, [chunk(1, RecipientState.TAKEN)], AT) == (BatchStatus.SENDING, AT + CHECK_BACK)
    assert batch.held == ""


def test_a13_a_batch_s_status_from_when_its_next_task_comes():
    assert status(None, AT, held=False) == "done"
    assert status(AT, AT, held=False) == "sending"
    assert status(AT + timedelta(minutes=1), AT, held=True) == "sending"
    assert status(AT + timedelta(minutes=1), AT, held=False) == "waiting"
