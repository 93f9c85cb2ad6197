"""Run the deadline sweep by hand or from cron (when Celery beat is down): `manage.py sweep_deadlines`."""

from django.core.management.base import BaseCommand

from propsvc.services import deadline_sweep, digest_send


class Command(BaseCommand):
    help = "Send due reminders, overdue notices and escalations from the deadline ledger (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--digests", action="store_true", help="Also send the hourly escalation digests.")

    def handle(self, *args, **options):
        counts = deadline_sweep()
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
        if options["digests"]:
            counts = digest_send()
            self.stdout.write(" ".join(f"digest_{key}={value}" for key, value in counts.items()))
