"""The form renderer of the site: Django's, with the most frequent widget templates written out in
Python.

A page of forms renders dozens of widgets, and a select renders one template per option (the
search form's « Type de service » has about forty): through the template engine that was about
half of the rendering time of the directory search and of the action plan. The templates below
are Django's own (django/forms/templates/django/forms/widgets/), reproduced character for
character (including the newlines their includes keep; the renderer strips the ends); every other template (and any project override) goes through the template engine as
before. tests/web/test_renderers.py compares both outputs widget by widget.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

W = "django/forms/widgets/"


def _text(value) -> str:
    """`{{ value }}`: localized, escaped unless safe."""
    return conditional_escape(localize(value))


def _string(value) -> str:
    """`{{ value|stringformat:'s' }}`: str(), escaped unless safe."""
    return conditional_escape(value if hasattr(value, "__html__") else str(value))


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html"""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {_text(name)}")
        else:
            out.append(f' {_text(name)}="{_string(value)}"')
    return "".join(out)


def _input(widget) -> str:
    """django/forms/widgets/input.html (and text, number, date, hidden, checkbox…)"""
    value = f' value="{_string(widget["value"])}"' if widget["value"] is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


def _input_option(widget) -> str:
    """django/forms/widgets/input_option.html (checkbox and radio options)"""
    if not widget.get("wrap_label"):
        return _input(widget)
    target = widget["attrs"].get("id")
    label_for = f' for="{_text(target)}"' if target else ""
    # the included input.html keeps its final newline
    return f"<label{label_for}>{_input(widget)}\n {_text(widget['label'])}</label>"


def _option(option) -> str:
    """django/forms/widgets/select_option.html"""
    return (
        f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>"
    )


def _select(widget) -> str:
    """django/forms/widgets/select.html"""
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != W + "select_option.html":
                return None  # a custom option template: the template engine renders it all
            out.append(f"\n  {_option(option)}\n")  # the include keeps the file's newline
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget) -> str:
    """django/forms/widgets/textarea.html"""
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


FAST = {
    **{
        f"{W}{name}.html": _input
        for name in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "checkbox",
            "search",
            "tel",
            "color",
        )
    },
    W + "input_option.html": _input_option,
    W + "checkbox_option.html": _input_option,
    W + "radio_option.html": _input_option,
    W + "select_option.html": _option,
    W + "select.html": _select,
    W + "textarea.html": _textarea,
}


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        fast = FAST.get(template_name)
        if fast is not None and request is None and set(context) == {"widget"}:
            html = fast(context["widget"])
            if html is not None:
                return mark_safe(html)
        return super().render(template_name, context, request)
