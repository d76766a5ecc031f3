#include <time.h>
#include "RawLMDB.h"
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

struct raw_lmdb {
    MDB_env *env;
    MDB_dbi dbi;
    uint64_t head; // guarded by LMDB's writer lock: only read or written inside a write txn
};

static void put_be64(unsigned char *out, uint64_t v) {
    for (int i = 7; i >= 0; i--) { out[i] = (unsigned char)(v & 0xff); v >>= 8; }
}

static uint64_t get_be64(const unsigned char *in) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | in[i];
    return v;
}

raw_lmdb *raw_lmdb_open(const char *path, size_t map_size, int no_sync) {
    raw_lmdb *db = calloc(1, sizeof *db);
    if (!db) return NULL;
    if (mdb_env_create(&db->env) != 0) { free(db); return NULL; }
    unsigned flags = MDB_NOTLS | (no_sync ? MDB_NOSYNC : 0);
    MDB_txn *txn = NULL;
    if (mdb_env_set_mapsize(db->env, map_size) != 0 || mdb_env_set_maxreaders(db->env, 126) != 0 ||
        mdb_env_open(db->env, path, flags, 0644) != 0 || mdb_txn_begin(db->env, NULL, 0, &txn) != 0) {
        mdb_env_close(db->env); free(db); return NULL;
    }
    if (mdb_dbi_open(txn, NULL, 0, &db->dbi) != 0) { mdb_txn_abort(txn); mdb_env_close(db->env); free(db); return NULL; }
    MDB_cursor *cursor;
    MDB_val k, v;
    if (mdb_cursor_open(txn, db->dbi, &cursor) == 0) {
        if (mdb_cursor_get(cursor, &k, &v, MDB_LAST) == 0 && k.mv_size == 8) db->head = get_be64(k.mv_data);
        mdb_cursor_close(cursor);
    }
    if (mdb_txn_commit(txn) != 0) { mdb_env_close(db->env); free(db); return NULL; }
    return db;
}

void raw_lmdb_close(raw_lmdb *db) {
    if (!db) return;
    mdb_env_close(db->env);
    free(db);
}

uint64_t raw_lmdb_head(raw_lmdb *db) { return db->head; }

/// Appends `count` records inside an open write transaction.
static int append_records(raw_lmdb *db, MDB_txn *txn, uint64_t count, size_t value_size) {
    unsigned char key[8];
    unsigned char value[4096];
    if (value_size > sizeof value) value_size = sizeof value;
    for (size_t i = 0; i < value_size; i++) value[i] = (unsigned char)('a' + i % 26);
    uint64_t head = db->head;
    for (uint64_t i = 0; i < count; i++) {
        head++;
        put_be64(key, head);
        memcpy(value, key, 8 < value_size ? 8 : value_size); // make each value distinct
        MDB_val k = { 8, key }, v = { value_size, value };
        int rc = mdb_put(txn, db->dbi, &k, &v, MDB_APPEND);
        if (rc != 0) return rc;
    }
    db->head = head;
    return 0;
}

static int commit_records(raw_lmdb *db, uint64_t count, size_t value_size) {
    MDB_txn *txn;
    int rc = mdb_txn_begin(db->env, NULL, 0, &txn);
    if (rc != 0) return rc;
    uint64_t before = db->head;
    rc = append_records(db, txn, count, value_size);
    if (rc != 0) { mdb_txn_abort(txn); db->head = before; return rc; }
    rc = mdb_txn_commit(txn);
    if (rc != 0) db->head = before;
    return rc;
}

int raw_lmdb_append_batch(raw_lmdb *db, uint64_t count, size_t value_size) {
    return commit_records(db, count, value_size);
}

int raw_lmdb_single_commits(raw_lmdb *db, uint64_t commits, size_t value_size) {
    for (uint64_t i = 0; i < commits; i++) {
        int rc = commit_records(db, 1, value_size);
        if (rc != 0) return rc;
    }
    return 0;
}

struct worker { raw_lmdb *db; uint64_t per_thread; size_t value_size; int rc; };

static void *worker_main(void *arg) {
    struct worker *w = arg;
    w->rc = raw_lmdb_single_commits(w->db, w->per_thread, w->value_size);
    return NULL;
}

int raw_lmdb_concurrent_commits(raw_lmdb *db, int threads, uint64_t per_thread, size_t value_size) {
    if (threads < 1) return 0;
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    struct worker *workers = calloc((size_t)threads, sizeof *workers);
    if (!ids || !workers) { free(ids); free(workers); return -1; }
    int started = 0, rc = 0;
    for (int i = 0; i < threads; i++) {
        workers[i] = (struct worker){ db, per_thread, value_size, 0 };
        if (pthread_create(&ids[i], NULL, worker_main, &workers[i]) != 0) { rc = -1; break; }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(ids[i], NULL);
        if (workers[i].rc != 0 && rc == 0) rc = workers[i].rc;
    }
    free(ids);
    free(workers);
    return rc;
}

/// Walks `cursor` from the first entry to the last, touching each key and value; returns
/// MDB_NOTFOUND at the end (or LMDB's error).
static int scan_cursor(MDB_cursor *cursor, uint64_t *entries, uint64_t *bytes) {
    int rc;
    uint64_t n = 0, b = 0, check = 0;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
        n++;
        b += v.mv_size;
        check += ((const unsigned char *)k.mv_data)[7] + ((const unsigned char *)v.mv_data)[0];
    }
    *entries = n;
    *bytes = b + (check & 0); // `check` keeps the loads from being optimized away
    if (check == 0xFFFFFFFFFFFFFFFFull) *bytes += 1;
    return rc;
}

