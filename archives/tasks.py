from celery import shared_task


@shared_task
def close_expired_lookups() -> int:
    """Beat, every minute: close the archive look-up windows whose time is up (R-ARC-4). Every read
    checks the time itself, so a late run never lets anyone in."""
    from archives.services import lookup_close_expired

    return lookup_close_expired()


@shared_task
def anonymise_former_owners() -> dict:
    """Beat, daily at 02:50: anonymise the personal fields of owners whose last ownership ended more
    than PROPSVC_FORMER_OWNER_ANONYMISE_YEARS ago (R-ARC-5), one batch a run. Each owner is claimed
    under a row lock and marked anonymised in the same transaction, so a rerun or a second worker
    changes nothing more."""
    from archives.retention import former_owners_anonymise

    return former_owners_anonymise()
