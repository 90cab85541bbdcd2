"""The score change shown beside a score: direction judged after rounding, and said in words."""

from dashboard.templatetags.candor import score_change


def test_a_rise_is_an_arrow_up_with_a_plus_sign():
    assert score_change(4.6) == (
        '<span class="up">▲ +5 <span class="visually-hidden">(up)</span></span>'
    )


def test_a_fall_is_an_arrow_down_with_a_minus_sign():
    assert score_change(-10.2) == (
        '<span class="down">▼ −10 <span class="visually-hidden">(down)</span></span>'
    )


def test_a_change_that_rounds_to_zero_is_no_change():
    assert "no change" in score_change(0.3)
    assert "▲" not in score_change(0.3)
    assert "▼" not in score_change(-0.4)


def test_more_digits_keep_a_small_change_visible():
    assert "▼ −0.4" in score_change(-0.4, 1)


def test_no_earlier_score_is_a_dash():
    assert ">—<" in score_change(None)


def test_the_suffix_follows_the_number():
    assert "▲ +3 in 7 days" in score_change(3, suffix=" in 7 days")
