// chatq ingest API from Node (>= 18, built-in fetch): enqueue, poll until
// delivered, a validation error, an idempotent retry.
//   CHATQ_URL=http://127.0.0.1:8081 CHATQ_API_KEY=… node examples/client.mjs
import assert from "node:assert/strict";

const url = process.env.CHATQ_URL ?? "http://127.0.0.1:8081";
const key = process.env.CHATQ_API_KEY ?? "";
const run = process.env.RUN_ID ?? `${Date.now()}-${process.pid}`;

async function call(method, path, body, headers = {}) {
  const res = await fetch(url + path, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

const task = {
  type: "message:send",
  payload: { target: "users", to: ["erin"], type: "txt", body: { msg: "hello from node" } },
};
const idem = { "Idempotency-Key": `node-${run}` };

let res = await call("POST", "/v1/tasks", task, idem);
assert.equal(res.status, 202, JSON.stringify(res.body));
const id = res.body.id;
console.log("enqueued", id);

for (let i = 0; i < 100; i++) {
  res = await call("GET", `/v1/tasks/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  if (["delivered", "dead-lettered", "expired"].includes(res.body.status)) break;
  await new Promise((r) => setTimeout(r, 100));
}
assert.equal(res.body.status, "delivered", JSON.stringify(res.body));
console.log("status", res.body.status);

res = await call("POST", "/v1/tasks", {
  type: "message:send",
  payload: { target: "users", to: ["Not A User"], type: "txt", body: { msg: "x" } },
});
assert.equal(res.status, 422, JSON.stringify(res.body));
assert.deepEqual(res.body.errors.map((e) => e.field), ["payload.to[0]"]);
console.log("validation error", res.status, `payload.to[0]: ${res.body.errors[0].rule}`);

res = await call("POST", "/v1/tasks", task, idem);
assert.equal(res.status, 202);
assert.equal(res.body.id, id);
assert.equal(res.body.replayed, true);
console.log("idempotent retry: same id", res.body.id);
