//go:build !unix

package httpapi_test

import "time"

// processCPU is not measured on this platform; benchmarks report wall time only.
func processCPU() time.Duration { return 0 }
