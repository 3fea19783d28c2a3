#!/usr/bin/env python3
"""chatq ingest API from Python (standard library only): enqueue, poll until
delivered, a validation error, an idempotent retry.

    CHATQ_URL=http://127.0.0.1:8081 CHATQ_API_KEY=… python3 examples/client.py
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

URL = os.environ.get("CHATQ_URL", "http://127.0.0.1:8081")
KEY = os.environ.get("CHATQ_API_KEY", "")
RUN = os.environ.get("RUN_ID", f"{time.time():.0f}-{os.getpid()}")


def call(method, path, body=None, headers=None):
    """Returns (status, decoded JSON body); 4xx and 5xx are answers too."""
    req = urllib.request.Request(URL + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if KEY:
        req.add_header("Authorization", "Bearer " + KEY)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def main():
    task = {"type": "message:send",
            "payload": {"target": "users", "to": ["erin"], "type": "txt", "body": {"msg": "hello from python"}}}
    key = {"Idempotency-Key": "python-" + RUN}

    status, body = call("POST", "/v1/tasks", task, key)
    assert status == 202, (status, body)
    task_id = body["id"]
    print("enqueued", task_id)

    for _ in range(100):
        status, body = call("GET", "/v1/tasks/" + task_id)
        assert status == 200, (status, body)
        if body["status"] in ("delivered", "dead-lettered", "expired"):
            break
        time.sleep(0.1)
    assert body["status"] == "delivered", body
    print("status", body["status"])

    bad = {"type": "message:send",
           "payload": {"target": "users", "to": ["Not A User"], "type": "txt", "body": {"msg": "x"}}}
    status, problem = call("POST", "/v1/tasks", bad)
    assert status == 422, (status, problem)
    fields = [e["field"] for e in problem["errors"]]
    assert fields == ["payload.to[0]"], problem
    print("validation error", status, fields[0] + ":", problem["errors"][0]["rule"])

    status, body = call("POST", "/v1/tasks", task, key)
    assert status == 202 and body["id"] == task_id and body["replayed"], (status, body)
    print("idempotent retry: same id", body["id"])


if __name__ == "__main__":
    try:
        main()
    except AssertionError as err:
        print("failed:", err, file=sys.stderr)
        sys.exit(1)
