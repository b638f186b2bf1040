"""Bibliography labels read like the author–year citations in the text (book/_ext/bib_labels.py)."""

import sys
from pathlib import Path

from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import bib_labels  # noqa: E402

ENTRIES = parse_file(str(ROOT / "book" / "references.bib")).entries


def test_labels_name_one_two_or_many_authors_and_the_year():
    assert bib_labels.author_year(ENTRIES["cauchy1847"]) == "Cauchy, 1847"
    assert bib_labels.author_year(ENTRIES["ma2021adequacy"]) == "Ma and Yarats, 2021"
    assert bib_labels.author_year(ENTRIES["goodfellow2016deep"]) == "Goodfellow et al., 2016"
    assert bib_labels.author_year(ENTRIES["notes_dlb_ch8"]) == "Notes on DLB ch. 8, n.d."


def test_every_label_is_unique():
    labels = [bib_labels.author_year(entry) for entry in ENTRIES.values()]
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
