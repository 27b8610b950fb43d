package recur

// PeriodsLooked is how many schedule periods the package has looked at so far, the measure of its work.
func PeriodsLooked() int64 { return periodsLooked.Load() }

// ZonesCached is how many zones the package keeps loaded.
func ZonesCached() int64 { return zonesCached.Load() }
