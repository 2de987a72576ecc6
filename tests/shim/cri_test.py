#!/usr/bin/python3
"""The Kubernetes path without a kubelet: a small CRI client against containerd's built-in
CRI plugin (run by tests/shim/ctr_test.sh, case "cri", which starts the private containerd
with a `waot` runtime handler, imports the images, and checks for leftovers afterwards).

Python stubs are generated at run time from the vendored tests/shim/cri/api.proto
(kubernetes/cri-api v0.25.0, runtime.v1) with grpc_tools.protoc into WORKDIR/gen.

One pod with host networking (so no CNI is needed) on the given runtime handler:
  RunPodSandbox -> for each container: CreateContainer, StartContainer, poll ContainerStatus
  until EXITED, check the exit code and the CRI log file ("<time> stdout F <line>") ->
  with --long: a long-running container, RUNNING, ContainerStats (the shim's Stats),
  UpdateContainerResources (its Update), StopContainer (Kill, then the exit) ->
  StopPodSandbox -> RemovePodSandbox -> no pod and no container listed any more.
Exits 0 when every check passed; prints "FAIL: ..." lines otherwise.
"""
import argparse
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CALL_TIMEOUT = 60      # seconds per CRI call
EXIT_TIMEOUT = 30      # seconds for a container to exit

failures = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    failures.append(msg)


def generate_stubs(gen_dir):
    from grpc_tools import protoc
    os.makedirs(gen_dir, exist_ok=True)
    proto_dir = os.path.join(HERE, "cri")
    rc = protoc.main(["protoc", "-I" + proto_dir, "--python_out=" + gen_dir,
                      "--grpc_python_out=" + gen_dir, os.path.join(proto_dir, "api.proto")])
    if rc != 0:
        sys.exit("FAIL: grpc_tools.protoc could not compile %s/api.proto" % proto_dir)
    sys.path.insert(0, gen_dir)


def call(stub, method, request):
    """One CRI call; a gRPC error ends the test with the method, code and message."""
    import grpc
    try:
        return getattr(stub, method)(request, timeout=CALL_TIMEOUT)
    except grpc.RpcError as e:
        sys.exit("FAIL: %s: %s: %s" % (method, e.code(), e.details()))


def wait_exited(rt, pb, cid, name):
    deadline = time.monotonic() + EXIT_TIMEOUT
    while True:
        status = call(rt, "ContainerStatus", pb.ContainerStatusRequest(container_id=cid)).status
        if status.state == pb.CONTAINER_EXITED:
            return status
        if time.monotonic() > deadline:
            fail("container %s still %s after %d s" % (name, pb.ContainerState.Name(status.state),
                                                        EXIT_TIMEOUT))
            return status
        time.sleep(0.1)


