/*
 * Unit tests for shim_spec.c: config.json as ctr and CRI write it (process, root, mounts,
 * annotations, namespaces with paths, cgroupsPath, resources) parsed into struct shim_spec;
 * then a table of bad files, each expected to fail with a message naming the field; then
 * Exec's process objects and Update's resources. Files live in a mkdtemp bundle.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim_spec.h"
#include "check.h"

static char bundle[64];

static void write_config(const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static const char good[] =
    "{\"ociVersion\":\"1.0.2-dev\","
    " \"process\":{\"terminal\":false,\"user\":{\"uid\":1000,\"gid\":1001,\"additionalGids\":[5,6]},"
    "  \"args\":[\"/hello.wasm\",\"a b\"],\"env\":[\"PATH=/\",\"X=1=2\"],\"cwd\":\"/work\","
    "  \"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0},"
    "              {\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512}],"
    "  \"noNewPrivileges\":true,\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}},"
    " \"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    " \"hostname\":\"h1\","
    " \"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
    "              \"options\":[\"nosuid\",\"noexec\"]},"
    "             {\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\","
    "              \"options\":[\"rbind\",\"ro\"]},"
    "             {\"destination\":\"/tmp\"}],"
    " \"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
    "                  \"io.kubernetes.cri.sandbox-id\":\"sb1\"},"
    " \"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/var/run/netns/cni-1\"},"
    "                           {\"type\":\"ipc\",\"path\":\"/proc/42/ns/ipc\"},{\"type\":\"uts\",\"path\":\"\"},"
    "                           {\"type\":\"mount\"}],"
    "   \"cgroupsPath\":\"/default/c1\","
    "   \"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
    "     \"memory\":{\"limit\":67108864,\"swap\":-1},\"pids\":{\"limit\":100},"
    "     \"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000}}}}";

static void test_good(void)
{
    write_config(good);
    struct shim_spec s;
    struct waot_error err = {0};
    CHECK(shim_spec_load(bundle, &s, &err) == 0);
    if (err.msg[0])
        fprintf(stderr, "load: %s\n", err.msg);
    CHECK(s.process.nargs == 2 && strcmp(s.process.args[0], "/hello.wasm") == 0 &&
          strcmp(s.process.args[1], "a b") == 0);
    CHECK(s.process.nenv == 2 && strcmp(s.process.env[1], "X=1=2") == 0);
    CHECK(strcmp(s.process.cwd, "/work") == 0);
    CHECK(s.process.uid == 1000 && s.process.gid == 1001);
    CHECK(s.process.nadditional_gids == 2 && s.process.additional_gids[1] == 6);
    CHECK(s.process.nofile == 1024);
    CHECK(s.process.no_new_privileges && !s.process.terminal);
    CHECK(strcmp(s.root_path, "rootfs") == 0 && s.root_readonly);
    CHECK(s.hostname && strcmp(s.hostname, "h1") == 0);
    CHECK(s.nmounts == 3);
    CHECK(strcmp(s.mounts[1].destination, "/data") == 0 && strcmp(s.mounts[1].type, "bind") == 0 &&
          strcmp(s.mounts[1].source, "/srv/data") == 0 && s.mounts[1].noptions == 2 &&
          strcmp(s.mounts[1].options[1], "ro") == 0);
    CHECK(s.mounts[2].type == NULL && s.mounts[2].source == NULL && s.mounts[2].noptions == 0);
    CHECK(shim_spec_is_sandbox(&s));
    CHECK(strcmp(shim_spec_group(&s), "sb1") == 0);
    CHECK(shim_spec_annotation(&s, "nope") == NULL);
    CHECK(s.ns_wanted[SHIM_NS_PID] && s.ns_path[SHIM_NS_PID] == NULL);
    CHECK(s.ns_wanted[SHIM_NS_NET] && strcmp(s.ns_path[SHIM_NS_NET], "/var/run/netns/cni-1") == 0);
    CHECK(strcmp(s.ns_path[SHIM_NS_IPC], "/proc/42/ns/ipc") == 0);
    CHECK(s.ns_wanted[SHIM_NS_UTS] && s.ns_path[SHIM_NS_UTS] == NULL); /* "" = new */
    CHECK(!s.ns_wanted[SHIM_NS_USER]);
    CHECK(strcmp(s.cgroups_path, "/default/c1") == 0);
    CHECK(s.resources.memory_limit == 67108864 && s.resources.memory_swap == 0);
    CHECK(s.resources.pids_limit == 100 && s.resources.cpu_shares == 1024);
    CHECK(s.resources.cpu_quota == 50000 && s.resources.cpu_period == 100000);
    shim_spec_free(&s);

    /* the minimum: process.args and root.path; cwd defaults to "/", no group */
    write_config("{\"process\":{\"args\":[\"m.wasm\"]},\"root\":{\"path\":\"/abs/rootfs\"}}");
    CHECK(shim_spec_load(bundle, &s, &err) == 0);
    CHECK(strcmp(s.process.cwd, "/") == 0 && s.nmounts == 0 && s.nannotations == 0);
    CHECK(!shim_spec_is_sandbox(&s) && shim_spec_group(&s) == NULL && s.cgroups_path == NULL);
    shim_spec_free(&s);
}

