"""The production WSGI application (propsvc.wsgi) for the load test, with one change: STATIC_ROOT is
the temporary folder that tests/load/run.py collected the static files into, so production's
manifest storage and WhiteNoise serve them without writing into the checkout.

    PROPSVC_LOAD_STATIC_ROOT=/tmp/… gunicorn tests.load.wsgi:application
    PROPSVC_LOAD_STATIC_ROOT=/tmp/… python -m tests.load.wsgi collectstatic --noinput

PROPSVC_LOAD_STATIC_EXTRA, when set, is one more static folder for collectstatic: run.py puts empty
source maps there for the vendored files whose `sourceMappingURL` names a file not in static/
(Chart.js), which the manifest storage's post-processing otherwise refuses.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propsvc.settings")


def _configure() -> None:
    from django.conf import settings

    settings.STATIC_ROOT = os.environ["PROPSVC_LOAD_STATIC_ROOT"]
    extra = os.environ.get("PROPSVC_LOAD_STATIC_EXTRA")
    if extra:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, extra]


_configure()

if __name__ == "__main__":  # a management command under the same settings, e.g. collectstatic
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])
else:
    from propsvc.wsgi import application  # noqa: F401 — what gunicorn serves
