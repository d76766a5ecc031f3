#!/usr/bin/env python3
"""Read and verify a CRMKit event store with nothing but the Python 3 standard library.

This is the executable companion of docs/log-format.md: everything it knows about the store
comes from that document. It reads the LMDB environment through `mdb_dump` (Debian package
lmdb-utils), so it needs no LMDB binding:

    python3 docs/read_log.py STORE_DIR                  # verify, print the head anchor
    python3 docs/read_log.py --events STORE_DIR         # ... and print every event as JSON
    python3 docs/read_log.py --anchor 54:452f... STORE_DIR
    python3 docs/read_log.py --streams STORE_DIR        # ... and every stream's current version
    mdb_dump -a STORE_DIR > dump.txt && python3 docs/read_log.py --dump dump.txt

`mdb_dump -a` dumps every named database inside one read transaction, so the log and its
indexes come from one consistent snapshot even while a writer appends.

It checks what `EventStore.verify(anchor:)` checks, in the same order and with the same problem
kinds: gapless positions, record structure, recordedAt never decreasing, position inside the
record, hash chain, stream versions, the stream and event-id indexes (8-byte values, one entry
per record), and the anchor. It also checks `meta`'s format-version, which the Swift code checks
when it opens a store. Exit status: 0 intact, 1 a problem was found, 2 usage or I/O error.
"""

import argparse
import bisect
import datetime
import hashlib
import json
import struct
import subprocess
import sys
import uuid

FORMAT_VERSION = 1          # meta["format-version"], UInt32 little-endian
RECORD_VERSION = 1          # byte 0 of every record
HEADER_SIZE = 100
HASH_SIZE = 32
GENESIS = bytes(32)
HAS_CORRELATION = 0x01
HAS_CAUSATION = 0x02

# Fixed header, little-endian, no padding (struct's "<" means exactly these offsets). The lengths
# come first, so the first 16 bytes are enough to slice a record:
#  0 u8 record version | 1 u8 flags | 2 u16 stream len | 4 u16 type len | 6 u16 actor len
#  8 u32 payload len | 12 u32 schema version | 16 u64 position | 24 u64 stream version
# 32 i64 recordedAt us | 40 i64 occurredAt us | 48 16s event id | 64 16s correlation id
# 80 16s causation id | 96 u32 reserved (written as 0)
HEADER = struct.Struct("<BBHHHIIQQqq16s16s16sI")
assert HEADER.size == HEADER_SIZE


class Problem(Exception):
    def __init__(self, position, kind, detail):
        super().__init__(f"position {position}: {kind}: {detail}")
        self.position, self.kind, self.detail = position, kind, detail


# --- mdb_dump output -------------------------------------------------------------------------

def parse_dump(text):
    """Returns {database name: [(key bytes, value bytes), ...]} from `mdb_dump -a` output.

    Only the default bytevalue format (one hex line per key and per value) is accepted. The
    `-p` (print) format of LMDB 0.9.24 writes a 0x5C byte as a bare backslash, so a backslash
    followed by two hex-digit characters cannot be told from an escaped byte: it is lossy for
    binary values such as log records and is refused here.
    """
    databases = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line != "VERSION=3":
            if line.strip():
                raise ValueError(f"unexpected line {i + 1} in the dump: {line[:60]!r}")
            i += 1
            continue
        header = {}
        i += 1
        while lines[i] != "HEADER=END":
            name, _, value = lines[i].partition("=")
            header[name] = value
            i += 1
        i += 1
        if header.get("format") != "bytevalue":
            raise ValueError(f"dump format {header.get('format')!r} is not supported; run mdb_dump without -p")
        entries = []
        while lines[i] != "DATA=END":
            key_line, value_line = lines[i], lines[i + 1]
            if not (key_line.startswith(" ") and value_line.startswith(" ")):
                raise ValueError(f"malformed entry at line {i + 1} of the dump")
            entries.append((bytes.fromhex(key_line[1:]), bytes.fromhex(value_line[1:])))
            i += 2
        i += 1
        databases[header.get("database", "")] = entries
    return databases


