/*
 * Hostile guest: calls every preview1 function with pointers and lengths outside linear
 * memory (far out, straddling the end, wrapping around 2^32), and the functions without
 * pointers with out-of-range descriptors, flags and values. A bad pointer must come back
 * as the WASI errno `fault` (21) before anything happens (nothing is written to stdout,
 * nothing is created or changed on disk); bad values get the errno the function documents.
 * The preopen, fd 3, holds f.txt, the symlink lnk and the directory d.
 */
#include "hostile.h"

static const int32_t PRE = 3;

/* Far outside any memory; a range that wraps around 2^32 from a valid start. */
#define BAD ((int32_t)0xfffffff0)
#define WRAP_PTR 16
#define WRAP_LEN ((int32_t)0xfffffff8)
#define HUGE ((int32_t)0x7fffffff)

static uint32_t mem_end; /* bytes of linear memory */
static uint8_t *page;    /* the last page, which this program owns */

#define PATH(s) P(s), LEN(s)

static void args_env_clock(void)
{
    int32_t a = 0, b = 0;
    uint8_t buf[256];
    int32_t ptrs[16];
    check("args_get argv", raw_args_get(BAD, P(buf)), E_FAULT);
    check("args_get argv_buf", raw_args_get(P(ptrs), BAD), E_FAULT);
    check("args_get argv_buf at the end", raw_args_get(P(ptrs), (int32_t)mem_end - 1), E_FAULT);
    check("args_sizes_get argc", raw_args_sizes_get(BAD, P(&b)), E_FAULT);
    check("args_sizes_get size", raw_args_sizes_get(P(&a), BAD), E_FAULT);
    check("environ_get environ", raw_environ_get(BAD, P(buf)), E_FAULT);
    check("environ_get buf", raw_environ_get(P(ptrs), BAD), E_FAULT);
    check("environ_sizes_get count", raw_environ_sizes_get(BAD, P(&b)), E_FAULT);
    check("environ_sizes_get size", raw_environ_sizes_get(P(&a), (int32_t)mem_end - 2), E_FAULT);
    check("clock_res_get", raw_clock_res_get(0, BAD), E_FAULT);
    check("clock_res_get straddling", raw_clock_res_get(0, (int32_t)mem_end - 4), E_FAULT);
    check("clock_time_get", raw_clock_time_get(1, 1, BAD), E_FAULT);
    check("clock_time_get straddling", raw_clock_time_get(1, 1, (int32_t)mem_end - 7), E_FAULT);
    check("clock_time_get last 8 bytes", raw_clock_time_get(1, 1, (int32_t)mem_end - 8), 0);
    check("clock_res_get unknown clock", raw_clock_res_get(99, P(buf)), E_INVAL);
    check("clock_time_get unknown clock", raw_clock_time_get(-1, 0, P(buf)), E_INVAL);
    check("random_get", raw_random_get(BAD, 16), E_FAULT);
    check("random_get wrapping", raw_random_get(WRAP_PTR, WRAP_LEN), E_FAULT);
    check("random_get huge", raw_random_get(P(buf), HUGE), E_FAULT);
    check("random_get empty at the end", raw_random_get((int32_t)mem_end, 0), 0);
    check("random_get empty past the end", raw_random_get((int32_t)mem_end + 1, 0), E_FAULT);
    check("proc_raise", raw_proc_raise(9), E_NOSYS);
    check("sched_yield", raw_sched_yield(), 0);
}

