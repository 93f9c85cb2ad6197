from celery import shared_task


@shared_task
def open_visit_summaries() -> int:
    """Beat, daily at 00:30: last month's visit summary (R-VIS-4) for every community that has none
    yet — on the 1st all of them; running daily makes up a 1st missed while the worker was down. A
    summary already opened is left as it is (visit_summary_open is idempotent)."""
    from surveys.services import visit_summaries_open

    return len(visit_summaries_open())


@shared_task
def open_fee_account_deadlines() -> int:
    """Beat, daily at 00:40: the quarterly fee-account deadline (R-COM-2) of every community that has
    none open — a new community, or one from before the ledger row existed. Idempotent: a community
    with an open row is left as it is (each publication opens its own next row)."""
    from surveys.notices import fee_account_deadlines_open

    return len(fee_account_deadlines_open())


@shared_task
def close_survey_rounds() -> int:
    """Beat, every 15 minutes: close the collection of every survey round whose 15 working days are
    over (R-SUR-1); the collection deadline is met at the moment the window closed. A round already
    closed is left as it is (surveys.rounds.survey_round_close_due is idempotent)."""
    from surveys.rounds import survey_rounds_close_due

    return len(survey_rounds_close_due())
