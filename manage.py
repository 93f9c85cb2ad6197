#!/usr/bin/env python
"""Django's command-line utility for propsvc."""

import importlib
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propsvc.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        # Load settings first so a bad variable stops start-up with one clear line.
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ImproperlyConfigured as exc:
        sys.exit(f"propsvc: configuration error: {exc}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
