"""A large property company's five years of data, for benchmarks — fast, on PostgreSQL only.

    python manage.py seed_scale                     # large: 200 communities, 2,000,000 records, …
    python manage.py seed_scale --size small        # seconds: what CI benchmarks
    python manage.py seed_scale --size medium --force --complaints 50000

Repeatable (--seed), refuses a database that already holds data unless --force, which empties the
register and every case table (and whatever refers to a community) first; users, role groups and
the working-day calendar stay. Every seeded staff member's password is "propsvc-bench"
(archives/scale/staff.py lists the usernames). See archives/scale/ for how the rows are made.
"""

from django.core.management.base import BaseCommand, CommandError

from archives.scale import run
from archives.scale.sizes import COUNT_OPTIONS, SIZES
from archives.scale.staff import STAFF_PASSWORD


class Command(BaseCommand):
    help = "Load a large company's five years of generated data with PostgreSQL COPY (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=sorted(SIZES), default="large", help="How much data (default large)."
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument("--force", action="store_true", help="Replace the data already in the database.")
        parser.add_argument("--quiet", action="store_true", help="Print nothing (as --verbosity 0).")
        for name in COUNT_OPTIONS:
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                type=int,
                default=None,
                help=f"Override the size's number of {name.replace('_', ' ')}.",
            )

    def handle(self, *args, size="large", seed=2026, force=False, quiet=False, verbosity=1, **options):
        verbosity = 0 if quiet else verbosity
        try:
            sizes = SIZES[size].with_overrides(**{name: options.get(name) for name in COUNT_OPTIONS})
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity:
            counts = ", ".join(f"{getattr(sizes, n):,} {n.replace('_', ' ')}" for n in COUNT_OPTIONS)
            self.stdout.write(f"seed_scale --size {size} --seed {seed}: {counts}")
        try:
            run.seed(sizes=sizes, seed_value=seed, write=self.stdout.write, verbosity=verbosity, force=force)
        except run.SeedError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Done. Staff log in as sc001_manager (CS center manager of the first community), "
                    f"scale_leader (company leadership) … — password {STAFF_PASSWORD}."
                )
            )