int raw_lmdb_scan(raw_lmdb *db, uint64_t *entries, uint64_t *bytes) {
    MDB_txn *txn;
    MDB_cursor *cursor;
    int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) return rc;
    rc = mdb_cursor_open(txn, db->dbi, &cursor);
    if (rc != 0) { mdb_txn_abort(txn); return rc; }
    rc = scan_cursor(cursor, entries, bytes);
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int raw_lmdb_scan_named(const char *path, const char *name, uint64_t *entries, uint64_t *bytes) {
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc != 0) return rc;
    MDB_txn *txn = NULL;
    MDB_cursor *cursor = NULL;
    MDB_dbi dbi;
    if ((rc = mdb_env_set_maxdbs(env, 64)) != 0 || (rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOTLS, 0644)) != 0 ||
        (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
        mdb_env_close(env);
        return rc;
    }
    if ((rc = mdb_dbi_open(txn, name, 0, &dbi)) != 0 || (rc = mdb_cursor_open(txn, dbi, &cursor)) != 0) {
        mdb_txn_abort(txn);
        mdb_env_close(env);
        return rc;
    }
    rc = scan_cursor(cursor, entries, bytes);
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

struct raw_indexed {
    MDB_env *env;
    MDB_dbi log, streams, ids;
    uint64_t head;
    uint64_t id_counter;
};

raw_indexed *raw_indexed_open(const char *path, size_t map_size, int no_sync) {
    raw_indexed *db = calloc(1, sizeof *db);
    if (!db) return NULL;
    if (mdb_env_create(&db->env) != 0) { free(db); return NULL; }
    MDB_txn *txn = NULL;
    if (mdb_env_set_mapsize(db->env, map_size) != 0 || mdb_env_set_maxdbs(db->env, 8) != 0 ||
        mdb_env_open(db->env, path, MDB_NOTLS | (no_sync ? MDB_NOSYNC : 0), 0644) != 0 ||
        mdb_txn_begin(db->env, NULL, 0, &txn) != 0) {
        mdb_env_close(db->env); free(db); return NULL;
    }
    if (mdb_dbi_open(txn, "log", MDB_CREATE, &db->log) != 0 || mdb_dbi_open(txn, "streams", MDB_CREATE, &db->streams) != 0 ||
        mdb_dbi_open(txn, "event-ids", MDB_CREATE, &db->ids) != 0 ||
        mdb_txn_commit(txn) != 0) {
        mdb_env_close(db->env); free(db); return NULL;
    }
    db->id_counter = (uint64_t)time(NULL) * 1000ull << 16;
    return db;
}

void raw_indexed_close(raw_indexed *db) {
    if (!db) return;
    mdb_env_close(db->env);
    free(db);
}

int raw_indexed_batch(raw_indexed *db, uint64_t count, uint64_t streams, uint64_t first_customer, size_t value_size) {
    if (streams < 1) streams = 1;
    uint64_t per_stream = count / streams;
    if (per_stream < 1) per_stream = 1;
    unsigned char value[4096], pos[8], id[16], skey[64];
    if (value_size > sizeof value) value_size = sizeof value;
    for (size_t i = 0; i < value_size; i++) value[i] = (unsigned char)('a' + i % 26);
    MDB_txn *txn;
    int rc = mdb_txn_begin(db->env, NULL, 0, &txn);
    if (rc != 0) return rc;
    uint64_t head = db->head;
    for (uint64_t s = 0; s < streams && rc == 0; s++) {
        int name_len = snprintf((char *)skey, 40, "customer-%llu", (unsigned long long)((first_customer + s) % 100000));
        // The stream's version: the last key of the stream in `streams` (CRMKit's current layout).
        uint64_t version = 0;
        skey[name_len] = 0;
        memset(skey + name_len + 1, 0xFF, 8);
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open(txn, db->streams, &cur)) != 0) break;
        MDB_val probe = { (size_t)name_len + 9, skey }, pv;
        rc = mdb_cursor_get(cur, &probe, &pv, MDB_SET_RANGE);
        rc = rc == 0 ? mdb_cursor_get(cur, &probe, &pv, MDB_PREV) : mdb_cursor_get(cur, &probe, &pv, MDB_LAST);
        if (rc == 0 && probe.mv_size == (size_t)name_len + 9 && memcmp(probe.mv_data, skey, (size_t)name_len + 1) == 0)
            version = get_be64((unsigned char *)probe.mv_data + name_len + 1);
        mdb_cursor_close(cur);
        rc = 0;
        for (uint64_t e = 0; e < per_stream && rc == 0; e++) {
            head++;
            version++;
            put_be64(pos, head);
            memcpy(value, pos, 8);
            MDB_val k = { 8, pos }, v = { value_size, value };
            if ((rc = mdb_put(txn, db->log, &k, &v, MDB_APPEND)) != 0) break;
            skey[name_len] = 0;
            put_be64(skey + name_len + 1, version);
            MDB_val sk = { (size_t)name_len + 9, skey }, sv = { 8, pos };
            if ((rc = mdb_put(txn, db->streams, &sk, &sv, MDB_NOOVERWRITE)) != 0) break;
            // Time-ordered ids, like CRMKit's default UUIDv7: a rising prefix, then random bytes.
            put_be64(id, ++db->id_counter);
            if (getrandom(id + 8, 8, 0) != 8) { rc = -1; break; }
            MDB_val ik = { 16, id }, iv = { 8, pos };
            if ((rc = mdb_put(txn, db->ids, &ik, &iv, MDB_NOOVERWRITE)) != 0) break;
        }
        if (rc != 0) break;
    }
    if (rc != 0) { mdb_txn_abort(txn); return rc; }
    rc = mdb_txn_commit(txn);
    if (rc == 0) db->head = head;
    return rc;
}
