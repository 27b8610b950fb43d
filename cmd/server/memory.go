package main

import "runtime/debug"

// The garbage collector's settings for serving. Go's defaults (GOGC=100, no memory limit) collect whenever the heap
// has doubled, and a request of this server allocates some 200 KiB while its live heap stays a few MiB: under load
// that was a collection every few milliseconds and 18 % of the server's CPU. A larger GOGC collects less often, and
// the memory limit keeps the heap from growing with it, so that the process stays within the 64 MiB it is meant to
// run in (the binary's own pages come on top of the limit). Either is overridden by setting GOGC or GOMEMLIMIT,
// which the Go runtime reads itself (and checks); the server then leaves that setting alone.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 32 << 20
)

// memorySettings returns the settings main applies: the GOGC percentage and the memory limit in bytes, 0 for each
// that the environment sets itself.
func memorySettings(getenv func(string) string) (gcPercent int, memoryLimit int64) {
	if getenv("GOGC") == "" {
		gcPercent = defaultGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		memoryLimit = defaultMemoryLimit
	}
	return gcPercent, memoryLimit
}

// applyMemorySettings applies memorySettings(getenv). It is main's, not run's, so that tests which run the server
// in their own process keep the test binary's collector as it is.
func applyMemorySettings(getenv func(string) string) {
	gcPercent, memoryLimit := memorySettings(getenv)
	if gcPercent != 0 {
		debug.SetGCPercent(gcPercent)
	}
	if memoryLimit != 0 {
		debug.SetMemoryLimit(memoryLimit)
	}
}
