"""R-ARC-5: anonymise the former owners past their keeping time, or (--dry-run) count them."""

from django.conf import settings
from django.core.management.base import BaseCommand

from archives.retention import former_owners_anonymise


class Command(BaseCommand):
    help = (
        "Anonymise the personal fields of owners whose last ownership ended more than "
        "PROPSVC_FORMER_OWNER_ANONYMISE_YEARS ago (a batch a run; the ownerships, the unit's archive and "
        "the cases stay); --dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the owners due; change nothing.")
        parser.add_argument(
            "--batch", type=int, default=None, help="At most this many owners (default: the setting)."
        )

    def handle(self, *args, dry_run=False, batch=None, **options):
        result = former_owners_anonymise(dry_run=dry_run, batch=batch)
        years = settings.PROPSVC_FORMER_OWNER_ANONYMISE_YEARS
        verb = "would anonymise" if dry_run else "anonymised"
        listed = ", ".join(str(pk) for pk in result["ids"]) or "-"
        self.stdout.write(f"former owners (ended > {years} years ago): {verb} {result['owners']}: {listed}")
