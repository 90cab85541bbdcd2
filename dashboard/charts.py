"""Plotly figures, rendered to JSON on the server and drawn by plotly.js in the page."""

from itertools import pairwise

import plotly.graph_objects as go

from health.models import COMPONENTS

RAG_COLOURS = {"red": "#b42318", "amber": "#b54708", "green": "#067647", "unscored": "#98a2b3",
               "unknown": "#d0d5dd"}  # fmt: skip
LAYOUT = {
    "margin": {"l": 48, "r": 16, "t": 36, "b": 40},
    "height": 320,
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "legend": {"orientation": "h", "y": -0.2},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
}


def account_history(history: list, renewal_date, events: list) -> str:
    """Overall and component scores over time; the renewal date, key events and each change of
    scorecard version marked, so a step that comes from configuration is not read as the
    customer's."""
    figure = go.Figure()
    days = [score.as_of for score in history]
    figure.add_trace(go.Scatter(x=days, y=[s.overall for s in history], name="Overall",
                                mode="lines+markers", line={"width": 3, "color": "#101828"}))  # fmt: skip
    for name in COMPONENTS:
        values = [s.component_scores.get(name) for s in history]
        figure.add_trace(go.Scatter(x=days, y=values, name=name.title(), mode="lines",
                                    line={"width": 1.5, "dash": "dot"}))  # fmt: skip
    if events:
        figure.add_trace(go.Scatter(
            x=[e["day"] for e in events], y=[4] * len(events), mode="markers", name="Key events",
            text=[e["label"] for e in events], hoverinfo="text+x",
            marker={"symbol": "diamond", "size": 10, "color": "#6941c6"},
        ))  # fmt: skip
    for day, label in scorecard_changes(history):
        figure.add_vline(x=day.isoformat(), line_dash="dot", line_color="#6941c6")
        figure.add_annotation(
            x=day.isoformat(), y=96, text=label, showarrow=False, textangle=-90, xshift=-8,
            hovertext="Scored with a new scorecard version: a change of configuration, "
            "not of the customer.",
        )  # fmt: skip
    if renewal_date and days and renewal_date >= days[0]:
        figure.add_vline(x=renewal_date.isoformat(), line_dash="dash", line_color="#b54708")
        figure.add_annotation(x=renewal_date.isoformat(), y=100, text="Renewal", showarrow=False)
    figure.update_layout(
        title="Health over time", yaxis={"range": [0, 105], "title": "Score"}, **LAYOUT
    )
    return figure.to_json()


def scorecard_changes(history: list) -> list[tuple]:
    """(day, label) where the scorecard, or its version, differs from the score before."""
    marks = []
    for before, after in pairwise(history):
        if (before.scorecard_id, before.scorecard_version) != (
            after.scorecard_id, after.scorecard_version,
        ):  # fmt: skip
            marks.append((after.as_of, f"Scorecard v{after.scorecard_version}"))
    return marks


def arr_by_rag(by_rag: dict) -> str:
    rags = [
        rag
        for rag in ("red", "amber", "green", "unknown", "unscored")
        if by_rag.get(rag, {}).get("accounts")
    ]
    figure = go.Figure(go.Bar(
        x=[rag.title() for rag in rags], y=[by_rag[rag]["arr"] for rag in rags],
        marker_color=[RAG_COLOURS[rag] for rag in rags],
        text=[f"{by_rag[rag]['accounts']} accounts" for rag in rags], textposition="auto",
    ))  # fmt: skip
    figure.update_layout(title="ARR by health", yaxis={"title": "ARR", "tickprefix": "$"}, **LAYOUT)
    return figure.to_json()


def arr_by_flag(by_flag: dict) -> str:
    items = sorted(by_flag.values(), key=lambda item: item["arr"])
    figure = go.Figure(go.Bar(
        y=[item["label"] for item in items], x=[item["arr"] for item in items], orientation="h",
        text=[f"{item['accounts']} accounts" for item in items], marker_color="#b54708",
    ))  # fmt: skip
    figure.update_layout(
        title="ARR by flag (an account can carry several)", xaxis={"tickprefix": "$"}, **LAYOUT
    )
    return figure.to_json()


def rag_by_csm(by_csm: dict) -> str:
    csms = list(by_csm)
    figure = go.Figure([
        go.Bar(name=rag.title(), x=csms, y=[by_csm[c][rag] for c in csms], marker_color=RAG_COLOURS[rag])
        for rag in ("red", "amber", "green", "unknown")
    ])  # fmt: skip
    figure.update_layout(barmode="stack", title="RAG mix per CSM", **LAYOUT)
    return figure.to_json()


def arr_at_risk_trend(months: list[dict]) -> str:
    """Red and amber ARR at each month end of the last year, stacked: the board's trend."""
    labels = [row["month_end"].strftime("%b %Y") for row in months]
    figure = go.Figure([
        go.Bar(name=rag.title(), x=labels, y=[row[f"{rag}_arr"] for row in months],
               marker_color=RAG_COLOURS[rag])
        for rag in ("red", "amber")
    ])  # fmt: skip
    figure.update_layout(
        barmode="stack", title="ARR at risk (red + amber), month by month",
        yaxis={"title": "ARR", "tickprefix": "$"}, **LAYOUT,
    )  # fmt: skip
    return figure.to_json()


def renewals_by_quarter(quarters: list[dict]) -> str:
    """ARR renewing in each of the next four quarters, stacked by today's colour."""
    labels = [row["label"] for row in quarters]
    figure = go.Figure([
        go.Bar(name=rag.title(), x=labels, y=[row[rag]["arr"] for row in quarters],
               text=[f"{row[rag]['accounts']}" if row[rag]["accounts"] else "" for row in quarters],
               marker_color=RAG_COLOURS[rag], hovertemplate="%{y:$,.0f} (%{text} accounts)")
        for rag in ("red", "amber", "green", "unknown", "unscored")
    ])  # fmt: skip
    figure.update_layout(
        barmode="stack", title="Renewals by quarter, by health today",
        yaxis={"title": "ARR", "tickprefix": "$"}, **LAYOUT,
    )  # fmt: skip
    return figure.to_json()
