/*
 * Compiled-code cache: the first run of a module compiles it, later runs map the artifact
 * from here. `waot run`, `waot compile`, `waot prewarm` and `waot cache ls|gc|rm` all go
 * through this API. libc + libcrypto only, never LLVM.
 *
 * Layout of the cache directory (created 0700 with its parents):
 *   artifacts/<key>.waot     an artifact; <key> is 64 lowercase hex digits
 *   artifacts/<key>.lock     exists while one process compiles that key (flock)
 *   artifacts/.tmp-*         a publish in progress (or left by a crash; gc may remove)
 *   digests/<dev>-<ino>.memo memoised SHA-256 of a module file (see cache_module_digest)
 *
 * Where: $WAOT_CACHE_DIR; else /var/lib/waot/cache when running as root; else
 * $XDG_CACHE_HOME/waot (if absolute); else $HOME/.cache/waot (HOME from the password
 * database when unset).
 *
 * Key: SHA-256("waot-cache-key-v1" || module digest || identity), where the identity
 * (cache_identity) names everything else that changes the code: waot version, artifact
 * format, target triple, CPU name, the host's CPU features when compiling for the host,
 * and the optimisation level. It is computed without LLVM, because the compiler library
 * is only dlopen'd on a miss.
 *
 * Trust: cached files are native code. The cache directory and its subdirectories must be
 * owned by the effective user and not writable by group or others, or cache_open refuses
 * them. An entry is returned by cache_lookup only if it is a regular, non-empty file owned
 * by the effective user and not writable by group or others; otherwise it is a miss and the
 * next publish replaces it. The contents of an entry are checked by the artifact loader;
 * when it rejects one (truncated, corrupt, built for another waot), the caller discards it
 * with cache_discard and compiles again.
 *
 * Concurrency: entries appear atomically (temp file in the same directory, fsync, rename,
 * fsync of the directory), so a reader sees a whole entry or none. Processes starting the
 * same module at once compile it once with this sequence:
 *
 *     if (cache_lookup(c, key, path, sizeof path) == 1) -> run it
 *     cache_lock(c, key, &lk, err)            blocks while another process compiles
 *     if (cache_lookup(c, key, path, sizeof path) == 1) -> unlock, run it
 *     compile; cache_publish(c, key, bytes, len, err); cache_unlock(c, &lk)
 *
 * cache_obtain does exactly this with a caller-supplied builder.
 *
 * A struct cache is used by one thread at a time; several processes may share a directory.
 * Every error names the path involved; nothing here exits or aborts.
 */
#ifndef WAOT_CACHE_H
#define WAOT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "waot/compiler.h"
#include "waot/waot.h"

#define CACHE_KEY_SIZE 32
#define CACHE_HEX_SIZE (2 * CACHE_KEY_SIZE + 1)
#define CACHE_PATH_MAX 4096

struct cache_stats {
    uint64_t digest_hashed;    /* cache_module_digest calls that read the file */
    uint64_t digest_memo_hits; /* ... that used the memo instead */
    uint64_t bytes_hashed;
};

struct cache {
    char dir[CACHE_PATH_MAX]; /* absolute path of the cache directory */
    int dir_fd;               /* these three are owned; closed by cache_close */
    int artifacts_fd;
    int digests_fd;
    uid_t uid;                /* effective uid entries must belong to */
    /* A file whose ctime is less than this many ns before the end of hashing is not
     * memoised: a write in the same timestamp tick would leave (size, mtime, ctime)
     * unchanged. Default 2 s (covers coarse and whole-second file systems). */
    int64_t memo_racy_ns;
    /* Hash modules every time, neither reading nor writing digest memos: for files whose
     * (dev, ino) never come back, such as a module inside a container's fresh overlay
     * mount, a memo would never hit and every run would leave one more behind. */
    bool no_digest_memo;
    struct cache_stats stats;
};

/* Held while compiling one key; see the sequence above. */
struct cache_lock {
    int fd;                   /* owned; -1 when not held */
    char name[CACHE_HEX_SIZE + 8];
};

