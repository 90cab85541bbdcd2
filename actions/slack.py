"""Slack messages (Block Kit) for a `slack` webhook: what a CS channel wants to hear about.

A Slack incoming webhook takes `{"text": ..., "blocks": [...]}`; `text` is the notification's
fallback. Posted: a flag raised or cleared, an account entering red, a renewal at risk, and the
daily digest (and the ping that tests the hook). A colour change that is not into red, or an
action of another rule, is not for a channel and is not sent.
"""

from django.conf import settings
from django.urls import reverse

from actions.models import PING, Rule, WebhookEvent

RAG_EMOJI = {
    "red": ":red_circle:",
    "amber": ":large_orange_circle:",
    "green": ":large_green_circle:",
}


def account_link(account: dict) -> str:
    return settings.SITE_URL + reverse("account_detail", args=[account["id"]])


def _account_name(account: dict) -> str:
    return account.get("name") or f"Account {account['id']}"


def _message(text: str, detail: str, account: dict | None = None) -> dict:
    """One section with the news, one context line, and a button to the account."""
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": detail}]},
    ]
    if account is not None:
        blocks.append({
            "type": "actions",
            "elements": [{
                "type": "button", "text": {"type": "plain_text", "text": "Open in Candor"},
                "url": account_link(account),
            }],
        })  # fmt: skip
    return {"text": _plain(text), "blocks": blocks}


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "")


def _flag_raised(data: dict) -> dict:
    account = data["account"]
    text = f":triangular_flag_on_post: *{_account_name(account)}*: flag raised, *{data['label']}*"
    return _message(text, f"{RAG_EMOJI.get(data['rag'], '')} now {data['rag']}", account)


def _flag_cleared(data: dict) -> dict:
    account = data["account"]
    text = f":white_check_mark: *{_account_name(account)}*: flag cleared, *{data['label']}*"
    return _message(text, f"{RAG_EMOJI.get(data['rag'], '')} now {data['rag']}", account)


def _entered_red(data: dict) -> dict | None:
    if data["rag"] != "red":
        return None
    account = data["account"]
    text = f":red_circle: *{_account_name(account)}* entered red (score {data['score']:.0f})"
    return _message(text, f"was {data['previous_rag']}", account)


def _renewal_at_risk(data: dict) -> dict | None:
    if data["rule"] != Rule.RENEWAL_AT_RISK:
        return None
    account = data["account"]
    text = f":hourglass_flowing_sand: *{_account_name(account)}*: renewal at risk"
    owner = data["owner"] or "nobody"
    return _message(text, f"{data['reason']} Owner: {owner}.", account)


def _digest(data: dict) -> dict:
    moves = [
        f"{m['accounts']} went {m['from']} → {m['to']} (${m['arr']:,.0f} ARR)"
        for m in data["moves"]
    ] or ["No account changed colour."]
    drops = [
        f"<{account_link(d['account'])}|{_account_name(d['account'])}>: "
        f"{d['before']:.0f} → {d['now']:.0f} ({d['rag']})"
        for d in data["drops"]
    ]
    text = f"*Candor daily digest*: {data['new_actions']} new actions\n" + "\n".join(moves)
    message = _message(text, f"The portfolio over the last {data['days']} day(s).")
    if drops:
        message["blocks"].insert(1, {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Biggest drops*\n" + "\n".join(drops)},
        })  # fmt: skip
    return message


def _ping(data: dict) -> dict:
    return _message(":wave: Candor says hello.", f"Webhook {data['webhook']} is connected.")


RENDERERS = {
    WebhookEvent.FLAG_RAISED: _flag_raised,
    WebhookEvent.FLAG_CLEARED: _flag_cleared,
    WebhookEvent.HEALTH_CHANGED: _entered_red,
    WebhookEvent.ACTION_CREATED: _renewal_at_risk,
    WebhookEvent.DIGEST: _digest,
    PING: _ping,
}


def slack_message(event: str, data: dict) -> dict | None:
    """The Slack message for an event, or None when it is not one a channel is told about."""
    render = RENDERERS.get(event)
    return render(data) if render else None
