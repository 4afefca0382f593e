#!/usr/bin/env python3
"""An SSE client for sse.sh, independent of fcgiserve's formatting: parses
the event stream on stdin as the HTML standard's EventSource does (fields,
multi-line data, comments, the last event id) and prints one JSON object:
{"events": [{"event", "data", "id"}...], "retry": N, "comments": N}."""
import json
import sys

events, comments, retry = [], 0, None
event, data, last_id = "", [], ""
for raw in sys.stdin.buffer.read().decode("utf-8").splitlines():
    line = raw
    if line == "":
        if data:
            events.append({"event": event or "message",
                           "data": "\n".join(data), "id": last_id})
        event, data = "", []
        continue
    if line.startswith(":"):
        comments += 1
        continue
    field, _, value = line.partition(":")
    if value.startswith(" "):
        value = value[1:]
    if field == "event":
        event = value
    elif field == "data":
        data.append(value)
    elif field == "id":
        last_id = value
    elif field == "retry" and value.isdigit():
        retry = int(value)
    else:
        events.append({"event": "unknown field", "data": field, "id": ""})
print(json.dumps({"events": events, "retry": retry, "comments": comments}))
