/* The protobuf-c messages the shim speaks, generated at build time from shim/proto/. */
#ifndef WAOT_SHIM_PB_H
#define WAOT_SHIM_PB_H

#include <protobuf-c/protobuf-c.h>

#include "github.com/containerd/containerd/api/events/task.pb-c.h"
#include "github.com/containerd/containerd/api/types/mount.pb-c.h"
#include "github.com/containerd/containerd/api/types/task/task.pb-c.h"
#include "github.com/containerd/containerd/runtime/v2/task/shim.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#endif
