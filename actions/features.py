"""The CSM's sentiment as a feature column for the scorer (registered in `health.hooks`): the
Sentiment component reads it, and weighs it only where a scorecard gives it a weight."""

from datetime import date

import pandas as pd

from actions.models import Sentiment
from health.features import GroupedSource, day_end, scoped
from health.scoring.constants import SENTIMENT_SCORES


def newest_sentiments(as_of: date, restrict):
    """Each account's newest rating given by the end of as_of."""
    return (
        scoped(Sentiment.objects.filter(created_at__lt=day_end(as_of)), restrict)
        .order_by("account_id", "-created_at", "-id")
        .distinct("account_id")
        .values("account_id", "rating", "expires_on")
    )


def sentiment_in_force(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """`csm_sentiment` per account: the newest rating, while it had not expired by as_of (100
    green, 50 amber, 0 red); accounts with none in force have no row."""
    in_force = frame["expires_on"] > pd.Timestamp(as_of)
    ratings = frame.loc[in_force, "rating"].map(SENTIMENT_SCORES)
    return ratings.rename("csm_sentiment").to_frame()


sentiment_features = GroupedSource(newest_sentiments, sentiment_in_force)