static void fd_io(int32_t f)
{
    int32_t n = 0;
    char text[] = "must not appear\n";
    int32_t good[2] = {P(text), LEN(text)};
    int32_t bad_buf[2] = {BAD, 4};
    int32_t wrap_buf[2] = {WRAP_PTR, WRAP_LEN};
    int32_t second_bad[4] = {P(text), 4, BAD, 4};
    static int32_t empty[2000 * 2]; /* 2000 zero-length iovecs: more than the host takes */
    /* the output pointer is checked before anything is written */
    check("fd_write nwritten", raw_fd_write(1, P(good), 1, BAD), E_FAULT);
    check("fd_write nwritten straddling", raw_fd_write(1, P(good), 1, (int32_t)mem_end - 2),
          E_FAULT);
    check("fd_write iovs", raw_fd_write(1, BAD, 1, P(&n)), E_FAULT);
    check("fd_write iovs_len", raw_fd_write(1, P(good), 0x20000000, P(&n)), E_FAULT);
    check("fd_write iov buf", raw_fd_write(1, P(bad_buf), 1, P(&n)), E_FAULT);
    check("fd_write iov wrapping", raw_fd_write(1, P(wrap_buf), 1, P(&n)), E_FAULT);
    check("fd_write second iov bad", raw_fd_write(1, P(second_bad), 2, P(&n)), E_FAULT);
    check("fd_write 2000 empty iovs", raw_fd_write(1, P(empty), 2000, P(&n)), 0);
    check("fd_write 2000 empty iovs wrote 0", n, 0);
    check("fd_read nread", raw_fd_read(f, P(good), 1, BAD), E_FAULT);
    check("fd_read iovs", raw_fd_read(f, BAD, 1, P(&n)), E_FAULT);
    check("fd_read iov buf", raw_fd_read(f, P(bad_buf), 1, P(&n)), E_FAULT);
    check("fd_read iov wrapping", raw_fd_read(f, P(wrap_buf), 1, P(&n)), E_FAULT);
    check("fd_pread iovs", raw_fd_pread(f, BAD, 1, 0, P(&n)), E_FAULT);
    check("fd_pread iov buf", raw_fd_pread(f, P(bad_buf), 1, 0, P(&n)), E_FAULT);
    check("fd_pread nread", raw_fd_pread(f, P(good), 1, 0, BAD), E_FAULT);
    check("fd_pread offset", raw_fd_pread(f, P(good), 1, -1, P(&n)), E_INVAL);
    check("fd_pwrite iovs", raw_fd_pwrite(f, BAD, 1, 0, P(&n)), E_FAULT);
    check("fd_pwrite iov buf", raw_fd_pwrite(f, P(bad_buf), 1, 0, P(&n)), E_FAULT);
    check("fd_pwrite nwritten", raw_fd_pwrite(f, P(good), 1, 0, BAD), E_FAULT);
    check("fd_pwrite offset", raw_fd_pwrite(f, P(good), 1, -1, P(&n)), E_INVAL);
    check("fd_seek", raw_fd_seek(f, 0, 0, BAD), E_FAULT);
    check("fd_seek straddling", raw_fd_seek(f, 0, 0, (int32_t)mem_end - 4), E_FAULT);
    check("fd_seek whence", raw_fd_seek(f, 0, 99, P(&n)), E_INVAL);
    check("fd_seek negative", raw_fd_seek(f, -1, 0, P(page)), E_INVAL);
    check("fd_tell", raw_fd_tell(f, BAD), E_FAULT);
    check("fd_tell last 8 bytes", raw_fd_tell(f, (int32_t)mem_end - 8), 0);
}

