/*
 * The long-lived shim daemon: logs to the bundle's `log` fifo, starts the task service and
 * serves it over ttrpc until containerd's Shutdown (or until containerd never connects:
 * after a failed `start` nobody else would ever stop us, pitfall 3).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "shim_cli.h"
#include "shim_log.h"
#include "shim_task.h"
#include "ttrpc.h"

#define FIRST_CONNECTION_TIMEOUT_MS 20000

/* containerd made the fifo before `start`; O_NONBLOCK so that a fifo nobody reads any more
 * (containerd gave up on us) cannot hang the daemon in open. */
static void open_log(void)
{
    int fd = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

int shim_daemon_run(const struct shim_flags *f, int listen_fd)
{
    open_log();
    shim_log_debug_enabled = f->debug;
    signal(SIGPIPE, SIG_IGN);
    /* Orphaned grandchildren (none expected: runners do not fork) come back to us. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (chdir("/") != 0)
        shim_warnf("chdir /: %s", strerror(errno));

    struct shim_task_config cfg = {
        .ns = f->ns,
        .ttrpc_address = getenv("TTRPC_ADDRESS"),
        .cache_dir = NULL,
        .debug = f->debug,
    };
    struct waot_error err = {0};
    struct shim_task_service *svc = shim_task_service_new(&cfg, &err);
    if (!svc) {
        shim_errorf("%s", err.msg);
        close(listen_fd);
        return 1;
    }
    size_t n;
    const struct ttrpc_method *methods = shim_task_methods(&n);
    struct ttrpc_server *server = ttrpc_server_new(listen_fd, methods, n, svc, &err);
    if (!server) {
        shim_errorf("%s", err.msg);
        shim_task_service_free(svc);
        return 1;
    }
    shim_task_service_attach(svc, server);
    shim_debugf("serving %s (namespace %s)", f->id ? f->id : "?", f->ns);
    int r = ttrpc_server_serve(server, FIRST_CONNECTION_TIMEOUT_MS);
    if (r == 1)
        shim_warnf("containerd never connected; exiting");
    /* Connections first: no handler may still be working on the service when it goes. */
    ttrpc_server_free(server);
    shim_task_service_free(svc);
    return 0;
}