def check_log(path, expected_lines):
    """CRI log format: RFC 3339 time, stream, tag (F full line, P partial), content."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        fail("container log %s: %s" % (path, e))
        return
    lines = text.splitlines()
    fmt = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) [FP] ")
    for line in lines:
        if not fmt.match(line):
            fail("log line not in CRI format: %r" % line)
    contents = [line.split(" ", 3)[3] for line in lines if fmt.match(line) and " stdout F " in line]
    for want in expected_lines:
        if want not in contents:
            fail("log %s lacks the stdout line %r; it holds:\n%s" % (path, want, text))


def long_running(rt, pb, sandbox, pod, args, spec):
    """What a kubelet does to a running container: stats, a resource update, a stop."""
    name = spec["name"]
    config = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name, attempt=0),
                                image=pb.ImageSpec(image=args.image),
                                command=spec["command"], log_path=name + ".log")
    cid = call(rt, "CreateContainer", pb.CreateContainerRequest(
        pod_sandbox_id=sandbox, config=config, sandbox_config=pod)).container_id
    if args.ids:
        with open(args.ids, "a") as f:
            f.write(cid + "\n")
    call(rt, "StartContainer", pb.StartContainerRequest(container_id=cid))
    state = call(rt, "ContainerStatus", pb.ContainerStatusRequest(container_id=cid)).status.state
    if state != pb.CONTAINER_RUNNING:
        fail("container %s state %s, expected CONTAINER_RUNNING" % (name, pb.ContainerState.Name(state)))
    stats = call(rt, "ContainerStats", pb.ContainerStatsRequest(container_id=cid)).stats
    if stats.attributes.id != cid:
        fail("ContainerStats of %s names %r" % (name, stats.attributes.id))
    if not stats.memory.working_set_bytes.value and not stats.memory.timestamp:
        fail("ContainerStats of %s has no memory figures" % name)
    print("container %s (%s): running, memory working set %d bytes" % (
        name, cid[:12], stats.memory.working_set_bytes.value), flush=True)
    call(rt, "UpdateContainerResources", pb.UpdateContainerResourcesRequest(
        container_id=cid, linux=pb.LinuxContainerResources(memory_limit_in_bytes=256 << 20,
                                                            cpu_shares=512)))
    call(rt, "StopContainer", pb.StopContainerRequest(container_id=cid, timeout=10))
    st = call(rt, "ContainerStatus", pb.ContainerStatusRequest(container_id=cid)).status
    print("container %s stopped: state %s exit code %d" % (
        name, pb.ContainerState.Name(st.state), st.exit_code), flush=True)
    if st.state != pb.CONTAINER_EXITED or st.exit_code not in (143, 137):
        fail("container %s after StopContainer: state %s exit code %d, expected EXITED 143" % (
            name, pb.ContainerState.Name(st.state), st.exit_code))
    call(rt, "RemoveContainer", pb.RemoveContainerRequest(container_id=cid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True, help="containerd's gRPC socket")
    ap.add_argument("--handler", required=True, help="runtime handler of the pod (waot, runc)")
    ap.add_argument("--image", required=True)
    ap.add_argument("--container", action="append", required=True, metavar="JSON",
                    help='{"name", "command": [...], "exit_code", "stdout": [lines]}; repeatable')
    ap.add_argument("--long", metavar="JSON",
                    help='{"name", "command": [...]}: a container that runs until stopped')
    ap.add_argument("--workdir", required=True, help="for stubs and pod logs (must exist or be creatable)")
    ap.add_argument("--ids", help="file to append the sandbox id to (for the caller's socket check)")
    args = ap.parse_args()

    generate_stubs(os.path.join(args.workdir, "gen"))
    import grpc
    import api_pb2 as pb
    import api_pb2_grpc as pbg

    channel = grpc.insecure_channel("unix://" + args.socket)
    rt = pbg.RuntimeServiceStub(channel)
    img = pbg.ImageServiceStub(channel)

    version = call(rt, "Version", pb.VersionRequest(version="v1"))
    print("CRI runtime %s %s, API %s" % (version.runtime_name, version.runtime_version,
                                          version.runtime_api_version), flush=True)
    present = call(img, "ImageStatus", pb.ImageStatusRequest(image=pb.ImageSpec(image=args.image)))
    if not present.image.id:
        sys.exit("FAIL: CRI does not see image %s" % args.image)

    log_dir = os.path.join(args.workdir, "pod-logs")
    os.makedirs(log_dir, exist_ok=True)
    pod = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name="waot-pod", uid="waot-pod-uid-1", namespace="default",
                                       attempt=0),
        # no hostname: a host-network pod shares the host's UTS namespace (runc refuses it)
        log_directory=log_dir,
        linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
            namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD))))
    sandbox = call(rt, "RunPodSandbox",
                   pb.RunPodSandboxRequest(config=pod, runtime_handler=args.handler)).pod_sandbox_id
    print("sandbox %s on handler %s" % (sandbox, args.handler), flush=True)
    if args.ids:
        with open(args.ids, "a") as f:
            f.write(sandbox + "\n")
    status = call(rt, "PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox)).status
    if status.state != pb.SANDBOX_READY:
        fail("sandbox state %s, expected SANDBOX_READY" % pb.PodSandboxState.Name(status.state))

    for spec_json in args.container:
        spec = json.loads(spec_json)
        name = spec["name"]
        config = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name, attempt=0),
                                    image=pb.ImageSpec(image=args.image),
                                    command=spec["command"], log_path=name + ".log")
        cid = call(rt, "CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=sandbox, config=config, sandbox_config=pod)).container_id
        if args.ids:
            with open(args.ids, "a") as f:
                f.write(cid + "\n")
        call(rt, "StartContainer", pb.StartContainerRequest(container_id=cid))
        st = wait_exited(rt, pb, cid, name)
        print("container %s (%s): state %s exit code %d reason %r" % (
            name, cid[:12], pb.ContainerState.Name(st.state), st.exit_code, st.reason), flush=True)
        if st.exit_code != spec["exit_code"]:
            fail("container %s exit code %d, expected %d" % (name, st.exit_code, spec["exit_code"]))
        if st.log_path != os.path.join(log_dir, name + ".log"):
            fail("container %s log path %r" % (name, st.log_path))
        check_log(os.path.join(log_dir, name + ".log"), spec["stdout"])

    if args.long:
        long_running(rt, pb, sandbox, pod, args, json.loads(args.long))

    call(rt, "StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=sandbox))
    call(rt, "RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox))
    left = call(rt, "ListPodSandbox", pb.ListPodSandboxRequest()).items
    if left:
        fail("pods left after RemovePodSandbox: %s" % [p.id for p in left])
    left = call(rt, "ListContainers", pb.ListContainersRequest()).containers
    if left:
        fail("containers left after RemovePodSandbox: %s" % [c.id for c in left])
    channel.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
