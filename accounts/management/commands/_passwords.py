"""Emails and passwords given to the account management commands."""

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import User


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


def checked_email(email: str) -> str:
    """Return ``email`` trimmed, or stop the command saying what is wrong."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise CommandError(f"{email!r} is not an email address.") from None
    return email


def new_user_password(
    command: BaseCommand, email: str, option: str | None
) -> str | None:
    """Return the password for a new user; existing users keep theirs."""
    if User.objects.filter(email__iexact=email).exists():
        if option:
            command.stderr.write(
                f"{email} already exists; their password was left unchanged."
            )
        return None
    return password_from(option, required=True)