static void fd_meta(int32_t f)
{
    uint8_t buf[128];
    int32_t n = 0;
    check("fd_fdstat_get", raw_fd_fdstat_get(1, BAD), E_FAULT);
    check("fd_fdstat_get straddling", raw_fd_fdstat_get(1, (int32_t)mem_end - 8), E_FAULT);
    check("fd_filestat_get", raw_fd_filestat_get(f, BAD), E_FAULT);
    check("fd_filestat_get straddling", raw_fd_filestat_get(f, (int32_t)mem_end - 32), E_FAULT);
    check("fd_prestat_get", raw_fd_prestat_get(PRE, BAD), E_FAULT);
    check("fd_prestat_dir_name", raw_fd_prestat_dir_name(PRE, BAD, 5), E_FAULT);
    check("fd_prestat_dir_name huge", raw_fd_prestat_dir_name(PRE, P(buf), HUGE), E_FAULT);
    check("fd_readdir buf", raw_fd_readdir(PRE, BAD, 128, 0, P(&n)), E_FAULT);
    check("fd_readdir buf_len", raw_fd_readdir(PRE, P(buf), HUGE, 0, P(&n)), E_FAULT);
    check("fd_readdir wrapping", raw_fd_readdir(PRE, WRAP_PTR, WRAP_LEN, 0, P(&n)), E_FAULT);
    check("fd_readdir bufused", raw_fd_readdir(PRE, P(buf), sizeof buf, 0, BAD), E_FAULT);
    check("fd_readdir cookie", raw_fd_readdir(PRE, P(buf), sizeof buf, -1, P(&n)), E_INVAL);
    /* no pointers: out-of-range descriptors, flags and values */
    check("fd_close bad fd", raw_fd_close(HUGE), E_BADF);
    check("fd_close -1", raw_fd_close(-1), E_BADF);
    check("fd_advise offset", raw_fd_advise(f, -1, 0, 0), E_INVAL);
    check("fd_advise advice", raw_fd_advise(f, 0, 0, 99), E_INVAL);
    check("fd_allocate", raw_fd_allocate(f, 0, (int64_t)1 << 62), E_NOTSUP);
    check("fd_datasync bad fd", raw_fd_datasync(0xdead), E_BADF);
    check("fd_sync bad fd", raw_fd_sync(0xdead), E_BADF);
    check("fd_fdstat_set_flags", raw_fd_fdstat_set_flags(f, 0xffff), E_INVAL);
    check("fd_fdstat_set_rights grow", raw_fd_fdstat_set_rights(f, -1, -1), E_NOTCAPABLE);
    check("fd_filestat_set_size", raw_fd_filestat_set_size(f, INT64_MIN), E_FBIG);
    check("fd_filestat_set_times flags", raw_fd_filestat_set_times(f, 0, 0, 0xffff), E_INVAL);
    check("fd_filestat_set_times both", raw_fd_filestat_set_times(f, 0, 0, 3), E_INVAL);
    check("fd_renumber to bad", raw_fd_renumber(1, 0xdead), E_BADF);
    check("fd_renumber from bad", raw_fd_renumber(0xdead, 1), E_BADF);
}

static void path_calls(void)
{
    uint8_t buf[128];
    int32_t n = 0, fd = -1;
    check("path_open path", raw_path_open(PRE, 0, BAD, 5, O_CREAT_, -1, -1, 0, P(&fd)),
          E_FAULT);
    check("path_open path wrapping", raw_path_open(PRE, 0, WRAP_PTR, WRAP_LEN, 0, -1, -1, 0,
                                                   P(&fd)), E_FAULT);
    check("path_open fd out", raw_path_open(PRE, 0, PATH("created.txt"), O_CREAT_, -1, -1, 0,
                                            BAD), E_FAULT);
    check("path_open fd out straddling", raw_path_open(PRE, 0, PATH("created.txt"), O_CREAT_,
                                                       -1, -1, 0, (int32_t)mem_end - 3), E_FAULT);
    check("path_open oflags", raw_path_open(PRE, 0, PATH("f.txt"), 0xffff, -1, -1, 0, P(&fd)),
          E_INVAL);
    check("path_open fdflags", raw_path_open(PRE, 0, PATH("f.txt"), 0, -1, -1, 0xffff, P(&fd)),
          E_INVAL);
    check("path_open bad dir fd", raw_path_open(HUGE, 0, PATH("f.txt"), 0, -1, -1, 0, P(&fd)),
          E_BADF);
    check("path_create_directory", raw_path_create_directory(PRE, BAD, 4), E_FAULT);
    check("path_create_directory huge", raw_path_create_directory(PRE, P(buf), HUGE), E_FAULT);
    check("path_filestat_get path", raw_path_filestat_get(PRE, 0, BAD, 5, P(buf)), E_FAULT);
    check("path_filestat_get out", raw_path_filestat_get(PRE, 0, PATH("f.txt"), BAD), E_FAULT);
    check("path_filestat_get out straddling",
          raw_path_filestat_get(PRE, 0, PATH("f.txt"), (int32_t)mem_end - 63), E_FAULT);
    check("path_filestat_set_times path", raw_path_filestat_set_times(PRE, 0, BAD, 5, 0, 0, 4),
          E_FAULT);
    check("path_filestat_set_times flags",
          raw_path_filestat_set_times(PRE, 0, PATH("f.txt"), 0, 0, 0xffff), E_INVAL);
    check("path_link old", raw_path_link(PRE, 0, BAD, 5, PRE, PATH("linked")), E_FAULT);
    check("path_link new", raw_path_link(PRE, 0, PATH("f.txt"), PRE, BAD, 6), E_FAULT);
    check("path_link bad fd", raw_path_link(PRE, 0, PATH("f.txt"), HUGE, PATH("linked")),
          E_BADF);
    check("path_readlink path", raw_path_readlink(PRE, BAD, 3, P(buf), 16, P(&n)), E_FAULT);
    check("path_readlink buf", raw_path_readlink(PRE, PATH("lnk"), BAD, 16, P(&n)), E_FAULT);
    check("path_readlink buf_len", raw_path_readlink(PRE, PATH("lnk"), P(buf), HUGE, P(&n)),
          E_FAULT);
    check("path_readlink bufused", raw_path_readlink(PRE, PATH("lnk"), P(buf), 16, BAD),
          E_FAULT);
    check("path_remove_directory", raw_path_remove_directory(PRE, BAD, 1), E_FAULT);
    check("path_rename old", raw_path_rename(PRE, BAD, 5, PRE, PATH("renamed")), E_FAULT);
    check("path_rename new", raw_path_rename(PRE, PATH("f.txt"), PRE, BAD, 7), E_FAULT);
    check("path_symlink old", raw_path_symlink(BAD, 5, PRE, PATH("symlinked")), E_FAULT);
    check("path_symlink new", raw_path_symlink(PATH("f.txt"), PRE, BAD, 9), E_FAULT);
    check("path_unlink_file", raw_path_unlink_file(PRE, BAD, 5), E_FAULT);
    check("path_unlink_file wrapping", raw_path_unlink_file(PRE, WRAP_PTR, WRAP_LEN), E_FAULT);
}

