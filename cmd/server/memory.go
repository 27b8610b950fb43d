package main

import (
	"math"
	"runtime/debug"
)

// The garbage collector's settings for serving. Go's defaults (GOGC=100, no memory limit) collect whenever the heap
// has doubled, and a request of this server allocates some 200 KiB while its live heap stays a few MiB: under load
// that was a collection every few milliseconds and 18 % of the server's CPU. A larger GOGC collects less often.
//
// The memory limit follows the machine: 90 % of the container's memory limit (its cgroup's, read by automemlimit),
// the rest left for what the runtime does not manage (the binary's own pages). A fixed limit cannot fit both a small
// container and a large one: the 32 MiB this server used to set made the collector run without pause once some 400
// subscriptions were open (each holds tens of KiB), burning a core at 10,000 idle ones. Without a container limit
// (a developer's machine, a plain VM) none is set, as Go does by default, and GOGC alone paces the collector.
//
// Either is overridden by setting GOGC or GOMEMLIMIT, which the Go runtime reads itself (and checks); the server
// then leaves that setting alone.
const (
	defaultGCPercent = 400
	memoryLimitRatio = 0.9
)

// containerMemory returns the memory limit of the container the process runs in, in bytes, or an error when there is
// none (memlimit.ErrNoLimit) or it cannot be read (not in a cgroup, not Linux). main's is memlimit.FromCgroup, which
// reads cgroup v1 and v2.
type containerMemory func() (uint64, error)

// memorySettings returns the settings main applies: the GOGC percentage and the memory limit in bytes, 0 for each
// that the environment sets itself or, for the limit, that no container limit asks for.
func memorySettings(getenv func(string) string, container containerMemory) (gcPercent int, memoryLimit int64) {
	if getenv("GOGC") == "" {
		gcPercent = defaultGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		if limit, err := container(); err == nil && limit > 0 {
			memoryLimit = int64(min(float64(limit)*memoryLimitRatio, math.MaxInt64))
		}
	}
	return gcPercent, memoryLimit
}

// applyMemorySettings applies memorySettings(getenv, container). It is main's, not run's, so that tests which run
// the server in their own process keep the test binary's collector as it is.
func applyMemorySettings(getenv func(string) string, container containerMemory) {
	gcPercent, memoryLimit := memorySettings(getenv, container)
	if gcPercent != 0 {
		debug.SetGCPercent(gcPercent)
	}
	if memoryLimit != 0 {
		debug.SetMemoryLimit(memoryLimit)
	}
}
