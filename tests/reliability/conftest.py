"""Reliability (issue 11 items 8, 9): races between two database connections, stale edit forms,
the broker and the database out of reach.

Actors come from the app suites by name (only the root conftest may declare pytest_plugins):
alice — receptionist A, pete and pat — property supervisors A, mona — CS center manager A,
eng_a — the engineering department of A, owner_a — the owner of unit_a.
"""

import threading

import pytest
from django.db import connections

from tests.complaints import conftest as complaint_actors
from tests.reception import conftest as reception_actors

clock = complaint_actors.clock
pete = complaint_actors.pete
pat = complaint_actors.pat
register = complaint_actors.register
eng_a = reception_actors.eng_a
erin = reception_actors.erin
hank = reception_actors.hank
mona = reception_actors.mona
leo = reception_actors.leo
owner_a = reception_actors.owner_a
log = reception_actors.log


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def race(*calls, timeout: float = 30) -> list[tuple[str, object]]:
    """Run the calls at the same moment, each in its own thread with its own database connection
    (released when the thread ends). Returns ("ok", result) or ("error", exception) per call."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = ("ok", call())
        except Exception as exc:  # the refusal is the point: keep it for the test to look at
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert all(r is not None for r in results), "a racing thread did not finish"
    return results
