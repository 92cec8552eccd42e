"""The one set of number formats (optimiser/formatting.py) that the summary, the diagnosis and the report share."""
import math

from optimiser.formatting import fte, fte_words, gap_percent, gbp, percent, pounds, share, year_range, year_ranges


def test_money():
    assert gbp(1_267_482_407.4) == "£1,267,482,407"
    assert gbp(-1234.6) == "−£1,235"            # a true minus sign before the £
    assert gbp(-0.3) == "£0"                    # no '−£0' from rounding noise
    assert gbp(3_090_000_000, millions=True) == "£3,090.0m"
    assert gbp(-2_500_000, millions=True) == "−£2.5m"
    assert gbp(None) == gbp(math.nan) == "—"
    assert pounds(325_000_000) == "325,000,000"


def test_staff():
    assert fte(24_097.4) == "24,097" and fte(None) == "—"
    assert fte_words(5_633.96) == "5,634"        # 1,000 or more: whole FTE
    assert fte_words(227.94) == "227.9"         # below 1,000 the tenth is shown ...
    assert fte_words(20.02) == "20"             # ... unless the number is whole to 0.05
    assert fte_words(69.25) == "69.2"           # Python rounds the half to even


def test_shares_and_years():
    assert share(0.035) == "3.5%" and share(0.1, 0) == "10%"
    assert gap_percent(0.00000119) == "0.000119%" and gap_percent(0.001) == "0.1%"
    assert gap_percent(0) == "0%" and gap_percent(1e-7) == "under 0.0001%"
    assert year_range("2016/17", "2020/21") == "2016/17–2020/21" and year_range("2017/18", "2017/18") == "2017/18"


def test_probabilities():
    assert percent(0.7342) == "73.4%" and percent(0.0125, points=True) == "1.2 pp"  # 1.25 rounds half to even
    assert percent(1) == "100.0%" and percent(None) == percent(math.nan) == "n/a"


def test_year_ranges():
    years = ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    assert year_ranges(["2019/20", "2016/17", "2017/18"], years) == "2016/17–2017/18, 2019/20"
    assert year_ranges(["2018/19"], years) == "2018/19"
    assert year_ranges(years, years) == "2016/17–2020/21"
    assert year_ranges(["2016/17–2020/21", "2017/18"], years) == "2017/18, 2016/17–2020/21"  # unknown ones last
    assert year_ranges([], years) == ""

