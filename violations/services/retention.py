"""Retention (R-VIO-8): closed violations are removed after their keeping time."""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from propsvc.models import Deadline
from propsvc.services import audit_write
from violations.models import (
    Notice,
    Photo,
    Severity,
    Violation,
)
from violations.services.base import (
    GENERAL_KEPT,
    MAJOR_KEPT,
    Status,
)

# -- retention (R-VIO-8) ----------------------------------------------------------------------------


def retention_due(*, now: datetime | None = None):
    """Closed violations past their keeping time: general ones a year after closing, major ones five
    years. Open cases are never in it."""
    now = now or timezone.now()
    return Violation.objects.filter(status=Status.CLOSED, closed_at__isnull=False).filter(
        Q(severity=Severity.GENERAL, closed_at__lte=now - GENERAL_KEPT)
        | Q(severity=Severity.MAJOR, closed_at__lte=now - MAJOR_KEPT)
    )


RETENTION_BATCH = 500


def retention_purge(*, now: datetime | None = None, dry_run: bool = False) -> dict:
    """R-VIO-8: remove the expired closed cases — the violation with its photos (files included),
    measures, notices, follow-ups, timeline and ledger rows — and write one audit entry of what was
    removed (counts and ids, no personal data). dry_run only reports. Charge lists already sent to
    finance stay: they are the accounts' record (R-VIO-7)."""
    now = now or timezone.now()
    due = retention_due(now=now)
    report = {
        "general": sorted(due.filter(severity=Severity.GENERAL).values_list("pk", flat=True)),
        "major": sorted(due.filter(severity=Severity.MAJOR).values_list("pk", flat=True)),
    }
    if dry_run:
        return report
    removed = {"general": [], "major": []}
    ids = report["general"] + report["major"]
    photo_count = 0
    for start in range(0, len(ids), RETENTION_BATCH):
        batch = ids[start : start + RETENTION_BATCH]
        with transaction.atomic():
            # Re-read under lock: a case is removed only if it is still closed and still expired.
            rows = list(
                retention_due(now=now).filter(pk__in=batch).select_for_update().values_list("pk", "severity")
            )
            pks = [pk for pk, _severity in rows]
            files = list(Photo.objects.filter(violation_id__in=pks).values_list("file", flat=True))
            photo_count += len(files)
            Deadline.objects.filter(
                content_type=ContentType.objects.get_for_model(Violation), object_id__in=pks
            ).delete()
            Notice.objects.filter(violation_id__in=pks).delete()
            Violation.objects.filter(pk__in=pks).delete()
            for pk, severity in rows:
                removed[severity].append(pk)
            transaction.on_commit(lambda files=files: _delete_files(files))
    if ids:
        audit_write(
            kind="violations.retention",
            general=len(removed["general"]),
            major=len(removed["major"]),
            photos=photo_count,
            ids=sorted(removed["general"] + removed["major"]),
        )
    return removed


def _delete_files(names) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)
