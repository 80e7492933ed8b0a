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
