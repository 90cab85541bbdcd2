"""Reading Segment-spec messages (https://segment.com/docs/connections/spec/): plain functions
of one message, no database. What a field means, and where each fact is looked for, is decided
here once, for the HTTP endpoints and `import_events` alike."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import orjson
from django.core.exceptions import ValidationError

from accounts.models import SEGMENT_CODE

MAX_MESSAGE_BYTES = 32 * 1024  # Segment's own limit per message
MAX_KEPT_NON_OBJECT = 2000  # bytes of a message that is no JSON object, kept raw
TYPES = ("track", "identify", "group", "page", "screen", "alias")
EVENT_TYPES = ("track", "page", "screen")
UNNAMED = {"page": "Page Viewed", "screen": "Screen Viewed"}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(minutes=5)
ACCOUNT_FIELDS = ("name", "arr", "seats", "segment", "contract_start", "renewal_date", "csm")
MAX_ARR = Decimal("1e12")


class Refused(ValueError):
    """The message cannot be used: the reason is shown in the debugger."""


@dataclass(eq=False, slots=True)  # one message is one object: a key in the batch's lookups
class Message:
    """One message of a request or file, and what became of it."""

    index: int
    body: dict | None
    compact: bytes
    type: str = ""
    message_id: str | None = None
    event: str | None = None
    user_id: str | None = None
    account_id: int | None = None
    outcome: str = ""
    detail: str = ""
    received_at: datetime | None = None  # set when replayed from the raw store

    def settle(self, outcome: str, detail: str = "") -> None:
        self.outcome, self.detail = outcome, detail[:300]

    @property
    def open(self) -> bool:
        return not self.outcome


def message_read(item, index: int, path_type: str | None = None, compact=None) -> Message:
    """A message of a batch, typed and sized (`compact`: its JSON, when the caller has it);
    refused ones come back settled."""
    compact = compact or orjson.dumps(item)
    if not isinstance(item, dict):  # kept whole when short: cut, it would be no JSON to store
        message = Message(index, None, compact if len(compact) <= MAX_KEPT_NON_OBJECT else b"")
        message.settle("refused", "Not a JSON object.")
        return message
    type_ = path_type or item.get("type")
    message = Message(
        index, item, compact,
        type_ if type_ in TYPES else str(type_ or "").lower()[:10],  # most: as sent, no copy
        _text(item.get("messageId"), 200) or _content_id(compact),
        user_id=_text(item.get("userId"), 200),
    )  # fmt: skip
    if b"\\u0000" in compact:
        message.body, message.compact = None, b""
        message.settle("refused", "Holds a NUL character, which cannot be stored.")
    elif len(compact) > MAX_MESSAGE_BYTES:
        message.body, message.compact = None, b""
        message.settle("refused", f"Over 32 KB ({len(compact):,} bytes).")
    elif message.type not in TYPES:
        message.settle("refused", f"Unknown type {message.type!r}: use one of {', '.join(TYPES)}.")
    elif message.type in EVENT_TYPES:
        message.event = event_name(item, message.type)
        if not message.event:
            message.settle("refused", "A track call needs an 'event' name.")
    return message


def _content_id(compact: bytes) -> str:
    """No messageId: the content is the id, so the same message sent twice is stored once."""
    return "sha256:" + hashlib.sha256(compact).hexdigest()


def _text(value, limit: int) -> str | None:
    if type(value) is str:  # most calls, a handful a message: one strip, no other checks
        value = value.strip()
        return value[:limit] if value else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def event_name(body: dict, type_: str) -> str | None:
    if type_ == "track":
        return _text(body.get("event"), 200)
    return (
        _text(body.get("name"), 200)
        or _text(_object(body.get("properties")).get("name"), 200)
        or UNNAMED[type_]
    )


def occurred_at(body: dict, received_at: datetime) -> datetime:
    """`timestamp`, else `originalTimestamp`, else when it was received; refused out of range."""
    name = "timestamp"
    moment = _moment(body.get(name))
    if moment is None:
        name = "originalTimestamp"
        moment = _moment(body.get(name))
        if moment is None:
            return received_at
    if moment < EARLIEST or moment > received_at + FUTURE_TOLERANCE:
        raise Refused(f"{name} {body.get(name)!r} is before 2000 or in the future.")
    return moment


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)  # most times: as sent, no spaces around
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def actor(body: dict, user_id: str | None = None) -> str:
    """`userId` (`user_id`: as `message_read` read it already), else `anonymousId`."""
    return user_id or _text(body.get("userId"), 200) or _text(body.get("anonymousId"), 200) or ""


def event_account_key(body: dict) -> str | None:
    """The account an event names itself: `context.groupId`, else `properties.groupId` or
    `properties.accountId` (else the caller falls back to the user's latest group call)."""
    context = body.get("context")
    key = _text(context.get("groupId"), 100) if isinstance(context, dict) else None
    if key is not None:  # most events: the library's context names the group
        return key
    properties = _object(body.get("properties"))
    return _text(properties.get("groupId"), 100) or _text(properties.get("accountId"), 100)


def event_value(body: dict, value_property: str | None) -> str:
    if not value_property:
        return ""
    value = _object(body.get("properties")).get(value_property)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)[:255]
    return ""


