#!/usr/bin/python3
"""Writes test/fixtures/ketama-placement.json and ketama-placement-7.json:
which node libmemcached's weighted ketama (pylibmc, behaviors
ketama_weighted) picks for each key, for 3 weighted nodes and for 7 equal
ones (where libmemcached's single-precision count of points differs from
hashring's double-precision one).

Run with Debian's python3-pylibmc, against memcached nodes already listening
on the ports below (the script writes each key through pylibmc, then asks
every node directly which keys it holds):

    for p in 11211 11212 11213 22011 22012 22013 22014 22015 22016 22017; do
      memcached -u root -l 127.0.0.1 -p $p -d
    done
    /usr/bin/python3 scripts/ketama-placement.py

The tables are committed; the ring unit test compares memcas against them.
"""
import json
import pylibmc

TABLES = {
    "test/fixtures/ketama-placement.json": (
        [("127.0.0.1:11211", 1), ("127.0.0.1:11212", 1), ("127.0.0.1:11213", 2)],
        [f"user:{i}" for i in range(500)] + [f"app:session:{i:05d}" for i in range(500)],
    ),
    "test/fixtures/ketama-placement-7.json": (
        [(f"127.0.0.1:{p}", 1) for p in range(22011, 22018)],
        [f"user:{i}" for i in range(1000)],
    ),
}

for path, (servers, keys) in TABLES.items():
    # pylibmc takes a weight as a third field: "host:port:weight"
    client = pylibmc.Client(
        [f"{s}:{w}" for s, w in servers],
        behaviors={"ketama_weighted": True},
        binary=True,
    )
    client.flush_all()
    for k in keys:
        client.set(k, "1")

    placement = {}
    for server, _ in servers:
        single = pylibmc.Client([server], binary=True)
        for k in keys:
            if single.get(k) is not None:
                placement[k] = server

    assert len(placement) == len(keys), f"{len(keys) - len(placement)} keys not found"
    with open(path, "w") as f:
        json.dump({"servers": [{"address": s, "weight": w} for s, w in servers], "placement": placement}, f, indent=0, sort_keys=True)
    print(f"{path}: wrote {len(placement)} placements")
