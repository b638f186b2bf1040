"""Bibliography labels that match the author–year citations in the text.

The chapters cite as "(Goodfellow et al., 2016)" (``bibtex_reference_style: author_year``), but
pybtex's default labels are alphabetic codes ("[GBC16]"), so a reader cannot match a citation with
its entry. This style labels every entry the way the text cites it.
"""

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year(entry) -> str:
    """'Goodfellow et al., 2016', 'Ma and Yarats, 2021' or 'Cauchy, 1847', as the text cites it."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in people]
    if len(names) > 2:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names) or entry.fields.get("title", "Anonymous")
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "author_year_labels"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year_labels", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year_entries", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
