from celery import shared_task


@shared_task
def build_monthly_reports() -> int:
    """Beat, 08:00 on the 1st: last month's complaint statistics for every community and the company."""
    from complaints.services import monthly_report_build

    return len(monthly_report_build())
