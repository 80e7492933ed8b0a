"""Code facts: the compact table equals the official tabular of simple-icd-10-cm."""

from __future__ import annotations

import pytest

from notelint import codes


def test_codes_table_equals_simple_icd_10_cm():
    built = codes.build_table()["codes"]
    assert codes.table() == built


@pytest.mark.parametrize(("site", "side", "code"), [
    ("thigh", "right", "M62.451"), ("thigh", "left", "M62.452"), ("thigh", None, "M62.459"),
    ("forearm", "right", "M62.431"), ("ankle_foot", "left", "M62.472"),
    ("shoulder", None, "M62.419"), ("other", None, "M62.48"), ("multiple", None, "M62.49"),
    ("unspecified", None, "M62.40"),
])
def test_codes_code_for(site, side, code):
    assert codes.code_for(site, side) == code
    assert codes.table()[code]["billable"]


def test_codes_site_side_read_from_description():
    assert codes.site_side("M62.462") == ("lower_leg", "left")
    assert codes.site_side("M62.449") == ("hand", None)


@pytest.mark.parametrize(("raw", "normal"), [("m62451", "M62.451"), (" M62.48 ", "M62.48"),
                                              ("I69351", "I69.351"), ("G35", "G35")])
def test_codes_normalize(raw, normal):
    assert codes.normalize(raw) == normal


def test_codes_validity_outside_the_table():
    assert codes.is_valid("I69.351")
    assert not codes.is_valid("M62.999")
    assert not codes.is_valid("hello")


@pytest.mark.parametrize(("category", "side", "place", "expected"), [
    ("M24.5", "left", "knee", ("M24.562",)),
    ("M24.5", None, "knee", ("M24.56-",)),          # the side is what the coder still needs
    ("M24.5", "bilateral", "ankle", ("M24.571", "M24.572")),
    ("M24.5", "right", None, ("M24.5-",)),
    ("M62.83", None, "back", ("M62.830",)),
    ("M62.83", None, "calf", ("M62.831",)),
    ("M62.83", None, "other", ("M62.838",)),        # a neck or hamstring spasm: other
    ("M62.83", None, None, ("M62.83-",)),
    ("M67.0-", "left", None, ("M67.02",)),
    ("M20.4-", "bilateral", None, ("M20.41", "M20.42")),
    ("Z96.65", "bilateral", None, ("Z96.653",)),    # a bilateral code of its own
    ("T79.6", "right", None, ("T79.6-",)),          # no side axis; the 7th character is open
    ("M43.6", "left", None, ("M43.6",)),
])
def test_codes_route_to_the_billable_code_the_documentation_names(category, side, place, expected):
    assert codes.routes(category, side, place) == expected


def test_codes_label_names_what_a_category_still_needs():
    assert codes.label("M24.562") == "M24.562 (contracture, left knee)"
    assert codes.label("M24.56-") == "M24.56- (contracture, knee; the side to be documented)"
    assert codes.label("M24.5-", "right").endswith("the site to be documented)")
    assert "7th character" in codes.label("T79.6-")