static void poll_and_sockets(int32_t f)
{
    /* one clock subscription (48 bytes) and room for its event (32 bytes) */
    static uint8_t sub[48], ev[32];
    int32_t n = 0;
    sub[8] = 0;                     /* clock */
    sub[16] = 1;                    /* monotonic */
    check("poll_oneoff in", raw_poll_oneoff(BAD, P(ev), 1, P(&n)), E_FAULT);
    check("poll_oneoff out", raw_poll_oneoff(P(sub), BAD, 1, P(&n)), E_FAULT);
    check("poll_oneoff nevents", raw_poll_oneoff(P(sub), P(ev), 1, BAD), E_FAULT);
    check("poll_oneoff nsubs huge", raw_poll_oneoff(P(sub), P(ev), HUGE, P(&n)), E_FAULT);
    check("poll_oneoff in straddling", raw_poll_oneoff((int32_t)mem_end - 40, P(ev), 1, P(&n)),
          E_FAULT);
    check("poll_oneoff no subscriptions", raw_poll_oneoff(P(sub), P(ev), 0, P(&n)), E_INVAL);
    check("poll_oneoff works", raw_poll_oneoff(P(sub), P(ev), 1, P(&n)), 0);
    /* sockets: the descriptor is checked first (no socket is preopened here) */
    int32_t iov[2] = {P(sub), 4};
    check("sock_accept file", raw_sock_accept(f, 0, BAD), E_NOTSOCK);
    check("sock_accept bad fd", raw_sock_accept(HUGE, 0, BAD), E_BADF);
    check("sock_recv file", raw_sock_recv(f, P(iov), 1, 0, BAD, BAD), E_NOTSOCK);
    check("sock_recv bad fd", raw_sock_recv(HUGE, BAD, 1, 0, BAD, BAD), E_BADF);
    check("sock_send file", raw_sock_send(f, BAD, 1, 0, BAD), E_NOTSOCK);
    check("sock_send bad fd", raw_sock_send(HUGE, BAD, 1, 0, BAD), E_BADF);
    check("sock_shutdown file", raw_sock_shutdown(f, 3), E_NOTSOCK);
    check("sock_shutdown bad fd", raw_sock_shutdown(HUGE, 99), E_BADF);
}

int main(void)
{
    /* a fresh last page, so that writes near the end of memory hit nothing in use */
    size_t pages = __builtin_wasm_memory_grow(0, 1);
    if (pages == (size_t)-1) {
        printf("cannot grow memory\n");
        return 100;
    }
    page = (uint8_t *)(pages * 65536);
    mem_end = (uint32_t)((pages + 1) * 65536);
    int32_t f = -1;
    check("open f.txt", raw_path_open(PRE, 0, PATH("f.txt"), 0, -1, -1, 0, P(&f)), 0);
    args_env_clock();
    fd_io(f);
    fd_meta(f);
    path_calls();
    poll_and_sockets(f);
    return finish();
}
