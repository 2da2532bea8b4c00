"""Dashboards for bench/sse.sh: N connections to /api/v1/events, then timed state changes.

Opens N event streams (HTTP/1.0, so the body is the raw stream), waits until each is in step (its `sync` event),
writes READY_FILE, waits for GO_FILE, then CHANGES times pushes /fail or a success to the heartbeat monitor's URL and
times, for every connection, how long its `monitor` event with the new state took to arrive after the push was sent.
Prints one line per change (median and worst over the connections, in ms) and a final summary line.
Usage: sse_client.py HOST PORT TOKEN PUSH_TOKEN MONITOR N CHANGES READY_FILE GO_FILE
"""
import asyncio
import json
import os
import statistics
import sys
import time

host, port, token, push_token, monitor = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
count, changes, ready_file, go_file = int(sys.argv[6]), int(sys.argv[7]), sys.argv[8], sys.argv[9]

expected = None        # the state the current change should bring
sent_at = 0.0          # when its push was sent
arrivals = []          # delivery times of the current change, seconds
synced = 0
all_arrived = None


async def stream(index):
    global synced
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"GET /api/v1/events HTTP/1.0\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"connection {index}: {head.splitlines()[0].decode()}")
    buffer = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            raise SystemExit(f"connection {index}: the stream ended")
        now = time.monotonic()
        buffer += chunk
        while b"\n\n" in buffer:
            frame, buffer = buffer.split(b"\n\n", 1)
            fields = dict(line.split(": ", 1) for line in frame.decode().split("\n") if ": " in line and not line.startswith(":"))
            kind = fields.get("event")
            if kind == "sync":
                synced += 1
            elif kind == "monitor" and expected is not None:
                data = json.loads(fields["data"])
                if data["name"] == monitor and data["state"] == expected:
                    arrivals.append(now - sent_at)
                    if len(arrivals) == count:
                        all_arrived.set()


async def push(fail):
    reader, writer = await asyncio.open_connection(host, port)
    path = f"/api/push/{push_token}" + ("/fail" if fail else "")
    writer.write(f"POST {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    if not answer.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"push {path}: {answer[:40]!r}")


async def main():
    global expected, sent_at, arrivals, all_arrived
    tasks = [asyncio.create_task(stream(i)) for i in range(count)]
    while synced < count:
        done = [t for t in tasks if t.done()]
        if done:
            done[0].result()
        await asyncio.sleep(0.05)
    open(ready_file, "w").close()
    while not os.path.exists(go_file):
        await asyncio.sleep(0.1)
    medians, worsts = [], []
    for change in range(changes):
        fail = change % 2 == 0
        expected, arrivals, all_arrived = ("DOWN" if fail else "UP"), [], asyncio.Event()
        sent_at = time.monotonic()
        await push(fail)
        await asyncio.wait_for(all_arrived.wait(), 30)
        median, worst = statistics.median(arrivals) * 1000, max(arrivals) * 1000
        medians.append(median)
        worsts.append(worst)
        print(f"change {change + 1} ({expected}): {len(arrivals)} dashboards, median {median:.1f} ms, worst {worst:.1f} ms", flush=True)
        expected = None
        await asyncio.sleep(1)
    print(f"summary: {changes} changes to {count} dashboards: median of medians {statistics.median(medians):.1f} ms, "
          f"worst {max(worsts):.1f} ms", flush=True)
    for t in tasks:
        t.cancel()


asyncio.run(main())
