"""seed_scale --force never empties a database it did not fill (a separate module: test_seed_scale.py
holds a seeded database open for its whole module)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from archives.models import Unit
from propsvc.models import Community


@pytest.mark.django_db
def test_it_never_forces_over_data_it_did_not_make(community_a, unit_a):
    """A production database (data, but no seeded staff) is refused even with --force."""
    if connection.vendor != "postgresql":
        pytest.skip("seed_scale loads with PostgreSQL COPY; the test database is SQLite")
    with pytest.raises(CommandError, match="did not make"):
        call_command("seed_scale", size="small", force=True, verbosity=0)
    assert Community.objects.count() == 1 and Unit.objects.count() == 1
