"""How long ago something happened, in the words a person would use."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

JUST_NOW = timedelta(minutes=1)


@register.filter
def ago(moment: datetime | None) -> str:
    """``3 hours ago``, or ``just now`` where timesince would say 0 minutes."""
    if moment is None:
        return ""
    if timezone.now() - moment < JUST_NOW:
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def age_in_days(days: int | None) -> str:
    """``saved today``-style wording for a key's age in whole days."""
    if days is None:
        return ""
    if days == 0:
        return "less than a day old"
    return f"{days} day{'s' if days != 1 else ''} old"
