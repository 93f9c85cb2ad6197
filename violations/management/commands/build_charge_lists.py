"""R-VIO-7: build (or rebuild) a month's charges to collect for every community, as beat does."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from violations.services import Month, charge_list_build


class Command(BaseCommand):
    help = "Build a month's charges to collect (default: last month) for every community; notify finance."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")

    def handle(self, *args, month=None, **options):
        period = None
        if month:
            try:
                period = Month.of(datetime.strptime(month, "%Y-%m").date())
            except ValueError as exc:
                raise CommandError(f"--month must be YYYY-MM, not {month!r}") from exc
        built = charge_list_build(month=period)
        for charge_list in built:
            self.stdout.write(
                f"{charge_list.month:%Y-%m} {charge_list.community.code}: {charge_list.count} charges, "
                f"{charge_list.total} yuan"
            )
