/*
 * Task.Stats: the container's cgroup figures as the metrics message containerd and CRI
 * decode by type (io.containerd.cgroups.v1.Metrics on v1/hybrid hosts, ...v2.Metrics on
 * unified ones): memory in use, number of processes and CPU time.
 */
#include "shim_task_internal.h"

#include <stdlib.h>
#include <unistd.h>

#include "github.com/containerd/cgroups/stats/v1/metrics.pb-c.h"
#include "github.com/containerd/cgroups/v2/stats/metrics.pb-c.h"
#include "shim_pb.h"

/* Serialises a google.protobuf.Any holding m into *out. */
static int pack_any(const char *type_url, const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
    size_t mlen = protobuf_c_message_get_packed_size(m);
    uint8_t *mbuf = malloc(mlen ? mlen : 1);
    if (!mbuf)
        return -1;
    protobuf_c_message_pack(m, mbuf);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = (char *)type_url;
    any.value.data = mbuf;
    any.value.len = mlen;
    Containerd__Task__V2__StatsResponse resp = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;
    resp.stats = &any;
    *len = protobuf_c_message_get_packed_size(&resp.base);
    *out = malloc(*len ? *len : 1);
    if (*out)
        protobuf_c_message_pack(&resp.base, *out);
    free(mbuf);
    return *out ? 0 : -1;
}

int task_stats_encode(struct shim_cgroup *cg, uint8_t **out, size_t *len)
{
    uint64_t mem, pids, cpu_ns;
    shim_cgroup_usage(cg, &mem, &pids, &cpu_ns);
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
        Io__Containerd__Cgroups__V2__PidsStat p = IO__CONTAINERD__CGROUPS__V2__PIDS_STAT__INIT;
        p.current = pids;
        Io__Containerd__Cgroups__V2__CPUStat c = IO__CONTAINERD__CGROUPS__V2__CPUSTAT__INIT;
        c.usage_usec = cpu_ns / 1000;
        Io__Containerd__Cgroups__V2__MemoryStat m = IO__CONTAINERD__CGROUPS__V2__MEMORY_STAT__INIT;
        m.usage = mem;
        Io__Containerd__Cgroups__V2__Metrics metrics = IO__CONTAINERD__CGROUPS__V2__METRICS__INIT;
        metrics.pids = &p;
        metrics.cpu = &c;
        metrics.memory = &m;
        return pack_any("io.containerd.cgroups.v2.Metrics", &metrics.base, out, len);
    }
    Io__Containerd__Cgroups__V1__PidsStat p = IO__CONTAINERD__CGROUPS__V1__PIDS_STAT__INIT;
    p.current = pids;
    Io__Containerd__Cgroups__V1__CPUUsage u = IO__CONTAINERD__CGROUPS__V1__CPUUSAGE__INIT;
    u.total = cpu_ns;
    Io__Containerd__Cgroups__V1__CPUStat c = IO__CONTAINERD__CGROUPS__V1__CPUSTAT__INIT;
    c.usage = &u;
    Io__Containerd__Cgroups__V1__MemoryEntry e = IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
    e.usage = mem;
    Io__Containerd__Cgroups__V1__MemoryStat m = IO__CONTAINERD__CGROUPS__V1__MEMORY_STAT__INIT;
    m.usage = &e;
    Io__Containerd__Cgroups__V1__Metrics metrics = IO__CONTAINERD__CGROUPS__V1__METRICS__INIT;
    metrics.pids = &p;
    metrics.cpu = &c;
    metrics.memory = &m;
    return pack_any("io.containerd.cgroups.v1.Metrics", &metrics.base, out, len);
}
