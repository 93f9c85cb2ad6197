"""R-VIO-8: remove the closed violations past their keeping time, or (--dry-run) show which."""

from django.core.management.base import BaseCommand

from violations.services import retention_purge


class Command(BaseCommand):
    help = (
        "Remove closed violations kept past their time (general: 1 year after closing, major: 5 years), "
        "with their photos; --dry-run only lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be removed; remove nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        result = retention_purge(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for severity in ("general", "major"):
            ids = result[severity]
            listed = ", ".join(f"WZ{pk:06d}" for pk in ids) or "-"
            self.stdout.write(f"{severity}: {verb} {len(ids)}: {listed}")
        if dry_run:
            self.stdout.write("dry run: nothing was removed")
