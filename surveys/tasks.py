from celery import shared_task


@shared_task
def open_visit_summaries() -> int:
    """Beat, daily at 00:30: last month's visit summary (R-VIS-4) for every community that has none
    yet — on the 1st all of them; running daily makes up a 1st missed while the worker was down. A
    summary already opened is left as it is (visit_summary_open is idempotent)."""
    from surveys.services import visit_summaries_open

    return len(visit_summaries_open())