/* What cache_foreach reports for each entry. */
struct cache_entry_info {
    uint8_t key[CACHE_KEY_SIZE];
    char hex[CACHE_HEX_SIZE];
    const char *path;         /* valid during the callback only */
    uint64_t size;
    int64_t mtime_ns;         /* when it was published */
    int64_t atime_ns;
    int trusted;              /* 1 when cache_lookup would return it */
};

/* ---- directory (cache_dir.c) ---- */

/* Writes the directory cache_open would use into buf; -1 with WAOT_E_IO when no location
 * can be determined or it does not fit. Does not touch the file system. */
int cache_dir_resolve(char *buf, size_t size, struct waot_error *err);
/* Opens (creating with mode 0700 as needed) the resolved directory. -1 with WAOT_E_IO
 * naming the path when it cannot be created or is not safe (owner, permissions). */
int cache_open(struct cache *c, struct waot_error *err);
/* Same with an explicit directory (e.g. a --cache-dir flag); relative paths are made
 * absolute. */
int cache_open_dir(struct cache *c, const char *dir, struct waot_error *err);
/* Releases the descriptors; safe on a zeroed or already closed cache. */
void cache_close(struct cache *c);

/* ---- digests and keys (cache_digest.c, cache_key.c) ---- */

/* SHA-256 of the file at path. For a regular file the result is memoised by (device,
 * inode) together with size, mtime and ctime, so a warm start does not read the file
 * again; any change of those re-hashes it. -1 with WAOT_E_IO naming the path. Failing to
 * write the memo is not an error. */
int cache_module_digest(struct cache *c, const char *path, uint8_t digest[CACHE_KEY_SIZE],
                        struct waot_error *err);
/* File-state memos, the mechanism behind cache_module_digest, for other callers too (the
 * image store memoises archive -> manifest digest with it): a one-line value remembered
 * for a file while its device, inode, size, mtime and ctime (ns) stay the same. The memo
 * is dir_fd/<dev>-<ino><suffix>, text "<magic>\n<dev> <ino> <size> <mtime> <ctime> <value>\n";
 * it is used only when it belongs to uid, is not group/other-writable and matches st
 * exactly. cache_memo_get: 1 and value filled, 0 when there is no usable memo.
 * cache_memo_stable: 1 when a file hashed through fd (bytes_read bytes, stat st before)
 * did not change meanwhile and its ctime is at least racy_ns old, so a memo is safe.
 * cache_memo_put: publishes the memo (temp + rename); -1 when it cannot (harmless). */
#define CACHE_MEMO_VALUE_MAX 1024
struct stat;
int cache_memo_get(int dir_fd, uid_t uid, const char *magic, const char *suffix,
                   const struct stat *st, char *value, size_t size);
int cache_memo_stable(const struct stat *st, int fd, uint64_t bytes_read, int64_t racy_ns);
int cache_memo_put(int dir_fd, const char *magic, const char *suffix, const struct stat *st,
                   const char *value);
/* SHA-256 of a buffer; -1 (no error record) only if libcrypto fails. */
int cache_sha256(const void *data, size_t len, uint8_t out[CACHE_KEY_SIZE]);
/* Writes the code identity for opt (NULL: defaults) into buf, e.g.
 * "waot 0.1.0;art 1;abi 1;triple x86_64-unknown-linux-gnu;cpu host;opt 2;lacks +avx512f".
 * -1 with WAOT_E_USAGE when it does not fit. */
int cache_identity(const struct waot_compile_options *opt, char *buf, size_t size,
                   struct waot_error *err);
/* The identity another machine gives this machine's architecture: what
 * `waot prewarm --target <this arch>-linux-gnu` (generic CPU) computes on an x86_64 or
 * aarch64 host alike. A run for this machine falls back to such an entry on a miss, so that
 * a cache filled elsewhere is used unchanged. */
int cache_identity_portable(int opt_level, char *buf, size_t size, struct waot_error *err);
/* key = SHA-256 of the module digest and the identity string; -1 with WAOT_E_INTERNAL
 * only if libcrypto fails. */
