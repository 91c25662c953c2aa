"""The report's country flows read in the order of the countries' names (the audit of what a
person sees: by code, Germany came before Denmark, Spain between Estonia and Finland, Kosovo
last)."""

from __future__ import annotations

import re

import pandas as pd

from engine.output.plots import country_flows


def test_country_flows_are_in_the_order_of_the_names():
    proposals = pd.DataFrame(
        {"host_country": ["DE", "DK", "ES", "XK"], "visitor_country": ["EE", "FI", "DE", "ES"]}
    )
    svg = country_flows(proposals)
    names = re.findall(r"Denmark|Germany|Kosovo|Spain|Estonia|Finland", svg)
    assert names == [
        "Estonia", "Finland", "Germany", "Spain",  # visitor countries (columns)
        "Denmark", "Germany", "Kosovo", "Spain",  # host countries (rows)
    ]  # fmt: skip
