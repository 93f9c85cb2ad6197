from celery import shared_task


@shared_task
def build_charge_lists() -> int:
    """Beat, daily at 06:10: last month's charges to collect for every community that has no list
    yet (on the 1st: all of them), announced to finance (R-VIO-7). Running daily makes up a month
    end missed while the worker was down; a list already built is left as it is."""
    from violations.services import charge_list_build

    return len(charge_list_build(only_missing=True))


@shared_task
def purge_expired_violations() -> dict:
    """Beat, daily at 02:40: remove the closed violations past their keeping time (R-VIO-8)."""
    from violations.services import retention_purge

    removed = retention_purge()
    return {severity: len(ids) for severity, ids in removed.items()}