int cache_key(const uint8_t digest[CACHE_KEY_SIZE], const char *identity,
              uint8_t key[CACHE_KEY_SIZE], struct waot_error *err);
/* 64 lowercase hex digits and a NUL; cache_hex_parse returns -1 unless s is exactly that. */
void cache_hex(const uint8_t key[CACHE_KEY_SIZE], char out[CACHE_HEX_SIZE]);
int cache_hex_parse(const char *s, uint8_t key[CACHE_KEY_SIZE]);

/* ---- entries (cache_entry.c, cache_lock.c, cache_obtain.c) ---- */

/* Path the entry for key has (whether or not it exists); -1 when it does not fit. */
int cache_entry_path(const struct cache *c, const uint8_t key[CACHE_KEY_SIZE], char *buf,
                     size_t size);
/* 1 and the entry's path in path_out on a hit; 0 on a miss (absent, empty, not a regular
 * file, not ours, or writable by group/others). */
int cache_lookup(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], char *path_out, size_t size);
/* Publishes data as the entry for key, replacing any previous one. -1 with WAOT_E_IO
 * naming the path; no temporary is left behind on failure. */
int cache_publish(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], const uint8_t *data,
                  size_t len, struct waot_error *err);
/* Removes the entry for key (absent is fine). -1 with WAOT_E_IO naming the path. */
int cache_discard(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], struct waot_error *err);
/* Calls fn for every entry (lock and temporary files are skipped) in directory order;
 * stops early when fn returns non-zero and returns that value. -1 with WAOT_E_IO when the
 * directory cannot be read. */
int cache_foreach(struct cache *c, int (*fn)(const struct cache_entry_info *e, void *arg),
                  void *arg, struct waot_error *err);

/* How cache_obtain makes an artifact on a miss: build sets *out and *len (0) or fills err (-1);
 * release (may be NULL) then frees *out. */
struct cache_builder {
    int (*build)(void *arg, uint8_t **out, size_t *len, struct waot_error *err);
    void (*release)(void *arg, uint8_t *buf);
    void *arg;
};

/* The sequence above in one call: 1 when the entry was in the cache, 0 when it was built
 * and published now (by this process), -1 with err from the lock, the builder or publish.
 * path_out holds the entry's path when the result is 0 or 1. When the loader then rejects
 * the entry, the caller discards it and calls cache_obtain again. */
int cache_obtain(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], const struct cache_builder *b,
                 char *path_out, size_t size, struct waot_error *err);

/* Takes the exclusive compile lock for key, waiting while another process holds it. */
int cache_lock(struct cache *c, const uint8_t key[CACHE_KEY_SIZE], struct cache_lock *lk,
               struct waot_error *err);
/* Releases the lock (removing its file); does nothing when lk is not held. */
void cache_unlock(struct cache *c, struct cache_lock *lk);

/* ---- housekeeping (cache_gc.c) ---- */

/* Removes temporaries and unheld lock files last modified at least min_age_ns ago (use
 * an hour or so: a temporary younger than that may belong to a publish in progress).
 * Returns how many files went, or -1 with WAOT_E_IO naming the directory. */
int cache_gc_leftovers(struct cache *c, int64_t min_age_ns, struct waot_error *err);

/* Last use of an entry: the later of its access time (refreshed by cache_lookup on a hit)
 * and its publish time. */
int64_t cache_entry_last_use(const struct cache_entry_info *e);

struct cache_gc_report {
    uint64_t entries_before, bytes_before;   /* what the directory held */
    uint64_t entries_removed, bytes_removed; /* what went */
};

/* Evicts entries until the total size of those left is at most max_bytes: untrusted ones
 * (which lookup would not return anyway) first, then least recently used first (ties by
 * key). An entry that a running process has mapped stays valid for it. 0 with r filled,
 * or -1 with WAOT_E_IO naming the path. */
int cache_gc_lru(struct cache *c, uint64_t max_bytes, struct cache_gc_report *r,
                 struct waot_error *err);

#endif
