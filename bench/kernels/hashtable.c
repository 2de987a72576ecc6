/* Hash-table workload: open addressing with linear probing and backward-shift deletion,
 * 64-bit keys and values, 2^20 slots. Each of OPS million operations (argv[1], default 16)
 * is an insert, a lookup or a delete of a pseudo-random key from a window that keeps the
 * table about half full. Random access over a 16 MiB table: cache misses, branches.
 * Prints counts and a checksum of the values found. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define HT_BITS 20
#define HT_SIZE (1u << HT_BITS)
#define HT_MASK (HT_SIZE - 1)
#define HT_EMPTY 0 /* key 0 is never stored */

struct ht_slot {
    uint64_t key, value;
};

static struct ht_slot *ht_slots;
static uint32_t ht_count;

static uint32_t ht_home(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdu;
    key ^= key >> 33;
    return (uint32_t)key & HT_MASK;
}

/* Returns 1 if inserted, 0 if the key was present (value replaced). */
static int ht_put(uint64_t key, uint64_t value)
{
    for (uint32_t i = ht_home(key);; i = (i + 1) & HT_MASK) {
        if (ht_slots[i].key == key) {
            ht_slots[i].value = value;
            return 0;
        }
        if (ht_slots[i].key == HT_EMPTY) {
            ht_slots[i].key = key;
            ht_slots[i].value = value;
            ht_count++;
            return 1;
        }
    }
}

static struct ht_slot *ht_get(uint64_t key)
{
    for (uint32_t i = ht_home(key);; i = (i + 1) & HT_MASK) {
        if (ht_slots[i].key == key)
            return &ht_slots[i];
        if (ht_slots[i].key == HT_EMPTY)
            return NULL;
    }
}

static int ht_del(uint64_t key)
{
    struct ht_slot *s = ht_get(key);
    if (!s)
        return 0;
    uint32_t hole = (uint32_t)(s - ht_slots);
    /* backward shift: move later entries of the run into the hole when allowed */
    for (uint32_t j = (hole + 1) & HT_MASK; ht_slots[j].key != HT_EMPTY; j = (j + 1) & HT_MASK) {
        uint32_t home = ht_home(ht_slots[j].key);
        if (((j - home) & HT_MASK) >= ((j - hole) & HT_MASK)) {
            ht_slots[hole] = ht_slots[j];
            hole = j;
        }
    }
    ht_slots[hole].key = HT_EMPTY;
    ht_slots[hole].value = 0;
    ht_count--;
    return 1;
}

static uint64_t ht_rng_state = 0x2545f4914f6cdd1du;

static uint64_t ht_rng(void)
{
    ht_rng_state ^= ht_rng_state << 13;
    ht_rng_state ^= ht_rng_state >> 7;
    ht_rng_state ^= ht_rng_state << 17;
    return ht_rng_state;
}

int main(int argc, char **argv)
{
    long mops = argc > 1 ? atol(argv[1]) : 16;
    ht_slots = calloc(HT_SIZE, sizeof *ht_slots);
    if (!ht_slots) {
        fprintf(stderr, "hashtable: out of memory\n");
        return 1;
    }
    const uint64_t window = HT_SIZE; /* keys 1..window; about half present at steady state */
    uint64_t inserted = 0, found = 0, deleted = 0, sum = 0;
    for (long op = 0; op < mops * 1000000; op++) {
        uint64_t r = ht_rng();
        uint64_t key = (r >> 8) % window + 1;
        switch (r & 3) {
        case 0:
        case 1: {
            struct ht_slot *s = ht_get(key);
            if (s) {
                found++;
                sum += s->value;
            }
            break;
        }
        case 2:
            inserted += (uint64_t)ht_put(key, r ^ (key << 3));
            break;
        default:
            deleted += (uint64_t)ht_del(key);
            break;
        }
    }
    /* final scan so the whole table contributes */
    for (uint32_t i = 0; i < HT_SIZE; i++)
        sum = sum * 31 + ht_slots[i].key;
    printf("hashtable %ld Mops: count=%u inserted=%llu found=%llu deleted=%llu sum=%016llx\n",
           mops, ht_count, (unsigned long long)inserted, (unsigned long long)found,
           (unsigned long long)deleted, (unsigned long long)sum);
    free(ht_slots);
    return 0;
}
