from celery import shared_task


@shared_task
def close_expired_lookups() -> int:
    """Beat, every minute: close the archive look-up windows whose time is up (R-ARC-4). Every read
    checks the time itself, so a late run never lets anyone in."""
    from archives.services import lookup_close_expired

    return lookup_close_expired()
