from django import template
from django.conf import settings

from jobs.resources import describe_resources

register = template.Library()


@register.filter
def resource_sentence(name, spec=None) -> str:
    """``{{ job.resource_class|resource_sentence }}`` reads today's class from settings;
    the reproducibility record passes the spec it recorded (the class may have changed since)."""
    return describe_resources(name, spec if spec else settings.LB_RESOURCE_CLASSES.get(name))