struct bad_case {
    const char *name;
    const char *json;
    const char *expect;        /* substring of the message */
};

static const struct bad_case bad_cases[] = {
    {"not json", "{\"process\":", "line 1"},
    {"not an object", "[1,2]", "not an object"},
    {"no process", "{\"root\":{\"path\":\"r\"}}", "process: missing"},
    {"process wrong type", "{\"process\":[],\"root\":{\"path\":\"r\"}}", "process: not an object"},
    {"no args", "{\"process\":{},\"root\":{\"path\":\"r\"}}", "process.args: missing or empty"},
    {"empty args", "{\"process\":{\"args\":[]},\"root\":{\"path\":\"r\"}}", "process.args: missing"},
    {"empty args[0]", "{\"process\":{\"args\":[\"\"]},\"root\":{\"path\":\"r\"}}", "process.args"},
    {"args wrong type", "{\"process\":{\"args\":\"m.wasm\"},\"root\":{\"path\":\"r\"}}",
     "process.args: not an array"},
    {"args item type", "{\"process\":{\"args\":[\"m\",7]},\"root\":{\"path\":\"r\"}}",
     "process.args[1]: not a string"},
    {"NUL in arg", "{\"process\":{\"args\":[\"m\\u0000x\"]},\"root\":{\"path\":\"r\"}}",
     "u0000 is not allowed"}, /* jansson refuses it already */
    {"env no =", "{\"process\":{\"args\":[\"m\"],\"env\":[\"PATH=/\",\"JUNK\"]},\"root\":{\"path\":\"r\"}}",
     "process.env[1]: not KEY=VALUE"},
    {"relative cwd", "{\"process\":{\"args\":[\"m\"],\"cwd\":\"work\"},\"root\":{\"path\":\"r\"}}",
     "process.cwd: not an absolute path"},
    {"cwd wrong type", "{\"process\":{\"args\":[\"m\"],\"cwd\":1},\"root\":{\"path\":\"r\"}}",
     "process.cwd: not a string"},
    {"terminal type", "{\"process\":{\"args\":[\"m\"],\"terminal\":\"yes\"},\"root\":{\"path\":\"r\"}}",
     "process.terminal: not a boolean"},
    {"uid negative", "{\"process\":{\"args\":[\"m\"],\"user\":{\"uid\":-1}},\"root\":{\"path\":\"r\"}}",
     "process.user.uid: -1 is out of range"},
    {"uid float", "{\"process\":{\"args\":[\"m\"],\"user\":{\"uid\":1.5}},\"root\":{\"path\":\"r\"}}",
     "process.user.uid: not an integer"},
    {"gids item", "{\"process\":{\"args\":[\"m\"],\"user\":{\"additionalGids\":[1,\"x\"]}},\"root\":{\"path\":\"r\"}}",
     "process.user.additionalGids[1]: not a group id"},
    {"rlimit soft>hard", "{\"process\":{\"args\":[\"m\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]},\"root\":{\"path\":\"r\"}}",
     "process.rlimits[0]: soft is above hard"},
    {"rlimit no type", "{\"process\":{\"args\":[\"m\"],\"rlimits\":[{\"hard\":1,\"soft\":1}]},\"root\":{\"path\":\"r\"}}",
     "process.rlimits[0]: type is missing"},
    {"no root", "{\"process\":{\"args\":[\"m\"]}}", "root: missing"},
    {"no root.path", "{\"process\":{\"args\":[\"m\"]},\"root\":{}}", "root.path: missing"},
    {"root readonly type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\",\"readonly\":1}}",
     "root.readonly: not a boolean"},
    {"mounts type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"mounts\":{}}",
     "mounts: not an array"},
    {"mount no destination", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"mounts\":[{\"type\":\"bind\"}]}",
     "mounts[0]: destination is missing"},
    {"mount relative destination", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"b\"}]}",
     "mounts[1].destination: not an absolute path"},
    {"mount options type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/a\",\"options\":[1]}]}",
     "mounts[0].options[0]: not a string"},
    {"annotations type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"annotations\":[]}",
     "annotations: not an object"},
    {"annotation value", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"annotations\":{\"k\":1}}",
     "annotations.k: not a string"},
    {"duplicate key", "{\"process\":{\"args\":[\"m\"]},\"process\":{\"args\":[\"n\"]},\"root\":{\"path\":\"r\"}}",
     "duplicate"},
    {"namespace unknown", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}",
     "linux.namespaces[0]: unknown namespace type"},
    {"namespace twice", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"ipc\"},{\"type\":\"ipc\"}]}}",
     "linux.namespaces[1]: namespace type listed twice"},
    {"namespace relative path", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"netns\"}]}}",
     "linux.namespaces[0].path: not an absolute path"},
    {"cgroupsPath type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"cgroupsPath\":5}}",
     "linux.cgroupsPath: not a string"},
    {"memory limit type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}",
     "linux.resources.memory.limit: not an integer"},
    {"pids limit range", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"pids\":{\"limit\":-5}}}}",
     "linux.resources.pids.limit: -5 is out of range"},
    {"cpu period range", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"cpu\":{\"period\":99999999}}}}",
     "linux.resources.cpu.period"},
    {"resources type", "{\"process\":{\"args\":[\"m\"]},\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":[]}}",
     "linux.resources: not an object"},
};

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        write_config(c->json);
        struct shim_spec s;
        struct waot_error err = {0};
        int rc = shim_spec_load(bundle, &s, &err);
        bool ok = rc < 0 && strstr(err.msg, c->expect) != NULL && strstr(err.msg, "config.json") != NULL;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  case \"%s\": rc %d, message \"%s\"\n", c->name, rc, err.msg);
        if (rc == 0)
            shim_spec_free(&s);
    }
    /* huge arrays: 20000 args are refused with the count */
    size_t n = 20000;
    char *big = malloc(n * 4 + 128);
    size_t len = (size_t)sprintf(big, "{\"process\":{\"args\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(big + len, "%s\"a\"", i ? "," : "");
    sprintf(big + len, "]},\"root\":{\"path\":\"r\"}}");
    write_config(big);
    free(big);
    struct shim_spec s;
    struct waot_error err = {0};
    CHECK(shim_spec_load(bundle, &s, &err) < 0 && strstr(err.msg, "process.args: 20000 entries") != NULL);
    /* missing file */
    CHECK(shim_spec_load("/nonexistent-waot-bundle", &s, &err) < 0 &&
          strstr(err.msg, "/nonexistent-waot-bundle/config.json") != NULL);
}

