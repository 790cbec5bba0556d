from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None when absent (mode columns of the coverage tables)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def index(sequence, position):
    """`sequence[position]`, or None when out of range."""
    try:
        return sequence[int(position)]
    except (IndexError, TypeError, ValueError):
        return None
