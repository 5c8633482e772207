#!/usr/bin/python3
"""Writes test/fixtures/ketama-placement.json: which node libmemcached's
weighted ketama (pylibmc, behaviors ketama_weighted) picks for each key.

Run with Debian's python3-pylibmc, against memcached nodes already listening
on the ports below (the script writes each key through pylibmc, then asks
every node directly which keys it holds):

    for p in 11211 11212 11213; do memcached -u root -l 127.0.0.1 -p $p -d; done
    /usr/bin/python3 scripts/ketama-placement.py

The table is committed; the ring unit test compares memcas against it.
"""
import json
import pylibmc

SERVERS = [("127.0.0.1:11211", 1), ("127.0.0.1:11212", 1), ("127.0.0.1:11213", 2)]
KEYS = [f"user:{i}" for i in range(500)] + [f"app:session:{i:05d}" for i in range(500)]

# pylibmc takes a weight as a third field: "host:port:weight"
client = pylibmc.Client(
    [f"{s}:{w}" for s, w in SERVERS],
    behaviors={"ketama_weighted": True},
    binary=True,
)
client.flush_all()
for k in KEYS:
    client.set(k, "1")

placement = {}
for server, _ in SERVERS:
    single = pylibmc.Client([server], binary=True)
    for k in KEYS:
        if single.get(k) is not None:
            placement[k] = server

assert len(placement) == len(KEYS), f"{len(KEYS) - len(placement)} keys not found"
with open("test/fixtures/ketama-placement.json", "w") as f:
    json.dump({"servers": [{"address": s, "weight": w} for s, w in SERVERS], "placement": placement}, f, indent=0, sort_keys=True)
print(f"wrote {len(placement)} placements")