static void test_exec_and_update(void)
{
    const char proc[] = "{\"args\":[\"/tool.wasm\",\"-v\"],\"env\":[\"A=b\"],\"cwd\":\"/\","
                        "\"user\":{\"uid\":0,\"gid\":0},\"terminal\":false}";
    struct shim_process_spec p;
    struct waot_error err = {0};
    CHECK(shim_process_spec_parse(proc, sizeof proc - 1, "exec e1", &p, &err) == 0);
    CHECK(p.nargs == 2 && strcmp(p.args[1], "-v") == 0 && p.nenv == 1);
    shim_process_spec_free(&p);
    const char bad[] = "{\"args\":[\"/tool.wasm\"],\"cwd\":\"rel\"}";
    CHECK(shim_process_spec_parse(bad, sizeof bad - 1, "exec e1", &p, &err) < 0);
    CHECK(strcmp(err.msg, "exec e1: process.cwd: not an absolute path") == 0);
    CHECK(shim_process_spec_parse("nope", 4, "exec e2", &p, &err) < 0 &&
          strncmp(err.msg, "exec e2: ", 9) == 0);

    const char res[] = "{\"memory\":{\"limit\":1048576},\"cpu\":{\"shares\":256}}";
    struct shim_resources r;
    CHECK(shim_spec_resources_parse(res, sizeof res - 1, "update", &r, &err) == 0);
    CHECK(r.memory_limit == 1048576 && r.cpu_shares == 256 && r.pids_limit == 0);
    const char badres[] = "{\"memory\":{\"limit\":true}}";
    CHECK(shim_spec_resources_parse(badres, sizeof badres - 1, "update", &r, &err) < 0 &&
          strcmp(err.msg, "update: resources.memory.limit: not an integer") == 0);
}

int main(void)
{
    snprintf(bundle, sizeof bundle, "/tmp/waot-shim-spec-XXXXXX");
    if (!mkdtemp(bundle)) {
        perror("mkdtemp");
        return 1;
    }
    test_good();
    test_bad();
    test_exec_and_update();
    char path[128];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    unlink(path);
    rmdir(bundle);
    return check_summary(NULL);
}
