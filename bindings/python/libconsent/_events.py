# SPDX-License-Identifier: Apache-2.0
"""Event decoding helpers shared by the store, subscriptions and the ledger."""

from __future__ import annotations

from typing import Any, Dict

from google.protobuf import json_format

from libconsent._pb.consent.v1.event_pb2 import Event

_from_string = Event.FromString


def decode(data: bytes) -> Event:
    """A consent.v1.Event from its serialized bytes."""
    return _from_string(data)


def event_to_dict(event: Event) -> Dict[str, Any]:
    """The event as a dict, in protobuf's JSON mapping (``MessageToDict``): camelCase keys
    replaced by the proto field names, times as RFC 3339 strings, bytes as base64, enums as
    names, 64-bit integers as strings (the JSON mapping's rule) except ``position`` and
    ``stream_revision``, which are turned back into ints for convenience."""
    d = json_format.MessageToDict(event, preserving_proto_field_name=True)
    for key in ("position", "stream_revision"):
        if key in d:
            d[key] = int(d[key])
    return d


def payload_type(event: Event) -> str:
    """The payload's field name ("call_started"), or "" when unset."""
    return event.WhichOneof("payload") or ""
