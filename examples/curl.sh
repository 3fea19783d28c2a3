#!/bin/sh
# chatq ingest API from the shell: enqueue, poll until delivered, a
# validation error, an idempotent retry. Needs curl and a POSIX shell.
#   CHATQ_URL=http://127.0.0.1:8081 CHATQ_API_KEY=… sh examples/curl.sh
set -eu
URL="${CHATQ_URL:-http://127.0.0.1:8081}"
AUTH="Authorization: Bearer ${CHATQ_API_KEY:-}"
RUN="${RUN_ID:-$(date +%s)-$$}"
task='{"type":"message:send","payload":{"target":"users","to":["erin"],"type":"txt","body":{"msg":"hello from curl"}}}'

# 1. Enqueue one task: 202 and its id.
id=$(curl -sS --fail-with-body -X POST "$URL/v1/tasks" -H "$AUTH" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: curl-$RUN" -d "$task" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || { echo "no task id" >&2; exit 1; }
echo "enqueued $id"

# 2. Poll its status until it is delivered (or given up).
status=""
for _ in $(seq 1 100); do
  status=$(curl -sS --fail-with-body "$URL/v1/tasks/$id" -H "$AUTH" | sed -n 's/.*"status":"\([^"]*\)".*/\1/p')
  case "$status" in
    delivered) break ;;
    dead-lettered|expired) echo "task $id: $status" >&2; exit 1 ;;
  esac
  sleep 0.1
done
[ "$status" = delivered ] || { echo "task $id: still $status" >&2; exit 1; }
echo "status $status"

# 3. A validation error: 422, application/problem+json naming the field.
code=$(curl -sS -o /tmp/chatq-problem.$$ -w '%{http_code}' -X POST "$URL/v1/tasks" -H "$AUTH" \
  -H 'Content-Type: application/json' -d '{"type":"message:send","payload":{"target":"users","to":["Not A User"],"type":"txt","body":{"msg":"x"}}}')
problem=$(cat /tmp/chatq-problem.$$); rm -f /tmp/chatq-problem.$$
[ "$code" = 422 ] || { echo "want 422, got $code: $problem" >&2; exit 1; }
echo "$problem" | grep -q '"field":"payload.to\[0\]"' || { echo "problem does not name payload.to[0]: $problem" >&2; exit 1; }
echo "validation error $code: payload.to[0]"

# 4. An idempotent retry: the same Idempotency-Key returns the same id.
again=$(curl -sS --fail-with-body -X POST "$URL/v1/tasks" -H "$AUTH" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: curl-$RUN" -d "$task" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ "$again" = "$id" ] || { echo "retry got $again, want $id" >&2; exit 1; }
echo "idempotent retry: same id $again"
