"""Where management commands get a password from, in order of preference."""

import getpass
import os
import sys

from django.core.management.base import CommandError


def password_from(option: str | None, *, required: bool) -> str | None:
    """Return --password, else SCOOP_PASSWORD, else ask on an interactive terminal."""
    if option:
        return option
    if os.environ.get("SCOOP_PASSWORD"):
        return os.environ["SCOOP_PASSWORD"]
    if not required:
        return None
    if not sys.stdin.isatty():
        raise CommandError(
            "Give a password with --password or the SCOOP_PASSWORD environment "
            "variable (no terminal to ask on)."
        )
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandError("The passwords did not match.")
    if not first:
        raise CommandError("The password cannot be empty.")
    return first
