# SPDX-License-Identifier: Apache-2.0
"""The event contract, ``consent.v1``, as Python protobuf classes.

Generated at build time by ``protoc --python_out`` from ``proto/consent/v1/*.proto`` (into
``libconsent/_pb/consent/v1/*_pb2.py``) and re-exported here, so every message and enum value
is one import away::

    from libconsent import v1
    ev = v1.Event.FromString(data)
    v1.CallStarted(call_id="c-1", queue_id="q-sales")
    v1.TRACK_CALLER                       # enum values are module-level ints
    v1.Track.Name(1)                      # "TRACK_CALLER"

The generated modules themselves are ``libconsent._pb.consent.v1.<area>_pb2`` (areas: event,
common, governance, people, calls, recording, use, retention).
"""

from libconsent._pb.consent.v1 import (  # noqa: F401
    calls_pb2, common_pb2, event_pb2, governance_pb2, people_pb2, recording_pb2, retention_pb2,
    use_pb2,
)
from libconsent._pb.consent.v1.calls_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.common_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.governance_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.people_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.recording_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.retention_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.use_pb2 import *  # noqa: F401,F403
from libconsent._pb.consent.v1.event_pb2 import *  # noqa: F401,F403