def identify_traits(body: dict) -> dict:
    return _object(body.get("traits")) or _object(_object(body.get("context")).get("traits"))


def identify_account_key(body: dict) -> str | None:
    return _text(_object(body.get("context")).get("groupId"), 100) or _text(
        _object(identify_traits(body).get("company")).get("id"), 100
    )


def stakeholder_fields(body: dict) -> dict:
    traits = identify_traits(body)
    fields = {
        "name": _text(traits.get("name"), 200),
        "email": _text(traits.get("email"), 254),
        "function": _text(traits.get("title"), 100),
    }
    return {name: value for name, value in fields.items() if value is not None}


def account_fields(traits: dict, trait_map: dict) -> dict:
    """The account's fields a group call's traits give, through the source's trait map (the
    name is read from `name` unless the map says otherwise); refused when one is malformed."""
    names = {"name": "name", **{k: v for k, v in trait_map.items() if k in ACCOUNT_FIELDS}}
    fields = {}
    for field, trait in names.items():
        value = traits.get(trait)
        if value is None or value == "":
            continue
        fields[field] = PARSERS[field](value, trait)
    return fields


def _name(value, trait):
    text = _text(value, 200)
    if text is None:
        raise Refused(f"Trait {trait!r} must be a text.")
    return text


def _arr(value, trait):
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number < MAX_ARR:
        raise Refused(f"Trait {trait!r} must be an amount of 0 or more, not {value!r}.")
    return number.quantize(Decimal("0.01"))


def _seats(value, trait):
    try:
        number = int(str(value)) if not isinstance(value, bool) else -1
    except ValueError:
        number = -1
    if not 0 <= number < 2**31:
        raise Refused(f"Trait {trait!r} must be a whole number of seats, not {value!r}.")
    return number


def _segment(value, trait):
    text = _text(value, 21)
    try:
        SEGMENT_CODE(text or "")
    except ValidationError:
        text = None
    if text is None or len(text) > 20:
        raise Refused(f"Trait {trait!r} must be a short code, not {value!r}.")
    return text


def _date(value, trait) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise Refused(f"Trait {trait!r} must be a date (YYYY-MM-DD), not {value!r}.")


def _person(value, trait):
    text = _text(value, 254)
    if text is None:
        raise Refused(f"Trait {trait!r} must be an email or a username.")
    return text


PARSERS = {
    "name": _name, "arr": _arr, "seats": _seats, "segment": _segment,
    "contract_start": _date, "renewal_date": _date, "csm": _person,
}  # fmt: skip
