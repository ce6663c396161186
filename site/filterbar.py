"""The language and tag menus above the regions.

The menus list what the state offers. Picking an entry changes the URL fragment
through the view, so the filters survive a reload and a shared link.
"""

from filters import FILTER_KEYS, LANGUAGE, TAG, languages, tags

ALL_OPTION = ""


class FilterBar:
    """Owns #filters and its two selects; `on_change(key, value)` gets each pick."""

    def __init__(self, document, on_change):
        self.document = document
        self.container = document.getElementById("filters")
        self.selects = {}
        self.choices = {}
        for key in FILTER_KEYS:
            select = document.getElementById("filter-" + key)
            self.selects[key] = select
            self.choices[key] = _option_values(select)
            select.addEventListener("change", _handler(on_change, key, select))

    def update(self, regions, filters):
        """List the choices of `regions`, keeping a chosen value that left the state."""
        offered = {LANGUAGE: languages(regions), TAG: tags(regions)}
        for key in FILTER_KEYS:
            values = list(offered[key])
            if filters[key] and filters[key] not in values:
                values.append(filters[key])
            if values != self.choices[key]:
                self._set_options(key, values)
            self.selects[key].value = filters[key] or ALL_OPTION
            self.selects[key].parentElement.hidden = not values
        has_choices = any(self.choices[key] for key in FILTER_KEYS)
        self.container.hidden = not has_choices

    def _set_options(self, key, values):
        select = self.selects[key]
        first = select.options.item(0)
        select.replaceChildren(first)
        for value in values:
            option = self.document.createElement("option")
            option.value = value
            option.textContent = value
            select.appendChild(option)
        self.choices[key] = values


def _option_values(select):
    options = select.options
    return [options.item(index).value for index in range(1, options.length)]


def _handler(on_change, key, select):
    return lambda event: on_change(key, select.value)
