from __future__ import annotations

import pytest

from digest.ids import ArxivId, parse_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2210.11399", ArxivId("2210.11399")),
        ("2210.11399v2", ArxivId("2210.11399", 2)),
        ("arXiv:2210.11399", ArxivId("2210.11399")),
        ("ARXIV:2209.11055v12", ArxivId("2209.11055", 12)),
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.9999", ArxivId("1412.9999")),
        ("1501.00001", ArxivId("1501.00001")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v3", ArxivId("hep-th/9901001", 3)),
        ("math.GT/0309136", ArxivId("math.GT/0309136")),
        ("cond-mat/0412498v1", ArxivId("cond-mat/0412498", 1)),
    ],
)
def test_parses_both_styles_with_and_without_version(text: str, expected: ArxivId) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2210.1139",  # too short for 2022
        "1412.12345",  # 5 digits before 2015
        "1501.1234",  # 4 digits from 2015 on
        "2213.11399",  # month 13
        "0703.0001",  # new style began in April 2007
        "2210.11399v0",
        "hep-th/990100",
        "HEP-TH/9901001",
        "arXiv:",
        "",
        "2210.11399 extra",
    ],
)
def test_rejects_malformed_ids(text: str) -> None:
    assert parse_id(text) is None


def test_str_and_url_keep_the_version() -> None:
    ident = ArxivId("2210.11399", 2)
    assert str(ident) == "2210.11399v2"
    assert ident.abs_url == "https://arxiv.org/abs/2210.11399v2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/html/2210.11399v2", "2210.11399v2"),
        ("https://arxiv.org/html/2210.11399v2/", "2210.11399v2"),
        ("https://arxiv.org/html/2210.11399#S3", "2210.11399"),
        ("https://arxiv.org/html/2210.11399v2/x2.png", None),  # a figure of the paper, not the paper
    ],
)
def test_an_html_page_is_a_paper_reference_and_its_figures_are_not(text: str, expected: str | None) -> None:
    from digest.ids import parse_reference

    found = parse_reference(text)
    assert (str(found) if found else None) == expected
