// Plain C over liblmdb, the ceiling the CRMKit benchmarks are compared with.
#ifndef CRMKIT_BENCH_RAW_LMDB_H
#define CRMKIT_BENCH_RAW_LMDB_H
#include <stddef.h>
#include <stdint.h>

typedef struct raw_lmdb raw_lmdb;

/// Opens (creating) an environment in directory `path` with one unnamed database whose keys are
/// 8-byte big-endian positions. `no_sync` != 0 opens with MDB_NOSYNC. NULL on failure.
raw_lmdb *raw_lmdb_open(const char *path, size_t map_size, int no_sync);
void raw_lmdb_close(raw_lmdb *db);

/// The last position written (0 for an empty database).
uint64_t raw_lmdb_head(raw_lmdb *db);

/// One write transaction appending `count` values of `value_size` bytes with MDB_APPEND.
/// Returns 0 or an LMDB error code.
int raw_lmdb_append_batch(raw_lmdb *db, uint64_t count, size_t value_size);

/// `commits` write transactions of one MDB_APPEND record each. 0 or an LMDB error code.
int raw_lmdb_single_commits(raw_lmdb *db, uint64_t commits, size_t value_size);

/// `threads` POSIX threads, each committing `per_thread` transactions of one record
/// (LMDB's writer mutex serializes them; no group commit). 0 or an LMDB error code.
int raw_lmdb_concurrent_commits(raw_lmdb *db, int threads, uint64_t per_thread, size_t value_size);

/// A full forward cursor scan in one read transaction, touching each key and value without
/// decoding. Returns 0 or an LMDB error code; sets the entry count and value bytes seen.
int raw_lmdb_scan(raw_lmdb *db, uint64_t *entries, uint64_t *bytes);

/// Opens the environment at `path` read-only, scans the named database `name` forward in one
/// read transaction (each key and value touched, nothing decoded) and closes it: the floor of a
/// replay of an existing CRMKit store. Returns 0 or an LMDB error code.
int raw_lmdb_scan_named(const char *path, const char *name, uint64_t *entries, uint64_t *bytes);

/// CRMKit's layout in plain C: named databases `log`, `streams`, `stream-heads`, `event-ids`,
/// and per event one log record (MDB_APPEND), one stream-index entry (stream, 0, version BE),
/// the stream head and a random 16-byte event id — no encoding, no hashing.
typedef struct raw_indexed raw_indexed;
raw_indexed *raw_indexed_open(const char *path, size_t map_size, int no_sync);
void raw_indexed_close(raw_indexed *db);

/// One write transaction of `count` events over `streams` streams (`count / streams` each),
/// customers numbered from `first_customer`. 0 or an LMDB error code.
int raw_indexed_batch(raw_indexed *db, uint64_t count, uint64_t streams, uint64_t first_customer, size_t value_size);

#endif