def dump_store(directory):
    # One mdb_dump process, one read transaction: a consistent snapshot of every database.
    # The dump doubles the store's size in memory: fine for a reference reader, not for production.
    result = subprocess.run(["mdb_dump", "-a", directory], capture_output=True, check=False)
    if result.returncode != 0:
        raise OSError(f"mdb_dump failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout.decode("latin-1")


# --- records ---------------------------------------------------------------------------------

def micros_to_iso(micros):
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (epoch + datetime.timedelta(microseconds=micros)).isoformat().replace("+00:00", "Z")


def decode_record(data, stored_at):
    """Parses one value of the `log` database. Raises Problem(malformedRecord) when it does not parse."""
    if len(data) < HEADER_SIZE + HASH_SIZE:
        raise Problem(stored_at, "malformedRecord", f"record is {len(data)} bytes, shorter than header and hash")
    (version, flags, stream_len, type_len, actor_len, payload_len, schema_version, position,
     stream_version, recorded_at, occurred_at, event_id, correlation, causation,
     _reserved) = HEADER.unpack_from(data, 0)
    if version != RECORD_VERSION:
        raise Problem(stored_at, "malformedRecord", f"unknown record format version {version}")
    expected = HEADER_SIZE + stream_len + type_len + actor_len + payload_len + HASH_SIZE
    if expected != len(data):
        raise Problem(stored_at, "malformedRecord", f"field lengths add up to {expected} bytes but the record has {len(data)}")
    offset = HEADER_SIZE
    fields = []
    for length in (stream_len, type_len, actor_len, payload_len):
        fields.append(data[offset:offset + length])
        offset += length
    stream, event_type, actor, payload = fields
    return {
        "position": position,
        "stream": stream,
        "streamVersion": stream_version,
        "id": event_id,
        "type": event_type,
        "schemaVersion": schema_version,
        "recordedAtMicros": recorded_at,
        "occurredAtMicros": occurred_at,
        "actor": actor,
        "correlationID": correlation if flags & HAS_CORRELATION else None,
        "causationID": causation if flags & HAS_CAUSATION else None,
        "payload": payload,
        "body": data[:offset],            # everything the hash covers
        "hash": data[offset:],            # the trailing 32 bytes
    }


def category(stream_name):
    """The part of the stream name before the first '-', or the whole name without one."""
    return stream_name.split("-", 1)[0]


def as_json(record):
    def text(b):
        return b.decode("utf-8", errors="replace")
    return json.dumps({
        "position": record["position"],
        "stream": text(record["stream"]),
        "category": category(text(record["stream"])),
        "streamVersion": record["streamVersion"],
        "id": str(uuid.UUID(bytes=record["id"])),
        "type": text(record["type"]),
        "schemaVersion": record["schemaVersion"],
        "occurredAt": micros_to_iso(record["occurredAtMicros"]),
        "recordedAt": micros_to_iso(record["recordedAtMicros"]),
        "actor": text(record["actor"]),
        "correlationID": str(uuid.UUID(bytes=record["correlationID"])) if record["correlationID"] else None,
        "causationID": str(uuid.UUID(bytes=record["causationID"])) if record["causationID"] else None,
        "payload": record["payload"].hex(),
        "hash": record["hash"].hex(),
    })


# --- verification ----------------------------------------------------------------------------

DATABASES = ("meta", "log", "streams", "event-ids")


def be64(b):
    return struct.unpack(">Q", b)[0]


def index_position(value):
    """An index value is exactly one big-endian UInt64; any other length is damage (None)."""
    return be64(value) if value is not None and len(value) == 8 else None


def stream_version(streams_entries, stream):
    """The current version of `stream` (0 when it has no events), derived as the writer does.

    There is no table of stream heads: the version is the one in the stream's last `streams`
    key. Seek to the greatest key <= stream || 0x00 || FF x 8 (LMDB: MDB_SET_RANGE on that key;
    unless it lands exactly on it, MDB_PREV, or MDB_LAST when no key is that large) and take it
    when it is S + 9 bytes long and starts with stream || 0x00. `streams_entries` is the dump's list, in LMDB (memcmp) order.
    """
    probe = stream + b"\x00" + b"\xff" * 8
    keys = [key for key, _ in streams_entries]
    index = bisect.bisect_right(keys, probe) - 1       # bytes compare like memcmp, shorter first
    if index < 0:
        return 0
    key = keys[index]
    if len(key) != len(stream) + 9 or not key.startswith(stream + b"\x00"):
        return 0
    return be64(key[len(stream) + 1:])


def verify(databases, anchor=None, on_event=None):
    """Returns (head, head hash, {stream: version}). Raises Problem at the first mismatch."""
    for name in DATABASES:
        if name not in databases:
            raise Problem(0, "notAnEventStore", f"the named database '{name}' is missing")
    meta = dict(databases["meta"])
    raw_version = meta.get(b"format-version")
    if raw_version is None or len(raw_version) != 4:
        raise Problem(0, "notAnEventStore", "meta has no 4-byte 'format-version'")
    (found,) = struct.unpack("<I", raw_version)
    if found != FORMAT_VERSION:
        raise Problem(0, "unsupportedFormat", f"format-version is {found}; this reader knows {FORMAT_VERSION}")

    streams_index = dict(databases["streams"])
    ids_index = dict(databases["event-ids"])

    expected = 1
    previous = GENESIS
    last_recorded = None
    versions = {}
    for key, value in databases["log"]:      # mdb_dump emits keys in LMDB order (memcmp)
        if len(key) != 8:
            raise Problem(expected, "unexpectedKey", f"a log key of {len(key)} bytes is not a position")
        position = be64(key)
        if position > expected:
            raise Problem(expected, "missingRecord", f"position {expected} is missing; the next record is at {position}")
        if position < expected:
            raise Problem(expected, "unexpectedKey", f"position {position} is stored out of order")
        record = decode_record(value, position)
        if last_recorded is not None and record["recordedAtMicros"] < last_recorded:
            raise Problem(position, "malformedRecord",
                          f"recorded time {record['recordedAtMicros']} us is earlier than the previous record's {last_recorded} us")
        last_recorded = record["recordedAtMicros"]
        if record["position"] != position:
            raise Problem(position, "positionMismatch", f"the record says it is at position {record['position']}")
        digest = hashlib.sha256(previous + record["body"]).digest()
        if digest != record["hash"]:
            raise Problem(position, "hashMismatch", f"stored {record['hash'].hex()} computed {digest.hex()}")
        stream = record["stream"]
        prior = versions.get(stream, 0)
        if record["streamVersion"] != prior + 1:
            raise Problem(position, "streamIndexMismatch", f"stream version {record['streamVersion']} follows {prior}")
        versions[stream] = record["streamVersion"]
        stream_key = stream + b"\x00" + struct.pack(">Q", record["streamVersion"])
        if index_position(streams_index.get(stream_key)) != position:
            raise Problem(position, "streamIndexMismatch", "the stream index does not map this version to this position (or its value is not 8 bytes)")
        if index_position(ids_index.get(record["id"])) != position:
            raise Problem(position, "eventIDIndexMismatch", "the event-id index does not map this id to this position (or its value is not 8 bytes)")
        if anchor is not None and anchor[0] == position and anchor[1] != digest:
            raise Problem(position, "anchorMismatch", f"hash {digest.hex()} differs from the anchored {anchor[1].hex()}")
        if on_event:
            on_event(record)
        previous = digest
        expected += 1
    head = expected - 1
    if anchor is not None and anchor[0] == 0 and anchor[1] != GENESIS:
        raise Problem(0, "anchorMismatch", "an anchor at position 0 must hold the 32 zero bytes the chain starts from")
    # Every record's two index entries exist (checked above); equal counts mean there are no others.
    # So each stream's last `streams` key carries the version of its last record.
    if len(streams_index) != head:
        raise Problem(head, "streamIndexMismatch", f"the stream index has {len(streams_index)} entries for {head} records")
    if len(ids_index) != head:
        raise Problem(head, "eventIDIndexMismatch", f"the event-id index has {len(ids_index)} entries for {head} records")
    if anchor is not None and anchor[0] > head:
        raise Problem(head + 1, "truncated", f"the log ends at {head}, before the anchored position {anchor[0]}")
    return head, previous, versions


def main(argv):
    parser = argparse.ArgumentParser(description="Verify (and optionally print) a CRMKit event store.")
    parser.add_argument("store", nargs="?", help="the store directory (holding data.mdb and lock.mdb)")
    parser.add_argument("--dump", help="read `mdb_dump -a` output from this file ('-' for stdin) instead")
    parser.add_argument("--events", action="store_true", help="print every event as one JSON line")
    parser.add_argument("--anchor", help="POSITION:HEXHASH kept outside the system, as printed by crm/HeadAnchor")
    parser.add_argument("--streams", action="store_true",
                        help="after verifying, print every stream and its current version, derived from the streams index")
    args = parser.parse_args(argv)
    if (args.store is None) == (args.dump is None):
        parser.error("give a store directory or --dump, not both")
    anchor = None
    if args.anchor:
        position, _, hex_hash = args.anchor.partition(":")
        anchor = (int(position), bytes.fromhex(hex_hash))
    try:
        if args.dump:
            text = sys.stdin.read() if args.dump == "-" else open(args.dump, encoding="latin-1").read()
        else:
            text = dump_store(args.store)
        databases = parse_dump(text)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    printer = (lambda record: print(as_json(record))) if args.events else None
    try:
        head, head_hash, versions = verify(databases, anchor, printer)
    except Problem as problem:
        print(f"NOT INTACT: {problem}")
        return 1
    print(f"intact: head {head}, anchor {head}:{head_hash.hex()}")
    if args.streams:
        for stream in sorted(versions):
            print(f"stream {stream.decode('utf-8', errors='replace')} version {stream_version(databases['streams'], stream)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
